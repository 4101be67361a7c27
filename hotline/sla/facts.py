"""What the engine is told about a ticket: its facts and its events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.clock import as_utc
from hotline.i18n import N_

#: Pseudo-event: the moment the ticket was opened (a ``start`` only).
OPENED = "opened"

#: Events that drive the clocks, with what each means (shown by the CLI).
FLOW_EVENTS: dict[str, str] = {
    "remote_requested": N_("remote support requested (phone guidance did not fix it)"),
    "remote_response": N_("engineer logged in remotely"),
    "dispatched": N_("on-site support requested / engineer dispatched"),
    "depart": N_("engineer left for the site"),
    "onsite_arrival": N_("engineer arrived on site"),
    "restore": N_("service restored"),
    "resolve": N_("fault resolved"),
    "handling_form": N_("handling form delivered"),
    "analysis_requested": N_("the customer asked for the fault analysis report"),
    "analysis_report": N_("analysis report delivered"),
    "pause": N_("clock paused (key: one target; none: all pausable targets)"),
    "resume": N_("clock resumed"),
    "acknowledge": N_("escalation acknowledged (key: that escalation; none: all open)"),
    "callback_promised": N_("callback promised (key: its instance)"),
    "callback_made": N_("callback made (key: the instance it keeps)"),
    "consultation_answered": N_("consultation answered"),
    "complaint_answered": N_("complaint answered"),
    "level_set": N_("level reclassified by hand (needs a level)"),
    "closed": N_("ticket closed"),
    "reopened": N_("ticket reopened"),
}

#: Events that only score (a policy's scoring rules may name others too).
SCORED_EVENTS: dict[str, str] = {
    "written_complaint": N_("verified formal written complaint"),
    "unauthorised_operation": N_("unauthorised operation that interrupted service"),
    "thanks_letter": N_("written letter of thanks"),
    "repeat_fault": N_("the same fault again within a year of the resolution"),
}

EVENT_NAMES = frozenset(FLOW_EVENTS) | frozenset(SCORED_EVENTS)


@dataclass(frozen=True)
class TicketFacts:
    """The standing facts of a ticket that its clocks depend on."""

    policy: str
    grade: str
    level: int | None
    kind: str
    region: str | None
    opened_at: datetime
    conditions: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "opened_at", as_utc(self.opened_at))
        if not isinstance(self.conditions, frozenset):
            object.__setattr__(self, "conditions", frozenset(self.conditions))


@dataclass(frozen=True)
class SlaEvent:
    """Something that happened to a ticket, at a real time.

    ``key`` names the one thing an event refers to: the escalation an
    ``acknowledge`` acknowledges, the callback instance, the target a
    ``pause`` stops, or a stable id of a scored event (so that a penalty
    keeps its key even if earlier events are entered later). ``level`` is the
    new level of a ``level_set``.
    """

    name: str
    at: datetime
    key: str | None = None
    level: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))
