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
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from hotline.desk.escalation_raising import SYSTEM, engine_key, raise_escalation, subject_key
from hotline.sla import Evaluation, PenaltyEntry, SlaEngine, SlaEvent, TargetState, TicketFacts
from hotline.store.models import Escalation, Event, Penalty, SlaClock, Ticket
from hotline.store.transaction import Transaction

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
    # a duplicate merged into another ticket: its clocks stop as on a close
    "ticket_merged": "closed",
    "ticket_reopened": "reopened",
    # contract duties (hotline.duties)
    "part_lent": "part_lent",
    "part_returned": "part_returned",
    "rescheduled": "rescheduled",
    "inspected": "inspected",
    "inspection_report": "inspection_report",
    "upgrade_responded": "upgrade_responded",
    "upgrade_applied": "upgrade_applied",
    "upgrade_done": "upgrade_done",
    "spares_upgraded": "spares_upgraded",
    "document_delivered": "document_delivered",
    "meeting_notice": "meeting_notice",
    "meeting_confirmed": "meeting_confirmed",
    "meeting_held": "meeting_held",
    "item_raised": "item_raised",
    "item_replied": "item_replied",
    "service_report_sent": "service_report_sent",
    "number_change_notified": "number_change_notified",
}

BREACH_KIND = {"callback": "callback_overdue"}

#: Targets whose warning share raises no escalation (a callback's is only coloured).
NO_WARNING_TARGETS = frozenset({"callback"})



def warning_key(clock_key: str, due_at: datetime) -> str:
    """One warning per deadline of a clock (a re-timed clock warns again)."""
    return f"warn:{clock_key}:{due_at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def sla_facts(ticket: Ticket, first_planned: datetime | None = None) -> TicketFacts:
    """The ticket's facts; ``first_planned``: its planned time before any ``rescheduled``
    (the events move it on from there); None: the ticket's own."""
    conditions = frozenset(c for c in ticket.conditions.split(",") if c)
    return TicketFacts(policy=ticket.policy, grade=ticket.grade, level=_initial_level(ticket),
                       kind=ticket.kind, region=ticket.region, opened_at=ticket.opened_at,
                       conditions=conditions,
                       planned_at=first_planned if first_planned else ticket.planned_at)


def first_planned(s: Session, ticket_id: int) -> datetime | None:
    """The planned time the ticket had before its first ``rescheduled`` (None: never moved)."""
    ev = s.exec(select(Event).where(Event.ticket_id == ticket_id, Event.kind == "rescheduled")
                .order_by(col(Event.at), col(Event.id)).limit(1)).first()
    if ev is None:
        return None
    return _instant(json.loads(ev.data or "{}").get("from"))


def _instant(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


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
                            level=data.get("level"), planned=_instant(data.get("planned"))))
    return out


@dataclass(frozen=True)
class ClockPlan:
    key: str
    target: str
    level: int | None
    limit_text: str
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    met_at: datetime | None
    breached_at: datetime | None
    paused_s: int
    state: str
    optional: bool = False  # a deadline for something that may not happen


@dataclass(frozen=True)
class EscalationPlan:
    key: str  # unique within the ticket
    kind: str
    tier: str | None
    at: datetime
    due: datetime | None
    clock_key: str | None
    reason: str
    from_level: int | None
    to_level: int | None
    acknowledged_at: datetime | None = None  # a chain alert already acknowledged with another


@dataclass(frozen=True)
class Plan:
    """The rows an evaluation stands for (pure; see :func:`plan_rows`)."""

    clocks: list[ClockPlan]
    escalations: list[EscalationPlan]
    penalties: list[PenaltyEntry]
    level: int | None
    level_changed_at: datetime | None
    next_check_at: datetime | None

    def next_deadline(self) -> ClockPlan | None:
        """The soonest running deadline other than a callback (the work list's row)."""
        running = [c for c in self.clocks
                   if c.state in ("running", "paused") and c.target != "callback"
                   and not c.optional]
        return min(running, key=lambda c: (c.due_at, c.key)) if running else None


def plan_rows(evaluation: Evaluation) -> Plan:
    """Clock, escalation and penalty rows for an evaluation: every started target is a
    clock; every breach, level upgrade and tier alert is an escalation."""
    clocks: list[ClockPlan] = []
    escalations: list[EscalationPlan] = []
    for t in evaluation.targets:
        if (t.state == "pending" or t.due_at is None or t.started_at is None
                or t.warn_at is None or t.limit is None):
            continue
        clocks.append(ClockPlan(
            key=t.key, target=t.name, level=t.level, limit_text=str(t.limit),
            started_at=t.started_at, due_at=t.due_at, warn_at=t.warn_at,
            met_at=t.done_at,  # when its event happened, in time or late
            breached_at=t.breached_at, paused_s=int(t.paused_for.total_seconds()),
            state=_row_state(t), optional=t.optional))
        if t.state == "warning" and t.name not in NO_WARNING_TARGETS:
            escalations.append(EscalationPlan(
                key=warning_key(t.key, t.due_at), kind="warning", tier="engineer",
                at=t.warn_at, due=t.due_at, clock_key=t.key, reason=t.name,
                from_level=t.level, to_level=t.level))
        if t.breached_at is not None:
            escalations.append(EscalationPlan(
                key=f"breach:{t.key}:{t.breached_at.isoformat()}",
                kind=BREACH_KIND.get(t.name, "breach"), tier="engineer", at=t.breached_at,
                due=t.breached_at, clock_key=t.key, reason=t.name, from_level=t.level,
                to_level=t.level))
    level_changed_at = None
    for step in evaluation.escalations:
        escalations.append(EscalationPlan(
            key=step.key, kind="level_up" if step.tier is None else "tier", tier=step.tier,
            at=step.at, due=None, clock_key=step.target or None, reason=step.reason,
            from_level=step.from_level, to_level=step.to_level,
            acknowledged_at=step.acknowledged_at if step.tier is not None else None))
        if step.tier is None:
            level_changed_at = max(level_changed_at or step.at, step.at)
    return Plan(clocks=clocks, escalations=escalations, penalties=list(evaluation.penalties),
                level=evaluation.level, level_changed_at=level_changed_at,
                next_check_at=evaluation.next_change_at)


def evaluate_ticket(tx: Transaction, sla: SlaEngine, ticket: Ticket) -> None:
    """Bring the ticket's clock, escalation and penalty rows in line with the engine, now."""
    assert ticket.id is not None
    s = tx.session
    now = tx.now
    s.flush()
    facts = sla_facts(ticket, first_planned(s, ticket.id))
    plan = plan_rows(sla.evaluate(facts, sla_events(s, ticket.id), now))
    clocks = {c.key: c for c in s.exec(
        select(SlaClock).where(SlaClock.ticket_id == ticket.id)).all()}
    for c in plan.clocks:
        row = clocks.get(c.key)
        if row is None:
            row = SlaClock(ticket_id=ticket.id, key=c.key, target=c.target,
                           started_at=c.started_at, due_at=c.due_at, warn_at=c.warn_at)
        changed = (row.id is None or row.level != c.level or row.limit_text != c.limit_text
                   or row.started_at != c.started_at or row.due_at != c.due_at
                   or row.warn_at != c.warn_at or row.met_at != c.met_at
                   or row.breached_at != c.breached_at or row.paused_s != c.paused_s
                   or row.state != c.state)
        if changed:
            row.level, row.limit_text = c.level, c.limit_text
            row.started_at, row.due_at, row.warn_at = c.started_at, c.due_at, c.warn_at
            row.met_at, row.breached_at = c.met_at, c.breached_at
            row.paused_s, row.state = c.paused_s, c.state
            s.add(row)
            clocks[c.key] = row
    s.flush()
    existing = {engine_key(e.key): e for e in s.exec(select(Escalation).where(
        Escalation.ticket_id == ticket.id)).all()}
    for e in plan.escalations:
        if e.key in existing:
            continue
        clock = clocks.get(e.clock_key or "")
        raise_escalation(tx, e.key, kind=e.kind, tier=e.tier, at=e.at, ticket_id=ticket.id,
                         clock_id=clock.id if clock else None, due_at=e.due,
                         from_level=e.from_level, to_level=e.to_level, reason=e.reason,
                         acknowledged_at=e.acknowledged_at,
                         event={"tier": e.tier, "reason": e.reason})
    _withdraw_warnings(tx, ticket, plan, existing)
    scored = {engine_key(key) for key in s.exec(
        select(Penalty.key).where(Penalty.ticket_id == ticket.id)).all()}
    for p in plan.penalties:
        if p.key in scored:
            continue
        s.add(Penalty(key=subject_key(p.key, ticket_id=ticket.id), rule=p.rule,
                      points=p.points, at=p.at, ticket_id=ticket.id,
                      contract_id=ticket.contract_id, description=p.description))
        tx.record_event("penalty_scored", p.at, ticket_id=ticket.id, actor=SYSTEM,
                        rule=p.rule, points=p.points)
    if plan.level != ticket.level:
        tx.record_event("level_changed", plan.level_changed_at or now, ticket_id=ticket.id,
                        actor=SYSTEM, from_level=ticket.level, to_level=plan.level)
        ticket.level = plan.level
    ticket.next_check_at = plan.next_check_at
    nxt = plan.next_deadline()
    ticket.next_due_at = nxt.due_at if nxt and ticket.status != "closed" else None
    ticket.next_clock = nxt.key if nxt and ticket.status != "closed" else None
    s.add(ticket)


def _withdraw_warnings(tx: Transaction, ticket: Ticket, plan: Plan,
                       existing: dict[str, Escalation]) -> None:
    """A warning nobody acknowledged goes once its deadline is met, breached or moved."""
    current = {e.key for e in plan.escalations if e.kind == "warning"}
    states = {c.key: c for c in plan.clocks}
    for key, esc in existing.items():
        if esc.kind != "warning" or esc.acknowledged_at is not None:
            continue
        if key in current:
            continue
        clock_key = key.removeprefix("warn:").rsplit(":", 1)[0]
        clock = states.get(clock_key)
        if clock is None or clock.state == "cancelled":
            reason = "cancelled"
        elif clock.state == "met":
            reason = "met"
        elif clock.state == "late" or clock.breached_at is not None or clock.due_at <= tx.now:
            reason = "breached"
        else:
            reason = "retimed"
        esc.acknowledged_at, esc.acknowledged_by, esc.note = tx.now, SYSTEM, reason
        tx.session.add(esc)
        tx.record_event("escalation_withdrawn", tx.now, ticket_id=ticket.id,
                        escalation_id=esc.id, actor=SYSTEM, reason=reason)


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
