"""Finding directory rows in an operation's session: by code, by name, by id.

A code or name is found the way people type it (:func:`~hotline.directory.fields.key_of`);
one that is not there is a :class:`~hotline.directory.fields.FieldError` on
the field that named it. A row gone by id is :class:`~hotline.errors.NotFound`:
someone else changed the directory since the screen read it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, func, select

from hotline.directory.fields import FieldError, key_of, one_line
from hotline.errors import NotFound
from hotline.i18n import _
from hotline.store.models import Customer, Site

T = TypeVar("T")


def key_matches(column: Any, value: str) -> Any:
    """A condition: ``column`` is ``value``, ignoring case (values are stored on one line)."""
    return func.lower(column) == key_of(value).lower()


def find_customer(s: Session, code: str, fld: str = "customer") -> Customer:
    """The customer with this code, or a refusal of field ``fld``."""
    wanted = one_line(code)
    if not wanted:
        raise FieldError(fld, _("Customer code is required."))
    found = s.exec(select(Customer).where(key_matches(Customer.code, wanted))).all()
    exact = [c for c in found if key_of(c.code) == key_of(wanted)]
    if not exact:
        raise FieldError(fld, _("There is no customer with code {code!r}.").format(code=wanted))
    return exact[0]


def find_site(s: Session, customer: Customer, name: str) -> Site | None:
    """The customer's site of this name (None for no name), or a refusal of field ``site``."""
    wanted = one_line(name)
    if not wanted:
        return None
    for site in s.exec(select(Site).where(Site.customer_id == customer.id)).all():
        if key_of(site.name) == key_of(wanted):
            return site
    raise FieldError("site", _("Customer {code} has no site {site!r}.").format(
        code=customer.code, site=wanted))


def get_row(s: Session, model: type[T], row_id: int, what: str) -> T:
    """The row of ``model`` with this id; ``what`` names it in the message if it is gone."""
    row = s.get(model, row_id)
    if row is None:
        raise NotFound(_("There is no {what} {id}; someone may have changed the directory.")
                       .format(what=what, id=row_id))
    return row


def customer_code(s: Session, customer_id: int) -> str:
    """The code of a customer by id ("?" if it is gone)."""
    row = s.get(Customer, customer_id)
    return row.code if row else "?"
