"""report indexes: a period's calls read from one covering index; clocks and escalations by time

Revision ID: 0008_report_indexes
Revises: 0003
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_report_indexes"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX: no table is copied, which matters on a desk with years of calls.
    # Every column the reports read from a call, so a period's calls are read from the index
    # alone, in time order, and never looked up row by row in the table.
    op.create_index("ix_call_offered_report", "call",
                    ["offered_at", "contract_id", "state", "answered_at", "answer_due_at",
                     "ended_at"], unique=False)
    op.create_index("ix_clock_target_started", "clock", ["target", "started_at"],
                    unique=False)
    op.create_index("ix_clock_state_met", "clock", ["state", "met_at"], unique=False)
    op.create_index("ix_clock_breached_at", "clock", ["breached_at"], unique=False)
    op.create_index("ix_escalation_raised_at", "escalation", ["raised_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_escalation_raised_at", table_name="escalation")
    op.drop_index("ix_clock_breached_at", table_name="clock")
    op.drop_index("ix_clock_state_met", table_name="clock")
    op.drop_index("ix_clock_target_started", table_name="clock")
    op.drop_index("ix_call_offered_report", table_name="call")
