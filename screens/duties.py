"""The Duties screen: each contract's planned and open duties, soonest due first.

Inspections, upgrade and document requests, meetings, the monthly service report and
notices are tickets with clocks (:mod:`hotline.duties`); this screen lists them as the
dashboard lists its work: the same countdown and colours (green, amber once warned,
red once breached, dim while paused), Enter or ``o`` opens the duty's ticket, where
its steps are recorded. ``n`` records a new duty. The rows are read in a worker
(:func:`hotline.views.duties.load_duties`) whenever the desk changes, and the table
is kept in step by key, never rebuilt: each second only the countdowns are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, Static

from hotline import display_names
from hotline.duties.kinds import DUTY_KINDS, DUTY_LABELS, PLANNED_KINDS
from hotline.errors import HotlineError, InputError
from hotline.i18n import _, ngettext
from hotline.timefmt import parse_time, short_datetime
from screens.context import DeskContext, DeskScreen
from screens.operations import refuse_while_pending
from screens.saving_form import SavingForm
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import Countdown, LiveTable, RowSpec

if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.views.duties import DutyRow

#: Sorts after any due or planned time.
LAST = datetime.max.replace(tzinfo=UTC)

#: The longest subject a duty takes (the ticket's description holds more; the list
#: shows its first line).
SUBJECT_MAX = 200


def duty_label(kind: str) -> str:
    """A duty kind in the desk's language."""
    return _(DUTY_LABELS[kind]) if kind in DUTY_LABELS else kind


def next_target_label(key: str | None) -> str:
    """The next target of a duty as people read it (``meeting_reply#2`` → "… 2")."""
    if not key:
        return ""
    name, _sep, n = key.partition("#")
    shown = display_names.target(name)
    return f"{shown} {n}" if n and n != "1" else shown


class DutiesLoaded(Message):
    """The duties as read by the screen's worker (the newest read wins)."""

    def __init__(self, rows: list[DutyRow], error: str = "", *,
                 contracts: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.error = error
        #: The desk's contracts (shown, code), to record a duty under.
        self.contracts = contracts or []

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DutiesLoaded)


class DutiesScreen(DeskScreen):
    """Every contract's planned and open duties by due date."""

    KEY_BAR_OMITS = frozenset({"app.duties"})  # the key to this screen
    BINDINGS = [
        Binding("o", "open_ticket", "Open ticket", id="duties.open_ticket"),
        Binding("n", "new_duty", "New duty", id="duties.new"),
        Binding("f", "next_contract", "Contract", id="duties.contract"),
        Binding("F", "previous_contract", "Previous contract", id="duties.contract_back",
                show=False),
        Binding("escape", "close", "Back", id="duties.close"),
    ]

    def __init__(self, context: DeskContext) -> None:
        super().__init__(context)
        self.rows: list[DutyRow] = []  # every duty read (all contracts)
        #: The contract shown (its code), None: all of them.
        self.contract: str | None = None
        self.contract_choices: list[tuple[str, str]] = []  # (shown, code), read with the rows
        self._built: dict[DutyRow, RowSpec] = {}  # each duty's row, kept while it is the same
        self._built_day: object = None
        self._late = 0  # duties past due, as the title says

    def compose(self) -> ComposeResult:
        yield Static(id="duties-title", classes="screen-title")
        with Vertical(id="duties-panel", classes="panel"):
            yield LiveTable([
                ("left", _("Time left"), 9), ("due", _("Due"), 11),
                ("duty", _("Duty"), 16), ("next", _("Next"), 18),
                ("contract", _("Contract"), 14), ("planned", _("Planned"), 11),
                ("ticket", _("Ticket"), 12), ("subject", _("Subject"), None),
            ], countdown_column="left", drop_first=("planned", "ticket", "due"),
                id="duties")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#duties", LiveTable).focus()
        self._show_title()
        self.refresh_data()

    # --- data ------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Read the duties again (the desk changed)."""
        self._load()

    @work(thread=True, exclusive=True, group="duties")
    def _load(self) -> None:
        from hotline.reports import contracts_of
        from hotline.views.duties import load_duties

        desk = self.context.desk
        try:
            rows = load_duties(desk.engine, desk.now())
            # read here, not when n is pressed: the form opens at once
            contracts = [(f"{i.code} · {i.customer}" if i.customer else str(i.code),
                          str(i.code)) for i in contracts_of(desk.engine) if i.code]
        except HotlineError as exc:
            self.post_message(DutiesLoaded([], str(exc)))
            return
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(DutiesLoaded([], _("Cannot read the desk: {error}").format(
                error=exc)))
            return
        self.post_message(DutiesLoaded(rows, contracts=contracts))

    def on_duties_loaded(self, message: DutiesLoaded) -> None:
        if message.error:
            self.notify(message.error, severity="error")
            return
        self.rows = message.rows
        self.contract_choices = message.contracts
        self._show_rows()

    def _shown(self) -> list[DutyRow]:
        return [r for r in self.rows if self.contract is None or r.contract == self.contract]

    def _show_rows(self) -> None:
        """Set the table's rows by key: a duty whose row did not change keeps its row,
        and the table skips it (only what changed is drawn again)."""
        built: dict[DutyRow, RowSpec] = {}
        for row in self._shown():
            built[row] = self._built.get(row) or self._row_spec(row)
        if self._built_day != self._today():  # dates are shown relative to today
            built = {row: self._row_spec(row) for row in built}
            self._built_day = self._today()
        self._built = built
        self.query_one("#duties", LiveTable).set_rows(list(built.values()))
        self._show_title()

    def _today(self) -> object:
        return self.context.now_ref.at.astimezone(self.context.desk.settings.tz).date()

    def tick(self) -> None:
        self.query_one("#duties", LiveTable).tick()
        if self._late_count() != self._late:  # a duty fell due this second
            self._show_title()

    def _late_count(self) -> int:
        now = self.context.now_ref.at
        return sum(1 for r in self._shown() if r.due_at is not None and r.due_at < now)

    def _row_spec(self, r: DutyRow) -> RowSpec:
        tz = self.context.desk.settings.tz
        now_ref = self.context.now_ref
        left: Countdown | Text
        if r.due_at is not None:
            left = Countdown(now_ref, r.due_at, r.warn_at or r.due_at,
                             paused=r.state == "paused")
            due = short_datetime(r.due_at, tz, now_ref.at)
        else:
            left = Text("—", style="dim", justify="right")
            due = ""
        nxt = next_target_label(r.next_target) or (_("nothing due") if r.status != "closed"
                                                   else _("done"))
        if r.breaches:
            nxt += " · " + ngettext("{n} missed", "{n} missed", r.breaches).format(
                n=r.breaches)
        planned = short_datetime(r.planned_at, tz, now_ref.at) if r.planned_at else ""
        # the view's order: soonest due first, then what has nothing due by planned time
        return RowSpec(f"duty:{r.ticket_id}", (
            left, due, Text(duty_label(r.kind), style="bold"), nxt,
            r.contract or _("no contract"), planned, r.ticket_number, r.subject,
        ), (r.due_at is None, r.due_at or LAST, r.planned_at is None, r.planned_at or LAST,
            r.ticket_id))

    def _show_title(self) -> None:
        shown = self._shown()
        late = self._late = self._late_count()
        t = Text()
        t.append(" " + _("Duties") + " ", style="bold reverse")
        t.append("  " + ngettext("{n} duty", "{n} duties", len(shown)).format(n=len(shown)))
        if late:
            t.append("  " + ngettext("{n} past due", "{n} past due", late).format(n=late),
                     style="bold red")
        t.append("   " + (_("contract {code}").format(code=self.contract) if self.contract
                          else _("all contracts")), style="bold")
        self.query_one("#duties-title", Static).update(t)
        self.query_one("#duties-panel").border_title = _(
            "Planned and open duties, soonest due first")

    # --- the selected duty ---------------------------------------------------------------

    def selected(self) -> DutyRow | None:
        key = self.query_one("#duties", LiveTable).selected_key
        if key is None:
            return None
        ticket_id = int(key.split(":", 1)[1])
        return next((r for r in self.rows if r.ticket_id == ticket_id), None)

    def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        self.action_open_ticket()

    def action_open_ticket(self) -> None:
        row = self.selected()
        if row is None:
            self.notify(_("No duty to open: press [b]n[/b] to record one."),
                        severity="warning")
            return
        from screens.ticket import show_ticket

        show_ticket(self, row.ticket_id)

    def _contracts(self) -> list[str]:
        return sorted({r.contract for r in self.rows if r.contract})

    def _step_contract(self, direction: int) -> None:
        codes = self._contracts()
        if not codes:
            self.notify(_("No contract has duties yet."), severity="warning")
            return
        scopes: list[str | None] = [None, *codes]
        at = scopes.index(self.contract) if self.contract in scopes else 0
        self.contract = scopes[(at + direction) % len(scopes)]
        self._show_rows()

    def action_next_contract(self) -> None:
        self._step_contract(1)

    def action_previous_contract(self) -> None:
        self._step_contract(-1)

    def action_new_duty(self) -> None:
        desk = self.context.desk
        if refuse_while_pending(self, "duty:new"):
            return
        self.app.push_screen(DutyForm(self._record, contracts=self.contract_choices,
                                      tz=desk.settings.tz, now=desk.now,
                                      contract=self.contract),
                             self._recorded)

    def _record(self, duty: NewDuty) -> object:
        return record_duty(self.context.desk, duty)

    def _recorded(self, saved: bool | None) -> None:
        if saved:
            self.notify(_("Duty recorded."), timeout=4)
            self.refresh_data()

    def action_close(self) -> None:
        self.app.pop_screen()


class NewDuty:
    """A duty as the form gives it: checked, not yet recorded."""

    def __init__(self, kind: str, contract: str, subject: str, when: datetime, *,
                 on_request: bool = False) -> None:
        self.kind = kind
        self.contract = contract
        self.subject = subject
        self.when = when  # planned time (planned kinds) or when it was requested
        self.on_request = on_request  # an inspection the customer asked for

    @property
    def planned(self) -> bool:
        """Its time is a planned time (else the time it was requested)."""
        return self.kind in PLANNED_KINDS and not self.on_request


def read_new_duty(kind: str, contract: str, subject: str, when: str, *, tz: object,
                  now: datetime, on_request: bool = False) -> NewDuty:
    """The form's fields as a duty, or an :class:`InputError` saying what is wrong."""
    if kind not in DUTY_KINDS:
        raise InputError(_("Choose the kind of duty."))
    if not contract:
        raise InputError(_("Choose the contract the duty is under."))
    text = subject.strip()
    if not text:
        raise InputError(_("Say what the duty is about (the subject)."))
    if len(text) > SUBJECT_MAX:
        raise InputError(_("The subject is too long: at most {n} characters.").format(
            n=SUBJECT_MAX))
    if "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InputError(_("The subject holds characters that cannot be stored."))
    if on_request and kind != "inspection":
        raise InputError(_("Only an inspection is asked for on request."))
    if kind in PLANNED_KINDS and not on_request and not when.strip():
        raise InputError(_("{duty}: give its planned date and time (YYYY-MM-DD HH:MM).").format(
            duty=duty_label(kind)))
    at = parse_time(when.strip() or "now", tz, now)  # type: ignore[arg-type]
    return NewDuty(kind, contract, text, at, on_request=on_request)


Submit = Callable[[NewDuty], object]


def record_duty(desk: Desk, duty: NewDuty) -> int:
    """Record ``duty`` through the duties core (one transaction, with its audit event);
    run in a worker. The core refuses what it does not accept, in words. Returns the
    duty's ticket id."""
    from hotline.duties.operations import open_duty

    if duty.planned:
        return open_duty(desk, duty.kind, duty.contract, duty.subject, planned=duty.when)
    return open_duty(desk, duty.kind, duty.contract, duty.subject, at=duty.when,
                     on_request=duty.on_request)


class DutyForm(SavingForm):
    """Record a duty: its kind, contract, subject and planned (or request) time.

    The duty is recorded in a worker through the duties core; a refusal is said in the
    form's error line and the form stays, with what was typed.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="duty.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="duty.cancel"),
        Binding("tab", "app.focus_next", "Next field", id="duty.next", show=False,
                priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", id="duty.previous",
                show=False, priority=True),
    ]

    KEY = "duty:new"

    def __init__(self, submit: Submit, *, contracts: Sequence[tuple[str, str]], tz: object,
                 now: Callable[[], datetime], contract: str | None = None) -> None:
        super().__init__(key=self.KEY, error_id="duty-error")
        self.submit = submit
        self.contracts = list(contracts)
        self.tz = tz
        self.now = now
        self.contract = contract

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog duty-form") as box:
            box.border_title = _("New duty")
            yield from self._field(_("Kind *"), Select(
                [(duty_label(k), k) for k in DUTY_KINDS], prompt=_("choose the kind of duty"),
                compact=True, id="duty-kind"))
            codes = {code for _shown, code in self.contracts}
            yield from self._field(_("Contract *"), Select(
                self.contracts, prompt=_("choose the contract"), compact=True,
                id="duty-contract",
                value=self.contract if self.contract in codes else Select.NULL))
            yield from self._field(_("Subject *"), Input(
                compact=True, id="duty-subject", max_length=SUBJECT_MAX * 2,
                placeholder=_("what is to be done, where")))
            yield from self._field(_("When"), Input(
                compact=True, id="duty-when",
                placeholder=_("planned, or when requested: YYYY-MM-DD HH:MM")))
            yield Checkbox(_("An inspection the customer asked for (on request)"),
                           id="duty-on-request")
            yield Static(_("Inspections, meetings, service reports and number changes take "
                           "their planned time; requests, and an inspection on request, the "
                           "time they were made (empty: now)."), classes="info", markup=False)
            yield from self.footer()

    def on_mount(self) -> None:
        self.query_one("#duty-kind", Select).focus()

    def _select(self, selector: str) -> str:
        widget = self.query_one(selector, Select)
        return "" if widget.is_blank() else str(widget.value)

    def _save(self) -> None:
        try:
            duty = read_new_duty(self._select("#duty-kind"), self._select("#duty-contract"),
                                 self.query_one("#duty-subject", Input).value,
                                 self.query_one("#duty-when", Input).value, tz=self.tz,
                                 now=self.now(),
                                 on_request=self.query_one("#duty-on-request", Checkbox).value)
        except HotlineError as exc:
            self.show_error(str(exc))
            return
        self.save_with(lambda: self.submit(duty))
