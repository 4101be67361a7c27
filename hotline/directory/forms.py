"""The directory's forms: the values as typed, a form filled from its stored row, and the
customers (with their sites) the forms suggest as they are typed.

A form holds text, as a person typed it; :mod:`hotline.directory.saving`
checks it and writes it. A customer is named by its code, a site by its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from hotline.directory.contact_numbers import number_text
from hotline.directory.row_finders import customer_code, get_row
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site


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
    numbers: str = ""  # one or more, see hotline.directory.contact_numbers.parse_numbers


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


# --- forms filled from the database ---------------------------------------------


def customer_form(seat: Seat, customer_id: int) -> CustomerForm:
    with seat.read() as s:
        row = get_row(s, Customer, customer_id, _("customer"))
        return CustomerForm(row.code, row.name, row.city or "")


def site_form(seat: Seat, site_id: int) -> SiteForm:
    with seat.read() as s:
        row = get_row(s, Site, site_id, _("site"))
        return SiteForm(customer_code(s, row.customer_id), row.name, row.city or "",
                        row.area_code or "", row.address or "")


def contact_form(seat: Seat, contact_id: int) -> ContactForm:
    with seat.read() as s:
        row = get_row(s, Contact, contact_id, _("contact"))
        site = s.get(Site, row.site_id) if row.site_id else None
        numbers = s.exec(select(ContactNumber).where(ContactNumber.contact_id == contact_id)
                         .order_by(col(ContactNumber.id))).all()
        return ContactForm(customer_code(s, row.customer_id), row.name, row.title or "",
                           site.name if site else "", row.email or "",
                           "\n".join(number_text(n.e164, n.extension, n.label)
                                     for n in numbers))


def contract_form(seat: Seat, contract_id: int) -> ContractForm:
    with seat.read() as s:
        row = get_row(s, Contract, contract_id, _("contract"))
        return ContractForm(row.code, customer_code(s, row.customer_id), row.policy,
                            row.grade, row.region or "", row.title or "",
                            row.valid_from.isoformat() if row.valid_from else "",
                            row.valid_to.isoformat() if row.valid_to else "")


# --- what the forms suggest -----------------------------------------------------------


@dataclass(frozen=True)
class CustomerChoice:
    id: int
    code: str
    name: str
    city: str | None
    sites: tuple[tuple[str, str | None], ...]  # (name, area code)


def customer_choices(seat: Seat) -> list[CustomerChoice]:
    """Every customer with its sites, for the forms' suggestions (two queries)."""
    with seat.read() as s:
        sites: dict[int, list[tuple[str, str | None]]] = {}
        for cid, name, area in s.exec(select(Site.customer_id, Site.name, Site.area_code)
                                      .order_by(col(Site.name))).all():
            sites.setdefault(cid, []).append((name, area))
        return [CustomerChoice(c.id or 0, c.code, c.name, c.city, tuple(sites.get(c.id or 0, ())))
                for c in s.exec(select(Customer).order_by(col(Customer.code))).all()]
