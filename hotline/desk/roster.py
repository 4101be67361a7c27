"""Who works at the desk, and who is signed in at this seat."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.errors import ConfigError
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer


@dataclass(frozen=True)
class Member:
    login: str
    name: str
    role: str
    seat: str | None


def roster(engine: Engine) -> list[Member]:
    """Active engineers, supervisors and managers, by name."""
    with Session(engine) as s:
        rows = s.exec(select(Engineer).where(col(Engineer.active).is_(True))
                      .order_by(col(Engineer.role), col(Engineer.login))).all()
    return [Member(e.login, e.name, e.role, e.seat) for e in rows]


def system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "desk"


def check_login(engine: Engine, login: str) -> Member | None:
    """The roster entry for ``login``; refused if the desk has a roster without it."""
    members = roster(engine)
    if not members:
        return None
    for m in members:
        if m.login == login:
            return m
    raise ConfigError(_("{login} is not on the desk's roster ({known}); sign in as one of "
                        "them with --as LOGIN.").format(
                            login=login, known=", ".join(m.login for m in members)))


def engineers(engine: Engine) -> list[Engineer]:
    with Session(engine) as s:
        return list(s.exec(select(Engineer).where(col(Engineer.active).is_(True))
                           .order_by(col(Engineer.login))).all())


def sign_in(seat: Seat, login: str) -> None:
    """The seat is now worked by ``login`` (who must be on the roster, if there is one)."""
    member = check_login(seat.engine, login)
    with seat.write(actor=login) as tx:
        tx.record_event("signed_in", tx.now, seat=member.seat if member else None,
                        previous=seat.actor)
    seat.actor = login
    seat.signed_in = True
