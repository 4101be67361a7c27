"""a caller's calls and their tickets read from one index (search by number, the intake)

Revision ID: 0010_caller_calls
Revises: 0009_open_fault_levels
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_caller_calls"
down_revision: str | None = "0009_open_fault_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Searching by a caller's number looks up the tickets of their calls. With the number
    # alone in the index, each of a regular caller's calls (thousands over three years)
    # was then read from the table for its ticket: 80–200 ms a search on a provincial
    # desk, 10 ms with the ticket in the index. It serves lookups by number alone too.
    op.create_index("ix_call_number_ticket", "call", ["number_e164", "ticket_id"],
                    unique=False)
    op.drop_index("ix_call_number_e164", table_name="call")


def downgrade() -> None:
    op.create_index("ix_call_number_e164", "call", ["number_e164"], unique=False)
    op.drop_index("ix_call_number_ticket", table_name="call")
