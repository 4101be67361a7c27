"""What each role may do: the desk's one table of permissions, enforced in the core.

Every operation that not everyone may perform calls :func:`require` before it
changes anything. A refusal says who may do it, is recorded as a
``permission_denied`` event (in a transaction of its own: the operation's own
is never opened, or rolled back) and changes nothing. The screens ask
:func:`allowed` only to dim what would be refused; they never decide.

Duty engineers may do everything at their own seat that is not in the table:
answer and log calls, work their tickets, acknowledge one escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from hotline.errors import HotlineError
from hotline.i18n import N_, _
from hotline.seat import Seat
from hotline.store.models import Engineer

ENGINEER = "engineer"
SUPERVISOR = "supervisor"
MANAGER = "manager"
#: A machine identity (a phone feed, a script ringing calls): never a person's role.
SERVICE = "service"
PERSON_ROLES = (ENGINEER, SUPERVISOR, MANAGER)
ROLES = (*PERSON_ROLES, SERVICE)

ROLE_NAMES = {ENGINEER: N_("duty engineer"), SUPERVISOR: N_("shift supervisor"),
              MANAGER: N_("manager"), SERVICE: N_("service account")}

SUPERVISORS = frozenset({SUPERVISOR, MANAGER})
MANAGERS = frozenset({MANAGER})
WHO_MAY = {SUPERVISORS: N_("shift supervisors and managers"), MANAGERS: N_("managers")}


@dataclass(frozen=True)
class Rule:
    #: What is done, as the refusal says it ("Only managers may <what>.").
    what: str
    roles: frozenset[str]


#: The table. Keys are what operations name when they call :func:`require`.
PERMISSIONS: dict[str, Rule] = {
    "acknowledge_all": Rule(N_("acknowledge several escalations at once"), SUPERVISORS),
    "reassign": Rule(N_("reassign an escalation"), SUPERVISORS),
    "set_crew": Rule(N_("say who is on duty in a shift"), SUPERVISORS),
    "handover": Rule(N_("write or take over the shift handover"), SUPERVISORS),
    "change_level": Rule(N_("change a ticket's fault level by hand"), SUPERVISORS),
    "pause_clocks": Rule(N_("pause or resume a ticket's contract clocks"), SUPERVISORS),
    "import_directory": Rule(N_("import directory files"), SUPERVISORS),
    "delete_directory": Rule(N_("delete directory entries"), SUPERVISORS),
    "close_others_ticket": Rule(N_("close another engineer's ticket"), SUPERVISORS),
    "unlock_account": Rule(N_("unlock an account"), SUPERVISORS),
    "manage_accounts": Rule(N_("add accounts, change their roles or disable them"), MANAGERS),
    "manage_policies": Rule(N_("change the contract policies"), MANAGERS),
    "plan_duties": Rule(N_("plan a year's contract duties"), SUPERVISORS),
    # a new date re-times the duty's clocks and decides whether its notice is late
    "reschedule_duty": Rule(N_("move a planned duty to another date"), SUPERVISORS),
    "record_exchange": Rule(N_("record technical-exchange days"), SUPERVISORS),
}


class PermissionRefused(HotlineError):
    """The signed-in person's role may not do this; nothing was changed."""

    def __init__(self, message: str, permission: str) -> None:
        super().__init__(message)
        self.permission = permission


def allowed(role: str | None, permission: str) -> bool:
    """Whether ``role`` may do ``permission`` (a permission not in the table: anyone)."""
    rule = PERMISSIONS.get(permission)
    return rule is None or (role is not None and role in rule.roles)


def role_of(seat: Seat) -> str | None:
    """The role of whoever works the seat now, read from their account.

    An account disabled since they signed in has none. A seat whose actor has no
    account keeps the role it was given when it was built (a seat is given one only
    from an account at sign-in; tests give theirs directly).
    """
    with seat.read() as s:
        row = s.exec(select(Engineer).where(Engineer.login == seat.actor)).first()
    if row is not None:
        seat.role = row.role if row.active else None
    return seat.role


def refusal(role: str | None, permission: str) -> str:
    """The words of a refusal: who may, and what the person is."""
    rule = PERMISSIONS[permission]
    who_may = _(WHO_MAY.get(rule.roles, N_("managers")))
    said = _("Only {who_may} may {what}.").format(who_may=who_may, what=_(rule.what))
    if role is None:
        return said + " " + _("Sign in first.")
    return said + " " + _("You are signed in as a {role}.").format(
        role=_(ROLE_NAMES.get(role, role)))


def require(seat: Seat, permission: str, **details: Any) -> None:
    """Refuse (and record the refusal) unless the seat's person may do ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    role = role_of(seat)
    if allowed(role, permission):
        return
    with seat.write() as tx:
        tx.record_event("permission_denied", tx.now, permission=permission, role=role,
                        **details)
    raise PermissionRefused(refusal(role, permission), permission)
