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

import sqlalchemy as sa
from sqlmodel import col, func, select

from hotline.desk import outbox
from hotline.desk.answer_target import DEFAULT_POLICY
from hotline.desk.escalation_raising import SYSTEM
from hotline.sla import SlaEngine
from hotline.sla.policy import EscalationSpec
from hotline.store.models import (
    Call,
    Contract,
    Escalation,
    EscalationAlert,
    Ticket,
)
from hotline.store.transaction import Transaction


def ack_timeout(sla: SlaEngine, policy: str | None) -> timedelta:
    """The acknowledgement timeout of ``policy`` (the default policy's when unknown)."""
    for name in (policy, DEFAULT_POLICY):
        if name and name in sla.policy_names():
            return sla.policy(name).escalation.ack_timeout
    return EscalationSpec().ack_timeout


def policy_expr() -> sa.ColumnElement[str]:
    return sa.func.coalesce(col(Ticket.policy), col(Contract.policy))


#: However far off the next re-alert is, look again after this long (another seat may
#: have raised an escalation meanwhile, or a policy's timeout may have changed).
REALERT_RESCAN = timedelta(seconds=60)


def record_realerts(tx: Transaction, sla: SlaEngine) -> tuple[int, datetime | None]:
    """Record the re-alerts due now, once each; how many, and when the next one falls due.

    Idempotent: a re-alert another seat recorded a moment ago fails this
    transaction on the alert's unique key (nothing is recorded twice).
    """
    s, now = tx.session, tx.now
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
            timeouts[policy] = ack_timeout(sla, policy)
        timeout = timeouts[policy]
        assert escalation_id is not None
        due = int((now - raised_at) / timeout)
        upcoming = raised_at + timeout * (max(due, last or 0) + 1)
        next_due = upcoming if next_due is None else min(next_due, upcoming)
        if due < 1 or due <= (last or 0):
            continue
        at = raised_at + timeout * due
        s.add(EscalationAlert(escalation_id=escalation_id, n=due, at=at))
        tx.record_event("escalation_realerted", at, escalation_id=escalation_id, actor=SYSTEM,
                        n=due, minutes=int((at - raised_at).total_seconds() // 60))
        outbox.enqueue(tx, f"escalation:{escalation_id}:alert:{due}", kind=outbox.REALERT,
                       at=at, escalation_id=escalation_id, n=due)
        n += 1
    s.flush()
    return n, next_due


