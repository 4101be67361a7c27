"""contract duties: a ticket's planned time, and the technical-exchange days counter

Revision ID: 0018_duties
Revises: 0017_outbox
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0018_duties"
down_revision: str | None = "0017_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hotline.store.models.UTCDateTime


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    # Inspections, meetings and notices are planned: their clocks count from that time.
    # Plain ALTER TABLE on both backends (a batch copy of the ticket table would trip
    # over the tables that refer to it, on SQLite).
    op.add_column("ticket", sa.Column("planned_at", UTC(timezone=True), nullable=True))
    op.create_index("ix_ticket_planned_at", "ticket", ["planned_at"], unique=False)
    op.create_table(
        "exchange_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("subject", _text(300), nullable=False),
        sa.Column("recorded_at", UTC(timezone=True), nullable=False),
        sa.Column("recorded_by", _text(64), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exchange_day_contract_day", "exchange_day", ["contract_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_exchange_day_contract_day", table_name="exchange_day")
    op.drop_table("exchange_day")
    op.drop_index("ix_ticket_planned_at", table_name="ticket")
    op.execute("ALTER TABLE ticket DROP COLUMN planned_at")
