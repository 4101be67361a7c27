"""How the rows of a directory CSV file are checked against the directory and written.

There is one plan per kind of file: customers (with their sites), contacts
(with their numbers) and contracts. Each checks every row with the same
checks as the Directory screen's forms, then writes them, or only counts what
would change (a dry run). Rows are matched to what is already there, so
importing the same file twice changes nothing the second time:

* customers by ``customer_code``; sites by customer and ``site_name``;
* contacts by customer and ``contact_name``; their numbers by E.164 number
  (and extension);
* contracts by ``contract_code``.

A plan adds and updates; it never deletes. An empty cell leaves the stored
value as it is.

The lookups are made in batches (a few queries per file, not per row), so
tens of thousands of rows take seconds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from hotline.directory.contact_numbers import (
    NumberEntry,
    default_area_code,
    parse_numbers,
    shared_number_warning,
    show_number,
)
from hotline.directory.contract_terms import check_terms, check_validity, overlap_warning, overlaps
from hotline.directory.csv_reading import Row, Table, bad_character
from hotline.directory.csv_report import ImportReport, Problem
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
    one_line,
)
from hotline.errors import InputError
from hotline.i18n import _
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site

if TYPE_CHECKING:
    from hotline.sla import SlaEngine

#: Rows per ``IN (…)`` list in the batch lookups (well under every backend's limit).
_CHUNK = 900


class Plan(ABC):
    """Checks a table's rows against the directory, then writes them (one session)."""

    def __init__(self, sla: SlaEngine, s: Session, table: Table, report: ImportReport) -> None:
        self.sla = sla
        self.s = s
        self.table = table
        self.report = report

    def fail(self, row: Row, exc: FieldError | InputError, column: str | None = None) -> None:
        name = column or getattr(exc, "field", None)
        shown = self.table.columns.get(name or "", name or "")
        prefix = f"{shown}: " if shown else ""
        self.report.errors.append(Problem(row.line, prefix + str(exc)))

    def warn(self, line: int, message: str) -> None:
        self.report.warnings.append(Problem(line, message))

    def rows(self) -> Iterator[Row]:
        """The rows to check, after the shape of each (stray cells) and the characters of
        its cells (no NUL, no control characters) are checked."""
        for row in self.table.rows:
            if row.cells:
                self.report.errors.append(Problem(row.line, _(
                    "this line has {n} cells, the header {m}: a value containing the "
                    "delimiter must be in double quotes.").format(
                        n=row.cells, m=self.table.header_cells)))
                continue
            bad = False
            for name, value in row.values.items():
                why = bad_character(value)
                if why is not None:
                    self.fail(row, FieldError(name, why))
                    bad = True
            if not bad:
                yield row

    def fits(self, model: type[SQLModel], values: dict[str, Any],
             columns: dict[str, str] | None = None) -> None:
        """Refuse a value longer than its database column (``columns``: field -> CSV column).

        The field checks keep within these lengths; this is the last word before
        anything is written, read from the tables themselves.
        """
        table = model.__table__  # type: ignore[attr-defined]
        for name, value in values.items():
            length = getattr(table.c[name].type, "length", None)
            if isinstance(value, str) and length is not None and len(value) > length:
                column = (columns or {}).get(name, name)
                raise FieldError(column, _("at most {max} characters fit in the directory; "
                                           "this has {n}.").format(max=length, n=len(value)))

    def customers(self) -> dict[str, Customer]:
        return {key_of(c.code): c for c in self.s.exec(select(Customer)).all()}

    def count(self) -> None:
        """Fill the report's counts without writing (a dry run)."""
        self.apply(write=False)

    @abstractmethod
    def check(self) -> None:
        """Check every row; each problem goes in the report."""

    @abstractmethod
    def apply(self, write: bool = True) -> None:
        """Write the rows (or, with ``write=False``, only count what would change)."""


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _set(row: Any, values: dict[str, Any]) -> bool:
    """Set the given (non-None) values on ``row``; True if any differed."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _conflict(first: dict[str, Any], again: dict[str, Any]) -> str | None:
    """The first field given different non-empty values in two rows of one record."""
    for name, value in again.items():
        if value is not None and first.get(name) is not None and first[name] != value:
            return name
    return None


# --- customers and their sites ----------------------------------------------------------


@dataclass
class _CustomerIn:
    line: int
    code: str
    values: dict[str, Any]
    sites: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


class CustomersPlan(Plan):
    """A customers file: customers, each with its sites (one row a site)."""

    def check(self) -> None:
        self.wanted: dict[str, _CustomerIn] = {}
        for row in self.rows():
            v = row.values
            try:
                code = check_customer_code(v.get("customer_code"), "customer_code")
                values = {"name": _as(check_customer_name, v.get("customer_name"),
                                      "customer_name"),
                          "city": check_city(v.get("city"))}
                site_name = one_line(v.get("site_name"))
                site: dict[str, Any] | None = None
                if site_name:
                    site = {"name": check_site_name(site_name, "site_name"),
                            "city": check_city(v.get("site_city"), "site_city"),
                            "area_code": check_area_code(v.get("area_code")),
                            "address": check_address(v.get("address"))}
                elif any(one_line(v.get(c)) for c in ("site_city", "area_code", "address")):
                    raise FieldError("site_name", _("site_city, area_code and address "
                                                    "describe a site: give its site_name."))
                self.fits(Customer, {"code": code, **values},
                          {"code": "customer_code", "name": "customer_name"})
                if site is not None:
                    self.fits(Site, site, {"name": "site_name", "city": "site_city"})
            except FieldError as exc:
                self.fail(row, exc)
                continue
            known = self.wanted.get(key_of(code))
            if known is None:
                known = self.wanted[key_of(code)] = _CustomerIn(row.line, code, values)
            else:
                clash = _conflict(known.values, values)
                if clash is not None:
                    self.fail(row, FieldError(clash, _(
                        "customer {code} has another {column} on line {line}.").format(
                            code=code, column=self.table.columns.get(clash, clash),
                            line=known.line)))
                    continue
                known.values.update({k: x for k, x in values.items() if x is not None})
            if site is not None:
                skey = key_of(site["name"])
                if skey in known.sites:
                    first_line, first = known.sites[skey]
                    clash = _conflict(first, site)
                    if clash is not None:
                        self.fail(row, FieldError("site_name", _(
                            "site {site} of {code} is described differently on line {line}.")
                            .format(site=site["name"], code=code, line=first_line)))
                        continue
                    first.update({k: x for k, x in site.items() if x is not None})
                else:
                    known.sites[skey] = (row.line, site)

    def apply(self, write: bool = True) -> None:
        existing = self.customers()
        sites: dict[int, dict[str, Site]] = {}
        ids = [c.id for k, c in existing.items() if k in self.wanted]
        for chunk in _chunks(ids):
            for site in self.s.exec(select(Site).where(col(Site.customer_id).in_(chunk))).all():
                sites.setdefault(site.customer_id, {})[key_of(site.name)] = site
        r = self.report
        new_sites: list[tuple[Customer, dict[str, Any]]] = []
        for key, want in self.wanted.items():
            row = existing.get(key)
            if row is None:
                row = Customer(code=want.code, name=want.values["name"], city=want.values["city"])
                if write:
                    self.s.add(row)
                r.added["customers"] += 1
                new_sites.extend((row, v) for _line, v in want.sites.values())
                continue
            if _set(row, want.values) if write else _differs(row, want.values):
                r.updated["customers"] += 1
            else:
                r.unchanged["customers"] += 1
            have = sites.get(row.id or 0, {})
            for skey, (_line, v) in want.sites.items():
                stored = have.get(skey)
                if stored is None:
                    new_sites.append((row, v))
                elif _set(stored, v) if write else _differs(stored, v):
                    r.updated["sites"] += 1
                else:
                    r.unchanged["sites"] += 1
        r.added["sites"] += len(new_sites)
        if write:
            self.s.flush()
            self.s.add_all([Site(customer_id=c.id or 0, **v) for c, v in new_sites])
            self.s.flush()


def _differs(row: Any, values: dict[str, Any]) -> bool:
    return any(v is not None and getattr(row, k) != v for k, v in values.items())


def _as(check: Callable[[str | None], str], value: str | None, column: str) -> str:
    """Run a field check, naming the CSV column in its refusal."""
    try:
        return check(value)
    except FieldError as exc:
        raise FieldError(column, str(exc)) from None


# --- contacts and their numbers -----------------------------------------------------------


@dataclass
class _StoredContact:
    """A contact already in the directory (columns only: cheap for tens of thousands)."""

    id: int
    site_id: int | None
    values: dict[str, Any]  # title, email, site_id
    numbers: dict[tuple[str, str | None], tuple[int, str | None]]  # key -> (id, label)


@dataclass
class _ContactIn:
    line: int
    customer: Customer
    name: str
    values: dict[str, Any]  # title, email, site_id
    numbers: dict[tuple[str, str | None], NumberEntry] = field(default_factory=dict)
    stored: _StoredContact | None = None


class ContactsPlan(Plan):
    """A contacts file: contacts of known customers, with their numbers."""

    def check(self) -> None:
        customers = self.customers()
        rows = list(self.rows())
        in_file = {key_of(one_line(r.values.get("customer_code"))) for r in rows}
        ids = [c.id for k, c in customers.items() if k in in_file]
        self.sites: dict[int, list[Site]] = {}
        self.stored: dict[tuple[int, str], _StoredContact] = {}
        by_id: dict[int, _StoredContact] = {}
        self.known_ids: set[int] = set()
        for chunk in _chunks(ids):
            for site in self.s.exec(select(Site).where(col(Site.customer_id).in_(chunk))).all():
                self.sites.setdefault(site.customer_id, []).append(site)
            for cid, customer_id, name, title, email, site_id in self.s.connection().execute(
                    sa.select(col(Contact.id), col(Contact.customer_id), col(Contact.name),
                              col(Contact.title), col(Contact.email), col(Contact.site_id))
                    .where(col(Contact.customer_id).in_(chunk))).all():
                self.known_ids.add(cid or 0)
                stored = _StoredContact(cid or 0, site_id,
                                        {"title": title, "email": email, "site_id": site_id}, {})
                if self.stored.setdefault((customer_id, key_of(name)), stored) is stored:
                    by_id[stored.id] = stored
        for chunk in _chunks(list(by_id)):
            for nid, contact_id, e164, ext, label in self.s.connection().execute(
                    sa.select(col(ContactNumber.id), col(ContactNumber.contact_id),
                              col(ContactNumber.e164), col(ContactNumber.extension),
                              col(ContactNumber.label))
                    .where(col(ContactNumber.contact_id).in_(chunk))).all():
                by_id[contact_id].numbers[(e164, ext)] = (nid or 0, label)
        self._parsed: dict[tuple[str, str | None], list[NumberEntry] | FieldError] = {}
        self.wanted: dict[tuple[int, str], _ContactIn] = {}
        for row in rows:
            try:
                self._check_row(row, customers)
            except FieldError as exc:
                self.fail(row, exc)
        self._shared_numbers()

    def _numbers(self, text: str | None, area: str | None, required: bool) -> list[NumberEntry]:
        """``parse_numbers``, once per distinct cell and area (switchboards repeat)."""
        key = (one_line(text), area)
        found = self._parsed.get(key)
        if found is None:
            try:
                found = parse_numbers(text, area, required=False)
            except FieldError as exc:
                found = exc
            self._parsed[key] = found
        if isinstance(found, FieldError):
            raise found
        if not found and required:
            raise FieldError("numbers", _("At least one phone number is required."))
        return found

    def _check_row(self, row: Row, customers: dict[str, Customer]) -> None:
        v = row.values
        code = check_customer_code(v.get("customer_code"), "customer_code")
        customer = customers.get(key_of(code))
        if customer is None or customer.id is None:
            raise FieldError("customer_code", _("There is no customer with code {code!r}: "
                                                "import the customers first.").format(code=code))
        name = check_contact_name(v.get("contact_name"), "contact_name")
        values: dict[str, Any] = {"title": check_title(v.get("title")),
                                  "email": check_email(v.get("email")),
                                  "site_id": None}
        self.fits(Contact, {"name": name, "title": values["title"], "email": values["email"]},
                  {"name": "contact_name"})
        sites = self.sites.get(customer.id, [])
        site: Site | None = None
        site_name = one_line(v.get("site"))
        if site_name:
            site = next((x for x in sites if key_of(x.name) == key_of(site_name)), None)
            if site is None:
                raise FieldError("site", _("Customer {code} has no site {site!r} (sites are "
                                           "imported with the customers).").format(
                                               code=customer.code, site=site_name))
            values["site_id"] = site.id
        key = (customer.id, key_of(name))
        stored = self.stored.get(key)
        known = self.wanted.get(key)
        site_id = (values["site_id"] or (known.values["site_id"] if known else None)
                   or (stored.site_id if stored else None))
        if site is None and site_id is not None:
            site = next((x for x in sites if x.id == site_id), None)
        entries = self._numbers(v.get("numbers"), default_area_code(site, sites),
                                required=stored is None and known is None)
        for e in entries:
            self.fits(ContactNumber, {"e164": e.number.e164, "extension": e.number.extension,
                                      "kind": e.number.kind, "label": e.label},
                      dict.fromkeys(("e164", "extension", "kind", "label"), "numbers"))
        if known is None:
            self.wanted[key] = _ContactIn(row.line, customer, name, values,
                                          {e.key: e for e in entries}, stored)
            return
        clash = _conflict(known.values, values)
        if clash is not None:
            column = {"site_id": "site"}.get(clash, clash)
            raise FieldError(column, _("contact {name} of {code} has another {column} on "
                                       "line {line}.").format(
                                           name=name, code=customer.code, line=known.line,
                                           column=self.table.columns.get(column, column)))
        known.values.update({k: x for k, x in values.items() if x is not None})
        for e in entries:
            known.numbers.setdefault(e.key, e)

    def _shared_numbers(self) -> None:
        """Warn about numbers that also belong to a contact of another customer."""
        owners: dict[str, tuple[int, str, str]] = {}  # e164 -> (customer id, contact, code)
        for want in self.wanted.values():
            for e164, _ext in want.numbers:
                owners.setdefault(e164, (want.customer.id or 0, want.name, want.customer.code))
        elsewhere: dict[str, list[tuple[int, str, str]]] = {}
        for chunk in _chunks(list(owners)):
            for e164, cid, name, code in self.s.exec(
                    select(ContactNumber.e164, Contact.customer_id, Contact.name, Customer.code)
                    .join(Contact, col(Contact.id) == col(ContactNumber.contact_id))
                    .join(Customer, col(Customer.id) == col(Contact.customer_id))
                    .where(col(ContactNumber.e164).in_(chunk))).all():
                elsewhere.setdefault(e164, []).append((cid, name, code))
        for want in self.wanted.values():
            for e164, _ext in want.numbers:
                first = owners[e164]
                candidates = [*elsewhere.get(e164, []), first]
                other = next((o for o in candidates if o[0] != want.customer.id), None)
                if other is not None:
                    self.warn(want.line, shared_number_warning(
                        show_number(e164, None), other[1], other[2]))

    def apply(self, write: bool = True) -> None:
        r = self.report
        new: list[_ContactIn] = []
        contact_updates: list[dict[str, Any]] = []
        label_updates: list[dict[str, Any]] = []
        numbers: list[dict[str, Any]] = []
        for want in self.wanted.values():
            stored = want.stored
            if stored is None:
                new.append(want)
                r.added["contacts"] += 1
                r.added["numbers"] += len(want.numbers)
                continue
            changes = {k: v for k, v in want.values.items()
                       if v is not None and stored.values.get(k) != v}
            if changes:
                contact_updates.append({"id": stored.id, **changes})
            relabelled = False
            for k, e in want.numbers.items():
                have = stored.numbers.get(k)
                if have is None:
                    r.added["numbers"] += 1
                    numbers.append(_number_values(stored.id, e))
                elif e.label is not None and have[1] != e.label:
                    relabelled = True
                    label_updates.append({"nid": have[0], "new_label": e.label})
            if changes or relabelled:
                r.updated["contacts"] += 1
            else:
                r.unchanged["contacts"] += 1
        if not write:
            return
        conn = self.s.connection()
        for update in contact_updates:
            conn.execute(sa.update(Contact.__table__)  # type: ignore[attr-defined]
                         .where(col(Contact.id) == update["id"])
                         .values({k: v for k, v in update.items() if k != "id"}))
        if label_updates:
            conn.execute(sa.update(ContactNumber.__table__)  # type: ignore[attr-defined]
                         .where(col(ContactNumber.id) == sa.bindparam("nid"))
                         .values(label=sa.bindparam("new_label")), label_updates)
        if new:
            # One statement for all (RETURNING would be one per row on SQLite); the new
            # ids are then read back in batches: the contacts of these customers that
            # were not there before.
            conn.execute(sa.insert(Contact.__table__),  # type: ignore[attr-defined]
                         [{"customer_id": w.customer.id, "name": w.name, **w.values}
                          for w in new])
            by_key = {(w.customer.id, key_of(w.name)): w for w in new}
            ids = sorted({w.customer.id for w in new if w.customer.id is not None})
            for chunk in _chunks(ids):
                for cid, customer_id, name in conn.execute(
                        sa.select(col(Contact.id), col(Contact.customer_id), col(Contact.name))
                        .where(col(Contact.customer_id).in_(chunk))).all():
                    if cid is None or cid in self.known_ids:
                        continue
                    w = by_key.pop((customer_id, key_of(name)), None)
                    if w is not None:
                        numbers.extend(_number_values(cid, e) for e in w.numbers.values())
        if numbers:
            conn.execute(sa.insert(ContactNumber.__table__),  # type: ignore[attr-defined]
                         numbers)


def _number_values(contact_id: int, e: NumberEntry) -> dict[str, Any]:
    return {"contact_id": contact_id, "e164": e.number.e164, "extension": e.number.extension,
            "kind": e.number.kind, "label": e.label}


# --- contracts -------------------------------------------------------------------------------


@dataclass
class _ContractIn:
    line: int
    code: str
    customer: Customer
    values: dict[str, Any]
    row: Contract | None = None


class ContractsPlan(Plan):
    """A contracts file: contracts of known customers."""

    def check(self) -> None:
        customers = self.customers()
        self.existing = {key_of(c.code): c for c in self.s.exec(select(Contract)).all()}
        self.wanted: dict[str, _ContractIn] = {}
        for row in self.rows():
            try:
                self._check_row(row, customers)
            except FieldError as exc:
                self.fail(row, exc)
        self._overlaps()

    def _check_row(self, row: Row, customers: dict[str, Customer]) -> None:
        v = row.values
        code = check_contract_code(v.get("contract_code"), "contract_code")
        ccode = check_customer_code(v.get("customer_code"), "customer_code")
        customer = customers.get(key_of(ccode))
        if customer is None:
            raise FieldError("customer_code", _("There is no customer with code {code!r}: "
                                                "import the customers first.").format(code=ccode))
        existing = self.existing.get(key_of(code))
        if existing is not None and existing.customer_id != customer.id:
            owner = next((c.code for c in customers.values() if c.id == existing.customer_id),
                         "?")
            raise FieldError("customer_code", _("Contract {code} belongs to customer {owner}; "
                                                "an import does not move a contract to "
                                                "another customer.").format(code=existing.code,
                                                                            owner=owner))
        policy = one_line(v.get("policy")) or (existing.policy if existing else "")
        grade = one_line(v.get("grade"))
        terms = check_terms(self.sla, policy, grade or (existing.grade if existing else ""),
                            one_line(v.get("region")) or (existing.region if existing else ""))
        if not self.sla.policy(terms.policy).grades:
            # A policy without grades takes none. A grade the contract already has (kept
            # on screen) may stay, so that an exported file imports unchanged; a new one is
            # refused, and a contract moved to such a policy loses its grade.
            kept = (existing.grade if existing is not None
                    and existing.policy == terms.policy else "")
            if grade and grade.upper() != kept.upper():
                raise FieldError("grade", _("Policy {policy} has no grades: leave the grade "
                                            "empty.").format(policy=terms.policy))
            terms = replace(terms, grade=kept)
        title = check_contract_title(v.get("title"))
        start, end = check_validity(v.get("valid_from"), v.get("valid_to"),
                                    required=existing is None)
        if existing is not None:
            start = start or existing.valid_from
            end = end or existing.valid_to
            if start is not None and end is not None and end < start:
                raise FieldError("valid_to", _("The contract ends ({end}) before it starts "
                                               "({start}).").format(end=end.isoformat(),
                                                                    start=start.isoformat()))
        values: dict[str, Any] = {"title": title, "policy": terms.policy, "grade": terms.grade,
                                  "region": terms.region, "valid_from": start, "valid_to": end}
        self.fits(Contract, {"code": code, **values}, {"code": "contract_code"})
        known = self.wanted.get(key_of(code))
        if known is not None:
            clash = _conflict(known.values, values)
            if clash is not None:
                raise FieldError(clash, _("contract {code} has another {column} on line "
                                          "{line}.").format(code=code, line=known.line,
                                                            column=self.table.columns.get(
                                                                clash, clash)))
            return
        for message in terms.warnings:
            self.warn(row.line, message)
        self.wanted[key_of(code)] = _ContractIn(row.line, code, customer, values, existing)

    def _overlaps(self) -> None:
        final: dict[int, list[tuple[str, date | None, date | None]]] = {}
        for key, c in self.existing.items():
            if key not in self.wanted:
                final.setdefault(c.customer_id, []).append((c.code, c.valid_from, c.valid_to))
        for want in self.wanted.values():
            final.setdefault(want.customer.id or 0, []).append(
                (want.code, want.values["valid_from"], want.values["valid_to"]))
        for want in self.wanted.values():
            for code, start, end in final.get(want.customer.id or 0, []):
                if code != want.code and overlaps(want.values["valid_from"],
                                                  want.values["valid_to"], start, end):
                    self.warn(want.line, overlap_warning(code, start, end))

    def apply(self, write: bool = True) -> None:
        r = self.report
        for want in self.wanted.values():
            row = want.row
            if row is None:
                r.added["contracts"] += 1
                if write:
                    self.s.add(Contract(code=want.code, customer_id=want.customer.id or 0,
                                        **want.values))
            elif _set(row, want.values) if write else _differs(row, want.values):
                r.updated["contracts"] += 1
            else:
                r.unchanged["contracts"] += 1
        if write:
            self.s.flush()


#: The plan of each kind of file.
PLANS: dict[str, type[Plan]] = {
    "customers": CustomersPlan, "contacts": ContactsPlan, "contracts": ContractsPlan}
