"""missed calls become callbacks: the missed_call table

Revision ID: 0013_missed_calls
Revises: 0012_fault_category
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0013_missed_calls"
down_revision: str | None = "0012_fault_category"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A caller who hung up before the answer is owed a call back, with its own clock.
    op.create_table(
        "missed_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("number_raw", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("number_e164", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", hotline.store.models.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("due_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warn_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("last_attempt_at", hotline.store.models.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("closed_at", hotline.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("escalated_at", hotline.store.models.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id"),
    )
    op.create_index("ix_missed_call_state_due", "missed_call", ["state", "due_at"])
    op.create_index("ix_missed_call_number_state", "missed_call", ["number_e164", "state"])


def downgrade() -> None:
    op.drop_index("ix_missed_call_number_state", table_name="missed_call")
    op.drop_index("ix_missed_call_state_due", table_name="missed_call")
    op.drop_table("missed_call")
