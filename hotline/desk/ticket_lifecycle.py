"""What may happen to a ticket next, and what must come first.

A ticket's history (its events, in the order they were recorded) is replayed
into a :class:`Progress`; :func:`refusal` says why a step cannot be taken now
(in words that name the step to take first), or None when it can. Pure: no
database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline import display_names
from hotline.i18n import N_, _
from hotline.timefmt import local

#: Every step a person records on a ticket: event kind → (label, ticket kinds or None for all).
STEPS: dict[str, tuple[str, frozenset[str] | None]] = {
    "guidance_note": (N_("Phone guidance given"), None),
    "note": (N_("Note"), None),
    "callback_promised": (N_("Callback promised"), None),
    "callback_made": (N_("Called back"), None),
    "consultation_answered": (N_("Consultation answered"), frozenset({"consultation"})),
    "complaint_answered": (N_("Complaint answered"), frozenset({"complaint"})),
    "remote_requested": (N_("Remote support requested"), frozenset({"fault"})),
    "remote_approved": (N_("Customer approved remote access"), frozenset({"fault"})),
    "remote_response": (N_("Remote login"), frozenset({"fault"})),
    "remote_logout": (N_("Remote logout (command log attached)"), frozenset({"fault"})),
    "dispatched": (N_("Engineer dispatched on site"), frozenset({"fault"})),
    "depart": (N_("Engineer departed"), frozenset({"fault"})),
    "onsite_arrival": (N_("Engineer arrived on site"), frozenset({"fault"})),
    "service_request_signed": (N_("Technical-service request signed"), frozenset({"fault"})),
    "left_site": (N_("Engineer left the site"), frozenset({"fault"})),
    "part_lent": (N_("Spare part lent"), frozenset({"fault"})),
    "part_returned": (N_("Spare part returned"), frozenset({"fault"})),
    "restore": (N_("Service restored"), frozenset({"fault"})),
    "resolve": (N_("Fault resolved"), frozenset({"fault"})),
    "handling_form": (N_("Handling form submitted"), frozenset({"fault"})),
    "analysis_report": (N_("Analysis report submitted"), frozenset({"fault"})),
    "clock_paused": (N_("Clocks paused"), None),
    "clock_resumed": (N_("Clocks resumed"), None),
    "level_set": (N_("Level changed"), frozenset({"fault"})),
    "conditions_set": (N_("Handling conditions changed"), None),
    "written_complaint": (N_("Verified written complaint"), None),
    "unauthorised_operation": (N_("Unauthorised operation"), None),
    "thanks_letter": (N_("Letter of thanks"), None),
    "ticket_closed": (N_("Ticket closed"), None),
    "ticket_reopened": (N_("Ticket reopened"), None),
    # contract duties (hotline.duties.kinds)
    "rescheduled": (N_("Rescheduled (new planned date)"),
                    frozenset({"inspection", "meeting", "number_change"})),
    "inspected": (N_("Inspection carried out"), frozenset({"inspection"})),
    "inspection_report": (N_("Inspection report sent"), frozenset({"inspection"})),
    "upgrade_responded": (N_("Upgrade request confirmed"), frozenset({"upgrade_request"})),
    "upgrade_applied": (N_("Upgrade application submitted"), frozenset({"upgrade_request"})),
    "upgrade_done": (N_("Upgrade carried out"), frozenset({"upgrade_request"})),
    "spares_upgraded": (N_("Spare parts upgraded"), frozenset({"upgrade_request"})),
    "document_delivered": (N_("Documents delivered"), frozenset({"document_request"})),
    "meeting_notice": (N_("Meeting notice received"), frozenset({"meeting"})),
    "meeting_confirmed": (N_("Meeting arrangements confirmed"), frozenset({"meeting"})),
    "meeting_held": (N_("Meeting held"), frozenset({"meeting"})),
    "item_raised": (N_("Item raised at the meeting"), frozenset({"meeting"})),
    "item_replied": (N_("Meeting item answered"), frozenset({"meeting"})),
    "service_report_sent": (N_("Service report sent"), frozenset({"service_report"})),
    "number_change_notified": (N_("Number change notified in writing"),
                               frozenset({"number_change"})),
}

#: Duty steps recorded once each, and the step each needs first (None: nothing).
DUTY_ONCE: dict[str, str | None] = {
    "inspected": None,
    "inspection_report": "inspected",
    "upgrade_responded": None,
    "upgrade_applied": "upgrade_responded",
    "upgrade_done": "upgrade_applied",
    "spares_upgraded": "upgrade_done",
    "document_delivered": None,
    "meeting_notice": None,
    "meeting_confirmed": None,
    "meeting_held": None,
    "service_report_sent": None,
    "number_change_notified": None,
}

#: What a duty needs before it is closed: the step that does the duty.
DUTY_DONE = {"inspection": "inspected", "upgrade_request": "upgrade_responded",
             "document_request": "document_delivered", "meeting": "meeting_held",
             "service_report": "service_report_sent", "number_change": "number_change_notified"}

#: The step that does the work a reschedule moves (no moving it once done).
_RESCHEDULE_ENDS = {"inspection": "inspected", "meeting": "meeting_held",
                    "number_change": "number_change_notified"}

APPROVAL_METHODS = {"written": N_("written form"), "email": N_("e-mail"), "fax": N_("fax")}


def step_label(kind: str) -> str:
    return _(STEPS[kind][0]) if kind in STEPS else kind.replace("_", " ")


@dataclass
class Progress:
    """Where a ticket stands, replayed from its history."""

    kind: str
    closed: bool = False
    restored_at: datetime | None = None
    resolved_at: datetime | None = None
    remote: str = "none"  # none | requested | approved | logged_in
    remote_at: datetime | None = None  # time of the remote track's last step
    onsite: str = "none"  # none | dispatched | departed | arrived
    onsite_at: datetime | None = None
    signed: bool = False
    parts_out: int = 0
    answered: bool = False  # consultation / complaint answered
    callbacks_open: int = 0
    handling_form: bool = False
    analysis_report: bool = False
    paused: bool = False
    duty_done: set[str] = field(default_factory=set)  # duty steps recorded (once each)
    items_open: int = 0  # meeting items raised and not yet answered
    merged: bool = False  # merged into another ticket: closed for good
    last_at: dict[str, datetime] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """The ticket's status column: open | restored | resolved | closed."""
        if self.closed:
            return "closed"
        if self.resolved_at is not None:
            return "resolved"
        if self.restored_at is not None:
            return "restored"
        return "open"


def replay(kind: str, history: Iterable[tuple[str, datetime]]) -> Progress:
    """Replay (event kind, time) pairs in recorded order."""
    p = Progress(kind=kind)
    for what, at in history:
        apply(p, what, at)
    return p


def apply(p: Progress, what: str, at: datetime) -> None:
    p.last_at[what] = at
    if what == "remote_requested":
        p.remote, p.remote_at = "requested", at
    elif what == "remote_approved":
        p.remote, p.remote_at = "approved", at
    elif what == "remote_response":
        p.remote, p.remote_at = "logged_in", at
    elif what == "remote_logout":
        p.remote, p.remote_at = "none", at
    elif what == "dispatched":
        p.onsite, p.onsite_at, p.signed = "dispatched", at, False
    elif what == "depart":
        p.onsite, p.onsite_at = "departed", at
    elif what == "onsite_arrival":
        p.onsite, p.onsite_at = "arrived", at
    elif what == "service_request_signed":
        p.signed = True
    elif what == "left_site":
        p.onsite, p.onsite_at = "none", at
    elif what == "part_lent":
        p.parts_out += 1
    elif what == "part_returned":
        p.parts_out = max(0, p.parts_out - 1)
    elif what == "restore":
        p.restored_at = at
    elif what == "resolve":
        p.resolved_at = at
        p.restored_at = p.restored_at or at
    elif what == "handling_form":
        p.handling_form = True
    elif what == "analysis_report":
        p.analysis_report = True
    elif what in ("consultation_answered", "complaint_answered"):
        p.answered = True
    elif what == "callback_promised":
        p.callbacks_open += 1
    elif what == "callback_made":
        p.callbacks_open = max(0, p.callbacks_open - 1)
    elif what in DUTY_ONCE:
        p.duty_done.add(what)
    elif what == "item_raised":
        p.items_open += 1
    elif what == "item_replied":
        p.items_open = max(0, p.items_open - 1)
    elif what == "clock_paused":
        p.paused = True
    elif what == "clock_resumed":
        p.paused = False
    elif what == "ticket_closed":
        p.closed = True
    elif what == "ticket_merged":
        p.closed = p.merged = True
    elif what == "ticket_reopened":
        p.closed = False
        p.restored_at = p.resolved_at = None
        p.answered = False


def _hm(at: datetime | None, tz: ZoneInfo) -> str:
    """``MM-DD HH:MM`` in the desk's zone (times are stored in UTC)."""
    return local(at, tz).strftime("%m-%d %H:%M") if at else "?"


def refusal(p: Progress, what: str, at: datetime, tz: ZoneInfo) -> str | None:
    """Why ``what`` cannot be recorded at ``at`` now, or None if it can.

    ``tz``: the desk's zone, in which the message shows the times it names.
    """
    if what not in STEPS:
        return _("Unknown step {step!r}.").format(step=what)
    kinds = STEPS[what][1]
    if kinds is not None and p.kind not in kinds:
        return _("“{step}” does not apply to a {kind} ticket.").format(
            step=step_label(what), kind=display_names.kind(p.kind).lower())
    # Paperwork due after a duty is done is recorded on the closed ticket too.
    always = {"note", "guidance_note", "ticket_reopened", "written_complaint",
              "unauthorised_operation", "thanks_letter", "part_returned",
              "inspection_report", "spares_upgraded", "item_replied"}
    if p.merged:
        return _("The ticket was merged into another ticket: record steps there.")
    if p.closed and what not in always:
        return _("The ticket is closed: reopen it first.")
    order_msg = _("{step} ({time}) cannot be before {before} ({before_time}).")

    def not_before(before: str, before_at: datetime | None) -> str | None:
        if before_at is not None and at < before_at:
            return order_msg.format(step=step_label(what), time=_hm(at, tz),
                                    before=step_label(before), before_time=_hm(before_at, tz))
        return None

    if what == "remote_requested":
        if p.remote == "logged_in":
            return _("A remote session is still open: record the logout first.")
        if p.remote in ("requested", "approved"):
            return _("Remote support is already requested.")
        return None
    if what == "remote_approved":
        if p.remote == "none":
            return _("Record that remote support was requested first.")
        if p.remote != "requested":
            return _("The customer's approval is already recorded.")
        return not_before("remote_requested", p.remote_at)
    if what == "remote_response":
        if p.remote == "none":
            return _("Remote login refused: request remote support and record the customer's "
                     "approval (who, how, when) first.")
        if p.remote == "requested":
            return _("Remote login refused: the customer has not approved remote access yet. "
                     "Record who approved it, how (written form, e-mail or fax) and when, first.")
        if p.remote == "logged_in":
            return _("A remote session is already open.")
        return not_before("remote_approved", p.remote_at)
    if what == "remote_logout":
        if p.remote != "logged_in":
            return _("No remote session is open.")
        return not_before("remote_response", p.remote_at)
    if what == "dispatched":
        if p.onsite in ("dispatched", "departed", "arrived"):
            return _("An engineer is already dispatched; record that they left the site first.")
        return None
    if what == "depart":
        if p.onsite != "dispatched":
            return (_("Dispatch an engineer first.") if p.onsite == "none"
                    else _("The engineer has already departed."))
        return not_before("dispatched", p.onsite_at)
    if what == "onsite_arrival":
        if p.onsite != "departed":
            return (_("Record the engineer's departure first.")
                    if p.onsite in ("none", "dispatched")
                    else _("The engineer is already on site."))
        return not_before("depart", p.onsite_at)
    if what == "service_request_signed":
        if p.onsite != "arrived":
            return _("The technical-service request is signed on site: record the arrival first.")
        if p.signed:
            return _("The technical-service request is already signed.")
        return not_before("onsite_arrival", p.onsite_at)
    if what == "left_site":
        if p.onsite != "arrived":
            return _("The engineer is not on site: record the arrival first.")
        return not_before("onsite_arrival", p.onsite_at)
    duty = _duty_refusal(p, what, at, tz)
    if duty is not None:
        return duty
    if what == "part_returned" and p.parts_out == 0:
        return _("No spare part is out on loan for this ticket.")
    if what == "restore":
        if p.restored_at is not None:
            return _("Service was already restored ({time}).").format(time=_hm(p.restored_at, tz))
        return None
    if what == "resolve":
        if p.resolved_at is not None:
            return _("The fault was already resolved ({time}).").format(time=_hm(p.resolved_at, tz))
        return not_before("restore", p.restored_at)
    if what in ("handling_form", "analysis_report"):
        if p.restored_at is None:
            return _("{step} follows the restoration: record that service was restored first."
                     ).format(step=step_label(what))
        done = p.handling_form if what == "handling_form" else p.analysis_report
        if done:
            return _("{step} is already recorded.").format(step=step_label(what))
        return not_before("restore", p.restored_at)
    if what in ("consultation_answered", "complaint_answered") and p.answered:
        return _("It is already answered.")
    if what == "callback_made" and p.callbacks_open == 0:
        return _("No callback is waiting.")
    if what == "clock_paused" and p.paused:
        return _("The clocks are already paused.")
    if what == "clock_resumed" and not p.paused:
        return _("The clocks are not paused.")
    if what == "ticket_closed":
        return _close_refusal(p)
    if what == "ticket_reopened" and not p.closed:
        return _("The ticket is not closed.")
    return None


def _duty_refusal(p: Progress, what: str, at: datetime, tz: ZoneInfo) -> str | None:
    if what in DUTY_ONCE:
        if what in p.duty_done:
            return _("{step} is already recorded.").format(step=step_label(what))
        first = DUTY_ONCE[what]
        if first is not None and first not in p.duty_done:
            return _("Record “{first}” first.").format(first=step_label(first))
        if first is not None:
            before = p.last_at.get(first)
            if before is not None and at < before:
                return _("{step} ({time}) cannot be before {before} ({before_time}).").format(
                    step=step_label(what), time=_hm(at, tz), before=step_label(first),
                    before_time=_hm(before, tz))
        return None
    if what == "rescheduled":
        ends = _RESCHEDULE_ENDS.get(p.kind)
        if ends is not None and ends in p.duty_done:
            return _("“{step}” is already recorded: there is nothing left to reschedule."
                     ).format(step=step_label(ends))
        return None
    if what == "item_raised" and "meeting_held" not in p.duty_done:
        return _("Items are raised at the meeting: record that it was held first.")
    if what == "item_replied" and p.items_open == 0:
        return _("No item raised at the meeting is waiting for an answer.")
    return None


def _close_refusal(p: Progress) -> str | None:
    done = DUTY_DONE.get(p.kind)
    if done is not None and done not in p.duty_done:
        return _("Record “{step}” before closing.").format(step=step_label(done))
    if p.kind == "fault" and p.resolved_at is None:
        return _("A fault is closed once resolved: record the resolution first.")
    if p.kind == "consultation" and not p.answered:
        return _("Record the answer to the consultation first.")
    if p.kind == "complaint" and not p.answered:
        return _("Record the answer to the complaint first.")
    if p.remote == "logged_in":
        return _("A remote session is still open: record the logout first.")
    if p.onsite in ("dispatched", "departed", "arrived"):
        return _("An engineer is still dispatched or on site: record that they left first.")
    if p.paused:
        return _("The clocks are paused: resume them before closing.")
    return None


def allowed(p: Progress, at: datetime, tz: ZoneInfo) -> list[str]:
    """The steps that can be recorded now, in the order of :data:`STEPS`."""
    return [s for s in STEPS if refusal(p, s, at, tz) is None]
