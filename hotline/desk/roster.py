"""Who works at the desk, and who is signed in at this seat."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.accounts.accounts import authenticate
from hotline.accounts.permissions import PERSON_ROLES
from hotline.seat import Seat
from hotline.store.models import Engineer


@dataclass(frozen=True)
class Member:
    login: str
    name: str
    role: str
    seat: str | None


def roster(engine: Engine) -> list[Member]:
    """Active engineers, supervisors and managers, by role then login (no service accounts)."""
    with Session(engine) as s:
        rows = s.exec(select(Engineer).where(col(Engineer.active).is_(True),
                                             col(Engineer.role).in_(PERSON_ROLES))
                      .order_by(col(Engineer.role), col(Engineer.login))).all()
    return [Member(e.login, e.name, e.role, e.seat) for e in rows]


def system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "desk"


def engineers(engine: Engine) -> list[Engineer]:
    with Session(engine) as s:
        return list(s.exec(select(Engineer).where(col(Engineer.active).is_(True))
                           .order_by(col(Engineer.login))).all())


def sign_in(seat: Seat, login: str, secret: str) -> None:
    """The seat is now worked by ``login``, once their secret is checked.

    Refused (:class:`~hotline.accounts.accounts.SignInRefused`) in the same words
    whether the login exists or not.
    """
    role = authenticate(seat, login, secret)
    login = login.strip()
    with seat.write(actor=login) as tx:
        seat_name = tx.session.exec(select(Engineer.seat).where(Engineer.login == login)).first()
        tx.record_event("signed_in", tx.now, seat=seat_name, previous=seat.actor)
    seat.actor = login
    seat.role = role
    seat.signed_in = True
