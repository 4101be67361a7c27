"""Adding, editing and finding the directory: customers, sites, contacts, contracts.

Each ``save_*`` function is one operation: it checks every field (a refusal
is a :class:`FieldError` naming the field and what is wrong with it), then
writes the row and the event that records it in one transaction. The field
checks are plain functions shared with the CSV import
(:mod:`hotline.directory.csv_import`), so that a value the form refuses is
refused in a file too, with the same words.

Some things are worth a second look but not a refusal (a contract region the
policy has no zone for, a number that also belongs to another customer's
contact, two contracts of a customer in force at once): they are
*warnings*. A ``save_*`` given ``confirmed=False`` raises
:class:`Unconfirmed` carrying them, and writes nothing; the screens show them
and save on a second request.

Codes (customer, contract) and names (site, contact) are matched ignoring
case and repeated spaces, as people type them; they are stored as written.
The ``list_*`` functions return plain rows for the screens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import phonenumbers
import sqlalchemy as sa
from phonenumbers import geocoder
from sqlmodel import Session, col, func, select

from hotline.errors import ConfigError, InputError, NotFound
from hotline.i18n import N_, _, current_language
from hotline.phones import PhoneNumber, parse_number
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site

if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.sla import SlaEngine

__all__ = [
    "ContactForm",
    "ContactRow",
    "ContractForm",
    "ContractRow",
    "CustomerForm",
    "CustomerRow",
    "FieldError",
    "Listing",
    "NumberEntry",
    "Saved",
    "SiteForm",
    "SiteRow",
    "Unconfirmed",
    "save_contact",
    "save_contract",
    "save_customer",
    "save_site",
]

#: How many rows a listing returns at most (the screens say how many there are).
LIST_LIMIT = 500


# --- refusals and warnings ---------------------------------------------------


class FieldError(InputError):
    """A value that is not acceptable; ``field`` names the form field / CSV column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Unconfirmed(InputError):
    """The values are acceptable but deserve a second look; nothing was written."""

    def __init__(self, warnings: Sequence[str]) -> None:
        super().__init__("\n".join(warnings))
        self.warnings = tuple(warnings)


@dataclass(frozen=True)
class Saved:
    """What a ``save_*`` did: the row's id, whether it is new, what changed."""

    id: int
    created: bool
    changes: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


# --- the forms (values as typed) ---------------------------------------------


@dataclass(frozen=True)
class CustomerForm:
    code: str
    name: str
    city: str = ""


@dataclass(frozen=True)
class SiteForm:
    customer: str  # the customer's code
    name: str
    city: str = ""
    area_code: str = ""
    address: str = ""


@dataclass(frozen=True)
class ContactForm:
    customer: str  # the customer's code
    name: str
    title: str = ""
    site: str = ""  # a site name of that customer, or empty
    email: str = ""
    numbers: str = ""  # one or more, see parse_numbers


@dataclass(frozen=True)
class ContractForm:
    code: str
    customer: str  # the customer's code
    policy: str
    grade: str = ""
    region: str = ""
    title: str = ""
    valid_from: str = ""
    valid_to: str = ""


# --- field checks (shared with the CSV import) --------------------------------

_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def one_line(value: str | None) -> str:
    """Trimmed, with every run of spaces, tabs and line breaks made one space."""
    return _SPACES.sub(" ", value or "").strip()


def key_of(value: str) -> str:
    """How codes and names are matched: case and repeated spaces ignored."""
    return one_line(value).casefold()


def _text(value: str | None, fld: str, what: str, max_len: int, *,
          required: bool) -> str | None:
    text = one_line(value)
    if not text:
        if required:
            raise FieldError(fld, _("{what} is required.").format(what=what))
        return None
    if len(text) > max_len:
        raise FieldError(fld, _("{what} may have at most {max} characters; this has {n}.").format(
            what=what, max=max_len, n=len(text)))
    return text


def _code(value: str | None, fld: str, what: str, max_len: int) -> str:
    text = _text(value, fld, what, max_len, required=True)
    assert text is not None
    if " " in text:
        raise FieldError(fld, _("{what} {value!r} contains a space; a code is one word "
                                "(e.g. GDT-SZ).").format(what=what, value=text))
    return text


def check_customer_code(value: str | None, fld: str = "code") -> str:
    return _code(value, fld, _("Customer code"), 40)


def check_customer_name(value: str | None) -> str:
    text = _text(value, "name", _("Customer name"), 200, required=True)
    assert text is not None
    return text


def check_city(value: str | None, fld: str = "city") -> str | None:
    return _text(value, fld, _("City"), 60, required=False)


def check_site_name(value: str | None, fld: str = "name") -> str:
    text = _text(value, fld, _("Site name"), 200, required=True)
    assert text is not None
    return text


def check_address(value: str | None) -> str | None:
    return _text(value, "address", _("Address"), 300, required=False)


def check_area_code(value: str | None, fld: str = "area_code") -> str | None:
    """A Chinese area code in use, returned with its trunk 0 (``"755"`` → ``"0755"``)."""
    text = one_line(value).replace(" ", "").replace("-", "")
    if not text:
        return None
    digits = text[1:] if text.startswith("0") else text
    if not digits.isdigit() or area_place(digits) is None:
        raise FieldError(fld, _("{value!r} is not an area code in use in China "
                                "(e.g. 010, 020, 0755).").format(value=one_line(value)))
    return "0" + digits


@lru_cache(maxsize=512)
def area_place(area: str) -> str | None:
    """Where an area code is (``"755"`` → Shenzhen), in the current language; None if unused."""
    area = area.lstrip("0")
    if not area.isdigit() or not 2 <= len(area) <= 3:
        return None
    lang = "zh" if current_language() == "zh_CN" else "en"
    for lead in "2345678":
        for length in (8, 7):
            number = phonenumbers.PhoneNumber(
                country_code=86, national_number=int(area + lead + "0" * (length - 1)))
            if phonenumbers.is_valid_number_for_region(number, "CN"):
                return geocoder.description_for_number(number, lang) or area
    return None


def check_contact_name(value: str | None, fld: str = "name") -> str:
    text = _text(value, fld, _("Contact name"), 120, required=True)
    assert text is not None
    return text


def check_title(value: str | None) -> str | None:
    return _text(value, "title", _("Title"), 120, required=False)


def check_email(value: str | None) -> str | None:
    text = _text(value, "email", _("E-mail"), 200, required=False)
    if text is not None and not _EMAIL.fullmatch(text):
        raise FieldError("email", _("{value!r} is not an e-mail address (name@example.com).")
                         .format(value=text))
    return text


@dataclass(frozen=True)
class NumberEntry:
    """One number of a contact as written, with its optional label."""

    number: PhoneNumber
    label: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.number.e164, self.number.extension)


#: Between numbers: ; ； 、 ， or a line break (not the ";" of ";ext=8001").
_NUMBER_SEPARATOR = re.compile(r"[;；、，\n\r]+(?!\s*ext\s*=)", re.IGNORECASE)
#: ``office: 0755 8376 5432`` — a label has no digits and comes before a colon.
_LABELLED = re.compile(r"(?P<label>[^\d+(:：]{1,40}?)\s*[:：]\s*(?P<number>.+)")


def split_numbers(text: str) -> list[str]:
    """The items of a list of numbers, as written."""
    return [item.strip() for item in _NUMBER_SEPARATOR.split(text or "") if item.strip()]


def parse_numbers(text: str | None, area_code: str | None, *, fld: str = "numbers",
                  required: bool = True) -> list[NumberEntry]:
    """Read ``"mobile: 139 0225 1234; 0755-8376 5432 ext 8001"``.

    Numbers are separated by ``;`` ``；`` ``、`` ``，`` or line breaks; each may
    start with a label and a colon. Local numbers written without an area
    code get ``area_code``. The same number twice is kept once.
    """
    items = split_numbers(text or "")
    if not items:
        if required:
            raise FieldError(fld, _("At least one phone number is required."))
        return []
    out: list[NumberEntry] = []
    seen: set[tuple[str, str | None]] = set()
    for item in items:
        label: str | None = None
        written = item
        m = _LABELLED.fullmatch(item)
        if m is not None:
            label = one_line(m.group("label")) or None
            written = m.group("number")
        try:
            number = parse_number(written, default_region="CN", default_area_code=area_code)
        except (InputError, ConfigError) as exc:
            raise FieldError(fld, str(exc) + _spreadsheet_hint(written)) from exc
        entry = NumberEntry(number, label)
        if entry.key not in seen:
            seen.add(entry.key)
            out.append(entry)
    return out


_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def _spreadsheet_hint(written: str) -> str:
    """What a spreadsheet may have done to a number that does not parse."""
    text = written.strip()
    if _SCIENTIFIC.fullmatch(text):
        return " " + _("A spreadsheet turned the number into {value}: format the column as "
                       "text and type the number again.").format(value=text)
    return ""


def number_text(e164: str, extension: str | None, label: str | None = None) -> str:
    """A stored number written back the way :func:`parse_numbers` reads it."""
    shown = _national(e164)
    if extension:
        shown += f" ext. {extension}"
    return f"{label}: {shown}" if label else shown


@lru_cache(maxsize=8192)
def _national(e164: str) -> str:
    try:
        return parse_number(e164).national
    except InputError:
        return e164


def show_number(e164: str, extension: str | None) -> str:
    """A stored number as the screens show it."""
    shown = _national(e164)
    if extension:
        shown = _("{number} ext. {extension}").format(number=shown, extension=extension)
    return shown


def check_contract_code(value: str | None, fld: str = "code") -> str:
    return _code(value, fld, _("Contract code"), 60)


def check_contract_title(value: str | None) -> str | None:
    return _text(value, "title", _("Contract title"), 200, required=False)


@dataclass(frozen=True)
class Terms:
    """A contract's policy, grade and region, checked against the loaded policies."""

    policy: str
    grade: str  # "" for a policy without grades, when none was given
    region: str | None
    warnings: tuple[str, ...] = ()


def check_terms(sla: SlaEngine, policy: str | None, grade: str | None,
                region: str | None) -> Terms:
    names = sla.policy_names()
    wanted = one_line(policy)
    if not wanted:
        raise FieldError("policy", _("Choose the contract's policy: {known}.").format(
            known=", ".join(names)))
    by_key = {n.casefold(): n for n in names}
    name = by_key.get(wanted.casefold())
    if name is None:
        raise FieldError("policy", _("{name!r} is not a policy the desk has loaded; "
                                     "it has: {known}.").format(name=wanted,
                                                                known=", ".join(names)))
    pol = sla.policy(name)
    g = one_line(grade).upper()
    if pol.grades:
        if not g:
            raise FieldError("grade", _("Choose the grade: policy {policy} has grades {grades}.")
                             .format(policy=name, grades="/".join(pol.grades)))
        if g not in pol.grades:
            raise FieldError("grade", _("Policy {policy} has no grade {grade}; it has {grades}.")
                             .format(policy=name, grade=g, grades="/".join(pol.grades)))
    elif g and (len(g) > 4 or not g.isalnum()):
        raise FieldError("grade", _("{grade!r} is not a grade (a letter such as A, B or C).")
                         .format(grade=g))
    place = _text(region, "region", _("Region"), 60, required=False)
    warnings: list[str] = []
    if place is not None and pol.regions and not pol.knows_region(place):
        warnings.append(_("Policy {policy} has no zone for {region}: its limits for an unknown "
                          "region apply (the strictest on-site times). Cities it knows: "
                          "{cities}.").format(policy=name, region=place,
                                              cities=", ".join(policy_cities(
                                                  sla, name, chinese=not place.isascii()))))
    return Terms(name, g, place, tuple(warnings))


def policy_cities(sla: SlaEngine, policy: str, *, chinese: bool | None = None) -> list[str]:
    """The cities a policy's zones name, in Chinese or pinyin (default: the language's)."""
    if chinese is None:
        chinese = current_language() == "zh_CN"
    cities = [c for r in sla.policy(policy).regions for c in r.cities]
    wanted = [c for c in cities if (not c.isascii()) == chinese]
    return wanted or cities


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_day(value: str | None, fld: str, what: str) -> date | None:
    """``2026-01-31``, ``2026/1/31``, ``2026.1.31``, ``2026年1月31日`` or ``20260131``."""
    text = one_line(value)
    if not text:
        return None
    m = _DAY.fullmatch(text)
    parts = ((m.group(1), m.group(2), m.group(3)) if m
             else (text[:4], text[4:6], text[6:]) if len(text) == 8 and text.isdigit()
             else None)
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise FieldError(fld, _("{what}: {value!r} is not a date; write YYYY-MM-DD "
                            "(e.g. 2026-12-31).").format(what=what, value=text))


def check_validity(valid_from: str | None, valid_to: str | None, *,
                   required: bool = True) -> tuple[date | None, date | None]:
    start = parse_day(valid_from, "valid_from", _("Valid from"))
    end = parse_day(valid_to, "valid_to", _("Valid to"))
    if start is None and required:
        raise FieldError("valid_from", _("The date the contract starts is required "
                                         "(valid from)."))
    if start is not None and end is not None and end < start:
        raise FieldError("valid_to", _("The contract ends ({end}) before it starts ({start}).")
                         .format(end=end.isoformat(), start=start.isoformat()))
    return start, end


def overlaps(a_from: date | None, a_to: date | None, b_from: date | None,
             b_to: date | None) -> bool:
    return ((a_from or date.min) <= (b_to or date.max)
            and (b_from or date.min) <= (a_to or date.max))


def overlap_warning(other_code: str, other_from: date | None, other_to: date | None) -> str:
    return _("Contract {code} of the same customer is in force at the same time ({start} to "
             "{end}): a caller is matched to the contract ending last.").format(
                 code=other_code, start=_day(other_from), end=_day(other_to))


def shared_number_warning(number: str, contact: str, customer: str) -> str:
    return _("{number} is also the number of {contact} ({customer}): a call from it is "
             "matched to one of them only.").format(number=number, contact=contact,
                                                    customer=customer)


def _day(value: date | None) -> str:
    return value.isoformat() if value else "…"


# --- lookups ------------------------------------------------------------------


def _by_key(column: Any, value: str) -> Any:
    return func.lower(column) == key_of(value).lower()


def _customer(s: Session, code: str, fld: str = "customer") -> Customer:
    wanted = one_line(code)
    if not wanted:
        raise FieldError(fld, _("Customer code is required."))
    found = s.exec(select(Customer).where(_by_key(Customer.code, wanted))).all()
    exact = [c for c in found if key_of(c.code) == key_of(wanted)]
    if not exact:
        raise FieldError(fld, _("There is no customer with code {code!r}.").format(code=wanted))
    return exact[0]


def _site(s: Session, customer: Customer, name: str) -> Site | None:
    wanted = one_line(name)
    if not wanted:
        return None
    for site in s.exec(select(Site).where(Site.customer_id == customer.id)).all():
        if key_of(site.name) == key_of(wanted):
            return site
    raise FieldError("site", _("Customer {code} has no site {site!r}.").format(
        code=customer.code, site=wanted))


def default_area_code(site: Site | None, sites: Iterable[Site]) -> str | None:
    """The area code for a contact's local numbers: its site's, else the one all of
    the customer's sites share."""
    if site is not None and site.area_code:
        return site.area_code
    codes = {x.area_code for x in sites if x.area_code}
    return codes.pop() if len(codes) == 1 else None


def _diff(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``row``; returns {field: [old, new]} for what changed."""
    changes: dict[str, Any] = {}
    for name, new in values.items():
        old = getattr(row, name)
        if old != new:
            changes[name] = [old, new]
            setattr(row, name, new)
    return changes


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


T = TypeVar("T")


def _get(s: Session, model: type[T], row_id: int, what: str) -> T:
    row = s.get(model, row_id)
    if row is None:
        raise NotFound(_("There is no {what} {id}; someone may have changed the directory.")
                       .format(what=what, id=row_id))
    return row


# --- operations -----------------------------------------------------------------


def save_customer(desk: Desk, form: CustomerForm, customer_id: int | None = None) -> Saved:
    """Add a customer, or change one (``customer_id``)."""
    code = check_customer_code(form.code)
    name = check_customer_name(form.name)
    city = check_city(form.city)
    with desk.session() as s:
        clash = s.exec(select(Customer).where(_by_key(Customer.code, code))).first()
        if clash is not None and clash.id != customer_id:
            raise FieldError("code", _("Customer code {code} is taken by {name}.").format(
                code=clash.code, name=clash.name))
        values: dict[str, Any] = {"code": code, "name": name, "city": city}
        now = desk.now()
        if customer_id is None:
            row = Customer(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            desk._event(s, "customer_added", now, customer_id=row.id, **values)
            return Saved(row.id, True)
        row = _get(s, Customer, customer_id, _("customer"))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            desk._event(s, "customer_changed", now, customer_id=customer_id, code=row.code,
                        changes=changes)
        return Saved(customer_id, False, changes)


def save_site(desk: Desk, form: SiteForm, site_id: int | None = None) -> Saved:
    """Add a site to a customer, or change one."""
    name = check_site_name(form.name)
    city = check_city(form.city)
    area = check_area_code(form.area_code)
    address = check_address(form.address)
    with desk.session() as s:
        customer = _customer(s, form.customer)
        for other in s.exec(select(Site).where(Site.customer_id == customer.id)).all():
            if key_of(other.name) == key_of(name) and other.id != site_id:
                raise FieldError("name", _("Customer {code} already has a site named {name}.")
                                 .format(code=customer.code, name=other.name))
        values: dict[str, Any] = {
            "customer_id": customer.id, "name": name, "city": city, "area_code": area,
                  "address": address}
        now = desk.now()
        if site_id is None:
            row = Site(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            desk._event(s, "site_added", now, site_id=row.id, customer=customer.code,
                        name=name, city=city, area_code=area, address=address)
            return Saved(row.id, True)
        row = _get(s, Site, site_id, _("site"))
        if row.customer_id != customer.id:
            used = s.exec(select(func.count()).select_from(Contact)
                          .where(Contact.site_id == site_id)).one()
            if used:
                raise FieldError("customer", _("{n} contacts of another customer are at this "
                                               "site; move them first.").format(n=used))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            desk._event(s, "site_changed", now, site_id=site_id, customer=customer.code,
                        name=row.name, changes=changes)
        return Saved(site_id, False, changes)


def save_contact(desk: Desk, form: ContactForm, contact_id: int | None = None, *,
                 confirmed: bool = True) -> Saved:
    """Add a contact with their numbers, or change one (its numbers become the form's)."""
    name = check_contact_name(form.name)
    title = check_title(form.title)
    email = check_email(form.email)
    with desk.session() as s:
        customer = _customer(s, form.customer)
        assert customer.id is not None
        site = _site(s, customer, form.site)
        sites = s.exec(select(Site).where(Site.customer_id == customer.id)).all()
        entries = parse_numbers(form.numbers, default_area_code(site, sites))
        for other in s.exec(select(Contact).where(Contact.customer_id == customer.id,
                                                  _by_key(Contact.name, name))).all():
            if key_of(other.name) == key_of(name) and other.id != contact_id:
                raise FieldError("name", _("{customer} already has a contact named {name}; "
                                           "add something to tell them apart (e.g. the "
                                           "title).").format(customer=customer.code,
                                                             name=other.name))
        warnings = _shared_numbers(s, entries, customer.id)
        if warnings and not confirmed:
            raise Unconfirmed(warnings)
        values: dict[str, Any] = {
            "customer_id": customer.id, "site_id": site.id if site else None,
                  "name": name, "title": title, "email": email}
        now = desk.now()
        if contact_id is None:
            row = Contact(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            for e in entries:
                s.add(_number_row(row.id, e))
            desk._event(s, "contact_added", now, contact_id=row.id, customer=customer.code,
                        name=name, title=title, email=email, site=site.name if site else None,
                        numbers=[_number_data(e) for e in entries])
            return Saved(row.id, True, warnings=tuple(warnings))
        row = _get(s, Contact, contact_id, _("contact"))
        changes = _diff(row, values)
        number_changes = _replace_numbers(s, contact_id, entries)
        if number_changes:
            changes["numbers"] = number_changes
        if changes:
            s.add(row)
            desk._event(s, "contact_changed", now, contact_id=contact_id,
                        customer=customer.code, name=row.name, changes=changes)
        return Saved(contact_id, False, changes, tuple(warnings))


def _number_row(contact_id: int, e: NumberEntry) -> ContactNumber:
    return ContactNumber(contact_id=contact_id, e164=e.number.e164,
                         extension=e.number.extension, kind=e.number.kind, label=e.label)


def _number_data(e: NumberEntry) -> dict[str, Any]:
    return {"e164": e.number.e164, "extension": e.number.extension, "kind": e.number.kind,
            "label": e.label}


def _replace_numbers(s: Session, contact_id: int, entries: list[NumberEntry]) -> dict[str, Any]:
    """Make the contact's numbers ``entries``; returns what was added, removed, relabelled."""
    current = {(n.e164, n.extension): n for n in
               s.exec(select(ContactNumber).where(ContactNumber.contact_id == contact_id)).all()}
    wanted = {e.key: e for e in entries}
    added = [_number_data(e) for k, e in wanted.items() if k not in current]
    removed = [{"e164": n.e164, "extension": n.extension} for k, n in current.items()
               if k not in wanted]
    relabelled = []
    for k, n in current.items():
        if k not in wanted:
            s.delete(n)
        elif n.label != wanted[k].label or n.kind != wanted[k].number.kind:
            relabelled.append({"e164": n.e164, "extension": n.extension,
                               "label": [n.label, wanted[k].label]})
            n.label = wanted[k].label
            n.kind = wanted[k].number.kind
            s.add(n)
    s.flush()  # deletions first: a number may be written back with another label
    for k, e in wanted.items():
        if k not in current:
            s.add(_number_row(contact_id, e))
    out: dict[str, Any] = {}
    if added:
        out["added"] = added
    if removed:
        out["removed"] = removed
    if relabelled:
        out["relabelled"] = relabelled
    return out


def _shared_numbers(s: Session, entries: list[NumberEntry], customer_id: int) -> list[str]:
    """Warnings for numbers that already belong to a contact of another customer."""
    if not entries:
        return []
    rows = s.exec(
        select(ContactNumber.e164, Contact.name, Customer.code)
        .join(Contact, col(Contact.id) == col(ContactNumber.contact_id))
        .join(Customer, col(Customer.id) == col(Contact.customer_id))
        .where(col(ContactNumber.e164).in_([e.number.e164 for e in entries]),
               Contact.customer_id != customer_id)
        .order_by(col(Contact.id))
    ).all()
    seen: set[str] = set()
    out = []
    for e164, contact, code in rows:
        if e164 not in seen:
            seen.add(e164)
            out.append(shared_number_warning(_national(e164), contact, code))
    return out


def save_contract(desk: Desk, form: ContractForm, contract_id: int | None = None, *,
                  confirmed: bool = True) -> Saved:
    """Add a contract, or change one; policy, grade and region are checked against the
    loaded policies."""
    code = check_contract_code(form.code)
    title = check_contract_title(form.title)
    terms = check_terms(desk.sla, form.policy, form.grade, form.region)
    start, end = check_validity(form.valid_from, form.valid_to)
    with desk.session() as s:
        customer = _customer(s, form.customer)
        clash = s.exec(select(Contract).where(_by_key(Contract.code, code))).first()
        if clash is not None and clash.id != contract_id:
            raise FieldError("code", _("Contract code {code} is taken (customer {customer}).")
                             .format(code=clash.code,
                                     customer=_customer_code(s, clash.customer_id)))
        warnings = list(terms.warnings)
        for other in s.exec(select(Contract).where(Contract.customer_id == customer.id)).all():
            if other.id != contract_id and overlaps(start, end, other.valid_from,
                                                    other.valid_to):
                warnings.append(overlap_warning(other.code, other.valid_from, other.valid_to))
        if warnings and not confirmed:
            raise Unconfirmed(warnings)
        values: dict[str, Any] = {
            "code": code, "customer_id": customer.id, "title": title,
                  "policy": terms.policy, "grade": terms.grade, "region": terms.region,
                  "valid_from": start, "valid_to": end}
        now = desk.now()
        if contract_id is None:
            row = Contract(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            desk._event(s, "contract_added", now, contract_id=row.id, customer=customer.code,
                        **{k: _iso(v) for k, v in values.items() if k != "customer_id"})
            return Saved(row.id, True, warnings=tuple(warnings))
        row = _get(s, Contract, contract_id, _("contract"))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            desk._event(s, "contract_changed", now, contract_id=contract_id, code=row.code,
                        changes={k: [_iso(a), _iso(b)] for k, (a, b) in changes.items()})
        return Saved(contract_id, False, changes, tuple(warnings))


def _customer_code(s: Session, customer_id: int) -> str:
    row = s.get(Customer, customer_id)
    return row.code if row else "?"


# --- forms filled from the database ---------------------------------------------


def customer_form(desk: Desk, customer_id: int) -> CustomerForm:
    with Session(desk.engine) as s:
        row = _get(s, Customer, customer_id, _("customer"))
        return CustomerForm(row.code, row.name, row.city or "")


def site_form(desk: Desk, site_id: int) -> SiteForm:
    with Session(desk.engine) as s:
        row = _get(s, Site, site_id, _("site"))
        return SiteForm(_customer_code(s, row.customer_id), row.name, row.city or "",
                        row.area_code or "", row.address or "")


def contact_form(desk: Desk, contact_id: int) -> ContactForm:
    with Session(desk.engine) as s:
        row = _get(s, Contact, contact_id, _("contact"))
        site = s.get(Site, row.site_id) if row.site_id else None
        numbers = s.exec(select(ContactNumber).where(ContactNumber.contact_id == contact_id)
                         .order_by(col(ContactNumber.id))).all()
        return ContactForm(_customer_code(s, row.customer_id), row.name, row.title or "",
                           site.name if site else "", row.email or "",
                           "\n".join(number_text(n.e164, n.extension, n.label)
                                     for n in numbers))


def contract_form(desk: Desk, contract_id: int) -> ContractForm:
    with Session(desk.engine) as s:
        row = _get(s, Contract, contract_id, _("contract"))
        return ContractForm(row.code, _customer_code(s, row.customer_id), row.policy,
                            row.grade, row.region or "", row.title or "",
                            row.valid_from.isoformat() if row.valid_from else "",
                            row.valid_to.isoformat() if row.valid_to else "")


# --- what the forms suggest and explain ---------------------------------------------


@dataclass(frozen=True)
class CustomerChoice:
    id: int
    code: str
    name: str
    city: str | None
    sites: tuple[tuple[str, str | None], ...]  # (name, area code)


def customer_choices(desk: Desk) -> list[CustomerChoice]:
    """Every customer with its sites, for the forms' suggestions (two queries)."""
    with Session(desk.engine) as s:
        sites: dict[int, list[tuple[str, str | None]]] = {}
        for cid, name, area in s.exec(select(Site.customer_id, Site.name, Site.area_code)
                                      .order_by(col(Site.name))).all():
            sites.setdefault(cid, []).append((name, area))
        return [CustomerChoice(c.id or 0, c.code, c.name, c.city, tuple(sites.get(c.id or 0, ())))
                for c in s.exec(select(Customer).order_by(col(Customer.code))).all()]


# --- listings ---------------------------------------------------------------------


R = TypeVar("R")


@dataclass(frozen=True)
class Listing(Generic[R]):
    """Rows matching a search (at most ``LIST_LIMIT``) and how many match in all."""

    rows: list[R]
    total: int


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    city: str | None
    sites: int
    contacts: int
    contract: str | None  # the contract in force today (code · policy · grade)


@dataclass(frozen=True)
class SiteRow:
    id: int
    customer_code: str
    customer_name: str
    name: str
    city: str | None
    area_code: str | None
    address: str | None


@dataclass(frozen=True)
class ContactRow:
    id: int
    customer_code: str
    customer_name: str
    name: str
    title: str | None
    site: str | None
    email: str | None
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class ContractRow:
    id: int
    code: str
    customer_code: str
    customer_name: str
    title: str | None
    policy: str
    grade: str
    region: str | None
    valid_from: date | None
    valid_to: date | None
    state: str  # in_force | ended | not_started


def _tokens(query: str) -> list[str]:
    return [t for t in one_line(query).casefold().split(" ") if t]


def _number_digits(token: str) -> str | None:
    """The digits to look for in stored numbers, if ``token`` looks like (part of) one."""
    digits = re.sub(r"[\s\-().+]", "", token)
    if len(digits) < 3 or not digits.isdigit():
        return None
    return digits[1:] if digits.startswith("0") and len(digits) > 3 else digits


def _matches(token: str, *columns: Any) -> Any:
    return sa.or_(*(func.lower(func.coalesce(c, "")).contains(token, autoescape=True)
                    for c in columns))


def _today(desk: Desk) -> date:
    return desk.now().astimezone(desk.settings.tz).date()


def list_customers(desk: Desk, query: str = "",
                   limit: int | None = LIST_LIMIT) -> Listing[CustomerRow]:
    """Customers whose code, name or city contain every word of ``query``."""
    where = [_matches(t, Customer.code, Customer.name, Customer.city) for t in _tokens(query)]
    with Session(desk.engine) as s:
        total = s.exec(select(func.count()).select_from(Customer).where(*where)).one()
        customers = s.exec(select(Customer).where(*where).order_by(col(Customer.code))
                           .limit(limit)).all()
        ids = [c.id for c in customers]
        sites = dict(s.exec(select(Site.customer_id, func.count()).where(
            col(Site.customer_id).in_(ids)).group_by(col(Site.customer_id))).all())
        contacts = dict(s.exec(select(Contact.customer_id, func.count()).where(
            col(Contact.customer_id).in_(ids)).group_by(col(Contact.customer_id))).all())
        contracts: dict[int, list[Contract]] = {}
        for c in s.exec(select(Contract).where(col(Contract.customer_id).in_(ids))).all():
            contracts.setdefault(c.customer_id, []).append(c)
    today = _today(desk)
    rows = []
    for cu in customers:
        assert cu.id is not None
        current = _in_force(contracts.get(cu.id, []), today)
        shown = (" · ".join(x for x in (current.code, current.policy, current.grade) if x)
                 if current else None)
        rows.append(CustomerRow(cu.id, cu.code, cu.name, cu.city, sites.get(cu.id, 0),
                                contacts.get(cu.id, 0), shown))
    return Listing(rows, total)


def _in_force(contracts: list[Contract], today: date) -> Contract | None:
    valid = [c for c in contracts if contract_state(c.valid_from, c.valid_to, today)
             == "in_force"]
    return max(valid, key=lambda c: (c.valid_to or date.max, c.id or 0)) if valid else None


#: How the screens name a contract's state today.
CONTRACT_STATES = {
    "in_force": N_("in force"),
    "ended": N_("ended"),
    "not_started": N_("not started"),
}


def contract_state(valid_from: date | None, valid_to: date | None, today: date) -> str:
    if valid_from is not None and valid_from > today:
        return "not_started"
    if valid_to is not None and valid_to < today:
        return "ended"
    return "in_force"


def list_sites(desk: Desk, query: str = "", limit: int | None = LIST_LIMIT) -> Listing[SiteRow]:
    """Sites whose customer, name, city, area code or address contain every word."""
    where = [_matches(t, Customer.code, Customer.name, Site.name, Site.city, Site.area_code,
                      Site.address) for t in _tokens(query)]
    base = select(Site, Customer).join(Customer, col(Customer.id) == col(Site.customer_id))
    with Session(desk.engine) as s:
        total = s.exec(select(func.count()).select_from(Site)
                       .join(Customer, col(Customer.id) == col(Site.customer_id))
                       .where(*where)).one()
        found = s.exec(base.where(*where).order_by(col(Customer.code), col(Site.name))
                       .limit(limit)).all()
    return Listing([SiteRow(site.id or 0, cu.code, cu.name, site.name, site.city,
                            site.area_code, site.address) for site, cu in found], total)


def list_contacts(desk: Desk, query: str = "",
                  limit: int | None = LIST_LIMIT) -> Listing[ContactRow]:
    """Contacts whose name, title, e-mail, customer, site or number contain every word.

    A word of digits (``8376``, ``0755-8376``) also finds the numbers containing it.
    """
    where = []
    for t in _tokens(query):
        text = _matches(t, Contact.name, Contact.title, Contact.email, Customer.code,
                        Customer.name, Site.name)
        digits = _number_digits(t)
        if digits is not None:
            has = select(ContactNumber.id).where(
                col(ContactNumber.contact_id) == col(Contact.id),
                col(ContactNumber.e164).contains(digits, autoescape=True)).exists()
            text = sa.or_(text, has)
        where.append(text)
    joined = (select(Contact, Customer, Site)
              .join(Customer, col(Customer.id) == col(Contact.customer_id))
              .outerjoin(Site, col(Site.id) == col(Contact.site_id)))
    with Session(desk.engine) as s:
        total = s.exec(select(func.count()).select_from(Contact)
                       .join(Customer, col(Customer.id) == col(Contact.customer_id))
                       .outerjoin(Site, col(Site.id) == col(Contact.site_id))
                       .where(*where)).one()
        found = s.exec(joined.where(*where).order_by(col(Customer.code), col(Contact.name))
                       .limit(limit)).all()
        numbers: dict[int, list[str]] = {}
        ids = [c.id for c, _cu, _si in found]
        for n in s.exec(select(ContactNumber).where(col(ContactNumber.contact_id).in_(ids))
                        .order_by(col(ContactNumber.id))).all():
            numbers.setdefault(n.contact_id, []).append(show_number(n.e164, n.extension))
    return Listing([ContactRow(c.id or 0, cu.code, cu.name, c.name, c.title,
                               si.name if si else None, c.email,
                               tuple(numbers.get(c.id or 0, ())))
                    for c, cu, si in found], total)


def list_contracts(desk: Desk, query: str = "",
                   limit: int | None = LIST_LIMIT) -> Listing[ContractRow]:
    """Contracts whose code, title, customer, policy, grade or region contain every word."""
    where = [_matches(t, Contract.code, Contract.title, Contract.policy, Contract.grade,
                      Contract.region, Customer.code, Customer.name) for t in _tokens(query)]
    with Session(desk.engine) as s:
        total = s.exec(select(func.count()).select_from(Contract)
                       .join(Customer, col(Customer.id) == col(Contract.customer_id))
                       .where(*where)).one()
        found = s.exec(select(Contract, Customer)
                       .join(Customer, col(Customer.id) == col(Contract.customer_id))
                       .where(*where).order_by(col(Contract.code)).limit(limit)).all()
    today = _today(desk)
    return Listing([ContractRow(c.id or 0, c.code, cu.code, cu.name, c.title, c.policy, c.grade,
                                c.region, c.valid_from, c.valid_to,
                                contract_state(c.valid_from, c.valid_to, today))
                    for c, cu in found], total)
