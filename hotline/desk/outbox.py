"""The transactional outbox: what people away from a seat are told, written with its cause.

An escalation raised, a re-alert and a level-1 fault logged each write one
:class:`~hotline.store.models.OutboxItem` in the transaction that raises them,
so a notification exists exactly when its cause was committed (a rolled-back
escalation leaves none, a committed one always has one). Who is told, how and
in which words is decided later by the sender (:mod:`hotline.notify`), from
the notification rules of the config file.
"""

from __future__ import annotations

import json
from datetime import datetime

from hotline.store.models import OutboxItem
from hotline.store.transaction import Transaction

#: The outbox kinds that are not an escalation's own kind.
REALERT = "realert"
LEVEL1_FAULT = "level1_fault"


def enqueue(tx: Transaction, key: str, *, kind: str, at: datetime, tier: str | None = None,
            escalation_id: int | None = None, ticket_id: int | None = None,
            call_id: int | None = None, **data: object) -> OutboxItem:
    """Add the outbox row for ``kind`` (committed with the transaction, or not at all)."""
    item = OutboxItem(key=key, kind=kind, tier=tier, at=at, recorded_at=tx.now,
                      escalation_id=escalation_id, ticket_id=ticket_id, call_id=call_id,
                      data=json.dumps(data, ensure_ascii=False, default=str))
    tx.session.add(item)
    return item
