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
    "analysis_report": N_("analysis report delivered"),
    "pause": N_("clock paused (key: one target; none: all pausable targets)"),
    "resume": N_("clock resumed"),
    "acknowledge": N_("escalation acknowledged (key: that escalation; none: all open)"),
    "callback_promised": N_("callback promised (key: its instance)"),
    "callback_made": N_("callback made (key: the instance it keeps)"),
    "consultation_answered": N_("consultation answered"),
    "complaint_answered": N_("complaint answered"),
    "level_set": N_("level reclassified by hand (needs a level)"),
    # contract duties (issue 16)
    "part_lent": N_("spare part lent on a fault"),
    "part_returned": N_("spare part returned"),
    "rescheduled": N_("planned time changed (needs the new time)"),
    "inspected": N_("inspection carried out"),
    "inspection_report": N_("inspection record and report delivered"),
    "upgrade_responded": N_("upgrade request answered and confirmed"),
    "upgrade_applied": N_("upgrade application submitted"),
    "upgrade_done": N_("upgrade carried out"),
    "spares_upgraded": N_("spare parts upgraded to match"),
    "document_delivered": N_("requested documents delivered"),
    "meeting_notice": N_("notice of a meeting received"),
    "meeting_confirmed": N_("meeting arrangements confirmed"),
    "meeting_held": N_("meeting held"),
    "item_raised": N_("item raised at a meeting (key: the item)"),
    "item_replied": N_("meeting item answered (key: the item)"),
    "service_report_sent": N_("monthly service report delivered"),
    "number_change_notified": N_("hotline-number change notified in writing"),
    "closed": N_("ticket closed"),
    "reopened": N_("ticket reopened"),
}

#: Events that only score (a policy's scoring rules may name others too).
SCORED_EVENTS: dict[str, str] = {
    "written_complaint": N_("verified formal written complaint"),
    "unauthorised_operation": N_("unauthorised operation that interrupted service"),
    "thanks_letter": N_("written letter of thanks"),
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
    #: A duty's planned time as first planned (``rescheduled`` events move it).
    planned_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "opened_at", as_utc(self.opened_at))
        if self.planned_at is not None:
            object.__setattr__(self, "planned_at", as_utc(self.planned_at))
        if not isinstance(self.conditions, frozenset):
            object.__setattr__(self, "conditions", frozenset(self.conditions))


@dataclass(frozen=True)
class SlaEvent:
    """Something that happened to a ticket, at a real time.

    ``key`` names the one thing an event refers to: the escalation an
    ``acknowledge`` acknowledges, the callback instance, the target a
    ``pause`` stops, or a stable id of a scored event (so that a penalty
    keeps its key even if earlier events are entered later). ``level`` is the
    new level of a ``level_set``; ``planned`` the new planned time of a ``rescheduled``.
    """

    name: str
    at: datetime
    key: str | None = None
    level: int | None = None
    planned: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))
        if self.planned is not None:
            object.__setattr__(self, "planned", as_utc(self.planned))
