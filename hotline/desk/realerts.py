"""Re-alerts: an escalation left unacknowledged re-alerts after each timeout.

Runs with the desk's evaluation (``Desk.evaluate``) and is idempotent: an
escalation left unacknowledged for the policy's ``[escalation]
ack_timeout`` re-alerts, and again after each further timeout; each re-alert
is recorded once (``escalation_alert``), so every seat rings its bell for
it. Tier alerts are not re-alerted here: the engine raises the next tier's
alert at that moment instead. Warnings are raised and withdrawn by each
ticket's own evaluation (see :mod:`hotline.desk.clocks`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from hotline.sla import SlaEngine
from hotline.sla.policy import EscalationSpec
from hotline.store.models import (
    Call,
    Contract,
    Escalation,
    EscalationAlert,
    Ticket,
)

if TYPE_CHECKING:
    from hotline.desk.operations import Desk

from hotline.desk.escalations import SYSTEM

#: Policy used for calls from callers without a contract (as in the desk).
DEFAULT_POLICY = "standard"


def ack_timeout(sla: SlaEngine, policy: str | None) -> timedelta:
    """The acknowledgement timeout of ``policy`` (the default policy's when unknown)."""
    for name in (policy, DEFAULT_POLICY):
        if name and name in sla.policy_names():
            return sla.policy(name).escalation.ack_timeout
    return EscalationSpec().ack_timeout


def policy_expr() -> sa.ColumnElement[str]:
    return sa.func.coalesce(col(Ticket.policy), col(Contract.policy))


def monitor(desk: Desk, now: datetime | None = None) -> int:
    """Record re-alerts of escalations left unacknowledged past the policy's timeout.

    Warnings are raised and withdrawn by each ticket's own evaluation (at the
    moment its engine says), and acknowledging a tier alert acknowledges its
    chain in the same transaction, so nothing else needs a scan each second.
    One transaction; idempotent. Returns how many re-alerts it recorded (0
    when another seat did the same work at the same moment).
    """
    now = now or desk.now()
    try:
        with desk.session() as s:
            n, next_due = _record_realerts(s, desk, now)
    except sa.exc.IntegrityError:
        return 0
    desk.realerts_due_at = min(next_due or now + REALERT_RESCAN, now + REALERT_RESCAN)
    return n


#: However far off the next re-alert is, look again after this long (another seat may
#: have raised an escalation meanwhile, or a policy's timeout may have changed).
REALERT_RESCAN = timedelta(seconds=60)


def _record_realerts(s: Session, desk: Desk, now: datetime) -> tuple[int, datetime | None]:
    """Record what is due; returns how many, and when the next re-alert falls due."""
    rows = s.exec(
        select(Escalation.id, Escalation.raised_at, policy_expr(),
               func.max(EscalationAlert.n))
        .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
        .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
        .outerjoin(Contract, col(Contract.id) == sa.func.coalesce(col(Ticket.contract_id),
                                                                   col(Call.contract_id)))
        .outerjoin(EscalationAlert, col(EscalationAlert.escalation_id) == col(Escalation.id))
        .where(col(Escalation.acknowledged_at).is_(None), Escalation.kind != "tier",
               col(Escalation.raised_at) <= now)
        .group_by(col(Escalation.id), col(Escalation.raised_at), policy_expr())
    ).all()
    timeouts: dict[str | None, timedelta] = {}
    n = 0
    next_due: datetime | None = None
    for escalation_id, raised_at, policy, last in rows:
        if policy not in timeouts:
            timeouts[policy] = ack_timeout(desk.sla, policy)
        timeout = timeouts[policy]
        assert escalation_id is not None
        due = int((now - raised_at) / timeout)
        upcoming = raised_at + timeout * (max(due, last or 0) + 1)
        next_due = upcoming if next_due is None else min(next_due, upcoming)
        if due < 1 or due <= (last or 0):
            continue
        at = raised_at + timeout * due
        s.add(EscalationAlert(escalation_id=escalation_id, n=due, at=at))
        desk._event(s, "escalation_realerted", at, escalation_id=escalation_id, actor=SYSTEM,
                    n=due, minutes=int((at - raised_at).total_seconds() // 60))
        n += 1
    s.flush()
    return n, next_due


