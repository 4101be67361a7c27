"""Names shown for the core's codes (targets, kinds, escalation kinds), translated."""

from __future__ import annotations

from hotline.i18n import N_, _

#: Target names that read the same in a list and in a policy's explanation
#: (``hotline.sla.policy.TARGET_LABELS`` takes them as they are).
TARGETS_NAMED_ALIKE = {
    "consultation_reply": N_("Consultation reply"),
    "complaint_reply": N_("Complaint reply"),
    "remote_response": N_("Remote response"),
    "onsite_arrival": N_("On-site arrival"),
    "handling_form": N_("Handling form"),
    "analysis_report": N_("Analysis report"),
    "part_return": N_("Spare part returned"),
    "inspection": N_("Inspection"),
    "inspection_on_request": N_("Inspection on request"),
    "inspection_change_notice": N_("Inspection change notice"),
    "inspection_report": N_("Inspection report"),
    "upgrade_response": N_("Upgrade response"),
    "upgrade_applied": N_("Upgrade application"),
    "spares_upgraded": N_("Spare parts upgraded"),
    "document_delivery": N_("Document delivery"),
    "meeting": N_("Meeting held"),
    "meeting_response": N_("Meeting response"),
    "meeting_reply": N_("Meeting item reply"),
    "service_report": N_("Monthly service report"),
    "number_change_notice": N_("Number change notice"),
}

#: Short target names, for lists and tables.
TARGETS = {
    "answer": N_("Answer"),
    "callback": N_("Callback"),
    "missed_call": N_("Missed call"),
    "depart": N_("Depart"),
    "restore": N_("Restore"),
    "resolve": N_("Resolve"),
    **TARGETS_NAMED_ALIKE,
}

KINDS = {
    "fault": N_("Fault"),
    "consultation": N_("Consultation"),
    "complaint": N_("Complaint"),
    # contract duties (hotline.duties.kinds)
    "inspection": N_("Inspection"),
    "upgrade_request": N_("Upgrade request"),
    "document_request": N_("Document request"),
    "meeting": N_("Meeting"),
    "service_report": N_("Service report"),
    "number_change": N_("Number change"),
}

ESCALATIONS = {
    "unanswered_call": N_("Call not answered in time"),
    "callback_overdue": N_("Callback overdue"),
    "breach": N_("Target breached"),
    "warning": N_("Target near its limit"),
    "level_up": N_("Level raised"),
    "tier": N_("Escalated"),
    "complaint": N_("Complaint"),
}

TIERS = {
    "engineer": N_("engineer"),
    "supervisor": N_("supervisor"),
    "manager": N_("manager"),
}

STATUSES = {
    "open": N_("open"),
    "restored": N_("restored"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}

#: Handling conditions a policy's variants know (a policy may name others: shown as named).
CONDITIONS = {
    "onsite": N_("on site"),
    "local": N_("site in our own city"),
    "remote": N_("site in another city or county"),
    "difficult": N_("difficult fault"),
    "manufacturer": N_("with the manufacturer"),
    "impaired": N_("service impaired"),
    "nms_crash": N_("network management down"),
    "on_request": N_("inspection on request"),
}

#: The fault categories a policy offers unless it lists its own (restore and resolve ask
#: for one; the reports count faults by it).
FAULT_CATEGORIES = {
    "hardware": N_("hardware"),
    "software": N_("software"),
    "power": N_("power"),
    "fibre_line": N_("fibre / line"),
    "configuration": N_("configuration"),
    "human_error": N_("human error"),
    "external": N_("external"),
    "other": N_("other"),
}

CALL_STATES = {
    "ringing": N_("ringing"),
    "answered": N_("answered"),
    "abandoned": N_("hung up"),
    "ended": N_("ended"),
}


def target(name: str) -> str:
    return _(TARGETS[name]) if name in TARGETS else name.replace("_", " ")


def kind(name: str) -> str:
    return _(KINDS[name]) if name in KINDS else name


def escalation(name: str) -> str:
    return _(ESCALATIONS[name]) if name in ESCALATIONS else name


def tier(name: str | None) -> str:
    if name is None:
        return ""
    return _(TIERS[name]) if name in TIERS else name


def condition(name: str) -> str:
    return _(CONDITIONS[name]) if name in CONDITIONS else name


def fault_category(name: str) -> str:
    """The category's name as shown (a policy's own category: its name, spaced)."""
    return _(FAULT_CATEGORIES[name]) if name in FAULT_CATEGORIES else name.replace("_", " ")


def call_state(name: str) -> str:
    return _(CALL_STATES[name]) if name in CALL_STATES else name


def status(name: str) -> str:
    return _(STATUSES[name]) if name in STATUSES else name

#: Why the desk withdrew a warning nobody acknowledged.
WITHDRAWN = {
    "met": N_("withdrawn: the target was met"),
    "breached": N_("withdrawn: the target is breached (see its breach)"),
    "cancelled": N_("withdrawn: the clock was cancelled"),
    "retimed": N_("withdrawn: the deadline changed"),
    "called_back": N_("withdrawn: the caller was called back"),
    "wrong_number": N_("withdrawn: the number called back was a wrong number"),
    "answered": N_("withdrawn: a later call from the number was answered"),
}


def withdrawn(reason: str | None) -> str:
    """Why a warning (or a missed call's escalation) was withdrawn, in words."""
    return _(WITHDRAWN[reason]) if reason in WITHDRAWN else _("withdrawn")
