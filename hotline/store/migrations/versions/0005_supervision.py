"""supervision: who is on duty per shift, shift handovers, escalation re-alerts,
and an index for the monitor's warnings

Revision ID: 0005_supervision
Revises: 0001
Create Date: 2026-11-26 12:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0005_supervision"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_day", sa.Date(), nullable=False),
        sa.Column("shift", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("assigned_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shift_day", "shift", "login"),
    )
    with op.batch_alter_table("shift_duty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_duty_shift_day"), ["shift_day"], unique=False)

    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_day", sa.Date(), nullable=False),
        sa.Column("shift", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("next_day", sa.Date(), nullable=False),
        sa.Column("next_shift", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("written_at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("written_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("ringing", sa.Integer(), nullable=False),
        sa.Column("callbacks", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("unacknowledged", sa.Integer(), nullable=False),
        sa.Column("accepted_at", hotline.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("accept_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shift_day", "shift"),
    )

    op.create_table(
        "escalation_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("at", hotline.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("escalation_id", "n"),
    )
    with op.batch_alter_table("escalation_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_alert_escalation_id"), ["escalation_id"],
                              unique=False)
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.create_index("ix_clock_state_warn", ["state", "warn_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_index("ix_clock_state_warn")
    with op.batch_alter_table("escalation_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_alert_escalation_id"))
    op.drop_table("escalation_alert")
    op.drop_table("handover")
    with op.batch_alter_table("shift_duty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_duty_shift_day"))
    op.drop_table("shift_duty")
