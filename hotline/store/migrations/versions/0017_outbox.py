"""notifications: the outbox, one row per message, and people's contact channels

Revision ID: 0017_outbox
Revises: 0016_audit_chain
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0017_outbox"
down_revision: str | None = "0016_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hotline.store.models.UTCDateTime


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    # Escalations reach people away from a seat: what to tell is written with its cause.
    with op.batch_alter_table("engineer") as batch:
        batch.add_column(sa.Column("notify_email", _text(200), nullable=True))
        batch.add_column(sa.Column("notify_phone", _text(32), nullable=True))
        batch.add_column(sa.Column("notify_mention", _text(64), nullable=True))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _text(160), nullable=False),
        sa.Column("kind", _text(24), nullable=False),
        sa.Column("tier", _text(20), nullable=True),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("recorded_at", UTC(timezone=True), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("routed_at", UTC(timezone=True), nullable=True),
        sa.Column("message_key", _text(160), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_outbox_routed_at", "outbox", ["routed_at", "at"])
    op.create_index("ix_outbox_escalation_id", "outbox", ["escalation_id"])
    op.create_index("ix_outbox_message_key", "outbox", ["message_key"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _text(240), nullable=False),
        sa.Column("message_key", _text(160), nullable=False),
        sa.Column("kind", _text(24), nullable=False),
        sa.Column("channel", _text(40), nullable=False),
        sa.Column("recipient", _text(64), nullable=False),
        sa.Column("address", _text(200), nullable=False),
        sa.Column("subject", _text(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", _text(10), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("next_at", UTC(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", _text(80), nullable=True),
        sa.Column("lease_until", UTC(timezone=True), nullable=True),
        sa.Column("sent_at", UTC(timezone=True), nullable=True),
        sa.Column("first_failed_at", UTC(timezone=True), nullable=True),
        sa.Column("failed_at", UTC(timezone=True), nullable=True),
        sa.Column("last_error", _text(500), nullable=True),
        sa.Column("answer", _text(500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notification_state_next", "notification", ["state", "next_at"])
    op.create_index("ix_notification_message_key", "notification", ["message_key"])


def downgrade() -> None:
    op.drop_index("ix_notification_message_key", table_name="notification")
    op.drop_index("ix_notification_state_next", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_outbox_message_key", table_name="outbox")
    op.drop_index("ix_outbox_escalation_id", table_name="outbox")
    op.drop_index("ix_outbox_routed_at", table_name="outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("engineer") as batch:
        batch.drop_column("notify_mention")
        batch.drop_column("notify_phone")
        batch.drop_column("notify_email")
