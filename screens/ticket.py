"""One ticket: its clocks, its level history, its timeline, and the next steps by key."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from hotline import display_names
from hotline.desk.steps import GUARDED_STEPS, PaperworkDue, StepInput
from hotline.desk.ticket_lifecycle import DUTY_DONE, STEPS, step_label
from hotline.errors import Conflict, HotlineError
from hotline.i18n import N_, _, ngettext
from hotline.sla.policy import Policy
from hotline.timefmt import short_datetime
from hotline.views.ticket import (
    AttachmentView,
    TicketView,
    attachments_of,
    load_ticket,
    paperwork_text,
)
from screens.attachments import AttachmentViewer, newest_first
from screens.context import DeskContext, DeskScreen
from screens.dialogs import AskText, Confirm
from screens.messages import DeskChanged
from screens.operations import refuse_while_pending, run_operation
from screens.reused_screen import ReusedScreen
from screens.step_form import StepForm
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import Countdown, LiveTable, RowSpec


def met_when(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    """When a clock was met, short: ``14:03`` today, else the day (``11-24``)."""
    shown = short_datetime(at, tz, now)
    return shown.split(" ")[0] if " " in shown else shown

class TicketLoaded(Message):
    """A ticket as read by a worker (None, and why, when it could not be read)."""

    def __init__(self, ticket_id: int, view: TicketView | None, error: str = "", *,
                 roster: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.view = view
        self.error = error
        self.roster = roster or []

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TicketLoaded)  # the newest read wins


#: The key of each step on the ticket screen (mnemonic where one exists).
STEP_KEYS: dict[str, str] = {
    "guidance_note": "g",
    "note": "n",
    "callback_promised": "c",
    "callback_made": "d",
    "consultation_answered": "a",
    "complaint_answered": "a",
    "remote_requested": "r",
    "remote_approved": "p",
    "remote_response": "i",
    "remote_logout": "o",
    "plan_submitted": "P",
    "plan_approved": "j",
    "plan_carried_out": "x",
    "restart_approved": "u",
    "restart_done": "X",
    "dispatched": "s",
    "depart": "t",
    "onsite_arrival": "v",
    "service_request_signed": "w",
    "left_site": "f",
    "part_lent": "b",
    "part_returned": "B",
    "restore": "R",
    "resolve": "S",
    "handling_form": "h",
    "analysis_report": "y",
    "analysis_requested": "Y",
    "clock_paused": "z",
    "clock_resumed": "Z",
    "level_set": "l",
    "conditions_set": "k",
    "region_set": "e",
    "ticket_closed": "C",
    "ticket_reopened": "O",
    # D: the step that does a duty, whichever its kind (see DUTY_KEY_STEP)
    "inspected": "D",
    "upgrade_responded": "D",
    "document_delivered": "D",
    "meeting_held": "D",
    "service_report_sent": "D",
    "number_change_notified": "D",
}

#: Keys shared by several steps, each taken by one kind of ticket: the action's name.
_SHARED_KEYS = {"a": "answered", "D": "duty_done"}

#: Steps a duty's ticket does not list among its next steps (the menu, m, has them):
#: they belong to calls about faults, not to an inspection or a document.
_NOT_FOR_DUTIES = frozenset({"guidance_note", "callback_promised", "clock_paused",
                             "conditions_set"})


def _shared_step(what: str, kind: str) -> str:
    """The step a shared key stands for on a ticket of ``kind``."""
    if what == "answered":
        return "complaint_answered" if kind == "complaint" else "consultation_answered"
    if what == "duty_done":
        return DUTY_DONE.get(kind, what)
    return what


def _ticket_bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    out: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
        Binding("escape", "back", "Back", id="ticket.back"),
           Binding("m", "menu", "Actions…", id="ticket.menu")]
    seen: set[str] = set()
    for step, key in STEP_KEYS.items():
        if key in seen:
            continue
        seen.add(key)
        what = _SHARED_KEYS.get(key, step)
        description = {"a": N_("Answered"), "D": N_("Duty done")}.get(
            key, untranslated_step_label(step))
        out.append(Binding(key, f"step('{what}')", description, id=f"ticket.{what}",
                           show=step in ("note", "restore", "resolve", "ticket_closed")))
        # Taken when the step cannot apply to the ticket (check_action): the key says so
        # rather than falling through to the application's key (R would open the reports).
        out.append(Binding(key, f"not_here('{what}')", description, show=False, system=True))
    out += [Binding("A", "attachments", "Attachments", id="ticket.attachments", show=False),
            Binding("L", "link", "Link another ticket", id="ticket.link", show=False),
            Binding("M", "merge", "Merge into another ticket", id="ticket.merge", show=False)]
    return out


#: What the ticket screen does besides steps, as the menu (m) lists it: id → (key, label).
OTHER_ACTIONS: dict[str, tuple[str, str]] = {
    "attachments": ("A", N_("Attachments (read, search, save)")),
    "link": ("L", N_("Link another ticket")),
    "merge": ("M", N_("Merge into another ticket (this one is the duplicate)")),
}


def untranslated_step_label(step: str) -> str:
    """The label as written (bindings are translated where they are shown)."""
    from hotline.desk.ticket_lifecycle import STEPS

    return STEPS[step][0]


class StepMenu(TranslatedModalScreen[str | None]):
    """Every step that can be taken now, by name."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="menu.cancel")]

    def __init__(self, steps: list[str]) -> None:
        super().__init__()
        self.steps = steps

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Record a step")
            yield OptionList(*[Option(f"{STEP_KEYS.get(s, ' ')}  {step_label(s)}", id=s)
                               for s in self.steps],
                             *[Option(f"{key}  {_(label)}", id=f"@{what}")
                               for what, (key, label) in OTHER_ACTIONS.items()], id="steps")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TicketScreen(DeskScreen, ReusedScreen[None]):
    """One ticket; built once and kept (:meth:`prepare` shows another ticket on it)."""

    BINDINGS = _ticket_bindings()

    def __init__(self, context: DeskContext, ticket_id: int) -> None:
        super().__init__(context)
        self.ticket_id = ticket_id
        self.view: TicketView | None = None
        self._loading = False  # being read again (a worker): its view may be behind
        self._queued_step: str | None = None  # a step's key pressed while it was read
        #: The desk's roster (name shown, login), read with the ticket: dispatch chooses from it.
        self._roster: list[tuple[str, str]] = []
        self._header_lines = 0  # lines the header was laid out for

    def compose(self) -> ComposeResult:
        yield Static(id="ticket-header")
        with Horizontal(id="ticket-top"):
            with Vertical(id="ticket-clocks-panel", classes="panel"):
                # narrow (80 columns): the limit goes first, then the due time (the
                # time left says it too); the state stays
                yield LiveTable([
                    ("left", _("Time left"), 9), ("target", _("Target"), None),
                    ("state", _("State"), None), ("due", _("Due"), None),
                    ("limit", _("Limit"), None)], countdown_column="left",
                    drop_first=("limit", "due"), id="ticket-clocks")
            with Vertical(id="ticket-next-panel", classes="panel"):
                yield Static(id="ticket-next")
        with Vertical(id="ticket-timeline-panel", classes="panel"):
            yield LiveTable([
                ("when", _("When"), 14), ("who", _("Who"), 10), ("what", _("What"), 34),
                ("detail", _("Details"), None)], countdown_column=None, id="ticket-timeline")
        yield KeyBar()

    def prepare(self, ticket_id: int) -> None:
        """Show another ticket on this (installed, kept) screen."""
        self._queued_step = None
        if ticket_id != self.ticket_id:
            self.ticket_id = ticket_id
            self.view = None
            if self.is_mounted:  # nothing of the last ticket shows while this one is read
                self.query_one("#ticket-timeline", LiveTable).set_rows([])
                self.query_one("#ticket-clocks", LiveTable).set_rows([])
                self.query_one("#ticket-header", Static).update(_("Opening the ticket…"))
                self.query_one("#ticket-next", Static).update("")

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.view is not None:
            self.reload()
        elif self.is_mounted:
            self.reload()
            self.query_one("#ticket-timeline", LiveTable).focus()

    def on_mount(self) -> None:
        self.query_one("#ticket-clocks-panel").border_title = _("Clocks")
        self.query_one("#ticket-next-panel").border_title = _("Next steps")
        self.query_one("#ticket-timeline-panel").border_title = _("Timeline")

    def reload(self) -> None:
        """Read the ticket again, in a worker (the screen is drawn meanwhile).

        Until it is read, a step's key waits for it (the last one pressed is taken
        once the ticket is there): a step is never chosen on the ticket as it was.
        """
        self._loading = True
        # after the screen is drawn: the read's thread would take turns with the drawing
        self.call_after_refresh(self._load, self.ticket_id)

    @work(thread=True, exclusive=True, group="ticket-load")
    def _load(self, ticket_id: int) -> None:
        desk = self.context.desk
        try:
            view = load_ticket(desk.engine, ticket_id, desk.now(), desk.settings.tz, desk.sla)
            roster = self.context.roster_choices()  # dispatch chooses from it
        except HotlineError as exc:
            self.post_message(TicketLoaded(ticket_id, None, str(exc)))
            return
        except Exception as exc:  # a database gone away must not take the screen down
            self.post_message(TicketLoaded(ticket_id, None, _(
                "Cannot read the desk: {error}").format(error=exc)))
            return
        self.post_message(TicketLoaded(ticket_id, view, roster=roster))

    def on_ticket_loaded(self, message: TicketLoaded) -> None:
        if message.ticket_id != self.ticket_id:
            return  # another ticket was asked for meanwhile
        self._loading = False
        queued, self._queued_step = self._queued_step, None
        if message.view is None:
            self.notify(message.error, severity="error")
            return
        self.view = message.view
        self._roster = message.roster
        self._show_view(message.view)
        self.refresh_bindings()  # the steps that apply to this ticket (check_action)
        if queued is not None and self.is_current:
            self.action_step(queued)

    def _show_view(self, v: TicketView) -> None:
        tz = self.context.desk.settings.tz
        now = self.context.now_ref.at
        head = Text()
        head.append(f" {v.number} ", style="bold reverse")
        kind = display_names.kind(v.kind)
        head.append(f"  {kind}")
        if v.level is not None:
            head.append(f" L{v.level}", style="bold red" if v.level == 1 else "bold")
            changes = [e for e in v.level_history if e.kind != "ticket_opened"]
            if changes:
                head.append(" " + _("(logged as L{n}; {changes})").format(
                    n=v.initial_level, changes=", ".join(
                        f"{e.detail.split(' · ')[0]} {short_datetime(e.at, tz, now)}"
                        for e in changes)), style="dim")
        head.append("  · " + display_names.status(v.status), style="bold")
        head.append("  · " + (v.customer or _("unknown customer")))
        head.append(f"  · {v.contact or ''} {v.caller}")
        head.append("\n  ")
        no_contract = _("no contract")
        contract = (f"{v.contract} · {v.grade} · {v.policy}" if v.contract
                    else f"{no_contract} · {v.policy} · {v.grade}")
        head.append(contract + (f" · {v.region}" if v.region else ""), style="dim")
        if v.conditions:
            head.append(" · " + ", ".join(display_names.condition(c) for c in v.conditions),
                        style="bold")
        if self._region_needed(v):
            head.append(" · " + _("region needed (e)"), style="bold #ffaf00")
        head.append("   " + _("opened {time} by {who}").format(
            time=short_datetime(v.opened_at, tz, now), who=v.opened_by), style="dim")
        if v.planned_at is not None:
            head.append("   " + _("planned {time}").format(
                time=short_datetime(v.planned_at, tz, now)), style="bold")
        if v.equipment or v.site:
            head.append("   " + " · ".join(x for x in (v.equipment, v.site) if x), style="dim")
        # the description's line begins with what the ticket is tied to (a line of its
        # own would cost the timeline one)
        head.append("\n  ")
        links = _links_text(v)
        if links:
            head.append(links, style="bold #ffaf00")
            head.append("  ")
        if v.attachments:
            head.append(" A ", style="bold reverse")
            head.append(" " + ngettext("{n} attachment", "{n} attachments",
                                       len(v.attachments)).format(n=len(v.attachments)) + "  ")
        head.append(v.description)
        header = self.query_one("#ticket-header", Static)
        # A new layout of the screen only when the header needs another number of lines
        # (it costs as much as drawing the screen, on every ticket opened).
        width = max(1, header.content_region.width)
        lines = min(4, sum(max(1, -(-cell_len(line) // width)) for line in head.plain.split("\n")))
        header.update(head, layout=lines != self._header_lines)
        self._header_lines = lines
        self._show_clocks(v)
        self._show_next(v)
        self._show_timeline(v)

    def _show_clocks(self, v: TicketView) -> None:
        """The ticket's clocks: the time left of each running one; when each stopped one
        was met (``✓ 14:03``, red when late)."""
        tz = self.context.desk.settings.tz
        now_ref = self.context.now_ref
        rows = []
        for c in v.clocks:
            left: Countdown | Text
            if c.state in ("met", "late") and c.met_at is not None:
                # a clock that stopped shows when its event came, not a frozen time left
                left = Text("✓ " + met_when(c.met_at, tz, now_ref.at),
                            style="green" if c.state == "met" else "bold red", justify="right")
            else:
                stopped = c.met_at if c.state == "cancelled" else None
                if stopped is None and c.state == "cancelled":
                    stopped = v.closed_at  # cancelled by the close (or a merge): frozen there
                left = Countdown(now_ref, c.due_at, c.warn_at, paused=c.state == "paused",
                                 stopped_at=stopped)
            target = display_names.target(c.target)
            if "#" in c.key:
                target += " " + c.key.split("#", 1)[1]
            state = {
                "met": Text(_("met"), style="green"),
                "late": Text(_("met late"), style="bold red"),
                "cancelled": Text(_("cancelled"), style="dim"),
                "paused": Text(_("paused"), style="dim"),
            }.get(c.state) or (Text(_("breached"), style="bold red") if c.breached_at
                               else Text(_("running")))
            limit = c.limit + (f" · L{c.level}" if c.level else "")
            rows.append(RowSpec(c.key, (left, target, state,
                                        short_datetime(c.due_at, tz, now_ref.at), limit),
                                (c.state in ("met", "late", "cancelled"), c.due_at, c.key)))
        self.query_one("#ticket-clocks", LiveTable).set_rows(rows)

    def _show_next(self, v: TicketView) -> None:
        text = Text()
        if not v.allowed:
            text.append(_("Nothing to do."), style="dim")
        main = [s for s in self._mine_to_take(v) if s not in (
            "note", "written_complaint", "unauthorised_operation", "thanks_letter")
                and self._worth_offering(v, s)]
        main.sort(key=lambda st: STEP_KEYS.get(st) != "D")  # a duty's own step first
        for step in main:
            key = STEP_KEYS.get(step)
            text.append(f" {key or ' '} ", style="bold reverse" if key else "")
            text.append(f" {step_label(step)}\n")
        text.append("\n")
        text.append(" m ", style="bold reverse")
        text.append(" " + _("all actions…") + "   ")
        text.append(" n ", style="bold reverse")
        text.append(" " + _("note") + "\n")
        text.append(" L ", style="bold reverse")
        text.append(" " + _("link") + "    ")
        text.append(" M ", style="bold reverse")
        text.append(" " + _("merge"))
        if v.attachments:
            text.append("\n")
            text.append(" A ", style="bold reverse")
            text.append(" " + _("attachments ({n})").format(n=len(v.attachments)))
        self.query_one("#ticket-next", Static).update(text, layout=False)  # fills its panel

    def _region_needed(self, v: TicketView) -> bool:
        """On-site limits that depend on a region the ticket does not have (the policy's
        regions; none known means the strictest default is running)."""
        policy = self.context.desk.sla.policy(v.policy)
        return v.status != "closed" and policy.region_needed(
            grade=v.grade, level=v.level, kind=v.kind, conditions=frozenset(v.conditions),
            region=v.region)

    def _worth_offering(self, v: TicketView, step: str) -> bool:
        """Steps the panel lists only where they matter: the region when it is needed,
        a pause only where the policy lets some clock pause,
        the request for an analysis report once service is restored, where the policy
        has a clock it starts; a
        technical plan or a reinstall/restart only once one is under way (submitted or
        approved: its next step is listed then) — most faults need neither, and their
        first steps would push the usual ones out of the panel. The menu, m, offers every
        step always."""
        if step in ("plan_submitted", "restart_approved"):
            return False
        if v.kind in DUTY_DONE and step in _NOT_FOR_DUTIES:
            return False
        if step == "region_set":
            return self._region_needed(v)
        if step == "clock_paused":
            # a policy that gives no right to pause (Guangdong, fire) would only refuse it
            return any(t.pausable for t in self.context.desk.sla.policy(v.policy).targets)
        if step == "analysis_requested":
            # customers ask for it once service is back; before that the menu has it
            policy = self.context.desk.sla.policy(v.policy)
            restored = any(e.kind in ("restore", "resolve") for e in v.timeline)
            return restored and any(step in t.start for t in policy.targets)
        return True

    def _show_timeline(self, v: TicketView) -> None:
        """Every event, oldest first; the cursor on the newest when new ones arrive."""
        tz = self.context.desk.settings.tz
        table = self.query_one("#ticket-timeline", LiveTable)
        grew = len(v.timeline) != table.row_count
        table.set_rows([RowSpec(str(e.event_id), (
            e.at.astimezone(tz).strftime("%m-%d %H:%M:%S"), e.actor, e.label, e.detail),
            i) for i, e in enumerate(v.timeline)])
        if grew and table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def tick(self) -> None:
        self.query_one("#ticket-clocks", LiveTable).tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A step that cannot apply to this ticket is off the key bar and its key does
        nothing: another kind's steps (restore on a consultation), anything but reopening
        (and notes) on a closed ticket. A step that only has to wait for another stays:
        its key says what must come first."""
        v = self.view
        if action == "not_here":
            return True
        if action != "step" or not parameters or v is None:
            return True
        what = str(parameters[0])
        if what == "answered" and v.kind not in ("consultation", "complaint"):
            return False
        if what == "duty_done" and v.kind not in DUTY_DONE:
            return False
        what = _shared_step(what, v.kind)
        if what not in STEPS:
            return True
        if what in GUARDED_STEPS and not self.context.may(GUARDED_STEPS[what]):
            return None  # dimmed: the signed-in person's role may not
        kinds = STEPS[what][1]
        if kinds is not None and v.kind not in kinds:
            return False
        if v.status == "closed":
            return what in v.allowed
        return what != "ticket_reopened"

    # --- actions -----------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_not_here(self, what: str) -> None:
        """The key of a step that cannot apply to this ticket: say why, nothing else."""
        v = self.view
        if v is None:
            return
        what = _shared_step(what, v.kind)
        try:
            message = self.context.desk.why_not(v.id, what)
        except HotlineError as exc:
            message = str(exc)
        self.notify(message or _("Not possible now."), severity="warning", timeout=8)

    def action_menu(self) -> None:
        if self.view is None:
            return

        def chosen(step: str | None) -> None:
            if step and step.startswith("@"):
                getattr(self, f"action_{step[1:]}")()
            elif step:
                self.action_step(step)

        self.app.push_screen(StepMenu(self._mine_to_take(self.view)), chosen)

    def _mine_to_take(self, v: TicketView) -> list[str]:
        """The steps allowed now that the signed-in person's role may record (the core's
        table): what the panel and the menu offer."""
        desk = self.context.desk
        return [s for s in v.allowed if desk.may_step(s, v.assigned_to)]

    def action_attachments(self) -> None:
        v = self.view
        if v is None or self._loading:
            self.app.bell()
            return
        if not v.attachments:
            self.notify(_("Ticket {number} has no attachments.").format(number=v.number),
                        severity="warning", timeout=4)
            return
        self._read_attachments(v.id)

    @work(thread=True, exclusive=True, group="ticket-attachments")
    def _read_attachments(self, ticket_id: int) -> None:
        desk = self.context.desk
        try:
            found = attachments_of(desk.engine, ticket_id)
        except HotlineError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show_attachments, ticket_id, found)

    def _show_attachments(self, ticket_id: int, found: list[AttachmentView]) -> None:
        if ticket_id != self.ticket_id or not self.is_current:
            return  # another ticket, or another screen, meanwhile
        self.app.push_screen(AttachmentViewer(newest_first(found),
                                              tz=self.context.desk.settings.tz))

    def action_link(self) -> None:
        self._other_ticket("link")

    def action_merge(self) -> None:
        self._other_ticket("merge")

    def _other_ticket(self, what: str) -> None:
        """Ask for the other ticket's number, then link to it / merge into it."""
        v = self.view
        if v is None or self._loading:
            self.app.bell()
            return
        key = f"ticket:{v.id}"
        if refuse_while_pending(self, key):
            return
        desk = self.context.desk
        version = v.version
        if what == "link":
            title = _("Link {number} to another ticket").format(number=v.number)
            prompt = _("Number of the related ticket (e.g. another site of the same outage):")
        else:
            title = _("Merge {number} into another ticket").format(number=v.number)
            prompt = _("{number} is the duplicate: it is closed, its calls move to the "
                       "ticket you name, its clocks stop. Number of the ticket to keep:"
                       ).format(number=v.number)

        def linked(other_id: int) -> None:
            self.reload()

        def merged(kept_id: int) -> None:
            self.prepare(kept_id)
            self.reload()

        def run(number: str | None) -> None:
            if not number:
                return
            if what == "link":
                run_operation(self, lambda: desk.link_tickets(v.id, number,
                                                              expected_version=version),
                              key=key, done=_("Tickets {a} and {b} linked.").format(
                                  a=v.number, b=number), then=linked,
                              failed=lambda _error: self.reload())
            else:
                self.app.push_screen(Confirm(title, _(
                    "Close {a} as a duplicate of {b}? Its calls move to {b} and its clocks "
                    "stop; it cannot be reopened.").format(a=v.number, b=number)),
                    lambda yes: merge(number) if yes else None)

        def merge(number: str) -> None:
            run_operation(self, lambda: desk.merge_ticket(v.id, number,
                                                          expected_version=version),
                          key=key, done=_("{a} merged into {b}.").format(a=v.number, b=number),
                          then=merged, failed=lambda _error: self.reload())

        self.app.push_screen(AskText(title, prompt, required=True,
                                     placeholder=_("ticket number, e.g. 261206-0005")), run)

    def action_step(self, what: str) -> None:
        v = self.view
        if self._loading or v is None:
            self._queued_step = what  # taken once the ticket is read (on_ticket_loaded)
            return
        what = _shared_step(what, v.kind)
        desk = self.context.desk
        key = f"ticket:{v.id}"
        if refuse_while_pending(self, key):
            return  # a step is being recorded: the next one waits for the ticket it makes
        # Refuse out-of-order steps at once, with the lifecycle's own message (read with
        # the ticket: nothing is asked of the database between the key and the answer).
        if what not in v.allowed:
            self.notify(v.refusals.get(what) or _("Not possible now."), severity="warning",
                        timeout=8)
            return

        still_due: list[str] = []  # after closing: the paperwork whose clocks run

        def submit(given: StepInput, at: datetime | None) -> None:  # in a worker
            current = self.view  # the ticket as this screen shows it (read again on a clash)
            assert current is not None
            try:
                desk.record(v.id, what, given, at=at, expected_version=current.version)
            except Conflict:
                self.app.call_from_thread(self.reload)
                raise
            if what == "ticket_closed":
                still_due.append(paperwork_text(desk.paperwork_due(v.id), desk.settings.tz,
                                                desk.now()))

        def done(saved: bool | None) -> None:
            self.reload()
            self.post_message(DeskChanged())
            if saved:
                message = _("{step} recorded.").format(step=step_label(what))
                if still_due and still_due[0]:
                    self.notify(f"{message} {still_due[0]}", timeout=12)
                else:
                    self.notify(message, timeout=3)

        policy = desk.sla.policy(v.policy)
        subtitle = f"{v.number} · {v.customer or ''}"
        if what == "region_set" or (what == "dispatched" and policy.region_needed(
                grade=v.grade, level=v.level, kind=v.kind, region=v.region,
                conditions=frozenset(policy.dispatched(v.conditions)))):
            subtitle += "\n" + _("On-site limits depend on the region of the site "
                                 "({known}).").format(known=policy.region_list())
        if what == "ticket_closed":
            due = _paperwork_of(v, policy, desk.now())
            if due:
                subtitle += "\n" + paperwork_text(due, desk.settings.tz, desk.now())
        roster = self._roster if what == "dispatched" else []
        self.app.push_screen(StepForm(what, submit, tz=desk.settings.tz, now=desk.now,
                                      levels=list(policy.levels), roster=roster,
                                      conditions=dict(policy.conditions),
                                      current_conditions=v.conditions,
                                      subtitle=subtitle, key=key, region=v.region or "",
                                      ask_region=bool(policy.regions),
                                      fault_categories=policy.fault_categories,
                                      fault_report=(v.fault_category or "", v.cause or "",
                                                    v.solution or "")), done)


def _paperwork_of(v: TicketView, policy: Policy, now: datetime) -> list[PaperworkDue]:
    """The ticket's running paperwork clocks that its policy keeps after closing."""
    out = []
    for c in v.clocks:
        spec = policy.target(c.target)
        if c.state in ("running", "paused") and spec is not None and spec.keep_on_close:
            out.append(PaperworkDue(target=c.target, label=spec.shown_label(),
                                    due_at=c.due_at, breached=c.due_at <= now))
    return sorted(out, key=lambda d: d.due_at)


def _links_text(v: TicketView) -> str:
    """The tickets this one is linked to, merged into or merged from, in words."""
    parts: list[str] = []
    into = [k.number for k in v.links if k.relation == "merged_into"]
    if into:
        parts.append(_("merged into {number}").format(number=into[-1]))
    linked = [k.number for k in v.links if k.relation == "linked"]
    if linked:
        parts.append(_("linked: {numbers}").format(numbers=", ".join(linked)))
    merged = [k.number for k in v.links if k.relation == "merged_from"]
    if merged:
        parts.append(_("merged in: {numbers}").format(numbers=", ".join(merged)))
    return " · ".join(parts)


#: The name the ticket screen is installed under (built once, then kept).
TICKET_SCREEN = "ticket"


def show_ticket(over: DeskScreen, ticket_id: int) -> None:
    """Show a ticket over the screen ``over``: the one ticket screen, kept (opening
    another ticket only prepares it again, as building it costs a keystroke).

    Pushed at once, not asked for by a message: the keys typed behind the one that
    opened the ticket (a step's key) are handled after it, and act on the ticket.
    """
    app = over.app
    if app.is_screen_installed(TICKET_SCREEN):
        screen = app.get_screen(TICKET_SCREEN)
        assert isinstance(screen, TicketScreen)
        screen.prepare(ticket_id)
    else:
        app.install_screen(TicketScreen(over.context, ticket_id), TICKET_SCREEN)
    app.push_screen(TICKET_SCREEN)
