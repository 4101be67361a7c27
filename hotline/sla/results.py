"""What an evaluation returns: clocks, escalations, penalties."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from hotline.sla.limits import Limit
from hotline.sla.policy import Tier

TargetStateName = Literal["running", "warning", "paused", "met", "breached", "cancelled",
                          "pending"]


@dataclass(frozen=True)
class TargetState:
    """One clock of a ticket as of the evaluation time.

    ``due_at``/``warn_at`` are None while ``pending`` (not started). For a
    paused clock they are the times that would hold if it resumed now.
    ``met_at`` is set only when the stop came in time; ``done_at`` is when
    the stop came, in time or late. ``breached_at`` is the due time of the
    latest breach (the real moment of it), kept after a re-timing.
    """

    name: str
    instance: int
    key: str
    limit: Limit | None
    level: int | None
    started_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    state: TargetStateName
    met_at: datetime | None = None
    breached_at: datetime | None = None
    done_at: datetime | None = None
    paused_for: timedelta = timedelta(0)
    breaches: int = 0
    retimed_at: datetime | None = None  # the latest re-timing (level change): due counts from it
    optional: bool = False  # a deadline for something that may not happen (not work owed)


@dataclass(frozen=True)
class EscalationStep:
    """An entry for the escalation queue.

    A level upgrade has ``tier`` None and ``from_level`` > ``to_level``; a
    tier alert (at the top level) has the tier and equal levels. ``ack_due``
    is when an unacknowledged tier alert re-alerts.
    """

    key: str
    at: datetime
    from_level: int | None
    to_level: int | None
    tier: Tier | None
    reason: str
    target: str
    ack_due: datetime | None = None
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class PenaltyEntry:
    """Penalty points (negative) or credits (positive) from one breach, event or period."""

    key: str
    rule: str
    points: int
    at: datetime
    source: str
    description: str = ""


@dataclass(frozen=True)
class Evaluation:
    """A ticket's SLA position as of ``at``."""

    policy: str
    at: datetime
    level: int | None
    targets: list[TargetState]
    escalations: list[EscalationStep]
    penalties: list[PenaltyEntry]
    next_change_at: datetime | None
    notes: list[str] = field(default_factory=list)
    #: What happens at ``next_change_at``: ``("warning" | "due" | "realert", clock key)``.
    next_change: tuple[str, str] | None = None
