"""The service level: calls answered within their answer target, of those offered or answered.

The contract counts 95 % of *offered* calls answered within 30 seconds (a
caller who gave up counts against it); a phone system's own figure divides
by *answered* calls. The desk shows both, on the dashboard and in reports,
computed from the same definitions here.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from hotline.desk.call_states import CallState
from hotline.store.models import Call


def answered_in_time() -> sa.ColumnElement[bool]:
    """A call answered by its answer target's due time."""
    return col(Call.answered_at) <= col(Call.answer_due_at)


def abandoned() -> sa.ColumnElement[bool]:
    """A call whose caller hung up before the answer."""
    return col(Call.state) == CallState.ABANDONED


def undecided(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    """A call still ringing inside its answer target: not yet in time nor late, so neither
    counted for nor against the service level until it is decided."""
    return sa.and_(col(Call.state) == CallState.RINGING, col(Call.answer_due_at) > now)


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a fraction; None when there is nothing to divide."""
    return part / whole if whole else None
