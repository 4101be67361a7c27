"""The shift handover: everything open at the change, the outgoing supervisor's note,
the incoming supervisor's acceptance, and who is on duty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Input, Label, Static, TextArea

from hotline import display_names
from hotline.desk.call_states import CallState
from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.supervision.crew import Crew, DutyMember, crew_of, set_crew
from hotline.supervision.handover import (
    HandoverView,
    OpenItems,
    accept_handover,
    hand_over,
    handover_of,
    open_items,
    outgoing_shift,
    pending_handover,
    recent_handovers,
)
from hotline.supervision.rota import ShiftInstance
from hotline.timefmt import short_datetime
from screens.context import DeskContext, DeskScreen
from screens.messages import ShiftChanged
from screens.operations import run_operation
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import Countdown, LiveTable, RowSpec

if TYPE_CHECKING:
    from hotline.desk.operations import Desk


@dataclass(frozen=True)
class HandoverState:
    """What the screen shows, read in one go by a worker."""

    now: datetime
    outgoing: ShiftInstance
    incoming: ShiftInstance
    outgoing_crew: Crew
    incoming_crew: Crew
    mine: HandoverView | None  # the outgoing shift's handover, if written
    pending: HandoverView | None  # the newest handover nobody has taken over
    items: OpenItems
    history: list[HandoverView]
    #: Every engineer of the desk's directory (to complete the crew's logins).
    known: list[str] = field(default_factory=list)
    #: The handover of the shift before the outgoing one (how this shift began).
    previous: HandoverView | None = None


class HandoverLoaded(Message):
    """The handover as a worker read it; ``seq`` says which read (the newest wins)."""

    def __init__(self, state: HandoverState | None, error: str = "", seq: int = 0) -> None:
        super().__init__()
        self.state = state
        self.error = error
        self.seq = seq

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HandoverLoaded)  # the newest read wins


class NoteEditor(TranslatedModalScreen[str | None]):
    """A few lines of text: Ctrl+S saves, Esc cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, title: str, prompt: str, text: str = "") -> None:
        super().__init__()
        self._title = title
        self._prompt = prompt
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-editor") as box:
            box.border_title = self._title
            yield Static(self._prompt, classes="question")
            yield TextArea(self._text, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="note-error", classes="error")
            yield Label(key_hints(("Ctrl+S", _("save")), ("Esc", _("cancel"))), classes="keys")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.query_one("#note-error", Static).update(_("This cannot be empty."))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CrewDialog(TranslatedModalScreen[tuple[str, list[str]] | None]):
    """Who is on duty in a shift: the supervisor and the engineers (logins)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="crew.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="crew.cancel"),
    ]

    def __init__(self, title: str, supervisor: str, engineers: list[str], known: list[str]
                 ) -> None:
        super().__init__()
        self._title = title
        self._supervisor = supervisor
        self._engineers = engineers
        self._known = known

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog crew") as box:
            box.border_title = self._title
            yield Label(_("Supervisor (login)"), classes="label")
            yield Input(self._supervisor, id="crew-supervisor", compact=True)
            yield Label(_("Engineers on duty (logins, separated by commas)"), classes="label")
            yield Input(", ".join(self._engineers), id="crew-engineers", compact=True)
            if self._known:
                yield Static(_("Known: {logins}").format(logins=", ".join(self._known)),
                             classes="info-line")
            yield Label(key_hints(("Enter / Ctrl+S", _("save")), ("Tab", _("next field")),
                                  ("Esc", _("cancel"))), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#crew-supervisor", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "crew-supervisor":
            self.query_one("#crew-engineers", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        sup = self.query_one("#crew-supervisor", Input).value.strip()
        engineers = [e.strip() for e in self.query_one("#crew-engineers", Input).value
                     .replace("，", ",").split(",") if e.strip()]
        self.dismiss((sup, engineers))

    def action_cancel(self) -> None:
        self.dismiss(None)


class HandoverScreen(DeskScreen):
    """The change of shift, without paper."""

    KEY_BAR_OMITS = frozenset({"app.handover"})  # the key to this screen
    BINDINGS = [
        Binding("w", "write", "Write handover", id="handover.write"),
        Binding("t", "take_over", "Take over", id="handover.take_over"),
        Binding("c", "crew", "Who is on duty", id="handover.crew"),
        Binding("h", "toggle_history", "History", id="handover.history"),
        Binding("escape", "close", "Back", id="handover.close"),
    ]

    #: Keys only some roles may use: dimmed on the key bar for the others.
    PERMISSIONS = {"write": "handover", "take_over": "handover", "crew": "set_crew"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = self.PERMISSIONS.get(action)
        if permission is not None and not self.context.may(permission):
            return None
        return True

    def __init__(self, context: DeskContext) -> None:
        super().__init__(context)
        self.state: HandoverState | None = None
        self._load_seq = 0  # reads asked for
        self._shown_seq = 0  # the read on screen

    def compose(self) -> ComposeResult:
        yield Static(id="handover-title", classes="screen-title")
        yield Static(id="handover-state")
        with ContentSwitcher(initial="handover-open", id="handover-views"):
            with Grid(id="handover-open"):
                with Vertical(id="ho-calls-panel", classes="panel"):
                    yield LiveTable([("wait", _("Waiting"), 8), ("number", _("Number"), 14),
                                     ("customer", _("Customer"), 18),
                                     ("state", _("State"), None)],
                                    countdown_column="wait", id="ho-calls")
                with Vertical(id="ho-callbacks-panel", classes="panel"):
                    yield LiveTable([("left", _("Time left"), 9), ("ticket", _("Ticket"), 11),
                                     ("customer", _("Customer"), None)],
                                    countdown_column="left", id="ho-callbacks")
                with Vertical(id="ho-tickets-panel", classes="panel"):
                    yield LiveTable([("left", _("Time left"), 9), ("ticket", _("Ticket"), 11),
                                     ("target", _("Next deadline"), 18),
                                     ("level", _("Level"), 5), ("owner", _("Owner"), None)],
                                    countdown_column="left", id="ho-tickets")
                with Vertical(id="ho-escalations-panel", classes="panel"):
                    yield LiveTable([("over", _("Overdue"), 8), ("what", _("What"), 26),
                                     ("item", _("Call / ticket"), None)],
                                    countdown_column="over", id="ho-escalations")
            with Vertical(id="handover-history", classes="panel"):
                yield DataTable(id="ho-history", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        history = self.query_one("#ho-history", DataTable)
        history.add_columns(_("Shift"), _("Handed over"), _("Open"), _("Taken over"),
                            _("Note"))
        self.query_one("#handover-history").border_title = _("Handovers")
        self.query_one("#ho-calls", LiveTable).focus()
        self.refresh_data()


    # --- data ------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Read the handover again. Reads run in threads and one begun before a change
        (the desk reads on every call that rings) may end after one begun after it: its
        result is dropped, or the handover just given read "Not handed over yet"."""
        self._load_seq += 1
        self._load(self._load_seq)

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.state is not None:
            self.refresh_data()  # back from another screen: it may have changed meanwhile

    @work(thread=True, exclusive=True, group="handover")
    def _load(self, seq: int) -> None:
        desk = self.context.desk
        try:
            rota = self.context.rota
            now = desk.now()
            out = outgoing_shift(desk.engine, rota, now)
            inc = rota.next(out)
            state = HandoverState(
                now, out, inc, crew_of(desk.engine, out), crew_of(desk.engine, inc),
                handover_of(desk.engine, rota, out), pending_handover(
                    desk.engine, rota), open_items(desk.engine, desk.sla, now),
                recent_handovers(desk.engine, rota),
                [m.login for m in desk_engineers(desk)],
                handover_of(desk.engine, rota, rota.previous(out)))
        except HotlineError as exc:
            self.post_message(HandoverLoaded(None, str(exc), seq))
            return
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(HandoverLoaded(None, _("Cannot read the desk: {error}").format(
                error=exc), seq))
            return
        self.post_message(HandoverLoaded(state, seq=seq))

    def on_handover_loaded(self, message: HandoverLoaded) -> None:
        if message.seq < self._shown_seq:
            return  # begun before the one on screen: older
        self._shown_seq = message.seq
        if message.state is None:
            self.notify(message.error, severity="error")
            return
        self.state = message.state
        self._show()

    def tick(self) -> None:
        for table in self.query(LiveTable):
            table.tick()

    def _show(self) -> None:
        st = self.state
        assert st is not None
        tz = self.context.desk.settings.tz
        now_ref = self.context.now_ref
        now = now_ref.at
        title = Text()
        title.append(" " + _("Shift handover") + " ", style="bold reverse")
        title.append("  " + st.outgoing.label(tz), style="bold")
        title.append("  →  " + st.incoming.label(tz), style="bold")
        self.query_one("#handover-title", Static).update(title)
        self.query_one("#handover-state", Static).update(self._state_text(st))
        items = st.items
        self.query_one("#ho-calls", LiveTable).set_rows([RowSpec(f"call:{c.call_id}", (
            Countdown(now_ref, c.due_at, c.warn_at,
                      stopped_at=c.answered_at if c.state != CallState.RINGING else None),
            c.number, c.customer or _("unknown"),
            display_names.call_state(CallState.RINGING) if c.state == CallState.RINGING
            else _("answered, not logged"),
        ), (c.offered_at, c.call_id)) for c in items.calls])
        self.query_one("#ho-callbacks", LiveTable).set_rows([RowSpec(w.row_key, (
            Countdown(now_ref, w.due_at, w.warn_at, paused=w.paused),
            w.ticket_number or w.number, w.customer or "",
        ), (w.due_at, w.clock_id, w.missed_call_id or 0)) for w in items.callbacks])
        self.query_one("#ho-tickets", LiveTable).set_rows([RowSpec(f"clock:{w.clock_id}", (
            Countdown(now_ref, w.due_at, w.warn_at, paused=w.paused), w.ticket_number,
            display_names.target(w.target), f"L{w.level}" if w.level else "—", w.assigned_to or "",
        ), (w.due_at, w.clock_id)) for w in items.tickets])
        self.query_one("#ho-escalations", LiveTable).set_rows([RowSpec(
            f"esc:{e.escalation_id}", (
                Countdown(now_ref, e.overdue_from,
                          e.raised_at if e.kind == "warning" else e.overdue_from, overdue=True),
                e.what, e.item), (i,)) for i, e in enumerate(items.escalations)])
        self.query_one("#ho-calls-panel").border_title = _("Calls · {n} ringing").format(
            n=items.ringing)
        self.query_one("#ho-callbacks-panel").border_title = _("Callbacks due · {n}").format(
            n=len(items.callbacks))
        self.query_one("#ho-tickets-panel").border_title = _(
            "Open tickets, next deadline · {n}").format(n=items.tickets_total)
        self.query_one("#ho-escalations-panel").border_title = _(
            "Unacknowledged escalations · {n}").format(n=len(items.escalations))
        history = self.query_one("#ho-history", DataTable)
        history.clear()
        for h in st.history:
            taken = (f"{h.accepted_by} {short_datetime(h.accepted_at, tz, now)}"
                     if h.accepted_at else _("waiting"))
            opened = _("{a} ringing · {b} callbacks · {c} tickets · {d} escalations").format(
                a=h.ringing, b=h.callbacks, c=h.tickets, d=h.unacknowledged)
            history.add_row(h.shift.label(tz),
                            f"{h.written_by} {short_datetime(h.written_at, tz, now)}", opened,
                            taken, h.note.splitlines()[0] if h.note else "")

    def _state_text(self, st: HandoverState) -> Text:
        desk = self.context.desk
        tz = desk.settings.tz
        now = self.context.now_ref.at
        me = desk.actor
        t = Text()

        def crew_line(label: str, c: Crew) -> None:
            t.append(label, style="bold")
            sup = c.supervisor.name if c.supervisor else _("no supervisor set")
            names = ", ".join(m.name for m in c.engineers) or _("no engineers set")
            t.append(f" {sup} · {names}")
            if c.from_rota:
                t.append("  " + _("(rota default)"), style="dim")
            t.append("\n")

        crew_line(_("On duty:"), st.outgoing_crew)
        crew_line(_("Next:"), st.incoming_crew)
        pending = st.pending
        mine = st.mine
        # Nothing written for the outgoing shift yet: say how the last handover stands —
        # one this seat wrote that waits to be taken over, or the one this shift began
        # with — so that a handover just given never reads "Not handed over yet".
        earlier: HandoverView | None = None
        waits_for_me = pending is not None and pending.written_by != me
        if mine is None and not waits_for_me:
            if pending is not None:
                earlier = pending
            elif st.previous is not None:
                earlier = st.previous
        if earlier is not None:
            mine = earlier
            t.append(earlier.shift.label(tz) + ": ", style="bold")
        if waits_for_me and pending is not None:
            t.append(_("Handover from {who} ({time}) for {shift}, waiting to be taken over — "
                       "press t.").format(who=pending.written_by,
                                          time=short_datetime(pending.written_at, tz, now),
                                          shift=pending.shift.label(tz)), style="bold #ffaf00")
            t.append("\n" + pending.note, style="italic")
        elif mine is not None and mine.accepted:
            t.append(_("Handed over by {who} at {time}; taken over by {by} at {at}.").format(
                who=mine.written_by, time=short_datetime(mine.written_at, tz, now),
                by=mine.accepted_by, at=short_datetime(mine.accepted_at, tz, now)
                if mine.accepted_at else ""), style="green")
            if mine.accept_note:
                t.append("  " + mine.accept_note, style="italic")
            t.append("\n" + mine.note, style="italic")
        elif mine is not None:
            t.append(_("Handed over by {who} at {time}; waiting for the incoming supervisor "
                       "(w to revise).").format(who=mine.written_by, time=short_datetime(
                           mine.written_at, tz, now)), style="#ffaf00")
            t.append("\n" + mine.note, style="italic")
        else:
            t.append(_("Not handed over yet. Press w to write the handover note: what the next "
                       "shift must know; the open items below are recorded with it."),
                     style="dim")
        if earlier is not None:
            t.append("\n" + _("{shift}: not handed over yet; w writes its handover.").format(
                shift=st.outgoing.label(tz)), style="dim")
        return t

    # --- actions ------------------------------------------------------------------------

    def _run_and_refresh(self, operation: Callable[[], object], done: str) -> None:
        """Run a handover operation; once it went through, read the screen and the
        header's shift again."""
        def saved(_result: object) -> None:
            if self.is_attached:  # (closed while it was saved: nothing to show it on)
                self.refresh_data()
            self.app.post_message(ShiftChanged())

        # One key for the handover screen's changes: one at a time, each on what the
        # screen shows after the one before went through.
        run_operation(self, operation, key="handover", done=done, done_timeout=5, then=saved)

    def action_write(self) -> None:
        st = self.state
        if st is None:
            return
        desk = self.context.desk
        rota = self.context.rota
        text = st.mine.note if st.mine is not None and not st.mine.accepted else ""
        shift = st.outgoing

        def saved(note: str | None) -> None:
            if note:
                self._run_and_refresh(
                    lambda: hand_over(desk, rota, note, shift=shift),
                    _("Handed over; the incoming supervisor takes it over with t."))

        self.app.push_screen(NoteEditor(
            _("Handover of {shift}").format(shift=shift.label(desk.settings.tz)),
            _("What must the next shift know? (open items are recorded with the note)"),
            text), saved)

    def action_take_over(self) -> None:
        st = self.state
        if st is None:
            return
        pending = st.pending
        if pending is None:
            self.notify(_("No handover waits to be taken over."), severity="warning")
            return
        desk = self.context.desk
        rota = self.context.rota
        from screens.dialogs import AskText

        def noted(text: str | None) -> None:
            if text is not None:
                self._run_and_refresh(
                    lambda: accept_handover(desk, rota, pending.handover_id, text),
                    _("You have taken over {shift}.").format(
                        shift=pending.next_shift.label(desk.settings.tz)))

        self.app.push_screen(AskText(
            _("Take over from {who}").format(who=pending.written_by),
            _("You take over {shift} and are recorded as its supervisor. Note (optional):")
            .format(shift=pending.next_shift.label(desk.settings.tz)), required=False), noted)

    def action_crew(self) -> None:
        st = self.state
        if st is None:
            return
        desk = self.context.desk
        c = st.outgoing_crew
        inst = st.outgoing
        known = st.known  # read with the screen, not when c is pressed

        def saved(value: tuple[str, list[str]] | None) -> None:
            if value is not None:
                sup, engineers = value
                self._run_and_refresh(
                    lambda: set_crew(desk, inst, supervisor=sup or None, engineers=engineers),
                    _("Crew of {shift} saved.").format(shift=inst.label(desk.settings.tz)))

        self.app.push_screen(CrewDialog(
            _("On duty: {shift}").format(shift=inst.label(desk.settings.tz)),
            c.supervisor.login if c.supervisor else "", [m.login for m in c.engineers], known),
            saved)

    def action_toggle_history(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "handover-open":
            switcher.current = "handover-history"
            self.query_one("#ho-history", DataTable).focus()
        else:
            switcher.current = "handover-open"
            self.query_one("#ho-calls", LiveTable).focus()

    def action_close(self) -> None:
        self.app.pop_screen()


def desk_engineers(desk: Desk) -> list[DutyMember]:
    """Every engineer of the desk's directory, as a member of a shift's crew."""
    from hotline.desk.roster import engineers

    return [DutyMember(e.login, e.name, e.role, e.seat, True) for e in engineers(desk.engine)]
