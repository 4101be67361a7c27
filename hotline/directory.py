"""Who is calling: a number matched to a contact, their customer and contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from hotline.models import Contact, ContactNumber, Contract, Customer, Site


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
    valid = [
        c for c in rows
        if (c.valid_from is None or c.valid_from <= on) and (c.valid_to is None or c.valid_to >= on)
    ]
    if not valid:
        return None
    return max(valid, key=lambda c: (c.valid_to or date.max, c.id or 0))


def match_number(session: Session, e164: str | None, on: date) -> CallerMatch:
    """Match a stored-form number to a contact; the contract is the one in force on ``on``."""
    if not e164:
        return UNKNOWN
    rows = session.exec(
        select(Contact, Customer)
        .join(ContactNumber, col(ContactNumber.contact_id) == col(Contact.id))
        .join(Customer, col(Customer.id) == col(Contact.customer_id))
        .where(ContactNumber.e164 == e164)
        .order_by(col(Contact.id))
    ).all()
    if not rows:
        return UNKNOWN
    contact, customer = rows[0]
    assert customer.id is not None
    contract = current_contract(session, customer.id, on)
    region = contract.region if contract and contract.region else None
    if region is None and contact.site_id is not None:
        site = session.get(Site, contact.site_id)
        region = site.city if site else None
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
        candidates=len(rows),
    )
