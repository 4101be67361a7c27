"""out-of-hours missed calls: the callback clock starts when the desk opens

Revision ID: 0014_missed_out_of_hours
Revises: 0013_missed_calls
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.models

revision: str = "0014_missed_out_of_hours"
down_revision: str | None = "0013_missed_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A call missed while the desk was closed is called back from its opening.
    with op.batch_alter_table("missed_call") as batch:
        batch.add_column(sa.Column("clock_from", hotline.store.models.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("missed_call") as batch:
        batch.drop_column("clock_from")
