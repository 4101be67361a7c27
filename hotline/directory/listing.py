"""Finding in the directory: the rows the Directory screen and ``hotline directory`` list.

Each ``list_*`` returns the rows (plain values, at most :data:`LIST_LIMIT`)
in which every word of a search appears, in a name, a code, a city or the
digits of a number, and how many there are in all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import col, func, select

from hotline.directory.callers import contract_in_force
from hotline.directory.contact_numbers import show_number
from hotline.directory.contract_terms import contract_state
from hotline.directory.fields import one_line
from hotline.seat import Seat
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site

#: How many rows a listing returns at most (the screens say how many there are).
LIST_LIMIT = 500

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


def _today(seat: Seat) -> date:
    return seat.now().astimezone(seat.settings.tz).date()


def list_customers(seat: Seat, query: str = "",
                   limit: int | None = LIST_LIMIT) -> Listing[CustomerRow]:
    """Customers whose code, name or city contain every word of ``query``."""
    where = [_matches(t, Customer.code, Customer.name, Customer.city) for t in _tokens(query)]
    with seat.read() as s:
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
    today = _today(seat)
    rows = []
    for cu in customers:
        assert cu.id is not None
        current = contract_in_force(contracts.get(cu.id, []), today)
        shown = (" · ".join(x for x in (current.code, current.policy, current.grade) if x)
                 if current else None)
        rows.append(CustomerRow(cu.id, cu.code, cu.name, cu.city, sites.get(cu.id, 0),
                                contacts.get(cu.id, 0), shown))
    return Listing(rows, total)


def list_sites(seat: Seat, query: str = "", limit: int | None = LIST_LIMIT) -> Listing[SiteRow]:
    """Sites whose customer, name, city, area code or address contain every word."""
    where = [_matches(t, Customer.code, Customer.name, Site.name, Site.city, Site.area_code,
                      Site.address) for t in _tokens(query)]
    base = select(Site, Customer).join(Customer, col(Customer.id) == col(Site.customer_id))
    with seat.read() as s:
        total = s.exec(select(func.count()).select_from(Site)
                       .join(Customer, col(Customer.id) == col(Site.customer_id))
                       .where(*where)).one()
        found = s.exec(base.where(*where).order_by(col(Customer.code), col(Site.name))
                       .limit(limit)).all()
    return Listing([SiteRow(site.id or 0, cu.code, cu.name, site.name, site.city,
                            site.area_code, site.address) for site, cu in found], total)


def list_contacts(seat: Seat, query: str = "",
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
    with seat.read() as s:
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


def list_contracts(seat: Seat, query: str = "",
                   limit: int | None = LIST_LIMIT) -> Listing[ContractRow]:
    """Contracts whose code, title, customer, policy, grade or region contain every word."""
    where = [_matches(t, Contract.code, Contract.title, Contract.policy, Contract.grade,
                      Contract.region, Customer.code, Customer.name) for t in _tokens(query)]
    with seat.read() as s:
        total = s.exec(select(func.count()).select_from(Contract)
                       .join(Customer, col(Customer.id) == col(Contract.customer_id))
                       .where(*where)).one()
        found = s.exec(select(Contract, Customer)
                       .join(Customer, col(Customer.id) == col(Contract.customer_id))
                       .where(*where).order_by(col(Contract.code)).limit(limit)).all()
    today = _today(seat)
    return Listing([ContractRow(c.id or 0, c.code, cu.code, cu.name, c.title, c.policy, c.grade,
                                c.region, c.valid_from, c.valid_to,
                                contract_state(c.valid_from, c.valid_to, today))
                    for c, cu in found], total)
