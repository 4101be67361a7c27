"""Read-only views of the desk for the screens: plain frozen rows, no sessions.

The dashboard loads a :class:`Snapshot` when something changed (never per
tick); every countdown is then computed at render time from the due times
carried here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func

from hotline.desk.call_states import CallState
from hotline.i18n import _
from hotline.phones import PhoneNumber, known_form
from hotline.store.models import (
    Call,
    Contact,
    Contract,
    Customer,
    Escalation,
    MissedCall,
    SlaClock,
    Ticket,
)
from hotline.views import service_level
from hotline.views.service_level import share

#: Ticket statuses before closing (listed, so that indexes on status serve the queries).
OPEN_STATUSES = ("open", "restored", "resolved")

#: At most this many rows of work are loaded (soonest first); the count of the rest is kept.
WORK_LIMIT = 300
ESCALATION_LIMIT = 200


@dataclass(frozen=True)
class CallRow:
    call_id: int
    number: str  # as shown: national format, or the raw caller id
    place: str  # city / carrier / "service number"
    caller: str | None  # contact name
    customer: str | None
    contract: str | None
    grade: str | None
    state: str  # ringing | answered
    offered_at: datetime
    due_at: datetime
    warn_at: datetime
    answered_at: datetime | None
    answered_by: str | None
    source: str
    open_tickets: int = 0  # the customer's tickets not yet closed
    ended_at: datetime | None = None  # hung up after the answer (a phone feed says so)


@dataclass(frozen=True)
class WorkRow:
    """A ticket's callback or next deadline, or a missed call to call back
    (``missed_call_id`` set; then ``ticket_id`` is None and ``number`` is the caller's)."""

    clock_id: int
    ticket_id: int | None
    ticket_number: str
    target: str
    key: str
    kind: str
    level: int | None
    customer: str | None
    caller: str | None
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    paused: bool
    assigned_to: str | None
    missed_call_id: int | None = None
    number: str = ""
    attempts: int = 0  # calls back that did not reach the caller
    last_outcome: str | None = None
    calls: int = 1  # calls missed from the number
    #: A missed call out of hours: when the desk opened and its clock started
    clock_from: datetime | None = None

    @property
    def row_key(self) -> str:
        """The row's key in the work list (``clock:7``, ``missed:3``)."""
        if self.missed_call_id is not None:
            return f"missed:{self.missed_call_id}"
        return f"clock:{self.clock_id}"


@dataclass(frozen=True)
class EscalationRow:
    escalation_id: int
    kind: str
    tier: str | None
    raised_at: datetime
    due_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    reason: str
    ticket_id: int | None
    ticket_number: str | None
    call_id: int | None
    number: str | None
    customer: str | None
    call_state: str | None
    call_answered_at: datetime | None
    from_level: int | None
    to_level: int | None


@dataclass(frozen=True)
class Kpis:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_in_time: int = 0
    #: offered calls still ringing inside their answer target (not yet counted either way)
    undecided: int = 0
    callbacks_open: int = 0
    callbacks_overdue: int = 0
    faults_by_level: dict[int, int] = field(default_factory=dict)
    unacknowledged: int = 0

    @property
    def service_level_offered(self) -> float | None:
        return share(self.answered_in_time, self.offered - self.undecided)

    @property
    def service_level_answered(self) -> float | None:
        return share(self.answered_in_time, self.answered)


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    calls: list[CallRow]
    work: list[WorkRow]
    work_total: int
    escalations: list[EscalationRow]
    kpis: Kpis
    #: The soonest moment a clock or a ringing call can fall due (None: nothing can);
    #: until then evaluating the desk would find nothing to do.
    next_due_at: datetime | None = None


def shown_number(raw: str, e164: str | None) -> tuple[str, PhoneNumber | None]:
    """The number as the screens show it, and parsed (None when it is not a number)."""
    parsed = known_form(e164 or raw) if (e164 or raw) else None
    if parsed is None:
        return (raw or "—", None)
    return (parsed.display, parsed)


def place_of(parsed: PhoneNumber | None) -> str:
    if parsed is None:
        return ""
    if parsed.kind == "short":
        return _("service number")
    if parsed.kind == "emergency":
        return _("emergency number")
    bits = [b for b in (parsed.region, parsed.carrier) if b]
    return " · ".join(bits)


def day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the desk's local day containing ``now``."""
    local_day = now.astimezone(tz).date()
    start = datetime.combine(local_day, time(0), tz)
    return start.astimezone(now.tzinfo), (start + timedelta(days=1)).astimezone(now.tzinfo)


# The statements of the snapshot, built once: a seat reads the snapshot after every
# change anyone makes, and building these anew each time was a third of a read's CPU.
# Only bound values change between reads (``now`` and the like, passed by name), so
# each statement is also compiled once (SQLAlchemy's compiled cache).
_NOW: sa.BindParameter[datetime] = sa.bindparam("now")

_CALLS: sa.Executable = (
    sa.select(col(Call.id), col(Call.number_raw), col(Call.number_e164), col(Call.state),
              col(Call.offered_at), col(Call.answer_due_at), col(Call.answer_warn_at),
              col(Call.answered_at), col(Call.answered_by), col(Call.source),
              col(Call.customer_id), col(Contact.name), col(Customer.name),
              col(Contract.code), col(Contract.grade), col(Call.ended_at))
    .outerjoin(Contact, col(Contact.id) == col(Call.contact_id))
    .outerjoin(Customer, col(Customer.id) == col(Call.customer_id))
    .outerjoin(Contract, col(Contract.id) == col(Call.contract_id))
    .where(sa.or_(col(Call.state) == CallState.RINGING,
                  sa.and_(col(Call.state) == CallState.ANSWERED,
                          col(Call.ticket_id).is_(None))))
)
_OPEN_PER_CUSTOMER = (
    sa.select(col(Ticket.customer_id), func.count())
    .where(col(Ticket.customer_id).in_(sa.bindparam("customers", expanding=True)),
           col(Ticket.status).in_(OPEN_STATUSES))
    .group_by(col(Ticket.customer_id))
)


def load_calls(s: Session) -> list[CallRow]:
    # Columns, not ORM objects (as for the work below): built whole, 200 ringing calls
    # took most of the read.
    conn = s.connection()
    rows = conn.execute(_CALLS).all()
    # sorted here: ordering in SQL tempts the planner to walk the whole call history
    # by offer time instead of looking up the few calls that need someone
    rows = sorted(rows, key=lambda r: (r[4], r[0]))
    customers = sorted({r[10] for r in rows if r[10] is not None})
    open_counts: dict[int, int] = {}
    if customers:
        open_counts = {cid: n for cid, n in conn.execute(
            _OPEN_PER_CUSTOMER, {"customers": customers}).all() if cid is not None}
    out = []
    for (call_id, raw, e164, state, offered_at, due_at, warn_at, answered_at, answered_by,
         source, customer_id, contact, customer, contract, grade, ended_at) in rows:
        number, parsed = shown_number(raw, e164)
        out.append(CallRow(call_id=call_id, number=number, place=place_of(parsed),
                           caller=contact, customer=customer, contract=contract, grade=grade,
                           state=state, offered_at=offered_at, due_at=due_at, warn_at=warn_at,
                           answered_at=answered_at, answered_by=answered_by, source=source,
                           open_tickets=open_counts.get(customer_id or -1, 0),
                           ended_at=ended_at))
    return out


OPEN_CLOCK = ("running", "paused")

_WORK_SHOWN = (
    col(SlaClock.id), col(SlaClock.target), col(SlaClock.key), col(SlaClock.started_at),
    col(SlaClock.due_at), col(SlaClock.warn_at), col(SlaClock.state), col(Ticket.id),
    col(Ticket.number), col(Ticket.kind), col(Ticket.level), col(Ticket.caller_name),
    col(Ticket.assigned_to), col(Customer.name))
_CALLBACKS = (
    sa.select(*_WORK_SHOWN)
    .join(Ticket, col(Ticket.id) == col(SlaClock.ticket_id))
    .outerjoin(Customer, col(Customer.id) == col(Ticket.customer_id))
    .where(col(SlaClock.target) == "callback", col(SlaClock.state).in_(OPEN_CLOCK),
           col(Ticket.status) != "closed")
    .order_by(col(SlaClock.due_at), col(SlaClock.id)).limit(WORK_LIMIT)
)
_DEADLINES = (
    sa.select(*_WORK_SHOWN).select_from(Ticket)
    .join(SlaClock, sa.and_(col(SlaClock.ticket_id) == col(Ticket.id),
                            col(SlaClock.key) == col(Ticket.next_clock)))
    .outerjoin(Customer, col(Customer.id) == col(Ticket.customer_id))
    .where(col(Ticket.next_due_at).is_not(None))
    .order_by(col(Ticket.next_due_at), col(Ticket.id)).limit(WORK_LIMIT)
)
# Each query keeps its soonest WORK_LIMIT rows by its index; together they are cut to the
# WORK_LIMIT soonest in SQL, so only the rows shown are fetched (not twice as many).
_BOTH = sa.union_all(sa.select(_CALLBACKS.subquery()),
                     sa.select(_DEADLINES.subquery())).subquery()
_WORK: sa.Executable = (sa.select(_BOTH).order_by(_BOTH.c[4], _BOTH.c[0]).limit(WORK_LIMIT))
# the three counts in one statement: each statement is a round trip
_WORK_TOTAL = sa.select(
    sa.select(func.count()).select_from(Ticket)
    .where(col(Ticket.next_due_at).is_not(None)).scalar_subquery()
    + sa.select(func.count()).select_from(SlaClock)
    .where(col(SlaClock.target) == "callback", col(SlaClock.state).in_(OPEN_CLOCK))
    .scalar_subquery()
    + sa.select(func.count()).select_from(MissedCall)
    .where(col(MissedCall.state) == "open").scalar_subquery())


def load_work(s: Session) -> tuple[list[WorkRow], int]:
    """Every open callback, and each open ticket's next deadline; soonest first.

    Each ticket carries its next deadline (``next_due_at``, kept by the SLA
    evaluation), so this reads only the rows shown, by index, however many
    tickets are open.
    """
    # Columns, not ORM objects: 600 tickets and clocks built whole took most of the time.
    conn = s.connection()
    rows = conn.execute(_WORK).all()
    total = conn.execute(_WORK_TOTAL).scalar_one()
    out = []
    for (clock_id, target, key, started_at, due_at, warn_at, state, ticket_id, number, kind,
         level, caller, assigned_to, customer) in rows:
        out.append(WorkRow(clock_id=clock_id, ticket_id=ticket_id, ticket_number=number,
                           target=target, key=key, kind=kind, level=level, customer=customer,
                           caller=caller, started_at=started_at,
                           due_at=due_at, warn_at=warn_at,
                           paused=state == "paused", assigned_to=assigned_to))
    out.extend(load_missed(s))
    out.sort(key=lambda w: (w.due_at, w.missed_call_id is None, w.clock_id))
    return out[:WORK_LIMIT], total


_MISSED: sa.Executable = (
    sa.select(col(MissedCall.id), col(MissedCall.number_raw), col(MissedCall.number_e164),
              col(MissedCall.started_at), col(MissedCall.due_at), col(MissedCall.warn_at),
              col(MissedCall.attempts), col(MissedCall.last_outcome),
              col(MissedCall.calls), col(Contact.name), col(Customer.name),
              col(MissedCall.clock_from))
    .outerjoin(Contact, col(Contact.id) == col(MissedCall.contact_id))
    .outerjoin(Customer, col(Customer.id) == col(MissedCall.customer_id))
    .where(col(MissedCall.state) == "open")
    .order_by(col(MissedCall.due_at), col(MissedCall.id)).limit(WORK_LIMIT)
)


def load_missed(s: Session) -> list[WorkRow]:
    """The open missed calls to call back (soonest due first), as rows of the work list."""
    rows = s.connection().execute(_MISSED).all()
    out = []
    for (missed_id, raw, e164, started_at, due_at, warn_at, attempts, last_outcome, calls,
         contact, customer, clock_from) in rows:
        out.append(WorkRow(clock_id=0, ticket_id=None, ticket_number="",
                           target="missed_call", key=f"missed#{missed_id}", kind="",
                           level=None, customer=customer, caller=contact,
                           started_at=started_at, due_at=due_at, warn_at=warn_at,
                           paused=False, assigned_to=None, missed_call_id=missed_id,
                           number=shown_number(raw, e164)[0], attempts=attempts,
                           last_outcome=last_outcome, calls=calls, clock_from=clock_from))
    return out


_ESCALATIONS: sa.Executable = (
    sa.select(col(Escalation.id), col(Escalation.kind), col(Escalation.tier),
              col(Escalation.raised_at), col(Escalation.due_at),
              col(Escalation.acknowledged_at), col(Escalation.acknowledged_by),
              col(Escalation.reason), col(Escalation.ticket_id), col(Escalation.call_id),
              col(Escalation.from_level), col(Escalation.to_level), col(Ticket.number),
              col(Call.id), col(Call.number_raw), col(Call.number_e164), col(Call.state),
              col(Call.answered_at), col(Customer.name))
    .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
    .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
    .outerjoin(Customer, col(Customer.id) == sa.func.coalesce(col(Ticket.customer_id),
                                                               col(Call.customer_id)))
    .where(sa.or_(col(Escalation.acknowledged_at).is_(None),
                  col(Escalation.acknowledged_at) >= sa.bindparam("recent")))
    .order_by(col(Escalation.acknowledged_at).is_not(None), col(Escalation.raised_at),
              col(Escalation.id))
    .limit(ESCALATION_LIMIT)
)


def load_escalations(s: Session, now: datetime) -> list[EscalationRow]:
    """Unacknowledged escalations (oldest first), then those acknowledged in the last 8 h."""
    rows = s.connection().execute(_ESCALATIONS, {"recent": now - timedelta(hours=8)}).all()
    out = []
    for (esc_id, kind, tier, raised_at, due_at, acked_at, acked_by, reason, ticket_id,
         call_id, from_level, to_level, ticket_number, found_call, raw, e164, call_state,
         call_answered_at, customer) in rows:
        has_call = found_call is not None
        out.append(EscalationRow(
            escalation_id=esc_id, kind=kind, tier=tier, raised_at=raised_at,
            due_at=due_at, acknowledged_at=acked_at, acknowledged_by=acked_by, reason=reason,
            ticket_id=ticket_id, ticket_number=ticket_number, call_id=call_id,
            number=shown_number(raw, e164)[0] if has_call else None, customer=customer,
            call_state=call_state if has_call else None,
            call_answered_at=call_answered_at if has_call else None,
            from_level=from_level, to_level=to_level))
    return out


def _kpi_statement() -> sa.Executable:
    in_day = sa.and_(col(Call.offered_at) >= sa.bindparam("day_start"),
                     col(Call.offered_at) < sa.bindparam("day_end"))
    day = (
        sa.select(
            func.count().label("offered"),
            func.count(col(Call.answered_at)).label("answered"),
            func.sum(sa.case((service_level.abandoned(), 1), else_=0)).label("abandoned"),
            func.sum(sa.case((service_level.answered_in_time(), 1), else_=0)).label("in_time"),
            func.sum(sa.case((service_level.undecided(_NOW), 1), else_=0)).label("undecided"),
        ).where(in_day).subquery()
    )
    callbacks = (
        sa.select(func.count().label("n"),
                  func.sum(sa.case((col(SlaClock.due_at) < _NOW, 1), else_=0)).label("over"))
        .where(col(SlaClock.target) == "callback", col(SlaClock.state).in_(OPEN_CLOCK))
        .subquery()
    )
    missed = (
        sa.select(func.count().label("n"),
                  func.sum(sa.case((col(MissedCall.due_at) < _NOW, 1), else_=0)).label("over"))
        .where(col(MissedCall.state) == "open").subquery()
    )
    unacked = (sa.select(func.count()).select_from(Escalation)
               .where(col(Escalation.acknowledged_at).is_(None)).scalar_subquery())
    # One statement for the figures (each a one-row aggregate): a statement is a round
    # trip, and every seat reads this after every change anyone makes.
    return (sa.select(day.c.offered, day.c.answered, day.c.abandoned, day.c.in_time,
                      day.c.undecided, callbacks.c.n, callbacks.c.over, missed.c.n,
                      missed.c.over, unacked)
            .select_from(day).join(callbacks, sa.true()).join(missed, sa.true()))


_KPIS = _kpi_statement()
_FAULT_LEVELS = (
    sa.select(col(Ticket.level), func.count())
    .where(col(Ticket.kind) == "fault", col(Ticket.status).in_(OPEN_STATUSES))
    .group_by(col(Ticket.level))
)


def load_kpis(s: Session, now: datetime, tz: ZoneInfo) -> Kpis:
    start, end = day_bounds(now, tz)
    conn = s.connection()
    (offered, answered, abandoned, in_time, undecided, cb_open, cb_over, missed_open,
     missed_over, unacked) = conn.execute(
        _KPIS, {"now": now, "day_start": start, "day_end": end}).one()
    levels = conn.execute(_FAULT_LEVELS).all()
    return Kpis(offered=offered, answered=answered, abandoned=int(abandoned or 0),
                answered_in_time=int(in_time or 0), undecided=int(undecided or 0),
                callbacks_open=cb_open + missed_open,
                callbacks_overdue=int(cb_over or 0) + int(missed_over or 0),
                faults_by_level={int(lv): n for lv, n in levels if lv is not None},
                unacknowledged=unacked)


_NEXT_DUE = sa.select(
    sa.select(func.min(col(Ticket.next_check_at))).scalar_subquery(),
    sa.select(func.min(col(Call.answer_due_at))).where(
        col(Call.state) == CallState.RINGING, col(Call.escalated_at).is_(None))
    .scalar_subquery(),
    sa.select(func.min(col(MissedCall.due_at))).where(
        col(MissedCall.state) == "open", col(MissedCall.escalated_at).is_(None))
    .scalar_subquery())


def next_due(s: Session) -> datetime | None:
    """The soonest check a ticket asked for, or answer limit of a ringing call not yet
    escalated (both read from an index): what :meth:`Desk.evaluate` would act on."""
    ticket, call, missed = s.connection().execute(_NEXT_DUE).one()
    due = [d for d in (ticket, call, missed) if d is not None]
    return min(due) if due else None


def load_snapshot(engine: Engine, now: datetime, tz: ZoneInfo) -> Snapshot:
    with Session(engine) as s:
        work, total = load_work(s)
        return Snapshot(taken_at=now, calls=load_calls(s), work=work, work_total=total,
                        next_due_at=next_due(s),
                        escalations=load_escalations(s, now), kpis=load_kpis(s, now, tz))
