"""Who is calling: a number matched to a contact, their customer and contract."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from hotline.store.models import Contact, ContactNumber, Contract, Customer, Site


@dataclass(frozen=True)
class CallerMatch:
    """What the desk knows about a number (every field None for an unknown caller)."""

    contact_id: int | None = None
    contact_name: str | None = None
    customer_id: int | None = None
    customer_name: str | None = None
    contract_id: int | None = None
    contract_code: str | None = None
    grade: str | None = None
    policy: str | None = None
    region: str | None = None
    candidates: int = 0  # how many contacts share this number

    @property
    def known(self) -> bool:
        return self.contact_id is not None


UNKNOWN = CallerMatch()


def current_contract(session: Session, customer_id: int, on: date) -> Contract | None:
    """The customer's contract in force on ``on`` (the one ending last if several)."""
    rows = session.exec(
        select(Contract).where(Contract.customer_id == customer_id)
    ).all()
    return contract_in_force(rows, on)


def contract_in_force(contracts: Iterable[Contract], on: date) -> Contract | None:
    """Of one customer's ``contracts``, the one in force on ``on`` (ending last if several)."""
    valid = [
        c for c in contracts
        if (c.valid_from is None or c.valid_from <= on) and (c.valid_to is None or c.valid_to >= on)
    ]
    if not valid:
        return None
    return max(valid, key=lambda c: (c.valid_to or date.max, c.id or 0))


def number_owners(session: Session, e164: str) -> list[tuple[Contact, Customer]]:
    """The contacts having this stored-form number, with their customers (oldest first)."""
    return owners_of(session, [e164]).get(e164, [])


def owners_of(session: Session, numbers: Collection[str]
              ) -> dict[str, list[tuple[Contact, Customer]]]:
    """:func:`number_owners` of many numbers in one query (numbers nobody has are left out)."""
    rows = session.exec(
        select(ContactNumber.e164, Contact, Customer)
        .join(Contact, col(ContactNumber.contact_id) == col(Contact.id))
        .join(Customer, col(Customer.id) == col(Contact.customer_id))
        .where(col(ContactNumber.e164).in_(list(numbers)))
        .order_by(col(Contact.id))
    ).all()
    owners: dict[str, list[tuple[Contact, Customer]]] = {}
    for e164, contact, customer in rows:
        owners.setdefault(e164, []).append((contact, customer))
    return owners


def match_number(session: Session, e164: str | None, on: date) -> CallerMatch:
    """Match a stored-form number to a contact; the contract is the one in force on ``on``."""
    if not e164:
        return UNKNOWN
    rows = number_owners(session, e164)
    if not rows:
        return UNKNOWN
    contact, customer = rows[0]
    assert customer.id is not None
    contract = current_contract(session, customer.id, on)

    def site_city(site_id: int) -> str | None:
        site = session.get(Site, site_id)
        return site.city if site else None

    return caller_match(contact, customer, contract, len(rows), site_city)


def caller_match(contact: Contact, customer: Customer, contract: Contract | None,
                 candidates: int, site_city: Callable[[int], str | None]) -> CallerMatch:
    """What :func:`match_number` says of a number's first contact (``site_city`` of a site id)."""
    region = contract.region if contract and contract.region else None
    if region is None and contact.site_id is not None:
        region = site_city(contact.site_id)
    return CallerMatch(
        contact_id=contact.id,
        contact_name=contact.name,
        customer_id=customer.id,
        customer_name=customer.name,
        contract_id=contract.id if contract else None,
        contract_code=contract.code if contract else None,
        grade=contract.grade if contract else None,
        policy=contract.policy if contract else None,
        region=region or customer.city,
        candidates=candidates,
    )
