"""The dashboard: KPIs, incoming calls, callbacks and work due, escalations."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from hotline import display_names
from hotline.desk.call_states import CallState
from hotline.i18n import N_, _, ngettext, pgettext
from hotline.timefmt import clock_time, short_datetime
from screens.context import DeskContext, DeskScreen
from screens.dialogs import AskText, ChooseOne, Confirm
from screens.messages import DeskChanged
from screens.operations import refuse_while_pending, run_operation
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import Countdown, LiveTable, Now, RowSpec

if TYPE_CHECKING:
    from hotline.views.dashboard import CallRow, EscalationRow, Kpis, Snapshot, WorkRow
    from screens.intake import IntakeScreen


#: How calling back a missed call went, as the dialog and the work list say it.
OUTCOME_LABELS = {"reached": N_("reached"), "no_answer": N_("no answer"),
                  "voicemail": N_("voicemail"), "wrong_number": N_("wrong number")}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class DeskHeader(Static):
    """Title, the desk's local time and who is signed in (one line, so a new second
    repaints it without a layout of the screen)."""

    def show(self, text: Text) -> None:
        self.update(text, layout=False)


class KpiBar(Static):
    """Today's figures; a shorter form when the terminal is narrow."""

    kpis: Kpis | None = None

    def show(self, kpis: Kpis) -> None:
        self.kpis = kpis
        self.update(kpi_text(kpis, narrow=self.size.width < 100))

    def on_resize(self) -> None:
        if self.kpis is not None:
            self.update(kpi_text(self.kpis, narrow=self.size.width < 100))


def kpi_text(k: Kpis, *, narrow: bool) -> Text:
    """Two lines: calls today; callbacks, open faults and unacknowledged escalations."""
    sep = " │ " if narrow else "   │ "
    gap = "  " if narrow else "   "
    t = Text()
    t.append(_("Today") + gap, style="bold")
    t.append(_("Offered") + f" {k.offered}{gap}")
    t.append(_("Answered") + f" {k.answered}{gap}")
    t.append(_("Abandoned") + f" {k.abandoned}", style="bold red" if k.abandoned else "")
    t.append(sep)
    sl = k.service_level_offered
    style = "" if sl is None else ("green" if sl >= 0.95 else "bold red")
    if narrow:
        t.append("≤30s " + _pct(sl), style=style)
        t.append(" / " + _pct(k.service_level_answered))
    else:
        t.append(_("≤30 s: {pct} of offered").format(pct=_pct(sl)), style=style)
        t.append(" · " + _("{pct} of answered").format(pct=_pct(k.service_level_answered)))
    t.append("\n")
    t.append(_("Callbacks due") + f" {k.callbacks_open}")
    if k.callbacks_overdue:
        t.append(" (" + _("{n} overdue").format(n=k.callbacks_overdue) + ")", style="bold red")
    t.append(sep + _("Open faults") + " ")
    levels = sorted(k.faults_by_level)
    if levels:
        t.append(" · ".join(f"L{lv} {k.faults_by_level[lv]}" for lv in levels))
    else:
        t.append("0")
    t.append(sep + (_("Unacknowledged") if narrow else _("Unacknowledged escalations")) + " ")
    t.append(str(k.unacknowledged), style="bold red" if k.unacknowledged else "green")
    return t


class DashboardScreen(DeskScreen):
    """The duty engineer's main screen.

    The application hands it each new snapshot (:meth:`show`; one handed before the
    panels exist is shown as they are mounted, so the first frame has the desk in it),
    ticks it once a second (:meth:`tick`) and keeps its header's notices up to date.
    """

    BINDINGS = [
        Binding("a", "answer", "Answer", id="dashboard.answer"),
        Binding("l", "log", "Log call", id="dashboard.log"),
        Binding("n", "new_call", "New call", id="dashboard.new_call"),
        Binding("c", "promise_callback", "Callback", id="dashboard.promise_callback"),
        Binding("d", "callback_done", "Called back", id="dashboard.callback_done"),
        Binding("k", "acknowledge", "Acknowledge", id="dashboard.acknowledge"),
        Binding("o", "open_ticket", "Open ticket", id="dashboard.open_ticket"),
        Binding("x", "hung_up", "Caller hung up", id="dashboard.hung_up", show=False),
        Binding("e", "end_call", "End call without ticket", id="dashboard.end_call", show=False),
        Binding("1", "focus_panel('calls')", "Go to incoming calls", id="dashboard.go_calls",
                show=False),
        Binding("2", "focus_panel('work')", "Go to callbacks & work", id="dashboard.go_work",
                show=False),
        Binding("3", "focus_panel('escalations')", "Go to escalations",
                id="dashboard.go_escalations", show=False),
    ]

    def __init__(self, context: DeskContext, *, banner: str = "") -> None:
        super().__init__(context)
        #: Said in the header after who is signed in (the demo desk says so).
        self.banner = banner
        #: The header's notices: call feeds, the shift (set by the application).
        self.notices: list[str] = []
        self._snapshot: Snapshot | None = None  # the one shown
        self._panels_ready = False  # mounted: the panels can show a snapshot
        self._intake: IntakeScreen | None = None  # built on the first call, then kept
        # The row drawn from each row's data: a snapshot in which a row did not change
        # reuses its row (most rows, most of the time), and the table skips it by
        # identity. Valid for one local day (dates are shown relative to it).
        self._built: dict[object, RowSpec] = {}
        self._built_day: object = None

    def compose(self) -> ComposeResult:
        yield DeskHeader(id="desk-header")
        yield KpiBar(id="kpis")
        with Vertical(id="calls-panel", classes="panel"):
            yield LiveTable([
                ("wait", _("Answer in"), 9), ("number", _("Number"), 14),
                ("place", pgettext("where a call comes from", "From"), 18),
                ("caller", _("Caller"), 10),
                ("customer", _("Customer"), 18), ("open", _("Open"), 4),
                ("contract", _("Contract"), 18),
                ("state", _("State"), None),
            ], countdown_column="wait", drop_first=("contract", "place", "caller"), id="calls")
        with Vertical(id="work-panel", classes="panel"):
            yield LiveTable([
                # a missed call shows its number where a ticket shows its number
                ("left", _("Time left"), 9), ("due", _("Due"), 11), ("ticket", _("Ticket"), 14),
                ("target", _("Target"), 16), ("level", _("Level"), 5),
                ("customer", _("Customer"), 18), ("caller", _("Caller"), 10),
                ("owner", _("Owner"), None),
            ], countdown_column="left", drop_first=("due", "caller", "level"), id="work")
        with Vertical(id="escalations-panel", classes="panel"):
            yield LiveTable([
                ("ack", " ", 1), ("over", _("Time left"), 9), ("since", _("Since"), 11),
                ("what", _("What"), 26), ("item", _("Call / ticket"), 15),
                ("customer", _("Customer"), 20), ("detail", _("Detail"), None),
            ], countdown_column="over", drop_first=("since", "customer"), id="escalations")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the desk opens, only moving between panels works (keys show dimmed)."""
        if self.context.ready or action == "focus_panel":
            return True
        return None


    def on_mount(self) -> None:
        self._panels_ready = True
        self._set_titles(None)
        self._fit_panels()
        self.query_one("#calls", LiveTable).focus()
        if self._snapshot is not None:
            self.show(self._snapshot)
        self.tick()

    # --- rendering ---------------------------------------------------------------

    @property
    def now_ref(self) -> Now:
        return self.context.now_ref

    def tick(self) -> None:
        """Once a second: the header clock and the countdowns on screen."""
        if not self._panels_ready:
            return
        if not self.context.ready:
            opening = Text()
            opening.append(" hotline ", style="bold reverse")
            opening.append(" " + _("7×24 hotline desk") + "  ")
            opening.append(_("opening the desk…"), style="dim")
            self.query_one(DeskHeader).show(opening)
            return
        desk = self.context.desk
        tz = desk.settings.tz
        now = self.now_ref.at
        local = now.astimezone(tz)
        header = Text()
        header.append(" hotline ", style="bold reverse")
        header.append(" " + _("7×24 hotline desk"))
        header.append("  " + local.strftime("%Y-%m-%d %H:%M:%S %Z"), style="bold")
        if self.context.awaiting_sign_in:
            header.append("  " + _("nobody signed in yet"), style="dim")
        else:
            header.append("  " + _("signed in: {who}").format(who=desk.actor))
        if self.banner:
            header.append("  " + self.banner, style="bold #ffaf00")
        for notice in self.notices:
            if getattr(notice, "warning", True):
                header.append("  ⚠ " + notice, style="#ffaf00")
            else:
                header.append("  · " + notice, style="dim")
        self.query_one(DeskHeader).show(header)
        for table in self.query(LiveTable):
            table.tick()

    def show(self, snap: Snapshot) -> None:
        """Bring the panels in line with a new snapshot (diffed by row key)."""
        self._snapshot = snap
        if not self._panels_ready:
            return  # shown once they are (on_mount)
        self._show_kpis(snap.kpis)
        day = self.now_ref.at.astimezone(self.context.desk.settings.tz).date()
        if day != self._built_day:
            self._built.clear()
            self._built_day = day
        built: dict[object, RowSpec] = {}

        def rows(items: Sequence[Hashable], build: Callable[[Any], RowSpec]) -> list[RowSpec]:
            for item in items:  # a row's data, frozen: equal data, the same row
                built[item] = self._built.get(item) or build(item)
            return [built[item] for item in items]

        self.query_one("#calls", LiveTable).set_rows(rows(snap.calls, self._call_row))
        self.query_one("#work", LiveTable).set_rows(rows(snap.work, self._work_row))
        self.query_one("#escalations", LiveTable).set_rows(
            rows(snap.escalations, self._escalation_row))
        self._built = built
        self._set_titles(snap)
        self._fit_panels()

    #: The lines a side panel takes beyond its rows: its border and the table's header.
    PANEL_FRAME = 3
    #: A side panel shows at least this many rows (an empty one says so in its title:
    #: "0 items", and gives its lines to the incoming calls).
    PANEL_MIN_ROWS = 0
    #: …and takes at most this share of the panels' height: the incoming calls keep the rest.
    PANEL_MAX_SHARE = 0.3

    def _fit_panels(self) -> None:
        """Callbacks & work and the escalation queue as high as their rows (within limits);
        the incoming calls get the rest of the screen (CSS: ``height: 1fr``). Lines the
        incoming calls do not need (few ringing) go to the side panels' rows."""
        room = max(0, self.size.height - 4)  # below the header, the figures and the keys
        most = max(self.PANEL_FRAME + self.PANEL_MIN_ROWS,
                   int(room * self.PANEL_MAX_SHARE))
        need = {name: self._panel_need(name) for name in ("calls", "work", "escalations")}
        heights = {name: min(most, need[name]) for name in ("work", "escalations")}
        spare = room - sum(heights.values()) - need["calls"]
        for name in ("work", "escalations"):
            more = max(0, min(spare, need[name] - heights[name]))
            heights[name] += more
            spare -= more
        for name, height in heights.items():
            panel = self.query_one(f"#{name}-panel")
            if panel.styles.height is None or panel.styles.height.value != height:
                panel.styles.height = height

    def _panel_need(self, name: str) -> int:
        """The lines a panel takes to show all its rows (at least its minimum)."""
        live = self.query_one(f"#{name}", LiveTable)
        rows = max(self.PANEL_MIN_ROWS, live.row_count)
        if live.virtual_size.width > live.size.width > 0:  # wider than the screen
            rows += live.styles.scrollbar_size_horizontal
        return self.PANEL_FRAME + rows

    def on_resize(self) -> None:
        if self._panels_ready:
            self._fit_panels()

    def _set_titles(self, snap: Snapshot | None) -> None:
        ringing = sum(1 for c in snap.calls if c.state == CallState.RINGING) if snap else 0
        unlogged = sum(1 for c in snap.calls if c.state == CallState.ANSWERED) if snap else 0
        calls_title = (_("Incoming calls · {n} ringing").format(n=ringing) if snap
                       else _("Incoming calls"))
        if unlogged:
            calls_title += " · " + _("{n} answered, not logged").format(n=unlogged)
        self.query_one("#calls-panel").border_title = "[1] " + calls_title
        work_title = _("Callbacks & work due")
        if snap is not None:
            work_title += " · " + ngettext("{n} item", "{n} items", snap.work_total).format(
                n=snap.work_total)
            if snap.work_total > len(snap.work):
                work_title += " " + _("(soonest {n} shown)").format(n=len(snap.work))
        self.query_one("#work-panel").border_title = "[2] " + work_title
        unacked = snap.kpis.unacknowledged if snap else 0
        self.query_one("#escalations-panel").border_title = "[3] " + _(
            "Escalation queue · {n} unacknowledged").format(n=unacked)

    def _show_kpis(self, k: Kpis) -> None:
        self.query_one(KpiBar).show(k)

    def _call_row(self, c: CallRow) -> RowSpec:
        cd = Countdown(self.now_ref, c.due_at, c.warn_at,
                       stopped_at=c.answered_at if c.state != CallState.RINGING else None)
        if c.state == CallState.RINGING:
            state = Text(display_names.call_state(CallState.RINGING), style="bold")
        else:
            state = Text(_("answered"), style="italic")
        contract = f"{c.contract} · {c.grade}" if c.contract else ""
        return RowSpec(f"call:{c.call_id}", (
            cd, c.number, c.place, c.caller or _("unknown"), c.customer or "",
            Text(str(c.open_tickets), style="bold") if c.open_tickets else "", contract, state,
        ), (c.offered_at, c.call_id))

    def _work_row(self, w: WorkRow) -> RowSpec:
        tz = self.context.desk.settings.tz
        cd = Countdown(self.now_ref, w.due_at, w.warn_at, paused=w.paused)
        if w.missed_call_id is not None:
            what = display_names.target(w.target)
            if w.calls > 1:  # calls missed from the number
                what += f" ×{w.calls}"
            tries = ""
            if w.attempts:
                tries = ngettext("{n} try", "{n} tries", w.attempts).format(n=w.attempts)
                if w.last_outcome in OUTCOME_LABELS:
                    tries += " · " + _(OUTCOME_LABELS[w.last_outcome])
            if w.clock_from is not None:  # missed while closed: Due counts from the opening
                tries = f"{_('out of hours')} · {tries}" if tries else _("out of hours")
            return RowSpec(w.row_key, (
                cd, short_datetime(w.due_at, tz, self.now_ref.at), w.number,
                Text(what, style="bold"), "—", w.customer or "", w.caller or "", tries,
            ), (w.due_at, 0, w.missed_call_id))
        target = display_names.target(w.target)
        if "#" in w.key and not w.key.endswith("#1"):
            target += " " + w.key.split("#", 1)[1]
        return RowSpec(w.row_key, (
            cd, short_datetime(w.due_at, tz, self.now_ref.at), w.ticket_number, target,
            f"L{w.level}" if w.level else "—", w.customer or "",
            w.caller or "", w.assigned_to or "",
        ), (w.due_at, 1, w.clock_id))

    def _escalation_row(self, e: EscalationRow) -> RowSpec:
        tz = self.context.desk.settings.tz
        acked = e.acknowledged_at is not None
        stopped = e.acknowledged_at
        if e.kind == "unanswered_call" and e.call_state != CallState.RINGING:
            stopped = e.call_answered_at or stopped
        due = e.due_at or e.raised_at
        cd = Countdown(self.now_ref, due, due, stopped_at=stopped)
        mark = Text("✓", style="green") if acked else Text("●", style="bold red")
        what = display_names.escalation(e.kind)
        if e.kind == "tier" and e.tier:
            what = _("Escalated to {tier}").format(tier=display_names.tier(e.tier))
        elif e.kind == "level_up" and e.to_level:
            what = _("Level raised L{a} → L{b}").format(a=e.from_level, b=e.to_level)
        elif e.kind == "breach" and e.reason:
            what = _("{target} breached").format(target=display_names.target(e.reason))
        item = e.ticket_number or e.number or ""
        if acked:
            detail = _("acknowledged by {who} {time}").format(
                who=e.acknowledged_by, time=clock_time(e.acknowledged_at, tz)
                if e.acknowledged_at else "")
        elif e.kind == "unanswered_call":
            if e.call_state == CallState.RINGING:
                detail = _("still ringing")
            elif e.call_state == CallState.ABANDONED:
                detail = _("caller hung up")
            elif e.call_answered_at is not None:
                detail = _("answered at {time}").format(time=clock_time(e.call_answered_at, tz))
            else:
                detail = ""
        else:
            detail = _("due {time}").format(time=short_datetime(due, tz, self.now_ref.at))
        return RowSpec(f"esc:{e.escalation_id}", (
            mark, cd, short_datetime(e.raised_at, tz, self.now_ref.at), what, item,
            e.customer or "", detail,
        ), (acked, e.raised_at, e.escalation_id))

    # --- selection helpers -------------------------------------------------------

    def _selected_id(self, table_id: str) -> int | None:
        table = self.query_one(f"#{table_id}", LiveTable)
        if self.focused is not table:
            return None
        key = table.selected_key
        return int(key.split(":", 1)[1]) if key else None

    def _shown_call(self, call_id: int) -> CallRow | None:
        snap = self._snapshot
        return next((c for c in snap.calls if c.call_id == call_id), None) if snap else None

    def _shown_work(self, row_key: str) -> WorkRow | None:
        snap = self._snapshot
        return next((w for w in snap.work if w.row_key == row_key), None) if snap else None

    # --- actions -----------------------------------------------------------------

    def action_focus_panel(self, name: str) -> None:
        # at once, not after the keys already waiting: "2" then Enter typed quickly
        # opens the work item, not the ringing call the cursor was on
        self.set_focus(self.query_one(f"#{name}", LiveTable))

    async def action_answer(self) -> None:
        """Answer the selected ringing call, or the one whose answer time runs out first.

        The call is answered in a worker; its form opens at once, so that what is typed
        behind the key goes into it. Should the desk refuse (another seat answered it,
        the database is busy), the form closes and the refusal is said.
        """
        desk = self.context.desk
        row = self._ringing_to_answer()
        if row is None:  # none on screen: the desk says which one rings, or that none does
            run_operation(self, lambda: desk.answer(None), key="call:next",
                          then=lambda call_id: self.call_later(self._open_intake, call_id))
            return
        call_id = row.call_id
        if not run_operation(self, lambda: desk.answer(call_id), key=f"call:{call_id}",
                             failed=lambda _error: self._answer_refused(call_id),
                             after_refresh=True):
            return
        await self._open_intake(call_id, row.number)

    def _ringing_to_answer(self) -> CallRow | None:
        """The selected ringing call, else the shown one whose answer time runs out first
        (the desk's own order)."""
        chosen = self._selected_id("calls")
        if chosen is not None:
            row = self._shown_call(chosen)
            if row is not None and row.state == CallState.RINGING:
                return row
        snap = self._snapshot
        ringing = [c for c in snap.calls if c.state == CallState.RINGING] if snap else []
        return min(ringing, key=lambda c: (c.due_at, c.call_id), default=None)

    def _answer_refused(self, call_id: int) -> None:
        """The call was not answered here: its form, opened meanwhile, closes."""
        intake = self._intake
        if intake is not None and intake.is_current and intake.call_id == call_id:
            intake.dismiss(None)

    def build_intake_ahead(self) -> None:
        """Build the intake form while the desk is quiet, not on the first answer."""
        from screens.intake import IntakeScreen
        from screens.reused_screen import build_ahead

        if self._intake is None:
            self._intake = IntakeScreen(self.context.desk)
            self.app.install_screen(self._intake, "intake")
            build_ahead(self.app, self._intake)

    async def _open_intake(self, call_id: int | None, number: str = "") -> None:
        """The intake form (one, kept: building it anew for every call costs a keystroke).

        Awaited: the keys typed behind the one that opened it are handled once the form
        is there with its first field focused, and go into it (see HotlineApp.on_key).
        """
        from screens.intake import IntakeScreen

        def done(ticket_id: int | None) -> None:
            if ticket_id is not None:
                self.post_message(DeskChanged())
                outcome = self._intake.outcome if self._intake is not None else ""
                self.notify(outcome or _("Ticket logged."), timeout=4)

        if self._intake is None:
            self._intake = IntakeScreen(self.context.desk, call_id=call_id, number=number)
            self.app.install_screen(self._intake, "intake")
        else:
            self._intake.prepare(call_id=call_id, number=number)
        self.app.push_screen("intake", done)
        await self._intake.ready()

    async def action_log(self) -> None:
        chosen = self._selected_id("calls")
        snap = self._snapshot
        if chosen is None and snap is not None:
            mine = [c for c in snap.calls if c.state == CallState.ANSWERED
                    and c.answered_by == self.context.desk.actor]
            chosen = mine[0].call_id if mine else None
        row = self._shown_call(chosen) if chosen is not None else None
        if row is None:
            self.notify(_("No answered call waits to be logged: answer one with [b]a[/b], "
                          "or press [b]n[/b] for a call taken on a desk phone."),
                        severity="warning")
            return
        if row.state == CallState.RINGING:
            self.notify(_("Answer the call first ([b]a[/b])."), severity="warning")
            return
        await self._open_intake(row.call_id, row.number)

    async def action_new_call(self) -> None:
        await self._open_intake(None)

    def action_hung_up(self) -> None:
        chosen = self._selected_id("calls")
        row = self._shown_call(chosen) if chosen is not None else None
        if row is None or row.state != CallState.RINGING:
            self.notify(_("Select a ringing call in Incoming calls first."), severity="warning")
            return
        desk = self.context.desk
        key = f"call:{row.call_id}"
        if refuse_while_pending(self, key):
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                run_operation(self, lambda: desk.abandon(row.call_id), key=key)

        self.app.push_screen(Confirm(_("Caller hung up"), _(
            "Record that the call from {number} ended before it was answered?").format(
                number=row.number)), confirmed)

    def action_end_call(self) -> None:
        chosen = self._selected_id("calls")
        row = self._shown_call(chosen) if chosen is not None else None
        if row is None or row.state != CallState.ANSWERED:
            self.notify(_("Select an answered call in Incoming calls first."), severity="warning")
            return
        desk = self.context.desk
        key = f"call:{row.call_id}"
        if refuse_while_pending(self, key):
            return

        def reason(text: str | None) -> None:
            if text:
                run_operation(self, lambda: desk.end_call(row.call_id, reason=text), key=key)

        self.app.push_screen(AskText(_("End call without ticket"), _(
            "Why does the call from {number} need no ticket?").format(number=row.number),
            required=True, placeholder=_("wrong number, silent line, …")), reason)

    def _selected_work(self) -> WorkRow | None:
        table = self.query_one("#work", LiveTable)
        if self.focused is not table or not table.selected_key:
            return None
        return self._shown_work(table.selected_key)

    def action_promise_callback(self) -> None:
        row = self._selected_work()
        if row is None or row.ticket_id is None:
            self.notify(_("Select a ticket in Callbacks & work due first ([b]2[/b]), or use "
                          "[b]Ctrl+B[/b] in the intake form."), severity="warning")
            return
        desk = self.context.desk
        ticket_id = row.ticket_id
        run_operation(self, lambda: desk.promise_callback(ticket_id),
                      key=f"ticket:{ticket_id}",
                      done=_("Callback promised for ticket {number}.").format(
                          number=row.ticket_number))

    def action_callback_done(self) -> None:
        row = self._selected_work()
        if row is not None and row.missed_call_id is not None:
            self._missed_call_outcome(row)
            return
        if row is None or row.target != "callback" or row.ticket_id is None:
            self.notify(_("Select a callback in Callbacks & work due first ([b]2[/b])."),
                        severity="warning")
            return
        desk = self.context.desk
        ticket_id = row.ticket_id
        run_operation(self, lambda: desk.callback_done(ticket_id, row.key),
                      key=f"ticket:{ticket_id}",
                      done=_("Callback for ticket {number} recorded.").format(
                          number=row.ticket_number))

    def _missed_call_outcome(self, row: WorkRow) -> None:
        """Ask how calling back a missed call went, and record it."""
        missed_id = row.missed_call_id
        assert missed_id is not None
        desk = self.context.desk
        key = f"missed:{missed_id}"
        if refuse_while_pending(self, key):
            return

        def offer_intake(state: str) -> None:
            if state != "reached":
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.call_later(self._open_intake, None, row.number)

            self.app.push_screen(Confirm(_("Caller reached"), _(
                "Log a ticket for the call with {number} now?").format(number=row.number)),
                confirmed)

        def chosen(outcome: str | None) -> None:
            if outcome is None:
                return
            done = {
                "reached": _("Missed call from {number}: reached, closed."),
                "wrong_number": _("Missed call from {number}: wrong number, closed."),
                "no_answer": _("Missed call from {number}: no answer; it stays on the list."),
                "voicemail": _("Missed call from {number}: voicemail left; it stays on the "
                               "list."),
            }[outcome].format(number=row.number)
            run_operation(self, lambda: desk.missed_call_outcome(missed_id, outcome), key=key,
                          done=done, then=offer_intake)

        self.app.push_screen(ChooseOne(_("Call back a missed call"), _(
            "How did calling back {number} go?").format(number=row.number), [
                (key, _(OUTCOME_LABELS[outcome]), outcome)
                for key, outcome in (("r", "reached"), ("n", "no_answer"), ("v", "voicemail"),
                                     ("w", "wrong_number"))]), chosen)

    def action_acknowledge(self) -> None:
        chosen = self._selected_id("escalations")
        if chosen is None:
            self.notify(_("Select an escalation in the Escalation queue first ([b]3[/b])."),
                        severity="warning")
            return
        desk = self.context.desk
        key = f"escalation:{chosen}"
        if refuse_while_pending(self, key):
            return

        def noted(text: str | None) -> None:
            if text is not None:
                run_operation(self, lambda: desk.acknowledge(chosen, text), key=key)

        self.app.push_screen(AskText(_("Acknowledge escalation"),
                                     _("Note (optional): what is being done?"),
                                     required=False), noted)

    async def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        """Enter on a row does the obvious thing for that row."""
        table_id = event.data_table.id
        if table_id == "calls":
            row = self._shown_call(int(str(event.row_key.value).split(":", 1)[1]))
            if row is None:
                return
            if row.state == CallState.RINGING:
                await self.action_answer()
            else:
                await self.action_log()
        elif table_id == "work":
            work = self._shown_work(str(event.row_key.value))
            if work is not None and work.missed_call_id is not None:
                self._missed_call_outcome(work)
            else:
                self.action_open_ticket()
        elif table_id == "escalations":
            self.action_open_ticket()

    def action_open_ticket(self) -> None:
        """Open the ticket of the selected work item or escalation."""
        ticket_id: int | None = None
        work = self._selected_work()
        if work is not None:
            ticket_id = work.ticket_id
        chosen = self._selected_id("escalations")
        snap = self._snapshot
        if chosen is not None and snap is not None:
            esc = next((e for e in snap.escalations if e.escalation_id == chosen), None)
            ticket_id = esc.ticket_id if esc else None
        if ticket_id is None:
            self.notify(_("Select a ticket in Callbacks & work due ([b]2[/b]) or an escalation "
                          "with a ticket ([b]3[/b]); [b]/[/b] searches all tickets."),
                        severity="warning")
            return
        from screens.ticket import show_ticket

        show_ticket(self, ticket_id)
