"""Forms to add and edit the directory: customer, site, contact, contract.

Every field is checked by the core (:mod:`hotline.directory.saving`) when the
form is saved; a refusal names the field, the form shows why on its error
line and puts the cursor in that field. Some fields explain themselves as
they are typed (the customer a code belongs to, what an area code is, what
each phone number is, what a policy knows). Warnings (a region the policy
has no zone for, a number another customer's contact has, two contracts in
force at once) are shown, and a second Ctrl+S saves anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Static, TextArea

from hotline.desk.operations import Desk
from hotline.directory.contact_numbers import parse_numbers, split_numbers
from hotline.directory.contract_terms import CONTRACT_STATES, check_validity, contract_state
from hotline.directory.fields import FieldError, area_place, check_area_code, key_of
from hotline.directory.forms import (
    ContactForm,
    ContractForm,
    CustomerChoice,
    CustomerForm,
    SiteForm,
    contact_form,
    contract_form,
    customer_choices,
    customer_form,
    site_form,
)
from hotline.directory.saving import (
    Saved,
    Unconfirmed,
    save_contact,
    save_contract,
    save_customer,
    save_site,
)
from hotline.errors import HotlineError
from hotline.i18n import N_, NP_, _, pgettext
from hotline.phones import describe
from screens.operations import refuse_while_pending, run_operation
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.choice import Choice, Option
from screens.widgets.hints import key_hints
from screens.widgets.save_request import SaveRequested, request_save

WARN = "#ffaf00"


class _FormBody(VerticalScroll, can_focus=False):
    """The form's scrolling body: no Tab stop of its own (it scrolls to the focused field),
    else typing after the last field went into a frame that shows nothing."""


@dataclass(frozen=True)
class Field:
    """One line of a form: its id (the core's field name), label and placeholder.

    A label is a message (``N_``), or a message in a context (``NP_``) where the English
    word means something else elsewhere (a contract's "Title" is not a person's)."""

    id: str
    label: str | tuple[str, str]
    placeholder: str = ""
    info: bool = False  # a line under the field that explains the value
    lines: int = 1  # more than one: a text area (the numbers of a contact)

    @property
    def shown_label(self) -> str:
        """The label in the desk's language."""
        if isinstance(self.label, tuple):
            return pgettext(*self.label)
        return _(self.label)


class DirectoryForm(TranslatedModalScreen[int | None]):
    """A form for one row; dismissed with the row's id when saved, None if cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="directory_form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="directory_form.cancel"),
        Binding("tab", "app.focus_next", "Next field", id="directory_form.next", show=False,
                priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field",
                id="directory_form.previous", show=False, priority=True),
    ]

    #: The title when adding and when editing.
    TITLES = ("", "")
    FIELDS: tuple[Field, ...] = ()

    def __init__(self, desk: Desk, row_id: int | None = None, *,
                 values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.row_id = row_id
        self.values = dict(values or {})
        self._warned_for: dict[str, str] | None = None
        self._shown_for: dict[str, str] | None = None  # the values the error line is about
        #: The values being saved (in a worker, which reads them here, not off the widgets).
        self._saving: dict[str, str] | None = None

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        title = _(self.TITLES[0] if self.row_id is None else self.TITLES[1])
        with _FormBody(classes="dialog directory-form") as box:
            box.border_title = title
            for f in self.FIELDS:
                with Horizontal(classes="field"):
                    yield Label(f.shown_label, classes="label")
                    yield self.field_widget(f)
                if f.info:
                    yield Static("", id=f"{f.id}-info", classes="info")
            yield Static("", id="form-error", classes="error")
            yield Label(key_hints(("Tab", _("next field")), ("Ctrl+S", _("save")),
                                  ("Esc", _("cancel"))), classes="keys")

    def field_widget(self, f: Field) -> Widget:
        value = self.values.get(f.id, "")
        placeholder = _(f.placeholder) if f.placeholder else ""
        if f.lines > 1:
            area = TextArea(value, id=f.id, compact=True, soft_wrap=True,
                            tab_behavior="focus", placeholder=placeholder)
            area.styles.height = f.lines
            return area
        return Input(value, id=f.id, compact=True, placeholder=placeholder,
                     suggester=self.suggester(f.id))

    def suggester(self, field_id: str) -> SuggestFromList | None:
        return None

    def on_mount(self) -> None:
        for f in self.FIELDS:
            if f.info:
                self.explain(f.id)
        first = self.FIELDS[0].id
        if self.row_id is None:  # a new row: the first field not filled in already
            first = next((f.id for f in self.FIELDS if not self.values.get(f.id)), first)
        self.query_one(f"#{first}").focus()

    # --- values ----------------------------------------------------------------------

    def value(self, field_id: str) -> str:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Choice):
            return widget.value or ""
        assert isinstance(widget, Input)
        return widget.value

    def current(self) -> dict[str, str]:
        if self._saving is not None:
            return dict(self._saving)
        return {f.id: self.value(f.id) for f in self.FIELDS}

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event.input.id)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed(event.text_area.id)

    def on_choice_changed(self, event: Choice.Changed) -> None:
        self._changed(event.choice.id)

    def _changed(self, field_id: str | None) -> None:
        if not self.is_mounted or field_id is None:
            return
        if self._shown_for is not None and self.current() != self._shown_for:
            # the refusal or warning was about other values
            self.query_one("#form-error", Static).update("")
            self._shown_for = None
        self.explain(field_id)

    def explain(self, field_id: str) -> None:
        """Update the information lines that depend on ``field_id``."""

    def show_info(self, field_id: str, text: str | Text, *, warn: bool = False) -> None:
        line = text if isinstance(text, Text) else Text(text, style=WARN if warn else "")
        self.query_one(f"#{field_id}-info", Static).update(line)

    # --- saving --------------------------------------------------------------------------

    def save(self, confirmed: bool) -> Saved:
        """Each form saves its own record (the screen's metaclass does not mix with ABC)."""
        raise TypeError(f"{type(self).__name__} does not say how it saves")

    def action_save(self) -> None:
        """Save once the keys typed before Ctrl+S are in their fields (a priority key
        arrives ahead of them: saved at once, the values were short of the last
        characters, and those then wiped the refusal — shown only on a second Ctrl+S)."""
        request_save(self)

    def on_save_requested(self, message: SaveRequested) -> None:
        message.stop()
        self._save()

    def _save(self) -> None:
        """Save in a worker (the screen goes on meanwhile); Ctrl+S again waits for it."""
        values = self.current()
        confirmed = self._warned_for == values
        key = f"directory:{type(self).__name__}:{self.row_id}"
        if refuse_while_pending(self, key):
            return
        self._saving = values
        if run_operation(self, lambda: self.save(confirmed), key=key, then=self._saved,
                         failed=lambda error: self._refused(error, values),
                         notify_refusal=False):
            self.query_one("#form-error", Static).update(Text(_("Saving…"), style="dim"))
        else:
            self._saving = None

    def _refused(self, error: HotlineError, values: dict[str, str]) -> None:
        self._saving = None
        if isinstance(error, FieldError):
            self._fail(str(error), error.field)
        elif isinstance(error, Unconfirmed):
            self._warned_for = values
            text = Text()
            text.append(_("Press Ctrl+S again to save anyway, or change the values."),
                        style="bold")
            for w in error.warnings:
                text.append("\n⚠ " + w, style=WARN)
            line = self.query_one("#form-error", Static)
            line.update(text)
            self._shown_for = values
            self.call_after_refresh(line.scroll_visible)
        else:
            self._fail(str(error), None)

    def _saved(self, saved: Saved) -> None:
        self._saving = None
        if saved.created:
            self.notify(_("Added."), timeout=3)
        elif saved.changed:
            self.notify(_("Saved."), timeout=3)
        else:
            self.notify(_("Nothing changed."), timeout=3)
        if self.is_current:
            self.dismiss(saved.id)

    def _fail(self, message: str, field_id: str | None) -> None:
        error = self.query_one("#form-error", Static)
        said = next((line for line in self.query(".info").results(Static)
                     if str(line.render()) == message), None)
        if said is not None:
            # A field's line already says it (the validity, as typed): said once, there,
            # in red; the bottom line would only repeat it.
            said.update(Text(message, style="bold red"))
            error.update("")
            error = said
        else:
            error.update(Text(message, style="bold red"))
        self._shown_for = self.current()
        self.call_after_refresh(error.scroll_visible)
        ids = {f.id for f in self.FIELDS}
        if field_id in ids:
            self.query_one(f"#{field_id}").focus()

    def action_cancel(self) -> None:
        if self._saving is not None and refuse_while_pending(
                self, f"directory:{type(self).__name__}:{self.row_id}"):
            return  # the row may be saved whatever the form says: wait for it
        self.dismiss(None)


# --- the customer a form belongs to ----------------------------------------------------


class _WithCustomer(DirectoryForm):
    """A form with a customer-code field that says whose code it is as it is typed."""

    def __init__(self, desk: Desk, row_id: int | None = None, *,
                 values: dict[str, str] | None = None) -> None:
        super().__init__(desk, row_id, values=values)
        try:
            self.customers = customer_choices(desk)
        except HotlineError:
            self.customers = []
        self._by_code = {key_of(c.code): c for c in self.customers}

    def suggester(self, field_id: str) -> SuggestFromList | None:
        if field_id == "customer":
            return SuggestFromList([c.code for c in self.customers], case_sensitive=False)
        return None

    def chosen_customer(self) -> CustomerChoice | None:
        return self._by_code.get(key_of(self.value("customer")))

    def explain(self, field_id: str) -> None:
        if field_id != "customer":
            return
        text = self.value("customer").strip()
        found = self.chosen_customer()
        if found is not None:
            self.show_info("customer", Text(" · ".join(
                x for x in (found.name, found.city or "") if x), style="green"))
        elif not text:
            self.show_info("customer", _("the customer's code (type a few letters; → completes)"))
        else:
            words = key_of(text)
            near = [c for c in self.customers
                    if words in key_of(c.name) or words in key_of(c.code)][:3]
            if near:
                self.show_info("customer", _("No customer has code {code}. Perhaps: {near}")
                               .format(code=text, near="; ".join(f"{c.code} {c.name}"
                                                                 for c in near)), warn=True)
            else:
                self.show_info("customer", _("No customer has code {code}.").format(code=text),
                               warn=True)


# --- the four forms ----------------------------------------------------------------------


class CustomerFormScreen(DirectoryForm):
    TITLES = (N_("New customer"), N_("Edit customer"))
    FIELDS = (
        Field("code", N_("Code"), N_("short and unique, e.g. GDT-SZ")),
        Field("name", N_("Name"), N_("e.g. 广东电信深圳分公司")),
        Field("city", N_("City"), N_("e.g. 深圳")),
    )

    def save(self, confirmed: bool) -> Saved:
        v = self.current()
        return save_customer(self.desk, CustomerForm(v["code"], v["name"], v["city"]),
                             self.row_id)


class SiteFormScreen(_WithCustomer):
    TITLES = (N_("New site"), N_("Edit site"))
    FIELDS = (
        Field("customer", N_("Customer"), N_("customer code"), info=True),
        Field("name", N_("Site"), N_("e.g. 福田传输机房")),
        Field("city", N_("City"), N_("the city the contract's region applies to, e.g. 深圳")),
        Field("area_code", N_("Area code"), N_("for local numbers written without it, e.g. 0755"),
              info=True),
        Field("address", N_("Address")),
    )

    def explain(self, field_id: str) -> None:
        super().explain(field_id)
        if field_id != "area_code":
            return
        text = self.value("area_code").strip()
        if not text:
            self.show_info("area_code", _("optional: local numbers of this site's contacts "
                                          "then need their area code"))
            return
        try:
            area = check_area_code(text)
        except FieldError as exc:
            self.show_info("area_code", str(exc), warn=True)
            return
        place = area_place(area or "")
        self.show_info("area_code", Text(f"{area} · {place}", style="green"))

    def save(self, confirmed: bool) -> Saved:
        v = self.current()
        return save_site(self.desk, SiteForm(v["customer"], v["name"], v["city"],
                                             v["area_code"], v["address"]), self.row_id)


class ContactFormScreen(_WithCustomer):
    TITLES = (N_("New contact"), N_("Edit contact"))
    FIELDS = (
        Field("customer", N_("Customer"), N_("customer code"), info=True),
        Field("name", N_("Name"), N_("e.g. 黄志明")),
        Field("title", N_("Title"), N_("e.g. 传输维护主管")),
        Field("site", N_("Site"), N_("one of the customer's sites (→ completes)"), info=True),
        Field("email", N_("E-mail"), N_("name@example.com")),
        Field("numbers", N_("Numbers"), N_("one a line, e.g. mobile: 139 0225 1234"), info=True,
              lines=3),
    )

    def suggester(self, field_id: str) -> SuggestFromList | None:
        if field_id == "site":
            return SuggestFromList([name for c in self.customers for name, _a in c.sites],
                                   case_sensitive=False)
        return super().suggester(field_id)

    def _area(self) -> tuple[str | None, str]:
        """The area code for local numbers, and where it comes from."""
        customer = self.chosen_customer()
        if customer is None:
            return None, ""
        wanted = key_of(self.value("site"))
        for name, area in customer.sites:
            if wanted and key_of(name) == wanted:
                return area, name
        areas = {a for _n, a in customer.sites if a}
        if len(areas) == 1:
            return areas.pop(), customer.code
        return None, ""

    def explain(self, field_id: str) -> None:
        super().explain(field_id)
        if field_id in ("customer", "site"):
            self._explain_site()
            self.explain("numbers")
        if field_id == "numbers":
            self._explain_numbers()

    def _explain_site(self) -> None:
        customer = self.chosen_customer()
        text = self.value("site").strip()
        if customer is None:
            self.show_info("site", "")
            return
        names = [n for n, _a in customer.sites]
        if text and key_of(text) not in {key_of(n) for n in names}:
            self.show_info("site", _("{code} has no site {site}; its sites: {sites}").format(
                code=customer.code, site=text, sites=", ".join(names) or _("none")), warn=True)
            return
        area, source = self._area()
        if area:
            self.show_info("site", _("local numbers get area code {area} ({source})").format(
                area=area, source=source))
        else:
            self.show_info("site", _("sites: {sites}").format(sites=", ".join(names) or
                                                              _("none")))

    def _explain_numbers(self) -> None:
        area, _source = self._area()
        items = split_numbers(self.value("numbers"))
        if not items:
            self.show_info("numbers", _("at least one; an extension as 0755 8376 5432 ext "
                                        "8001 or 转8001; a label before a colon"))
            return
        lines = Text()
        for i, item in enumerate(items[:4]):
            if i:
                lines.append("\n")
            try:
                [entry] = parse_numbers(item, area)
            except FieldError as exc:
                lines.append("✗ " + str(exc), style=WARN)
                continue
            label = f"{entry.label}: " if entry.label else ""
            lines.append("✓ " + label + describe(entry.number), style="green")
        if len(items) > 4:
            lines.append("\n" + _("… and {n} more").format(n=len(items) - 4))
        self.show_info("numbers", lines)

    def save(self, confirmed: bool) -> Saved:
        v = self.current()
        return save_contact(self.desk, ContactForm(
            v["customer"], v["name"], v["title"], v["site"], v["email"], v["numbers"]),
            self.row_id, confirmed=confirmed)


class ContractFormScreen(_WithCustomer):
    TITLES = (N_("New contract"), N_("Edit contract"))
    FIELDS = (
        Field("code", N_("Code"), N_("e.g. STD-2026-010")),
        Field("customer", N_("Customer"), N_("customer code"), info=True),
        Field("title", NP_("contract", "Title"), N_("e.g. 数据中心网络设备维保")),
        Field("policy", N_("Policy"), N_("a loaded policy (→ completes)"), info=True),
        Field("grade", N_("Grade")),
        Field("region", N_("Region"), N_("the city whose zone applies, e.g. 深圳"), info=True),
        Field("valid_from", N_("Valid from"), N_("YYYY-MM-DD")),
        Field("valid_to", N_("Valid to"), N_("YYYY-MM-DD (empty: until further notice)"),
              info=True),
    )

    def field_widget(self, f: Field) -> Widget:
        if f.id == "grade":
            options = self._grades(self.values.get("policy", ""))
            kept = (self.values.get("grade") or "").upper()
            return Choice(options, kept if kept in {o.value for o in options} else None,
                          id="grade")
        return super().field_widget(f)

    def suggester(self, field_id: str) -> SuggestFromList | None:
        if field_id == "policy":
            return SuggestFromList(self.desk.sla.policy_names(), case_sensitive=False)
        if field_id == "region":
            cities = sorted({c for name in self.desk.sla.policy_names()
                             for r in self.desk.sla.policy(name).regions for c in r.cities})
            return SuggestFromList(cities, case_sensitive=False)
        return super().suggester(field_id)

    def _policy(self, text: str) -> str | None:
        names = {n.casefold(): n for n in self.desk.sla.policy_names()}
        return names.get(text.strip().casefold())

    def _grades(self, policy_text: str) -> list[Option]:
        """The policy's grades; for a policy without grades, none (or the grade kept)."""
        name = self._policy(policy_text)
        if name is None:
            return []
        grades = self.desk.sla.policy(name).grades
        if grades:
            return [Option(g, g, g.lower()) for g in grades]
        options = [Option("", _("none"), "-")]
        kept = (self.values.get("grade") or "").upper()
        if kept:
            options.append(Option(kept, kept, kept.lower()))
        return options

    def explain(self, field_id: str) -> None:
        super().explain(field_id)
        if field_id == "policy":
            self._explain_policy()
            self.explain("region")
        elif field_id == "region":
            self._explain_region()
        elif field_id in ("valid_from", "valid_to"):
            self._explain_validity()

    def _explain_policy(self) -> None:
        text = self.value("policy")
        name = self._policy(text)
        grade = self.query_one("#grade", Choice)
        options = self._grades(text)
        if [o.value for o in options] != [o.value for o in grade.options]:
            grade.set_options(options)
            if grade.value is None and len(options) and not options[0].value:
                grade.value = ""  # a policy without grades: none, until one is chosen
        grade.disabled = not options
        if name is None:
            self.show_info("policy", _("policies: {names}").format(
                names=", ".join(self.desk.sla.policy_names())),
                warn=bool(text.strip()))
            return
        pol = self.desk.sla.policy(name)
        facts = [pol.shown_title()]
        facts.append(_("grades {grades}").format(grades="/".join(pol.grades)) if pol.grades
                     else _("no grades"))
        if pol.regions:
            facts.append(_("{n} zones").format(n=len(pol.regions)))
        self.show_info("policy", Text(" · ".join(facts), style="green"))

    def _explain_region(self) -> None:
        name = self._policy(self.value("policy"))
        text = self.value("region").strip()
        if name is None:
            self.show_info("region", "")
            return
        pol = self.desk.sla.policy(name)
        if not pol.regions:
            self.show_info("region", _("{policy} has no zones: the region is for the record")
                           .format(policy=name))
            return
        if not text:
            self.show_info("region", _("empty: the site's city, else the customer's, is used"))
            return
        zone = pol.zone_of(text)
        if zone is None:
            self.show_info("region", _("no zone for {region} in {policy}: the strictest "
                                       "on-site limits apply").format(policy=name, region=text),
                           warn=True)
            return
        label = next((r.label for r in pol.regions if r.zone == zone), zone)
        self.show_info("region", Text(_("zone: {zone}").format(zone=label), style="green"))

    def _explain_validity(self) -> None:
        try:
            start, end = check_validity(self.value("valid_from"), self.value("valid_to"),
                                        required=False)
        except FieldError as exc:
            self.show_info("valid_to", str(exc), warn=True)
            return
        today = self.desk.now().astimezone(self.desk.settings.tz).date()
        if start is None:
            self.show_info("valid_to", "")
            return
        state = contract_state(start, end, today)
        days = (end - start).days + 1 if end else None
        text = _(CONTRACT_STATES[state])
        if days:
            text += " · " + _("{n} days").format(n=days)
        self.show_info("valid_to", Text(text, style="green" if state == "in_force" else WARN))

    def save(self, confirmed: bool) -> Saved:
        v = self.current()
        return save_contract(self.desk, ContractForm(
            v["code"], v["customer"], v["policy"], v["grade"], v["region"], v["title"],
            v["valid_from"], v["valid_to"]), self.row_id, confirmed=confirmed)


#: The form of each tab, and how to fill it from a row.
FORMS: dict[str, tuple[type[DirectoryForm], Callable[[Desk, int], Any]]] = {
    "customers": (CustomerFormScreen, customer_form),
    "sites": (SiteFormScreen, site_form),
    "contacts": (ContactFormScreen, contact_form),
    "contracts": (ContractFormScreen, contract_form),
}
