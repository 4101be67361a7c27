"""SLA engine: policies, working days, clocks, escalation and penalties.

Pure Python and pure functions of their inputs: no database, no screens, no
reading of the wall clock. The desk stores what the engine returns.
"""

from hotline.sla.engine import SlaEngine
from hotline.sla.errors import CalendarError, PolicyError
from hotline.sla.facts import EVENT_NAMES, FLOW_EVENTS, SCORED_EVENTS, SlaEvent, TicketFacts
from hotline.sla.limits import Limit, parse_limit
from hotline.sla.policy import (
    AssuranceEffect,
    AssurancePeriod,
    Policy,
    Region,
    TargetSpec,
)
from hotline.sla.policy_file import load_policy_dirs, load_policy_file
from hotline.sla.results import EscalationStep, Evaluation, PenaltyEntry, TargetState
from hotline.sla.workdays import SpecialDay, WorkCalendar, YearSchedule

__all__ = [
    "EVENT_NAMES",
    "FLOW_EVENTS",
    "SCORED_EVENTS",
    "AssuranceEffect",
    "AssurancePeriod",
    "CalendarError",
    "EscalationStep",
    "Evaluation",
    "Limit",
    "PenaltyEntry",
    "Policy",
    "PolicyError",
    "Region",
    "SlaEngine",
    "SlaEvent",
    "SpecialDay",
    "TargetSpec",
    "TargetState",
    "TicketFacts",
    "WorkCalendar",
    "YearSchedule",
    "load_policy_dirs",
    "load_policy_file",
    "parse_limit",
]
