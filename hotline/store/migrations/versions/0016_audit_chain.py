"""the audit trail's hash chain: event.prev_hash and event.hash; guards against rewriting

Revision ID: 0016_audit_chain
Revises: 0015_accounts
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hotline.store.audit_chain import GENESIS, event_hash
from hotline.store.guards import install_guards
from hotline.store.models import Event

revision: str = "0016_audit_chain"
down_revision: str | None = "0015_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT = cast(sa.Table, Event.__table__)  # type: ignore[attr-defined]
_BATCH = 5000


def upgrade() -> None:
    # Each event carries the previous event's hash and its own: a chain that shows any
    # event changed, removed or replaced since (``hotline audit --verify``).
    conn = op.get_bind()
    op.add_column("event", sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64),
                                     nullable=True))
    op.add_column("event", sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64),
                                     nullable=True))
    _chain_existing(conn)
    op.create_index("ix_event_prev_hash", "event", ["prev_hash"], unique=True)
    install_guards(conn)


def _chain_existing(conn: sa.Connection) -> None:
    """Link the events already written, in id order (the append-only guard is lifted
    for the time of it, inside the migration's transaction)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS event_no_update")
    else:
        conn.exec_driver_sql("ALTER TABLE event DISABLE TRIGGER event_append_only")
    columns = [_EVENT.c.id, *(_EVENT.c[f] for f in ("at", "recorded_at", "actor", "kind",
                                                    "call_id", "ticket_id", "escalation_id",
                                                    "data"))]
    tail = GENESIS
    last = None
    update = (sa.update(_EVENT).where(_EVENT.c.id == sa.bindparam("w_id"))
              .values(prev_hash=sa.bindparam("v_prev"), hash=sa.bindparam("v_hash")))
    while True:
        query = sa.select(*columns).order_by(_EVENT.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(_EVENT.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        params: list[dict[str, Any]] = []
        for row in rows:
            digest = event_hash(tail, row)
            params.append({"w_id": row.id, "v_prev": tail, "v_hash": digest})
            tail, last = digest, row.id
        conn.execute(update, params)
    if sqlite:
        conn.exec_driver_sql("CREATE TRIGGER event_no_update BEFORE UPDATE ON event "
                             "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END")
    else:
        conn.exec_driver_sql("ALTER TABLE event ENABLE TRIGGER event_append_only")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS event_no_replace")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_no_truncate ON event")
        op.execute("ALTER TABLE event DROP CONSTRAINT IF EXISTS event_linked")
    op.drop_index("ix_event_prev_hash", table_name="event")
    # the event table keeps its triggers: drop the columns in place, not by a copy
    op.execute("ALTER TABLE event DROP COLUMN hash")
    op.execute("ALTER TABLE event DROP COLUMN prev_hash")
