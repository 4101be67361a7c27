"""Saving the directory's forms: add or change a customer, site, contact or contract.

Each ``save_*`` function is one operation: it checks every field (a refusal
is a :class:`~hotline.directory.fields.FieldError` naming the field and what
is wrong with it), then writes the row and the event that records it in one
transaction (:meth:`hotline.seat.Seat.write`).

Some things are worth a second look but not a refusal (a contract region the
policy has no zone for, a number that also belongs to another customer's
contact, two contracts of a customer in force at once): they are
*warnings*. A ``save_*`` given ``confirmed=False`` raises
:class:`Unconfirmed` carrying them, and writes nothing; the screens show them
and save on a second request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from hotline.directory.contact_numbers import (
    NumberEntry,
    default_area_code,
    parse_numbers,
    shared_number_warning,
    show_number,
)
from hotline.directory.contract_terms import check_terms, check_validity, overlap_warning, overlaps
from hotline.directory.fields import (
    FieldError,
    check_address,
    check_area_code,
    check_city,
    check_contact_name,
    check_contract_code,
    check_contract_title,
    check_customer_code,
    check_customer_name,
    check_email,
    check_site_name,
    check_title,
    key_of,
)
from hotline.directory.forms import ContactForm, ContractForm, CustomerForm, SiteForm
from hotline.directory.row_finders import (
    customer_code,
    find_customer,
    find_site,
    get_row,
    key_matches,
)
from hotline.errors import InputError
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site


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


def save_customer(seat: Seat, form: CustomerForm, customer_id: int | None = None) -> Saved:
    """Add a customer, or change one (``customer_id``)."""
    code = check_customer_code(form.code)
    name = check_customer_name(form.name)
    city = check_city(form.city)
    with seat.write() as tx:
        s = tx.session
        clash = s.exec(select(Customer).where(key_matches(Customer.code, code))).first()
        if clash is not None and clash.id != customer_id:
            raise FieldError("code", _("Customer code {code} is taken by {name}.").format(
                code=clash.code, name=clash.name))
        values: dict[str, Any] = {"code": code, "name": name, "city": city}
        if customer_id is None:
            row = Customer(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            tx.record_event("customer_added", tx.now, customer_id=row.id, **values)
            return Saved(row.id, True)
        row = get_row(s, Customer, customer_id, _("customer"))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            tx.record_event("customer_changed", tx.now, customer_id=customer_id, code=row.code,
                            changes=changes)
        return Saved(customer_id, False, changes)


def save_site(seat: Seat, form: SiteForm, site_id: int | None = None) -> Saved:
    """Add a site to a customer, or change one."""
    name = check_site_name(form.name)
    city = check_city(form.city)
    area = check_area_code(form.area_code)
    address = check_address(form.address)
    with seat.write() as tx:
        s = tx.session
        customer = find_customer(s, form.customer)
        for other in s.exec(select(Site).where(Site.customer_id == customer.id)).all():
            if key_of(other.name) == key_of(name) and other.id != site_id:
                raise FieldError("name", _("Customer {code} already has a site named {name}.")
                                 .format(code=customer.code, name=other.name))
        values: dict[str, Any] = {
            "customer_id": customer.id, "name": name, "city": city, "area_code": area,
            "address": address}
        if site_id is None:
            row = Site(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            tx.record_event("site_added", tx.now, site_id=row.id, customer=customer.code,
                            name=name, city=city, area_code=area, address=address)
            return Saved(row.id, True)
        row = get_row(s, Site, site_id, _("site"))
        if row.customer_id != customer.id:
            used = s.exec(select(func.count()).select_from(Contact)
                          .where(Contact.site_id == site_id)).one()
            if used:
                raise FieldError("customer", _("{n} contacts of another customer are at this "
                                               "site; move them first.").format(n=used))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            tx.record_event("site_changed", tx.now, site_id=site_id, customer=customer.code,
                            name=row.name, changes=changes)
        return Saved(site_id, False, changes)


def save_contact(seat: Seat, form: ContactForm, contact_id: int | None = None, *,
                 confirmed: bool = True) -> Saved:
    """Add a contact with their numbers, or change one (its numbers become the form's)."""
    name = check_contact_name(form.name)
    title = check_title(form.title)
    email = check_email(form.email)
    with seat.write() as tx:
        s = tx.session
        customer = find_customer(s, form.customer)
        assert customer.id is not None
        site = find_site(s, customer, form.site)
        sites = s.exec(select(Site).where(Site.customer_id == customer.id)).all()
        entries = parse_numbers(form.numbers, default_area_code(site, sites))
        for other in s.exec(select(Contact).where(Contact.customer_id == customer.id,
                                                  key_matches(Contact.name, name))).all():
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
        if contact_id is None:
            row = Contact(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            for e in entries:
                s.add(_number_row(row.id, e))
            tx.record_event("contact_added", tx.now, contact_id=row.id, customer=customer.code,
                            name=name, title=title, email=email,
                            site=site.name if site else None,
                            numbers=[_number_data(e) for e in entries])
            return Saved(row.id, True, warnings=tuple(warnings))
        row = get_row(s, Contact, contact_id, _("contact"))
        changes = _diff(row, values)
        number_changes = _replace_numbers(s, contact_id, entries)
        if number_changes:
            changes["numbers"] = number_changes
        if changes:
            s.add(row)
            tx.record_event("contact_changed", tx.now, contact_id=contact_id,
                            customer=customer.code, name=row.name, changes=changes)
        return Saved(contact_id, False, changes, tuple(warnings))


def save_contract(seat: Seat, form: ContractForm, contract_id: int | None = None, *,
                  confirmed: bool = True) -> Saved:
    """Add a contract, or change one; policy, grade and region are checked against the
    loaded policies."""
    code = check_contract_code(form.code)
    title = check_contract_title(form.title)
    terms = check_terms(seat.sla, form.policy, form.grade, form.region)
    start, end = check_validity(form.valid_from, form.valid_to)
    with seat.write() as tx:
        s = tx.session
        customer = find_customer(s, form.customer)
        clash = s.exec(select(Contract).where(key_matches(Contract.code, code))).first()
        if clash is not None and clash.id != contract_id:
            raise FieldError("code", _("Contract code {code} is taken (customer {customer}).")
                             .format(code=clash.code,
                                     customer=customer_code(s, clash.customer_id)))
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
        if contract_id is None:
            row = Contract(**values)
            s.add(row)
            s.flush()
            assert row.id is not None
            tx.record_event("contract_added", tx.now, contract_id=row.id,
                            customer=customer.code,
                            **{k: _iso(v) for k, v in values.items() if k != "customer_id"})
            return Saved(row.id, True, warnings=tuple(warnings))
        row = get_row(s, Contract, contract_id, _("contract"))
        changes = _diff(row, values)
        if changes:
            s.add(row)
            tx.record_event("contract_changed", tx.now, contract_id=contract_id, code=row.code,
                            changes={k: [_iso(a), _iso(b)] for k, (a, b) in changes.items()})
        return Saved(contract_id, False, changes, tuple(warnings))


# --- what the operations share --------------------------------------------------------


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
            out.append(shared_number_warning(show_number(e164, None), contact, code))
    return out
