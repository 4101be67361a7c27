"""escalation and penalty keys in one format: ticket:<id>:<key>, call:<id>:<key>

Revision ID: 0011_subject_keys
Revises: 0010_caller_calls
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_subject_keys"
down_revision: str | None = "0010_caller_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Escalations of a ticket were keyed "t12:…", those of a call "call:7:…": one
    # format now, so that one function raises every escalation and reads its key back.
    for table in ("escalation", "penalty"):
        op.execute(f"UPDATE {table} SET key = 'ticket:' || substr(key, 2) "
                   "WHERE key LIKE 't%:%' AND key NOT LIKE 'ticket:%'")


def downgrade() -> None:
    for table in ("escalation", "penalty"):
        op.execute(f"UPDATE {table} SET key = 't' || substr(key, 8) "
                   "WHERE key LIKE 'ticket:%'")
