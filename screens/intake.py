"""The intake form: who is calling, what it is, how severe, what happened."""

from __future__ import annotations

import asyncio
import contextlib

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from hotline import display_names
from hotline.desk.answer_target import DEFAULT_POLICY
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.directory.callers import CallerMatch
from hotline.errors import HotlineError, InputError
from hotline.i18n import _
from hotline.phones import describe
from hotline.sla.policy import Classification, propose_level
from hotline.timefmt import parse_time
from hotline.views.search import TicketHit, customer_names, open_tickets_of
from screens.level_questions import LevelQuestions
from screens.operations import refuse_while_pending, run_operation
from screens.reused_screen import ReusedScreen
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.choice import Choice, Option
from screens.widgets.hints import key_hints
from screens.widgets.save_request import SaveRequested, request_save


def desk_customer_names(desk: Desk) -> list[str]:
    return customer_names(desk.engine)


def kind_options() -> list[Option]:
    return [Option("fault", display_names.kind("fault"), "f"),
            Option("consultation", display_names.kind("consultation"), "c"),
            Option("complaint", display_names.kind("complaint"), "p")]


def new_ticket_option() -> Option:
    return Option("", _("a new ticket"), "n")


def level_options(levels: list[int]) -> list[Option]:
    return [Option(str(v), _("Level {n}").format(n=v), str(v)) for v in levels]


class CustomersRead(Message):
    """The desk's customer names, read for completing a new caller's customer."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CustomersRead)


class OpenTicketsRead(Message):
    """The open tickets of the customer a number belongs to."""

    def __init__(self, match: CallerMatch, hits: list[TicketHit]) -> None:
        super().__init__()
        self.match = match
        self.hits = hits

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OpenTicketsRead)


class IntakeScreen(TranslatedModalScreen[int | None], ReusedScreen[int | None]):
    """Log a call as a ticket. Returns the new ticket's id, or None if cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save(False)", "Save", id="intake.save", priority=True),
        Binding("ctrl+b", "save(True)", "Save & promise callback", id="intake.save_callback",
                priority=True),
        Binding("escape", "cancel", "Cancel", id="intake.cancel"),
        Binding("ctrl+l", "level_questions", "Level questions", id="intake.level_questions",
                priority=True),
        # Priority, so that keys typed ahead of the screen (a fast typist, a paste)
        # land in the field that Tab moved to, not in the one being left.
        Binding("tab", "app.focus_next", "Next field", id="intake.next", show=False,
                priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", id="intake.previous",
                show=False, priority=True),
    ]

    def __init__(self, desk: Desk, *, call_id: int | None = None, number: str = "") -> None:
        super().__init__()
        self.desk = desk
        self.call_id = call_id
        self._number = number
        self._match: CallerMatch | None = None
        self._customers: list[str] = []  # read once the form is on screen
        self._refused_with: dict[str, str] = {}  # the fields as they were at a refusal
        self._ready = asyncio.Event()  # shown afresh for the call it was prepared for
        self._in_flight = False  # the form is being saved (in a worker)
        #: What the last save did, in words ("Ticket logged.", "Call added to …").
        self.outcome = ""
        #: The level questions answered (ids answered yes; None: not asked) and what
        #: they propose.
        self._answers: tuple[str, ...] | None = None
        self._proposed: int | None = None
        self._asking = False  # the level questions are on top: coming back is no new call

    def prepare(self, *, call_id: int | None, number: str) -> None:
        """Use this (installed, kept) form for another call: every field starts afresh."""
        self.call_id = call_id
        self._number = number
        self._match = None
        self._ready.clear()

    async def ready(self) -> None:
        """Until the form is shown afresh, its first field focused (the keys typed behind
        the one that opened it wait for this, and then go into that field)."""
        with contextlib.suppress(TimeoutError):  # never hold the keys for long
            await asyncio.wait_for(self._ready.wait(), timeout=1.0)

    def _title(self) -> str:
        return (_("Log call") if self.call_id is not None
                else _("New call (taken on a desk phone)"))

    def on_screen_resume(self) -> None:
        """Each time the form opens: the fields as for a new call, the focus on the first
        one to fill (at once: the keys typed ahead are waiting for it)."""
        if self._asking:  # back from the level questions: the same call, as it was
            self._asking = False
            return
        self.query_one(".intake").border_title = self._title()
        for widget_id, value in (("number", self._number), ("caller-name", ""),
                                 ("caller-customer", ""), ("equipment", ""), ("site", ""),
                                 ("description", ""), ("time", "now"), ("region", "")):
            field = self.query_one(f"#{widget_id}", Input)
            with field.prevent(Input.Changed):
                field.value = value
        add_to = self.query_one("#add-to", Choice)
        add_to.set_options([new_ticket_option()])
        add_to.value = ""
        self.query_one(".add-to").display = False
        self.outcome = ""
        self.query_one("#kind", Choice).disabled = False
        self.query_one("#equipment", Input).disabled = False
        self.query_one("#site", Input).disabled = False
        self.query_one("#region", Input).disabled = False
        self.query_one("#description", Input).placeholder = _("what the caller reports")
        self.query_one("#kind", Choice).value = "fault"
        self.query_one("#level", Choice).value = None
        self.query_one("#level", Choice).disabled = False
        with self.query_one("#level-reason", Input).prevent(Input.Changed):
            self.query_one("#level-reason", Input).value = ""
        self._forget_answers()
        self.query_one("#intake-error", Static).update("")
        self._refused_with = {}
        self._check_number(self._number)
        if self._number and self._match is not None:
            # a caller the directory knows goes straight to the kind; an unknown one is
            # asked for a name first (the field is there only for them)
            self.set_focus(self.query_one("#kind" if self._match.known else "#caller-name"))
        else:
            self.set_focus(self.query_one("#number", Input))
        self._ready.set()
        # Once the form is on screen: customers added meanwhile, for completing a new
        # caller's customer (not needed to draw the form, so not read before it).
        self.call_after_refresh(self._refresh_customers)

    @work(thread=True, exclusive=True, group="intake-customers")
    def _refresh_customers(self) -> None:
        try:
            names = desk_customer_names(self.desk)
        except Exception:  # completion can wait for the next time the form opens
            return
        self.post_message(CustomersRead(names))

    def on_customers_read(self, message: CustomersRead) -> None:
        self._customers = message.names
        self.query_one("#caller-customer", Input).suggester = SuggestFromList(
            self._customers, case_sensitive=False)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog intake") as box:
            box.border_title = self._title()
            with Horizontal(classes="field"):
                yield Label(_("Number"), classes="label")
                yield Input(self._number, compact=True, id="number",
                            placeholder=_("e.g. 138 0013 8000 or 0755 8888 8888"))
            yield Static("", id="number-info", classes="info")
            yield Static("", id="caller-info", classes="info")
            yield Static("", id="open-tickets", classes="info")
            with Horizontal(classes="field add-to"):
                yield Label(_("Add to"), classes="label")
                yield Choice([new_ticket_option()], "", id="add-to")
            with Horizontal(classes="field new-caller"):
                yield Label(_("Caller"), classes="label")
                yield Input(compact=True, id="caller-name", placeholder=_("name of the caller"))
                yield Input(compact=True, id="caller-customer",
                            placeholder=_("customer code or name, to add to the directory"),
                            suggester=SuggestFromList(self._customers, case_sensitive=False))
            with Horizontal(classes="field"):
                yield Label(_("Kind"), classes="label")
                yield Choice(kind_options(), "fault", id="kind")
            with Horizontal(classes="field"):
                yield Label(_("Level"), classes="label")
                yield Choice(level_options(self._levels(DEFAULT_POLICY)), None, id="level")
            yield Static("", id="level-info", classes="info", markup=False)
            with Horizontal(classes="field level-reason"):
                yield Label(_("Why"), classes="label")
                yield Input(compact=True, id="level-reason",
                            placeholder=_("why not the proposed level (recorded)"))
            with Horizontal(classes="field"):
                yield Label(_("Equipment"), classes="label")
                yield Input(compact=True, id="equipment",
                            placeholder=_("equipment / network element"))
            with Horizontal(classes="field"):
                yield Label(_("Site"), classes="label")
                yield Input(compact=True, placeholder=_("site or room"), id="site")
            with Horizontal(classes="field"):
                yield Label(_("Description"), classes="label")
                yield Input(compact=True, id="description",
                            placeholder=_("what the caller reports"))
            with Horizontal(classes="field"):
                yield Label(_("Time"), classes="label")
                yield Input("now", compact=True, id="time",
                            placeholder=_("now, HH:MM or YYYY-MM-DD HH:MM"))
                # the site's region when the directory's is not it (on-site limits of a
                # policy with regions depend on it)
                yield Input(compact=True, id="region", placeholder=_("region (optional)"))
            yield Static("", id="intake-error", classes="error", markup=False)
            yield Label(self._key_hints(self._levels(DEFAULT_POLICY)), classes="keys",
                        id="intake-keys")

    @staticmethod
    def _key_hints(levels: list[int]) -> Text:
        """The form's keys; the level keys as the caller's policy numbers its levels."""
        level_keys = (f"{levels[0]}–{levels[-1]}" if len(levels) > 1
                      else str(levels[0]) if levels else "")
        keys = [("Tab", _("next field")), ("f/c/p", _("kind"))]
        if level_keys:
            keys.append((level_keys, _("level")))
        keys += [("Ctrl+S", _("save")), ("Ctrl+B", _("save & promise callback")),
                 ("Esc", _("cancel"))]
        return key_hints(*keys)

    def _policy_name(self) -> str:
        return (self._match.policy if self._match else None) or DEFAULT_POLICY

    def _classification(self) -> Classification:
        try:
            return self.desk.sla.policy(self._policy_name()).classification
        except HotlineError:
            return Classification()

    def _forget_answers(self) -> None:
        """The level questions not (or no longer) answered: the hint to ask them."""
        self._answers = None
        self._proposed = None
        asks = bool(self._classification().questions)
        self.query_one("#level-info", Static).update(
            _("Ctrl+L: the contract's level questions propose the level.") if asks else "")
        self.query_one(".level-reason").display = False

    def _show_proposal(self) -> None:
        info = self.query_one("#level-info", Static)
        chosen = self.query_one("#level", Choice).value
        if self._answers is None:
            return
        if self._proposed is None:
            info.update(_("The answers propose no level (a fault the contract does not "
                          "define): choose it."))
            self.query_one(".level-reason").display = False
            return
        differs = chosen is not None and chosen != str(self._proposed)
        info.update(_("The answers propose level {n}.").format(n=self._proposed) + " " + (
            _("Another level needs the reason, below.") if differs
            else _("Save to confirm it, or choose another level with a reason.")))
        self.query_one(".level-reason").display = differs

    def action_level_questions(self) -> None:
        if self.query_one("#add-to", Choice).value or (
                self.query_one("#kind", Choice).value != "fault"):
            self._fail(_("The level questions are for a new fault."), None)
            return
        classification = self._classification()
        if not classification.questions:
            self._fail(_("Policy {policy} has no level questions: choose the level.").format(
                policy=self._policy_name()), "level")
            return
        try:
            title = self.desk.sla.policy(self._policy_name()).shown_title()
        except HotlineError:
            title = self._policy_name()
        self._asking = True
        self.app.push_screen(LevelQuestions(classification, title, self._answers or ()),
                             self._answered)

    def _answered(self, answers: tuple[str, ...] | None) -> None:
        if answers is None:
            return
        self._answers = answers
        self._proposed = propose_level(self._classification(), answers)
        if self._proposed is not None:
            self.query_one("#level", Choice).value = str(self._proposed)
        self._show_proposal()
        self.query_one("#level", Choice).focus()

    def _levels(self, policy: str) -> list[int]:
        try:
            return list(self.desk.sla.policy(policy).levels)
        except HotlineError:
            return [1, 2, 3]

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "number":
            self._check_number(event.value)
        # A refusal stays until the person edits a field after it: keys typed just before
        # Ctrl+S report their changes after the save was refused, and must not wipe it
        # (their events carry old values; the field itself holds what was refused).
        if self._refused_with.get(event.input.id or "") not in (None, event.input.value):
            self._refused_with = {}
            self.query_one("#intake-error", Static).update("")

    def on_mount(self) -> None:
        # At once, not by a message: a Tab typed right after the ticket's key goes past
        # the fields that adding to a ticket does not ask for, to the description.
        self.watch(self.query_one("#add-to", Choice), "value", self._adding_changed,
                   init=False)

    def _adding_changed(self, value: str | None) -> None:
        adding = bool(value)
        # what a new ticket needs and a repeat call does not: off while adding
        for field in ("#equipment", "#site", "#region"):
            self.query_one(field, Input).disabled = adding
        self.query_one("#kind", Choice).disabled = adding
        self.query_one("#level", Choice).disabled = (
            adding or self.query_one("#kind", Choice).value != "fault")
        self.query_one("#description", Input).placeholder = (
            _("what the caller says this time (optional)") if adding
            else _("what the caller reports"))

    def on_choice_changed(self, event: Choice.Changed) -> None:
        if event.choice.id == "kind" and self.query_one("#add-to", Choice).value:
            return  # adding to a ticket: kind and level stay off
        if event.choice.id == "kind":
            level = self.query_one("#level", Choice)
            level.disabled = event.value != "fault"
        if event.choice.id == "level":
            self._show_proposal()

    def _check_number(self, text: str) -> None:
        info = self.query_one("#number-info", Static)
        caller = self.query_one("#caller-info", Static)
        self._match = None
        self.query_one("#open-tickets", Static).update("")
        self.query_one("#region", Input).placeholder = _("region (optional)")
        if not text.strip():
            info.update("")
            caller.update("")
            return
        try:
            number = self.desk.parse_number(text)
        except InputError as exc:
            info.update(Text(str(exc), style="#ffaf00"))
            caller.update("")
            return
        info.update(Text(describe(number), style="green"))
        match = self.desk.identify(number)
        self._match = match
        self.query_one(".new-caller").display = not match.known
        # The customer's open tickets follow the first paint of the form (a read less
        # between the key and the form); a number changed meanwhile wins.
        self.call_after_refresh(self._show_open_tickets, match)
        if match.known:
            contract = (_("contract {code} · grade {grade} · {policy}").format(
                code=match.contract_code, grade=match.grade, policy=match.policy)
                if match.contract_code else _("no contract in force"))
            line = Text()
            line.append(match.contact_name or "", style="bold")
            line.append(f" · {match.customer_name} · {contract}")
            caller.update(line)
        else:
            caller.update(_("Unknown caller: not in the directory (standard policy, grade C)."))
        policy = match.policy or DEFAULT_POLICY
        self._region_hint(policy, match.region)
        levels = self._levels(policy)
        self.query_one("#level", Choice).set_options(level_options(levels))
        self.query_one("#intake-keys", Label).update(self._key_hints(levels))
        self._forget_answers()  # another caller, perhaps another contract's questions

    def _region_hint(self, policy_name: str, region: str | None) -> None:
        """What the region field says: the directory's region, or that on-site work
        needs one (a policy whose on-site limits depend on the region)."""
        field = self.query_one("#region", Input)
        try:
            policy = self.desk.sla.policy(policy_name)
        except HotlineError:
            field.placeholder = _("region (optional)")
            return
        if not policy.regions:
            field.placeholder = _("region (optional)")
        elif region and policy.zone_of(region) is not None:
            field.placeholder = _("region: {region} (directory)").format(region=region)
        else:
            field.placeholder = _("region needed on site")

    def _show_open_tickets(self, match: CallerMatch) -> None:
        if match is not self._match or not self.is_current:
            return  # the number changed, or the form closed, before this ran
        if match.customer_id:
            self._read_open_tickets(match, match.customer_id)
        else:
            self.query_one("#open-tickets", Static).update("")
            self.query_one("#add-to", Choice).set_options([new_ticket_option()])
            self.query_one(".add-to").display = False

    @work(thread=True, exclusive=True, group="intake-open-tickets")
    def _read_open_tickets(self, match: CallerMatch, customer_id: int) -> None:
        try:
            hits = open_tickets_of(self.desk.engine, customer_id)
        except Exception:  # a line of help, not needed to log the call
            return
        self.post_message(OpenTicketsRead(match, hits))

    def on_open_tickets_read(self, message: OpenTicketsRead) -> None:
        if message.match is not self._match or not self.is_current:
            return  # the number changed, or the form closed, meanwhile
        widget = self.query_one("#open-tickets", Static)
        hits = message.hits
        add_to = self.query_one("#add-to", Choice)
        if not hits:
            widget.update("")
            add_to.set_options([new_ticket_option()])
            self.query_one(".add-to").display = False
            return
        text = Text(_("Open tickets of this customer:") + " ", style="bold #ffaf00")
        text.append("  ".join(
            f"{h.number} {'L' + str(h.level) + ' ' if h.level else ''}{h.description[:24]}"
            for h in hits[:3]))
        text.append("\n" + _("A repeat call? Choose its ticket on “Add to” (1, 2…): the call "
                             "joins it, with no new ticket and no new clock."), style="dim")
        widget.update(text)
        add_to.set_options([new_ticket_option()] + [
            Option(str(h.ticket_id), f"{h.number}", str(i))
            for i, h in enumerate(hits, start=1)])
        if add_to.value is None:
            add_to.value = ""
        self.query_one(".add-to").display = True

    def _form(self, promise_callback: bool) -> Intake:
        kind = self.query_one("#kind", Choice).value or ""
        level_value = self.query_one("#level", Choice).value
        time_text = self.query_one("#time", Input).value
        at = parse_time(time_text or "now", self.desk.settings.tz, self.desk.now())
        return Intake(
            number=self.query_one("#number", Input).value,
            kind=kind,
            level=int(level_value) if level_value and kind == "fault" else None,
            description=self.query_one("#description", Input).value,
            equipment=self.query_one("#equipment", Input).value,
            site=self.query_one("#site", Input).value,
            caller_name=self.query_one("#caller-name", Input).value,
            new_contact_customer=self.query_one("#caller-customer", Input).value,
            region=self.query_one("#region", Input).value,
            at=at,
            promise_callback=promise_callback,
            level_answers=self._answers if kind == "fault" else None,
            level_reason=self.query_one("#level-reason", Input).value,
        )

    def _fail(self, message: str, field: str | None) -> None:
        self._refused_with = {str(w.id): w.value for w in self.query(Input)}
        self.query_one("#intake-error", Static).update(Text(message, style="bold red"))
        if field:
            self.query_one(f"#{field}").focus()

    def action_save(self, promise_callback: bool) -> None:
        request_save(self, promise_callback)

    def on_save_requested(self, message: SaveRequested) -> None:
        message.stop()
        self._save(message.promise_callback)

    def _save(self, promise_callback: bool) -> None:
        number = self.query_one("#number", Input).value
        if not number.strip():
            self._fail(_("The caller's number is required."), "number")
            return
        try:
            self.desk.parse_number(number)
        except InputError as exc:
            self._fail(str(exc), "number")
            return
        add_to = self.query_one("#add-to", Choice).value
        if add_to:
            self._add_to(int(add_to), number)
            return
        kind = self.query_one("#kind", Choice).value
        if kind is None:
            self._fail(_("Choose what the call is: fault, consultation or complaint."), "kind")
            return
        if kind == "fault" and self.query_one("#level", Choice).value is None:
            self._fail(_("Choose the fault level (1 is the most severe)."), "level")
            return
        if not self.query_one("#description", Input).value.strip():
            self._fail(_("A short description of the problem is required."), "description")
            return
        try:
            form = self._form(promise_callback)
        except InputError as exc:
            self._fail(str(exc), "time")
            return
        call_id = self.call_id
        desk = self.desk
        # Saved in a worker (the form stays on screen meanwhile); a call still being
        # answered is logged once that went through (the same key: refused until then).
        def log() -> int:
            ticket_id = desk.log_call(form, call_id)
            repeats = desk.repeat_of(ticket_id)
            if repeats:
                self.outcome = _("Ticket logged. The same equipment's fault {number} was "
                                 "resolved within a year: linked, and that resolution did not "
                                 "hold.").format(number=repeats)
            return ticket_id

        if run_operation(self, log, key=self._key(),
                         then=lambda ticket_id: self._saved(call_id, ticket_id),
                         failed=self._save_refused, notify_refusal=False):
            self._in_flight = True
            self.query_one("#intake-error", Static).update(Text(_("Saving…"), style="dim"))

    def _add_to(self, ticket_id: int, number: str) -> None:
        """Add the call to one of the customer's open tickets (a repeat call)."""
        try:
            at = parse_time(self.query_one("#time", Input).value or "now",
                            self.desk.settings.tz, self.desk.now())
        except InputError as exc:
            self._fail(str(exc), "time")
            return
        note = self.query_one("#description", Input).value
        call_id = self.call_id
        desk = self.desk
        chosen = self.query_one("#add-to", Choice)
        label = next((o.label for o in chosen.options if o.value == str(ticket_id)), "")

        def added(ticket_id: int) -> None:
            self.outcome = _("Call added to ticket {number}.").format(number=label)
            self._saved(call_id, ticket_id)

        if run_operation(self, lambda: desk.add_call(ticket_id, number=number,
                                                     call_id=call_id, note=note, at=at),
                         key=self._key(), then=added, failed=self._save_refused,
                         notify_refusal=False):
            self._in_flight = True
            self.query_one("#intake-error", Static).update(Text(_("Saving…"), style="dim"))

    def _key(self) -> str:
        """What the form's save changes: its call (answered just before), or a new call."""
        return f"call:{self.call_id}" if self.call_id is not None else "intake:new"

    def _saved(self, call_id: int | None, ticket_id: int) -> None:
        self._in_flight = False
        self.outcome = self.outcome or _("Ticket logged.")
        if self.is_current and self.call_id == call_id:
            self.dismiss(ticket_id)

    def _save_refused(self, error: HotlineError) -> None:
        self._in_flight = False
        reason = self.query_one("#level-reason", Input)
        missing_reason = self.query_one(".level-reason").display and not reason.value.strip()
        self._fail(str(error), "level-reason" if missing_reason else None)

    def action_cancel(self) -> None:
        # Not while the call is being logged: the ticket may be saved whatever the form
        # says, and closing it would hide that.
        if self._in_flight and refuse_while_pending(self, self._key()):
            return
        self.dismiss(None)
