"""Accounts: adding people and service accounts, their secrets, roles, sign-in and lock-out.

A wrong secret is answered with a delay that doubles with each wrong secret in a
row (1, 2, 4 … 30 seconds): a try before it has passed is refused without looking
at the secret. After :data:`LOCK_AFTER` wrong secrets in a row the account is
locked until a shift supervisor unlocks it. A login nobody has is delayed the
same way (counted from its ``sign_in_refused`` events), and every refusal says
the same words, so that trying logins tells nothing about which exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from hotline.accounts.permissions import (
    MANAGER,
    PERSON_ROLES,
    ROLE_NAMES,
    ROLES,
    SERVICE,
    require,
)
from hotline.accounts.secrets import check_secret, hash_secret, needs_rehash, verify_secret
from hotline.clock import as_utc
from hotline.errors import Conflict, HotlineError, InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer, Event

#: Wrong secrets in a row that lock an account.
LOCK_AFTER = 5
#: The longest wait after a wrong secret.
MAX_DELAY = timedelta(seconds=30)
#: Wrong tries at a login nobody has are counted over this long.
UNKNOWN_WINDOW = timedelta(hours=1)
LOGIN_MAX = 64
NAME_MAX = 120


class SignInRefused(HotlineError):
    """Unknown login, wrong secret, locked or disabled account: all said alike."""

    def __init__(self, message: str, *, wait_s: int = 0) -> None:
        super().__init__(message)
        #: Seconds before the next try is looked at (0: at once).
        self.wait_s = wait_s


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    role: str
    active: bool
    has_secret: bool
    locked: bool
    failed_signins: int

    @property
    def role_name(self) -> str:
        return _(ROLE_NAMES.get(self.role, self.role))


def refused_words() -> str:
    return _("Unknown login or wrong secret. (After {n} wrong secrets in a row an account is "
             "locked until a shift supervisor unlocks it.)").format(n=LOCK_AFTER)


def delay_after(failures: int) -> timedelta:
    """How long the next try waits after ``failures`` wrong secrets in a row."""
    if failures <= 0:
        return timedelta(0)
    return min(timedelta(seconds=1 << min(failures - 1, 10)), MAX_DELAY)


def check_login_text(login: str) -> str:
    login = login.strip()
    if not login:
        raise InputError(_("Give a login."))
    if len(login) > LOGIN_MAX:
        raise InputError(_("A login may have at most {n} characters.").format(n=LOGIN_MAX))
    if not all(c.isalnum() or c in "._-" for c in login) or not login.isascii():
        raise InputError(_("A login may have only letters, digits, '.', '_' and '-' "
                           "({login!r} has others).").format(login=login[:LOGIN_MAX]))
    return login


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(_("Unknown role {role!r}: {roles}.").format(
            role=role[:40], roles=", ".join(ROLES)))
    return role


def _row(s: Session, login: str) -> Engineer | None:
    return s.exec(select(Engineer).where(Engineer.login == login)).first()


def _account(e: Engineer, now: datetime) -> Account:
    return Account(e.login, e.name, e.role, e.active, e.secret_hash is not None,
                   e.locked_at is not None, e.failed_signins)


def accounts(seat: Seat) -> list[Account]:
    """Every account, people first by role, then service accounts."""
    order = {r: i for i, r in enumerate(ROLES)}
    with seat.read() as s:
        rows = s.exec(select(Engineer).order_by(col(Engineer.login))).all()
        now = seat.now()
        found = [_account(e, now) for e in rows]
    return sorted(found, key=lambda a: (order.get(a.role, 9), a.login))


def needs_first_manager(seat: Seat) -> bool:
    """True until some active person's account has a secret (the desk's first run)."""
    with seat.read() as s:
        n = s.exec(select(func.count()).select_from(Engineer).where(
            col(Engineer.active).is_(True), col(Engineer.secret_hash).is_not(None),
            col(Engineer.role).in_(PERSON_ROLES))).one()
    return int(n) == 0


def create_first_manager(seat: Seat, login: str, name: str, secret: str) -> None:
    """The desk's first manager (refused once anyone can sign in)."""
    login = check_login_text(login)
    name = _check_name(name, login)
    stored = hash_secret(check_secret(secret), seat.settings.secret_cost)
    with seat.write(actor=login) as tx:
        s = tx.session
        if s.exec(select(func.count()).select_from(Engineer).where(
                col(Engineer.active).is_(True), col(Engineer.secret_hash).is_not(None),
                col(Engineer.role).in_(PERSON_ROLES))).one():
            raise Conflict(_("The desk has accounts already: a manager adds the next one "
                             "(hotline user add)."))
        row = _row(s, login) or Engineer(login=login, name=name)
        row.name, row.role, row.active, row.secret_hash = name, MANAGER, True, stored
        row.failed_signins, row.retry_after, row.locked_at = 0, None, None
        s.add(row)
        tx.record_event("account_added", tx.now, login=login, name=name, role=MANAGER,
                        first=True)


def _check_name(name: str, login: str) -> str:
    name = name.strip() or login
    if "\x00" in name or len(name) > NAME_MAX:
        raise InputError(_("A name may have at most {n} characters and no NUL.").format(
            n=NAME_MAX))
    return name


def add_account(seat: Seat, login: str, name: str, role: str, secret: str) -> None:
    """A new account (a manager's work); ``secret`` is a person's secret or a service token."""
    login = check_login_text(login)
    role = check_role(role)
    name = _check_name(name, login)
    stored = hash_secret(check_secret(secret), seat.settings.secret_cost)
    require(seat, "manage_accounts", login=login)
    with seat.write() as tx:
        s = tx.session
        if _row(s, login) is not None:
            raise Conflict(_("There is an account {login} already.").format(login=login))
        s.add(Engineer(login=login, name=name, role=role, secret_hash=stored))
        tx.record_event("account_added", tx.now, login=login, name=name, role=role)


def set_secret(seat: Seat, login: str, secret: str) -> None:
    """A new secret: one's own (anyone signed in), or anyone's (a manager)."""
    stored = hash_secret(check_secret(secret), seat.settings.secret_cost)
    if login != seat.actor or not seat.signed_in:
        require(seat, "manage_accounts", login=login)
    with seat.write() as tx:
        row = _row(tx.session, login)
        if row is None:
            raise NotFound(_("There is no account {login}.").format(login=login))
        row.secret_hash, row.failed_signins, row.retry_after = stored, 0, None
        tx.session.add(row)
        tx.record_event("secret_changed", tx.now, login=login)


def set_role(seat: Seat, login: str, role: str) -> None:
    role = check_role(role)
    require(seat, "manage_accounts", login=login, new_role=role)
    with seat.write() as tx:
        s = tx.session
        row = _row(s, login)
        if row is None:
            raise NotFound(_("There is no account {login}.").format(login=login))
        if row.role == role:
            raise Conflict(_("{login} is a {role} already.").format(
                login=login, role=_(ROLE_NAMES[role])))
        if row.role == MANAGER and _last_manager(s, login):
            raise Conflict(_("{login} is the desk's last manager: make someone else a "
                             "manager first.").format(login=login))
        before, row.role = row.role, role
        s.add(row)
        tx.record_event("role_changed", tx.now, login=login, role=role, before=before)


def _last_manager(s: Session, login: str) -> bool:
    others = s.exec(select(func.count()).select_from(Engineer).where(
        Engineer.role == MANAGER, col(Engineer.active).is_(True),
        Engineer.login != login)).one()
    return int(others) == 0


def disable(seat: Seat, login: str) -> None:
    require(seat, "manage_accounts", login=login)
    with seat.write() as tx:
        s = tx.session
        row = _row(s, login)
        if row is None:
            raise NotFound(_("There is no account {login}.").format(login=login))
        if not row.active:
            raise Conflict(_("The account {login} is disabled already.").format(login=login))
        if row.role == MANAGER and _last_manager(s, login):
            raise Conflict(_("{login} is the desk's last manager: make someone else a "
                             "manager first.").format(login=login))
        row.active = False
        s.add(row)
        tx.record_event("account_disabled", tx.now, login=login)


def unlock(seat: Seat, login: str) -> None:
    """Lift a lock-out (and the wait) after wrong secrets: a shift supervisor's work."""
    require(seat, "unlock_account", login=login)
    with seat.write() as tx:
        row = _row(tx.session, login)
        if row is None:
            raise NotFound(_("There is no account {login}.").format(login=login))
        if row.locked_at is None and not row.failed_signins:
            raise Conflict(_("The account {login} is not locked.").format(login=login))
        row.locked_at, row.retry_after, row.failed_signins = None, None, 0
        tx.session.add(row)
        tx.record_event("account_unlocked", tx.now, login=login)


def authenticate(seat: Seat, login: str, secret: str, *, service: bool = False) -> str:
    """Check ``login``'s secret; returns their role, or raises :class:`SignInRefused`.

    Every outcome is an event: ``signed_in`` is recorded by the caller (who knows
    where), ``sign_in_refused`` and ``account_locked`` here. ``service``: a machine
    identity's token (a service account), else a person's secret.
    """
    login = login.strip()[:LOGIN_MAX]
    now = seat.now()
    cost = seat.settings.secret_cost
    with seat.read() as s:
        row = _row(s, login)
    usable = (row is not None and row.active and row.secret_hash is not None
              and row.locked_at is None and (row.role == SERVICE) == service)
    if row is None or not usable:
        # a locked or disabled account is refused exactly as a login nobody has: the
        # same words, the same check time, the same waits (nothing says it exists)
        wait = _unknown_wait(seat, login, now)
        if wait:
            raise SignInRefused(_wait_words(wait), wait_s=wait)
        verify_secret(secret, None, cost)  # as long as a real check
        _refused(seat, login, known=row is not None)
        raise SignInRefused(refused_words(), wait_s=int(delay_after(1).total_seconds()))
    if row.retry_after is not None and now < as_utc(row.retry_after):
        wait = _seconds(as_utc(row.retry_after) - now)
        raise SignInRefused(_wait_words(wait), wait_s=wait)
    if not verify_secret(secret, row.secret_hash, cost):
        failures = _count_failure(seat, login, now)
        raise SignInRefused(refused_words(), wait_s=int(delay_after(failures).total_seconds()))
    with seat.write(actor=login) as tx:
        fresh = _row(tx.session, login)
        assert fresh is not None and fresh.secret_hash is not None
        fresh.failed_signins, fresh.retry_after = 0, None
        if needs_rehash(fresh.secret_hash, cost):
            fresh.secret_hash = hash_secret(secret, cost)
        tx.session.add(fresh)
    return row.role


def _seconds(delta: timedelta) -> int:
    return max(1, int(-(-delta.total_seconds() // 1)))


def _wait_words(wait: int) -> str:
    return _("Wait {n} s before trying again.").format(n=wait)


def _refused(seat: Seat, login: str, *, known: bool) -> None:
    with seat.write(actor=login or "?") as tx:
        tx.record_event("sign_in_refused", tx.now, known=known)


def _count_failure(seat: Seat, login: str, now: datetime) -> int:
    with seat.write(actor=login) as tx:
        row = _row(tx.session, login)
        assert row is not None
        row.failed_signins += 1
        row.retry_after = now + delay_after(row.failed_signins)
        tx.record_event("sign_in_refused", tx.now, known=True, failures=row.failed_signins)
        if row.failed_signins >= LOCK_AFTER:
            row.locked_at = now
            tx.record_event("account_locked", tx.now, failures=row.failed_signins)
        tx.session.add(row)
        return row.failed_signins


def _unknown_wait(seat: Seat, login: str, now: datetime) -> int:
    """Seconds a login nobody has still waits, counted as for an account."""
    with seat.read() as s:
        times = s.exec(select(Event.at).where(
            Event.kind == "sign_in_refused", Event.actor == (login or "?"),
            col(Event.at) >= now - UNKNOWN_WINDOW).order_by(col(Event.at))).all()
    if not times:
        return 0
    until = as_utc(times[-1]) + delay_after(len(times))
    return _seconds(until - now) if now < until else 0
