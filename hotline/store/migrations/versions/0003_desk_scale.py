"""desk scale: indexes for what the dashboard asks every time, each ticket's next deadline

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN and CREATE INDEX: no table is copied, which matters
    # on a desk with years of calls.
    op.add_column("ticket", sa.Column("next_due_at", hotline.store.models.UTCDateTime(timezone=True),
                                      nullable=True))
    op.add_column("ticket", sa.Column("next_clock", sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
    op.create_index("ix_ticket_next_check", "ticket", ["next_check_at"], unique=False)
    op.create_index("ix_ticket_next_due", "ticket", ["next_due_at"], unique=False)
    op.create_index("ix_ticket_customer_status", "ticket", ["customer_id", "status"],
                    unique=False)
    op.create_index("ix_ticket_caller_number", "ticket", ["caller_number"], unique=False)
    op.create_index("ix_call_state_ticket", "call", ["state", "ticket_id"], unique=False)
    op.create_index("ix_clock_target_state", "clock", ["target", "state"], unique=False)
    # each open ticket's soonest running deadline other than a callback
    op.execute(
        "UPDATE ticket SET next_due_at = (SELECT min(c.due_at) FROM clock c WHERE "
        "c.ticket_id = ticket.id AND c.state IN ('running', 'paused') AND "
        "c.target != 'callback') WHERE status != 'closed'")
    op.execute(
        "UPDATE ticket SET next_clock = (SELECT c.key FROM clock c WHERE "
        "c.ticket_id = ticket.id AND c.state IN ('running', 'paused') AND "
        "c.target != 'callback' ORDER BY c.due_at, c.id LIMIT 1) "
        "WHERE next_due_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_clock_target_state", table_name="clock")
    op.drop_index("ix_call_state_ticket", table_name="call")
    op.drop_index("ix_ticket_caller_number", table_name="ticket")
    op.drop_index("ix_ticket_customer_status", table_name="ticket")
    op.drop_index("ix_ticket_next_due", table_name="ticket")
    op.drop_index("ix_ticket_next_check", table_name="ticket")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("next_clock")
        batch_op.drop_column("next_due_at")
