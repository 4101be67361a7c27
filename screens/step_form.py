"""The small form behind each step of a ticket: the time, and what the step needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from hotline import display_names
from hotline.desk.steps import StepInput
from hotline.desk.ticket_lifecycle import APPROVAL_METHODS, step_label
from hotline.errors import HotlineError, InputError
from hotline.i18n import N_, _
from hotline.timefmt import parse_time
from screens.saving_form import SavingForm
from screens.widgets.choice import Choice, Option

#: Steps whose free text is required, and what the text field is called for each.
TEXT_LABELS = {
    "note": (N_("Note"), True),
    "guidance_note": (N_("Guidance given"), True),
    "clock_paused": (N_("Reason"), True),
    "level_set": (N_("Reason"), True),
    "part_lent": (N_("Part (name, serial)"), True),
    "part_returned": (N_("Part (name, serial)"), True),
    "written_complaint": (N_("Reference"), True),
    "unauthorised_operation": (N_("What happened"), True),
    "thanks_letter": (N_("Reference"), True),
    "consultation_answered": (N_("Answer given"), True),
    "plan_submitted": (N_("The plan"), True),
    "restart_approved": (N_("What is restarted"), True),
    "complaint_answered": (N_("Answer given"), True),
    # contract duties
    "rescheduled": (N_("Reason"), True),
    "item_raised": (N_("Item raised at the meeting"), True),
    "item_replied": (N_("Answer given"), False),
}

#: What the text field of any other step is called.
REMARK = N_("Remark")

#: Steps that say what the fault was put down to (category, cause, solution).
FAULT_REPORT_STEPS = ("restore", "resolve")

Submit = Callable[[StepInput, datetime | None], None]


def parse_planned(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The new planned date a person typed (``YYYY-MM-DD`` is 00:00 of that day, or
    ``YYYY-MM-DD HH:MM``, in the desk's zone); ``None`` when blank (the core then
    asks for it). Only :class:`InputError`, naming the field."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_time(text, tz, now)
    except InputError as exc:
        raise InputError(_("New planned date: {error}").format(error=exc)) from None


class StepForm(SavingForm):
    """Ask for a step's time and details; ``submit`` records it or raises with a message.

    ``submit`` runs in a worker (the form stays on screen, the clocks go on); ``key``
    names what it changes (``ticket:7``): while it runs, the form neither saves again
    nor closes.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="step.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="step.cancel"),
        Binding("tab", "app.focus_next", "Next field", id="step.next", show=False,
                priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", id="step.previous",
                show=False, priority=True),
    ]

    def __init__(self, what: str, submit: Submit, *, tz: object, now: Callable[[], datetime],
                 levels: list[int] | None = None,
                 roster: list[tuple[str, str]] | None = None,
                 conditions: dict[str, str] | None = None,
                 current_conditions: tuple[str, ...] = (), subtitle: str = "",
                 key: str = "step", fault_categories: tuple[str, ...] = (),
                 fault_report: tuple[str, str, str] = ("", "", ""),
                 region: str = "", ask_region: bool = False) -> None:
        super().__init__(key=key, error_id="step-error")
        self.what = what
        self.submit = submit
        self.tz = tz
        self.now = now
        self.levels = levels or []
        self.roster = roster or []
        self.conditions = conditions or {}
        self.current_conditions = current_conditions
        self.subtitle = subtitle
        self.fault_categories = fault_categories
        self.fault_report = fault_report  # category, cause, solution given before
        self.site_region = region  # the ticket's region, as the form starts from
        # the policy has regions: dispatching asks for it too (region_set always does)
        self.ask_region = ask_region

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog step-form") as box:
            box.border_title = step_label(self.what)
            if self.subtitle:
                yield Static(self.subtitle, classes="info", markup=False)
            if self.what in ("remote_approved", "plan_approved", "restart_approved"):
                yield from self._field(_("Approved by"), Input(
                    compact=True, id="approver", placeholder=_("name of the customer's person")))
                with Horizontal(classes="field"):
                    yield Label(_("How"), classes="label")
                    yield Choice([Option(k, _(v), k[0]) for k, v in APPROVAL_METHODS.items()],
                                 None, id="method")
            if self.what == "dispatched":
                yield from self._field(_("Engineer *"), Select(
                    self.roster, prompt=_("choose the engineer who goes"), compact=True,
                    id="engineer"))
            if self.what == "region_set" or (self.what == "dispatched" and self.ask_region):
                yield from self._field(_("Region") + (" *" if self.what == "region_set" else ""),
                                       Input(self.site_region, compact=True, id="region",
                                             placeholder=_("city, district or county of "
                                                           "the site, e.g. 顺德")))
            if self.what in FAULT_REPORT_STEPS:
                category, cause, solution = self.fault_report
                yield from self._field(_("Category *"), Select(
                    [(display_names.fault_category(c), c) for c in self.fault_categories],
                    prompt=_("choose what the fault was"), compact=True, id="category",
                    value=category if category in self.fault_categories else Select.NULL))
                yield from self._field(_("Cause *"), Input(
                    cause, compact=True, id="cause", placeholder=_("what caused the fault")))
                yield from self._field(_("Solution *"), Input(
                    solution, compact=True, id="solution",
                    placeholder=_("what was done about it")))
            if self.what == "level_set":
                with Horizontal(classes="field"):
                    yield Label(_("New level"), classes="label")
                    yield Choice([Option(str(v), _("Level {n}").format(n=v), str(v))
                                  for v in self.levels], None, id="level")
            if self.what == "conditions_set":
                yield Label(_("Which of the policy's conditions hold (Space toggles):"))
                for name, description in self.conditions.items():
                    # the condition in the desk's language; the policy's own words after it
                    yield Checkbox(f"{display_names.condition(name)} — {description}",
                                   name in self.current_conditions, name=name,
                                   classes="condition")
            if self.what == "remote_logout":
                yield Label(_("Command log (paste it here), or a file to read it from:"))
                yield TextArea(id="command-log", soft_wrap=False)
                yield from self._field(_("Log file"), Input(
                    compact=True, id="log-file", placeholder=_("path of the session log file")))
            if self.what == "rescheduled":
                yield from self._field(_("New planned date *"), Input(
                    compact=True, id="planned", placeholder=_("YYYY-MM-DD or YYYY-MM-DD HH:MM")))
            label, required = TEXT_LABELS.get(self.what, (REMARK, False))
            yield from self._field(_(label) + (" *" if required else ""), Input(
                compact=True, id="text", placeholder="" if required else _("optional")))
            yield from self._field(_("Time"), Input(
                "now", compact=True, id="time", placeholder=_("now, HH:MM or YYYY-MM-DD HH:MM")))
            yield from self.footer()

    def on_mount(self) -> None:
        first = self.query("Input, Choice, TextArea, Checkbox, Select").first()
        first.focus()

    def _value(self, selector: str) -> str:
        found = self.query(selector)
        if not found:
            return ""
        widget = found.first()
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Choice):
            return widget.value or ""
        if isinstance(widget, Select):
            return "" if widget.is_blank() else str(widget.value)
        return ""

    def _save(self) -> None:
        try:
            at = parse_time(self._value("#time") or "now", self.tz, self.now())  # type: ignore[arg-type]
            level_text = self._value("#level")
            planned = parse_planned(self._value("#planned"), self.tz, self.now())  # type: ignore[arg-type]
            given = StepInput(text=self._value("#text"), approver=self._value("#approver"),
                              method=self._value("#method"),
                              command_log=self._value("#command-log"),
                              command_log_file=self._value("#log-file"),
                              engineer=self._value("#engineer"),
                              fault_category=self._value("#category"),
                              cause=self._value("#cause"), solution=self._value("#solution"),
                              region=self._value("#region"),
                              level=int(level_text) if level_text else None,
                              planned=planned,
                              conditions=tuple(str(box.name) for box in self.query(Checkbox)
                                               if box.value) if self.what == "conditions_set"
                              else None)
            if self.what == "level_set" and given.level is None:
                raise InputError(_("Choose the new level."))
            if self.what == "dispatched" and not given.engineer:
                raise InputError(_("Choose the engineer who goes on site."))
        except HotlineError as exc:
            self.show_error(str(exc))
            return
        self.save_with(lambda: self.submit(given, at))
