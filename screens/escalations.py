"""The supervisor's escalation queue: acknowledge, reassign, note, open the ticket.

Unacknowledged escalations come first, the longest overdue first; filters
narrow the list by kind, to one's own items, or add what was acknowledged in
the last 24 hours. The panel under the list tells the selected item's story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from hotline import display_names
from hotline.desk.call_states import CallState
from hotline.desk.escalations import acknowledge, add_note, reassign
from hotline.desk.roster import engineers
from hotline.errors import HotlineError
from hotline.humane import ago
from hotline.i18n import _, ngettext
from hotline.supervision.crew import Crew, DutyMember, crew_of
from hotline.supervision.escalation_queue import (
    FILTER_LABELS,
    KIND_FILTERS,
    HistoryEntry,
    QueueFilter,
    QueueRow,
    history,
    load_queue,
)
from hotline.timefmt import clock_time, countdown, short_datetime
from screens.context import DeskContext, DeskScreen
from screens.dialogs import AskText, Confirm, Dialog
from screens.operations import refuse_while_pending, run_operation
from screens.widgets.hints import key_hints
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import Countdown, LiveTable, RowSpec

FILTER_ORDER = list(KIND_FILTERS)


class QueueLoaded(Message):
    def __init__(self, rows: list[QueueRow], on_duty: Crew | None, error: str = "", *,
                 everyone: list[DutyMember] | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.on_duty = on_duty
        self.error = error
        self.everyone = everyone or []  # every engineer of the desk (when none is on duty)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, QueueLoaded)  # the newest read wins


class HistoryLoaded(Message):
    def __init__(self, escalation_id: int, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self.escalation_id = escalation_id
        self.entries = entries


class PickEngineer(Dialog[str | None]):
    """Choose who takes an escalation over: the engineers on duty first."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, heading: str, members: list[DutyMember]) -> None:
        super().__init__()
        self._title = title
        self._heading = heading
        self._members = members

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pick") as box:
            box.border_title = self._title
            yield Static(self._heading, classes="question")
            options = []
            for m in self._members:
                role = _("supervisor") if m.role == "supervisor" else ""
                seat = _("seat {seat}").format(seat=m.seat) if m.seat else ""
                extra = " · ".join(x for x in (role, seat) if x)
                options.append(Option(f"{m.name} ({m.login})" + (f"  {extra}" if extra else ""),
                                      id=m.login))
            yield OptionList(*options, id="pick-list")
            yield Label(key_hints(("↑↓ Enter", _("choose")), ("Esc", _("cancel"))),
                        classes="keys")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.answer_once_drawn(event.option.id)

    def action_cancel(self) -> None:
        self.answer_once_drawn(None)


class EscalationQueueScreen(DeskScreen):
    """Every escalation the desk raised, for the shift supervisor."""

    KEY_BAR_OMITS = frozenset({"app.escalations"})  # the key to this screen
    BINDINGS = [
        Binding("k", "acknowledge", "Acknowledge", id="escalations.acknowledge"),
        Binding("K", "acknowledge_all", "Acknowledge all shown",
                id="escalations.acknowledge_all"),
        Binding("r", "reassign", "Reassign", id="escalations.reassign"),
        Binding("n", "note", "Note", id="escalations.note"),
        Binding("o", "open_ticket", "Open ticket", id="escalations.open_ticket"),
        Binding("f", "next_filter", "Filter kind", id="escalations.filter"),
        Binding("a", "toggle_acknowledged", "Show acknowledged",
                id="escalations.show_acknowledged"),
        Binding("m", "toggle_mine", "Mine only", id="escalations.mine", show=False),
        Binding("escape", "close", "Back", id="escalations.close"),
    ]

    #: Keys only some roles may use: dimmed on the key bar for the others.
    PERMISSIONS = {"acknowledge_all": "acknowledge_all", "reassign": "reassign"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = self.PERMISSIONS.get(action)
        if permission is not None and not self.context.may(permission):
            return None
        return True

    def __init__(self, context: DeskContext) -> None:
        super().__init__(context)
        self.filter = QueueFilter()
        self.rows: list[QueueRow] = []
        self.on_duty: Crew | None = None
        self.everyone: list[DutyMember] = []  # every engineer (read with the queue)
        self._history_for: int | None = None
        self._history: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="queue-title", classes="screen-title")
        with Vertical(id="queue-panel", classes="panel"):
            yield LiveTable([
                ("ack", " ", 1), ("over", _("Overdue"), 8), ("raised", _("Raised"), 11),
                ("what", _("What"), 25), ("item", _("Call / ticket"), 13),
                ("customer", _("Customer"), 14), ("owner", _("Assigned"), 8),
                ("alerts", _("Alerts"), 6), ("detail", _("State / note"), None),
            ], countdown_column="over", id="queue")
        with VerticalScroll(id="queue-detail-panel", classes="panel"):
            # focusable (Tab): the whole story scrolls, the raised line at its top
            yield Static(id="queue-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#queue-detail-panel").border_title = _("Selected")
        self.query_one("#queue", LiveTable).focus()
        self._show_title()
        self.refresh_data()


    # --- data ----------------------------------------------------------------------

    def refresh_data(self) -> None:
        self._load(self.filter)

    @work(thread=True, exclusive=True, group="queue")
    def _load(self, flt: QueueFilter) -> None:
        desk = self.context.desk
        try:
            now = desk.now()
            rows = load_queue(desk.engine, desk.sla, now, flt)
            on_duty = crew_of(desk.engine, self.context.rota.at(now))
            # read here, not when r is pressed: the key opens its list at once
            everyone = [] if on_duty.members else [
                DutyMember(e.login, e.name, e.role, e.seat, True) for e in engineers(desk.engine)]
        except HotlineError as exc:
            self.post_message(QueueLoaded([], None, str(exc)))
            return
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(QueueLoaded([], None, _("Cannot read the desk: {error}").format(
                error=exc)))
            return
        self.post_message(QueueLoaded(rows, on_duty, everyone=everyone))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if message.error:
            self.notify(message.error, severity="error")
            return
        self.rows = message.rows
        self.on_duty = message.on_duty
        self.everyone = message.everyone
        table = self.query_one("#queue", LiveTable)
        table.set_rows([self._row_spec(r, i) for i, r in enumerate(self.rows)])
        self._show_title()
        self._show_detail()

    def tick(self) -> None:
        self.query_one("#queue", LiveTable).tick()
        self._show_detail(reload=False)

    def _show_title(self) -> None:
        unacked = sum(1 for r in self.rows if not r.acknowledged)
        t = Text()
        t.append(" " + _("Escalation queue") + " ", style="bold reverse")
        t.append("  " + _("{n} unacknowledged").format(n=unacked),
                 style="bold red" if unacked else "green")
        t.append("  " + _("showing: {what}").format(
            what=_(FILTER_LABELS[self.filter.kinds])))
        if self.filter.show_acknowledged:
            t.append(" + " + _("acknowledged in the last 24 h"))
        if self.filter.assigned_to:
            t.append(" · " + _("assigned to {who}").format(who=self.filter.assigned_to))
        if self.on_duty is not None:
            tz = self.context.desk.settings.tz
            sup = self.on_duty.supervisor
            t.append("   " + self.on_duty.instance.label(tz), style="dim")
            if sup:
                t.append(" · " + sup.name, style="dim")
        self.query_one("#queue-title", Static).update(t)
        self.query_one("#queue-panel").border_title = _("Unacknowledged first, most overdue "
                                                        "first")

    def _row_spec(self, r: QueueRow, order: int) -> RowSpec:
        tz = self.context.desk.settings.tz
        now_ref = self.context.now_ref
        now = now_ref.at
        stopped = r.acknowledged_at  # overdue counts up until someone acknowledges
        warn = r.raised_at if r.kind == "warning" else r.overdue_from
        cd = Countdown(now_ref, r.overdue_from, warn, stopped_at=stopped, overdue=True)
        if r.withdrawn:
            mark = Text("–", style="dim")
        elif r.acknowledged:
            mark = Text("✓", style="green")
        else:
            mark = Text("●", style="bold red")
        alerts = Text(f"⏰{r.alerts}", style="bold #ffaf00") if r.alerts else Text("")
        return RowSpec(f"esc:{r.escalation_id}", (
            mark, cd, short_datetime(r.raised_at, tz, now), r.what, r.item, r.customer or "",
            r.assigned_to or "", alerts, self._state_text(r),
        ), order)

    def _state_text(self, r: QueueRow) -> str:
        tz = self.context.desk.settings.tz
        if r.withdrawn:
            return display_names.withdrawn(r.ack_note)
        if r.acknowledged and r.acknowledged_at is not None:
            text = _("acknowledged by {who} {time}").format(
                who=r.acknowledged_by, time=clock_time(r.acknowledged_at, tz))
            return text + (f": {r.ack_note}" if r.ack_note else "")
        if r.last_note:
            return f"{r.last_note_by}: {r.last_note}"
        if r.kind == "unanswered_call":
            if r.call_state == CallState.RINGING:
                return _("still ringing")
            if r.call_state == CallState.ABANDONED:
                return _("caller hung up")
            if r.call_answered_at is not None:
                return _("answered at {time}").format(time=clock_time(r.call_answered_at, tz))
        if r.kind == "warning" and r.due_at is not None:
            return _("due {time}").format(
                time=short_datetime(r.due_at, tz, self.context.now_ref.at))
        return ""

    # --- the selected item -------------------------------------------------------------

    def _selected(self) -> QueueRow | None:
        key = self.query_one("#queue", LiveTable).selected_key
        if key is None:
            return None
        eid = int(key.split(":", 1)[1])
        return next((r for r in self.rows if r.escalation_id == eid), None)

    def on_data_table_row_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self, *, reload: bool = True) -> None:
        row = self._selected()
        box = self.query_one("#queue-detail", Static)
        if row is None:
            box.update(Text(_("Nothing to acknowledge. Press a to see what was acknowledged "
                              "today."), style="dim"))
            return
        if reload and self._history_for != row.escalation_id:
            self._history_for = row.escalation_id
            self._history = []
            self._load_history(row.escalation_id)
        entries = self._history if self._history_for == row.escalation_id else []
        box.update(self._detail_text(row, entries))

    def _detail_text(self, row: QueueRow, entries: list[HistoryEntry]) -> Text:
        tz = self.context.desk.settings.tz
        now = self.context.now_ref.at
        t = Text()
        t.append(row.what, style="bold")
        for part in (row.item, row.customer):
            if part:
                t.append(" · " + part)
        if row.contract:
            t.append(" · " + row.contract, style="dim")
        if row.tier:
            t.append(" · " + _("for the {tier}").format(tier=display_names.tier(row.tier)),
                     style="dim")
        if row.assigned_to:
            t.append(" · " + _("assigned to {who}").format(who=row.assigned_to))
        nxt = row.next_alert_at
        if nxt is not None:
            t.append("   " + _("re-alerts in {left}").format(left=countdown(nxt - now)),
                     style="#ffaf00")
        t.append("\n")
        # every entry, oldest (the raised line) first: the panel scrolls when they
        # are more than it shows. Redrawn every second: "3 hours ago" stays true.
        for e in entries:
            t.append(_("{time} ({ago})").format(time=short_datetime(e.at, tz, now),
                                               ago=ago(e.at, now)) + "  ", style="dim")
            t.append(f"{e.actor}  ", style="bold")
            t.append(e.text + "\n")
        return t

    @work(thread=True, exclusive=True, group="queue-history")
    def _load_history(self, escalation_id: int) -> None:
        try:
            entries = history(self.context.desk.engine, escalation_id)
        except Exception:
            entries = []
        self.post_message(HistoryLoaded(escalation_id, entries))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.escalation_id != self._history_for:
            return
        self._history = message.entries
        self._show_detail(reload=False)

    # --- actions ---------------------------------------------------------------------------

    def _run_and_refresh(self, operation: Callable[[], object], done: str, key: str) -> None:
        """Run an operation; once it went through, read the list and the selected item's
        story again."""
        run_operation(self, operation, key=key, done=done,
                      then=lambda _result: self._refresh_after_change())

    def _refresh_after_change(self) -> None:
        if not self.is_attached:
            return  # closed while the change was saved: nothing to show it on
        self._history_for = None
        self.refresh_data()

    def _selected_or_warn(self) -> QueueRow | None:
        row = self._selected()
        if row is None:
            self.notify(_("Select an escalation first."), severity="warning")
        return row

    def action_acknowledge(self) -> None:
        row = self._selected_or_warn()
        if row is None:
            return
        desk = self.context.desk
        key = f"escalation:{row.escalation_id}"
        if refuse_while_pending(self, key):
            return

        def noted(text: str | None) -> None:
            if text is not None:
                self._run_and_refresh(lambda: acknowledge(desk, [row.escalation_id], text),
                                      _("Acknowledged."), key)

        self.app.push_screen(AskText(_("Acknowledge: {what}").format(what=row.what),
                                     _("Note (optional): what is being done?"),
                                     required=False), noted)

    def action_acknowledge_all(self) -> None:
        open_rows = [r for r in self.rows if not r.acknowledged]
        if not open_rows:
            self.notify(_("Nothing shown is waiting for an acknowledgement."), severity="warning")
            return
        desk = self.context.desk
        ids = [r.escalation_id for r in open_rows]

        if refuse_while_pending(self, "escalations:all"):
            return

        def acknowledged(count: int) -> None:
            self._refresh_after_change()
            self.notify(ngettext("{n} escalation acknowledged.", "{n} escalations acknowledged.",
                                 count).format(n=count))

        def noted(text: str | None) -> None:
            if text is not None:
                run_operation(self, lambda: acknowledge(desk, ids, text), key="escalations:all",
                              then=acknowledged)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(AskText(_("Acknowledge all shown"), _(
                    "One note for all of them (optional):"), required=False), noted)

        self.app.push_screen(Confirm(_("Acknowledge all shown"), _(
            "Acknowledge the {n} unacknowledged escalations shown ({what})?").format(
                n=len(ids), what=_(FILTER_LABELS[self.filter.kinds]))), confirmed)

    def action_reassign(self) -> None:
        row = self._selected_or_warn()
        if row is None:
            return
        desk = self.context.desk
        members: list[DutyMember] = list(self.on_duty.members) if self.on_duty else []
        if members:
            heading = _("On duty: {shift}").format(
                shift=self.on_duty.instance.label(desk.settings.tz) if self.on_duty else "")
        else:
            heading = _("Nobody is set on duty for this shift (handover screen, c); "
                        "every engineer of the desk:")
            members = list(self.everyone)
        if not members:
            self.notify(_("The desk has no engineers in its directory."), severity="warning")
            return
        key = f"escalation:{row.escalation_id}"
        if refuse_while_pending(self, key):
            return

        def chosen(login: str | None) -> None:
            if not login:
                return

            def noted(text: str | None) -> None:
                if text is not None:
                    self._run_and_refresh(lambda: reassign(desk, row.escalation_id, login, text),
                                          _("Reassigned to {who}.").format(who=login), key)

            self.app.push_screen(AskText(_("Reassign to {who}").format(who=login),
                                         _("Note for them (optional):"), required=False), noted)

        self.app.push_screen(PickEngineer(_("Reassign: {what}").format(what=row.what),
                                          heading, members), chosen)

    def action_note(self) -> None:
        row = self._selected_or_warn()
        if row is None:
            return
        desk = self.context.desk
        key = f"escalation:{row.escalation_id}"
        if refuse_while_pending(self, key):
            return

        def noted(text: str | None) -> None:
            if text:
                self._run_and_refresh(lambda: add_note(desk, row.escalation_id, text),
                                      _("Note added."), key)

        self.app.push_screen(AskText(_("Note on: {what}").format(what=row.what),
                                     _("What is being done?"), required=True), noted)

    def action_open_ticket(self) -> None:
        row = self._selected_or_warn()
        if row is None:
            return
        if row.ticket_id is None:
            self.notify(_("This escalation is about a call ({number}), not a ticket.").format(
                number=row.number or "?"), severity="warning")
            return
        from screens.ticket import show_ticket

        show_ticket(self, row.ticket_id)

    def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        row = self._selected()
        if row is not None and row.ticket_id is not None:
            self.action_open_ticket()
        else:
            self.action_acknowledge()

    def action_next_filter(self) -> None:
        i = FILTER_ORDER.index(self.filter.kinds)
        self.filter = replace(self.filter, kinds=FILTER_ORDER[(i + 1) % len(FILTER_ORDER)])
        self._show_title()
        self.refresh_data()

    def action_toggle_acknowledged(self) -> None:
        self.filter = replace(self.filter, show_acknowledged=not self.filter.show_acknowledged)
        self._show_title()
        self.refresh_data()

    def action_toggle_mine(self) -> None:
        me = self.context.desk.actor
        self.filter = replace(self.filter,
                              assigned_to=None if self.filter.assigned_to else me)
        self._show_title()
        self.refresh_data()

    def action_close(self) -> None:
        self.app.pop_screen()
