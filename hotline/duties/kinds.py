"""The kinds of duty work, their targets and the steps that record them (one place).

The names are fixed (tools and reports rely on them): each duty is a ticket of one
of these kinds, and the policy gives its targets their limits. ``Ticket.kind``
holds at most 16 characters.
"""

from __future__ import annotations

from hotline.i18n import N_
from hotline.sla.policy import DUTY_KINDS

__all__ = ["DUTY_KINDS", "DUTY_LABELS", "DUTY_STEPS", "DUTY_TARGETS", "PLANNED_KINDS",
           "is_duty"]

#: What each kind is called (translated when shown).
DUTY_LABELS: dict[str, str] = {
    "inspection": N_("Inspection"),
    "upgrade_request": N_("Upgrade request"),
    "document_request": N_("Document request"),
    "meeting": N_("Meeting"),
    "service_report": N_("Service report"),
    "number_change": N_("Number change"),
}

#: The targets each kind's clocks are (the policy's names for them).
DUTY_TARGETS: dict[str, tuple[str, ...]] = {
    "inspection": ("inspection", "inspection_on_request", "inspection_change_notice",
                   "inspection_report"),
    "upgrade_request": ("upgrade_response", "upgrade_applied", "spares_upgraded"),
    "document_request": ("document_delivery",),
    "meeting": ("meeting_response", "meeting", "meeting_reply"),
    "service_report": ("service_report",),
    "number_change": ("number_change_notice",),
}

#: The steps that record each kind's work, in the order they usually come.
DUTY_STEPS: dict[str, tuple[str, ...]] = {
    "inspection": ("inspection_rescheduled", "inspected", "inspection_report"),
    "upgrade_request": ("upgrade_responded", "upgrade_applied", "upgrade_done",
                        "spares_upgraded"),
    "document_request": ("document_delivered",),
    "meeting": ("meeting_notice", "meeting_confirmed", "meeting_held", "item_raised",
                "item_replied"),
    "service_report": ("service_report_sent",),
    "number_change": ("number_change_notified",),
}

#: Kinds whose ticket needs a planned time (the date its clocks count from or back from).
PLANNED_KINDS = frozenset({"inspection", "meeting", "service_report", "number_change"})

assert set(DUTY_LABELS) == set(DUTY_KINDS) == set(DUTY_TARGETS) == set(DUTY_STEPS)
assert all(len(k) <= 16 for k in DUTY_KINDS)


def is_duty(kind: str) -> bool:
    return kind in DUTY_KINDS
