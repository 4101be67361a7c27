"""a fault's category, cause and solution, as given when it is restored or resolved

Revision ID: 0012_fault_category
Revises: 0011_subject_keys
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_fault_category"
down_revision: str | None = "0011_subject_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tickets restored or resolved before this version have no category: the reports
    # count them as "not given". Plain ALTER TABLE on both databases (a batch copy of
    # the ticket table would trip over the tables that refer to it, on SQLite).
    op.add_column("ticket", sa.Column("fault_category",
                                      sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
    op.add_column("ticket", sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(length=4000),
                                      nullable=True))
    op.add_column("ticket", sa.Column("solution",
                                      sqlmodel.sql.sqltypes.AutoString(length=4000),
                                      nullable=True))
    op.create_index("ix_ticket_fault_category", "ticket", ["fault_category"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_fault_category", table_name="ticket")
    for column in ("solution", "cause", "fault_category"):
        op.execute(f"ALTER TABLE ticket DROP COLUMN {column}")
