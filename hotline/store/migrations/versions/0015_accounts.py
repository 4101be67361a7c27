"""accounts: a secret's hash, failed sign-ins and lock-out on each engineer

Revision ID: 0015_accounts
Revises: 0014_missed_out_of_hours
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.store.models

revision: str = "0015_accounts"
down_revision: str | None = "0014_missed_out_of_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Who is at the desk is proven by a secret; accounts that existed before have none
    # and must be given one (hotline user passwd) before they can sign in.
    with op.batch_alter_table("engineer") as batch:
        batch.add_column(sa.Column("secret_hash",
                                   sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch.add_column(sa.Column("failed_signins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("retry_after",
                                   hotline.store.models.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("locked_at", hotline.store.models.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engineer") as batch:
        batch.drop_column("locked_at")
        batch.drop_column("retry_after")
        batch.drop_column("failed_signins")
        batch.drop_column("secret_hash")
