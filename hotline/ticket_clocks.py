"""A ticket's clocks, escalations and penalties, kept in step with the SLA engine.

The engine is pure: given the ticket's facts and the events that happened to
it, it says what every target's state is at a moment, which escalations and
penalties that history produces and when the answer may change next. Here
that answer is written down: clock rows are updated by their key, and
escalations and penalties are inserted once each, keyed by ticket and the
engine's stable key, with their real time. Evaluating again (later, from
another seat, after a restart) therefore adds nothing twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from hotline.models import Clock, Escalation, Event, Penalty, Ticket
from hotline.sla import SlaEvent, TargetState, TicketFacts

if TYPE_CHECKING:
    from hotline.desk import Desk

#: Event kinds of the desk that the SLA engine reads, by engine event name.
SLA_EVENT_KINDS = {
    "remote_requested": "remote_requested",
    "dispatched": "dispatched",
    "written_complaint": "written_complaint",
    "unauthorised_operation": "unauthorised_operation",
    "thanks_letter": "thanks_letter",
    "callback_promised": "callback_promised",
    "callback_made": "callback_made",
    "remote_response": "remote_response",
    "depart": "depart",
    "onsite_arrival": "onsite_arrival",
    "restore": "restore",
    "resolve": "resolve",
    "handling_form": "handling_form",
    "analysis_report": "analysis_report",
    "consultation_answered": "consultation_answered",
    "complaint_answered": "complaint_answered",
    "clock_paused": "pause",
    "clock_resumed": "resume",
    "escalation_acknowledged": "acknowledge",
    "level_set": "level_set",
    "ticket_closed": "closed",
    "ticket_reopened": "reopened",
}

BREACH_KIND = {"callback": "callback_overdue"}


def sla_facts(ticket: Ticket) -> TicketFacts:
    conditions = frozenset(c for c in ticket.conditions.split(",") if c)
    return TicketFacts(policy=ticket.policy, grade=ticket.grade, level=_initial_level(ticket),
                       kind=ticket.kind, region=ticket.region, opened_at=ticket.opened_at,
                       conditions=conditions)


def _initial_level(ticket: Ticket) -> int | None:
    return ticket.initial_level if ticket.initial_level is not None else ticket.level


def sla_events(s: Session, ticket_id: int) -> list[SlaEvent]:
    rows = s.exec(select(Event).where(Event.ticket_id == ticket_id,
                                      col(Event.kind).in_(list(SLA_EVENT_KINDS)))
                  .order_by(col(Event.at), col(Event.id))).all()
    out: list[SlaEvent] = []
    for ev in rows:
        data = json.loads(ev.data or "{}")
        out.append(SlaEvent(name=SLA_EVENT_KINDS[ev.kind], at=ev.at, key=data.get("key"),
                            level=data.get("level")))
    return out


def evaluate_ticket(s: Session, desk: Desk, ticket: Ticket, now: datetime) -> None:
    """Bring the ticket's clock, escalation and penalty rows in line with the engine."""
    assert ticket.id is not None
    s.flush()
    evaluation = desk.sla.evaluate(sla_facts(ticket), sla_events(s, ticket.id), now)
    clocks = {c.key: c for c in s.exec(select(Clock).where(Clock.ticket_id == ticket.id)).all()}
    for t in evaluation.targets:
        if (t.state == "pending" or t.due_at is None or t.started_at is None
                or t.warn_at is None or t.limit is None):
            continue
        row = clocks.get(t.key)
        if row is None:
            row = Clock(ticket_id=ticket.id, key=t.key, target=t.name, started_at=t.started_at,
                        due_at=t.due_at, warn_at=t.warn_at)
        row.level = t.level
        row.limit_text = str(t.limit)
        row.started_at = t.started_at
        row.due_at = t.due_at
        row.warn_at = t.warn_at
        row.met_at = t.done_at  # when its event happened, in time or late
        row.breached_at = t.breached_at
        row.paused_s = int(t.paused_for.total_seconds())
        row.state = _row_state(t)
        s.add(row)
        s.flush()
        clocks[t.key] = row
        if t.breached_at is not None:
            _raise(s, desk, ticket, key=f"breach:{t.key}:{t.breached_at.isoformat()}",
                   kind=BREACH_KIND.get(t.name, "breach"), tier="engineer", at=t.breached_at,
                   due=t.breached_at, clock=row, reason=t.name, from_level=t.level,
                   to_level=t.level)
    for step in evaluation.escalations:
        _raise(s, desk, ticket, key=step.key,
               kind="level_up" if step.tier is None else "tier",
               tier=step.tier, at=step.at, due=None, clock=clocks.get(step.target or ""),
               reason=step.reason, from_level=step.from_level, to_level=step.to_level)
    for p in evaluation.penalties:
        key = f"t{ticket.id}:{p.key}"
        if s.exec(select(Penalty.id).where(Penalty.key == key)).first() is None:
            s.add(Penalty(key=key, rule=p.rule, points=p.points, at=p.at, ticket_id=ticket.id,
                          contract_id=ticket.contract_id, description=p.description))
            desk._event(s, "penalty_scored", p.at, ticket_id=ticket.id, actor="system",
                        rule=p.rule, points=p.points)
    if evaluation.level != ticket.level:
        desk._event(s, "level_changed", now, ticket_id=ticket.id, actor="system",
                    from_level=ticket.level, to_level=evaluation.level)
        ticket.level = evaluation.level
    ticket.next_check_at = evaluation.next_change_at
    s.add(ticket)


def _row_state(t: TargetState) -> str:
    """The stored lifecycle state: running | paused | met | late | cancelled.

    Warning and breached are not stored states of a running clock: they follow
    from ``warn_at``/``due_at`` and the time of looking.
    """
    if t.state == "cancelled":
        return "cancelled"
    if t.done_at is not None:
        return "met" if t.met_at is not None else "late"
    if t.state == "paused":
        return "paused"
    return "running"


def _raise(s: Session, desk: Desk, ticket: Ticket, *, key: str, kind: str, tier: str | None,
           at: datetime, due: datetime | None, clock: Clock | None, reason: str,
           from_level: int | None, to_level: int | None) -> None:
    full_key = f"t{ticket.id}:{key}"
    if s.exec(select(Escalation.id).where(Escalation.key == full_key)).first() is not None:
        return
    esc = Escalation(key=full_key, kind=kind, tier=tier, ticket_id=ticket.id,
                     clock_id=clock.id if clock else None, raised_at=at, due_at=due,
                     from_level=from_level, to_level=to_level, reason=reason)
    s.add(esc)
    s.flush()
    desk._event(s, "escalation_raised", at, ticket_id=ticket.id, escalation_id=esc.id,
                actor="system", kind=kind, tier=tier, reason=reason)
