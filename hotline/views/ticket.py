"""A ticket as its screen and its audit trail show it: clocks, level history, timeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline import display_names
from hotline.desk.steps import PaperworkDue, progress_of
from hotline.desk.ticket_lifecycle import (
    APPROVAL_METHODS,
    STEPS,
    allowed,
    refusal,
    step_label,
)
from hotline.desk.ticket_links import TicketLink, links_of, ticket_ref
from hotline.errors import NotFound
from hotline.humane import count
from hotline.i18n import N_, _, ngettext
from hotline.phones import known_form, try_parse_number
from hotline.sla import SlaEngine
from hotline.sla.limits import shown_limit
from hotline.store.models import (
    Attachment,
    Call,
    Contact,
    Contract,
    Customer,
    Event,
    SlaClock,
    Ticket,
)
from hotline.timefmt import short_datetime, span

OTHER_EVENTS = {
    "escalation_withdrawn": N_("Warning withdrawn"),
    "call_rang": N_("Call rang"),
    "call_answered": N_("Call answered"),
    "call_abandoned": N_("Caller hung up"),
    "call_ended": N_("Call ended without ticket"),
    "ticket_opened": N_("Ticket opened"),
    "level_changed": N_("Level changed by the SLA engine"),
    "escalation_raised": N_("Escalated"),
    "escalation_acknowledged": N_("Escalation acknowledged"),
    "escalation_reassigned": N_("Escalation reassigned"),
    "escalation_note": N_("Note on the escalation"),
    "penalty_scored": N_("Penalty points"),
    "call_added": N_("Repeat call added"),
    "ticket_linked": N_("Ticket linked"),
    "repeat_fault": N_("Same fault again within a year: resolution did not hold"),
    "ticket_merged": N_("Closed as a duplicate"),
    "ticket_merged_in": N_("Duplicate merged in"),
    "duty_planned": N_("Planned with the year's duties"),
}


def event_label(kind: str) -> str:
    if kind in STEPS:
        return step_label(kind)
    return _(OTHER_EVENTS[kind]) if kind in OTHER_EVENTS else kind.replace("_", " ")


def level_answers_detail(data: dict[str, Any]) -> str:
    """What the level questions proposed at intake, and the reason for another level."""
    proposed = data.get("proposed_level")
    if "answers" not in data:
        return ""
    if proposed is None:
        return " · " + _("level questions: no level proposed")
    if data.get("level_reason"):
        return " · " + _("level {proposed} proposed, {level} chosen: {reason}").format(
            proposed=proposed, level=data.get("level"), reason=data["level_reason"])
    return " · " + _("level {proposed} proposed and confirmed").format(proposed=proposed)


def _planned_text(value: object, tz: ZoneInfo) -> str:
    """A planned time as an event keeps it (ISO text), in the desk's zone; "—" without."""
    if not isinstance(value, str):
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def event_detail(kind: str, data: dict[str, Any], tz: ZoneInfo) -> str:
    """One line saying what the event's data holds, for people."""
    if kind == "call_rang":
        number = try_parse_number(str(data.get("number", "")))
        return (number.display if number else str(data.get("number", ""))) + (
            f" · {data['source']}" if data.get("source") else "")
    if kind in ("call_answered", "call_abandoned"):
        wait = data.get("wait_s")
        return _("after {duration}").format(
            duration=span(float(wait)) if isinstance(wait, int | float) else "?")
    if kind == "ticket_opened":
        lv = f" L{data['level']}" if data.get("level") else ""
        return (f"{display_names.kind(str(data.get('kind', '')))}{lv} · {data.get('policy', '')}/"
                f"{data.get('grade', '')} · {data.get('description', '')}"
                + level_answers_detail(data))
    if kind in ("remote_approved", "plan_approved", "restart_approved"):
        method = data.get("method", "")
        how = _(APPROVAL_METHODS[method]) if method in APPROVAL_METHODS else method
        text = _("by {who}, {how}").format(who=data.get("approver", ""), how=how)
        return text + (f" · {data['text']}" if data.get("text") else "")
    if kind == "remote_logout":
        lines = data.get("lines")
        text = _("command log attached ({n} lines)").format(
            n=count(lines) if isinstance(lines, int) else "?")
        return text + (f" · {data['file']}" if data.get("file") else "") + (
            f" · {data['text']}" if data.get("text") else "")
    if kind == "call_added":
        number = try_parse_number(str(data.get("caller", "")))
        shown = number.display if number else str(data.get("caller", ""))
        return shown + (f" · {data['text']}" if data.get("text") else "")
    if kind == "ticket_linked" and data.get("repeat"):
        if data.get("resolved_at"):
            return _("repeats {number}: the same equipment's fault resolved within a year"
                     ).format(number=data.get("other", ""))
        return _("repeated by {number}: the same equipment failed again within a year"
                 ).format(number=data.get("other", ""))
    if kind == "repeat_fault":
        return _("by {number}").format(number=data.get("by", ""))
    if kind == "ticket_linked":
        return _("linked to {number}").format(number=data.get("other", "")) + (
            f" · {data['text']}" if data.get("text") else "")
    if kind in ("ticket_merged", "ticket_merged_in"):
        calls = data.get("calls") or []
        text = (_("merged into {number}").format(number=data.get("into", ""))
                if kind == "ticket_merged"
                else _("{number} merged into this ticket").format(
                    number=data.get("duplicate", "")))
        text += " · " + ngettext("{n} call moved", "{n} calls moved", len(calls)).format(
            n=len(calls))
        return text + (f" · {data['text']}" if data.get("text") else "")
    if kind == "dispatched":
        return str(data.get("engineer_name") or data.get("engineer", "")) + (
            f" · {data['region']}" if data.get("region") else "") + (
            f" · {data['text']}" if data.get("text") else "")
    if kind == "region_set":
        return str(data.get("region", "")) + (
            f" ({data['zone']})" if data.get("zone") else "") + (
            f" · {data['text']}" if data.get("text") else "")
    if kind in ("restore", "resolve") and data.get("category"):
        parts = [display_names.fault_category(str(data["category"])),
                 _("cause: {text}").format(text=data.get("cause", "")),
                 _("solution: {text}").format(text=data.get("solution", ""))]
        return " · ".join(parts + ([str(data["text"])] if data.get("text") else []))
    if kind == "level_set":
        return f"L{data.get('from_level')} → L{data.get('level')} · {data.get('text', '')}"
    if kind == "conditions_set":
        return ", ".join(display_names.condition(str(c))
                         for c in data.get("conditions", [])) or "—"
    if kind == "level_changed":
        return f"L{data.get('from_level')} → L{data.get('to_level')}"
    if kind == "rescheduled":
        moved = " → ".join(_planned_text(data.get(k), tz) for k in ("from", "planned"))
        return moved + (f" · {data['text']}" if data.get("text") else "")
    if kind == "escalation_raised":
        what = display_names.escalation(str(data.get("kind", "")))
        tier = display_names.tier(data.get("tier")) if data.get("tier") else ""
        reason = display_names.target(str(data["reason"])) if data.get("reason") else ""
        return " · ".join(b for b in (what, tier, reason) if b)
    if kind == "escalation_withdrawn":
        return display_names.withdrawn(data.get("reason"))
    if kind == "escalation_acknowledged":
        return str(data.get("note", ""))
    if kind == "penalty_scored":
        return f"{data.get('rule', '')} {data.get('points', '')}"
    if kind in ("callback_promised", "callback_made"):
        return str(data.get("key", "")).replace("callback#", "#")
    return str(data.get("text", ""))


@dataclass(frozen=True)
class ClockView:
    key: str
    target: str
    limit: str
    level: int | None
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    state: str  # running | paused | met | late | cancelled
    met_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    at: datetime
    recorded_at: datetime
    actor: str
    kind: str
    label: str
    detail: str


@dataclass(frozen=True)
class TicketView:
    id: int
    number: str
    kind: str
    level: int | None
    initial_level: int | None
    status: str
    policy: str
    grade: str
    region: str | None
    conditions: tuple[str, ...]
    customer: str | None
    contact: str | None
    caller: str
    contract: str | None
    equipment: str | None
    site: str | None
    description: str
    opened_at: datetime
    opened_by: str
    assigned_to: str | None
    closed_at: datetime | None
    version: int
    clocks: list[ClockView]
    timeline: list[TimelineEntry]
    level_history: list[TimelineEntry]
    allowed: list[str]
    attachments: list[tuple[int, str, str]]  # id, kind, name
    #: Why each step that is not allowed now is not (the lifecycle's own words).
    refusals: dict[str, str] = field(default_factory=dict)
    links: tuple[TicketLink, ...] = ()  # linked tickets, merged into / from
    fault_category: str | None = None  # as given when restored or resolved
    cause: str | None = None
    solution: str | None = None
    planned_at: datetime | None = None  # a duty's planned time (the latest reschedule's)


@dataclass(frozen=True)
class AttachmentView:
    """A document on a ticket's record, with what it holds."""

    id: int
    ticket_number: str
    kind: str
    name: str
    added_at: datetime
    added_by: str
    content: str

    @property
    def title(self) -> str:
        kind = _("command log") if self.kind == "command_log" else self.kind
        return f"{kind} · {self.name}" if self.name else kind

    def file_name(self, tz: ZoneInfo) -> str:
        """The name it is saved under by default: ticket, kind, time and its own name."""
        stamp = self.added_at.astimezone(tz).strftime("%Y%m%d-%H%M%S")
        base = f"{self.ticket_number}-{self.kind.replace('_', '-')}-{stamp}"
        own = "".join(ch for ch in self.name if ch.isalnum() or ch in "._-")
        return f"{base}-{own}" if own else f"{base}.txt"


def find_ticket_id(engine: Engine, ref: str) -> int:
    """A ticket by its number (``261125-0001``) or its id."""
    ref = ticket_ref(ref)
    with Session(engine) as s:
        hit = s.exec(select(Ticket.id).where(Ticket.number == ref)).first()
        if hit is None and ref.isascii() and ref.isdigit():
            hit = s.exec(select(Ticket.id).where(Ticket.id == int(ref))).first()
    if hit is None:
        raise NotFound(_("There is no ticket {ref}.").format(ref=ref))
    return hit


def timeline(s: Session, ticket_id: int, tz: ZoneInfo) -> list[TimelineEntry]:
    call_ids = select(Call.id).where(Call.ticket_id == ticket_id)
    # the ticket's events, and those of its calls that belong to no ticket (a call moved
    # here from a merged duplicate brings its ringing, not the duplicate's opening)
    rows = s.exec(select(Event).where(sa.or_(col(Event.ticket_id) == ticket_id,
                                             sa.and_(col(Event.call_id).in_(call_ids),
                                                     col(Event.ticket_id).is_(None))))
                  .order_by(col(Event.at), col(Event.id))).all()
    out = []
    for ev in rows:
        assert ev.id is not None
        data = json.loads(ev.data or "{}")
        out.append(TimelineEntry(event_id=ev.id, at=ev.at, recorded_at=ev.recorded_at,
                                 actor=ev.actor, kind=ev.kind, label=event_label(ev.kind),
                                 detail=event_detail(ev.kind, data, tz)))
    return out


def load_ticket(engine: Engine, ticket_id: int, now: datetime, tz: ZoneInfo,
                sla: SlaEngine | None = None) -> TicketView:
    """The ticket as the screen shows it; with ``sla``, the steps its policy's approvals
    allow (a plan carried out, a restart) are those the desk would accept."""
    with Session(engine) as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        customer = s.get(Customer, ticket.customer_id) if ticket.customer_id else None
        contact = s.get(Contact, ticket.contact_id) if ticket.contact_id else None
        contract = s.get(Contract, ticket.contract_id) if ticket.contract_id else None
        clocks = s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id)
                        .order_by(col(SlaClock.due_at), col(SlaClock.id))).all()
        entries = timeline(s, ticket_id, tz)
        attachments = s.exec(select(Attachment.id, Attachment.kind, Attachment.name)
                             .where(Attachment.ticket_id == ticket_id)).all()
        progress = progress_of(s, ticket, sla)
        number = known_form(ticket.caller_number) if ticket.caller_number else None
        return TicketView(
            id=ticket_id, number=ticket.number, kind=ticket.kind, level=ticket.level,
            initial_level=ticket.initial_level, status=ticket.status, policy=ticket.policy,
            grade=ticket.grade, region=ticket.region,
            conditions=tuple(c for c in ticket.conditions.split(",") if c),
            customer=customer.name if customer else None,
            contact=contact.name if contact else ticket.caller_name,
            caller=number.display if number else (ticket.caller_number or ""),
            contract=contract.code if contract else None, equipment=ticket.equipment,
            site=ticket.site, description=ticket.description, opened_at=ticket.opened_at,
            opened_by=ticket.opened_by, assigned_to=ticket.assigned_to,
            closed_at=ticket.closed_at, version=ticket.version,
            clocks=[ClockView(key=c.key, target=c.target, limit=shown_limit(c.limit_text),
                              level=c.level,
                              started_at=c.started_at, due_at=c.due_at, warn_at=c.warn_at,
                              state=c.state, met_at=c.met_at, breached_at=c.breached_at)
                    for c in clocks],
            timeline=entries,
            level_history=[e for e in entries if e.kind in ("level_set", "level_changed",
                                                             "ticket_opened")],
            allowed=allowed(progress, now, tz),
            refusals={step: why for step in STEPS
                      if (why := refusal(progress, step, now, tz)) is not None},
            attachments=[(a_id, kind, name) for a_id, kind, name in attachments if a_id],
            links=tuple(links_of(s, ticket_id)),
            fault_category=ticket.fault_category, cause=ticket.cause, solution=ticket.solution,
            planned_at=ticket.planned_at,
        )


def attachments_of(engine: Engine, ticket_id: int) -> list[AttachmentView]:
    """Every document of the ticket, oldest first, with its content."""
    with Session(engine) as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        rows = s.exec(select(Attachment).where(Attachment.ticket_id == ticket_id)
                      .order_by(col(Attachment.id))).all()
        return [AttachmentView(id=a.id or 0, ticket_number=ticket.number, kind=a.kind,
                               name=a.name, added_at=a.added_at, added_by=a.added_by,
                               content=a.content) for a in rows]


def attachment_text(engine: Engine, attachment_id: int) -> str:
    with Session(engine) as s:
        a = s.get(Attachment, attachment_id)
        if a is None:
            raise NotFound(_("There is no attachment {id}.").format(id=attachment_id))
        return a.content


def audit_lines(engine: Engine, ticket_id: int, tz: ZoneInfo) -> list[str]:
    """The ticket's trail as text lines: when, who, what, details (for ``hotline audit``)."""
    with Session(engine) as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        entries = timeline(s, ticket_id, tz)
    lines = [_("Ticket {number} · {kind} · opened {time} by {who}").format(
        number=ticket.number, kind=display_names.kind(ticket.kind),
        time=ticket.opened_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        who=ticket.opened_by)]
    for e in entries:
        when = e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        late = ""
        if (e.recorded_at - e.at).total_seconds() > 60:
            late = " " + _("(recorded {time})").format(time=e.recorded_at.astimezone(tz)
                                                      .strftime("%m-%d %H:%M"))
        detail = f" — {e.detail}" if e.detail else ""
        lines.append(f"{when}  {e.actor:<12} {e.label}{detail}{late}")
    return lines


def paperwork_text(items: Sequence[PaperworkDue], tz: ZoneInfo, now: datetime) -> str:
    """``Paperwork still due: Handling form by 11-27 12:00; …`` (empty when none is)."""
    if not items:
        return ""
    parts = []
    for item in items:
        when = short_datetime(item.due_at, tz, now)
        if item.breached:
            parts.append(_("{document} overdue since {time}").format(document=item.label,
                                                                     time=when))
        else:
            parts.append(_("{document} by {time}").format(document=item.label, time=when))
    return _("Paperwork still due: {items}.").format(items="; ".join(parts))
