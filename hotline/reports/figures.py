"""SLA, KPI and penalty figures, computed in SQL.

Every figure is an aggregate query (``count``, ``sum``, ``avg``, window
functions for the 90th percentile) over the desk's tables; Python only
combines the aggregates. The same queries serve the reports screen and
``hotline report``, so the two always agree.

Which period a row belongs to:

* calls — when they were offered (a call that rings at 23:59:50 and is
  answered at 00:00:20 belongs to the day it rang);
* callbacks — when they were promised; consultations — when opened;
  faults — when reported (as classified at intake);
* a target met or breached — when it was met or breached (a restore due
  at 02:00 on the 1st is breached on the 1st, whenever the fault was
  reported), as are stored penalty points;
* escalations — when raised; acknowledgement times are measured to the
  person's acknowledgement (warnings the system withdrew are counted apart).

The 90th percentile is the nearest-rank one: the smallest value that at
least 90% of the values do not exceed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from hotline.errors import InputError, NotFound
from hotline.i18n import _
from hotline.models import Call, Clock, Contract, Customer, Escalation, Penalty, Ticket
from hotline.reports.periods import Period, days, whole_periods
from hotline.reports.sql import Interval, count_if, floor_int, seconds_between, utc, within
from hotline.shifts import Rota
from hotline.sla import SlaEngine

#: An abandoned call shorter than this is a "short abandon" (a misdial, a caller who gave up at
#: once); it is shown apart and still counted as offered.
SHORT_ABANDON_S = 5
SYSTEM = "system"
#: Upper bounds (seconds, included) of the time-to-answer distribution; the last bin is open.
ANSWER_BINS = (10, 20, 30, 60, 120)

_ALL = "__all__"  # the key of an ungrouped result


# --- the figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class CallFigures:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    waiting: int = 0  # still ringing when the report was made
    answered_within_30s: int = 0
    answer_breached: int = 0  # the caller was still waiting when the answer target passed
    mean_answer_s: float | None = None
    p90_answer_s: float | None = None
    longest_answer_s: float | None = None

    @property
    def service_level_offered(self) -> float | None:
        return self.answered_within_30s / self.offered if self.offered else None

    @property
    def service_level_answered(self) -> float | None:
        return self.answered_within_30s / self.answered if self.answered else None


@dataclass(frozen=True)
class CallbackFigures:
    promised: int = 0
    kept: int = 0  # made in time
    made_late: int = 0
    not_made: int = 0  # past due and never made (or the ticket closed after the breach)
    open: int = 0  # not made yet, still in time
    cancelled: int = 0  # ticket closed in time, callback no longer due

    @property
    def missed(self) -> int:
        return self.made_late + self.not_made


@dataclass(frozen=True)
class ConsultationFigures:
    opened: int = 0
    answered_in_time: int = 0  # within 1 working day (the policy's consultation_reply)
    answered_late: int = 0
    not_answered: int = 0  # past due and not answered
    open: int = 0  # not answered yet, still in time

    @property
    def share_in_time(self) -> float | None:
        decided = self.answered_in_time + self.answered_late + self.not_answered
        return self.answered_in_time / decided if decided else None


@dataclass(frozen=True)
class FaultFigures:
    reported: int = 0
    by_level: Mapping[int, int] = field(default_factory=dict)  # as classified at intake
    upgraded: int = 0  # level raised since (automatic escalation or reclassified)
    still_open: int = 0


@dataclass(frozen=True)
class TargetFigures:
    met: int = 0
    breached: int = 0


@dataclass(frozen=True)
class EscalationFigures:
    raised: int = 0
    by_kind: Mapping[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    withdrawn: int = 0  # warnings the system withdrew (their clock stopped or breached)
    unacknowledged: int = 0
    mean_ack_s: float | None = None
    p90_ack_s: float | None = None


@dataclass(frozen=True)
class PeriodPenalty:
    """Points of a policy's period rule (the month's answer rate…) for one period."""

    rule: str
    points: float
    kind: str  # month | quarter | year | range
    first_day: date
    last_day: date
    metric: str
    description: str


@dataclass(frozen=True)
class PenaltyFigures:
    stored: Mapping[str, float] = field(default_factory=dict)  # by rule
    period: tuple[PeriodPenalty, ...] = ()

    @property
    def by_rule(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for rule, points in self.stored.items():
            out[rule] += points
        for p in self.period:
            out[p.rule] += p.points
        return dict(sorted(out.items()))

    @property
    def total(self) -> float:
        return sum(self.by_rule.values())


@dataclass(frozen=True)
class Block:
    """Every figure of one scope (all contracts, one contract, one shift)."""

    calls: CallFigures = CallFigures()
    callbacks: CallbackFigures = CallbackFigures()
    consultations: ConsultationFigures = ConsultationFigures()
    faults: FaultFigures = FaultFigures()
    targets: Mapping[str, TargetFigures] = field(default_factory=dict)
    escalations: EscalationFigures = EscalationFigures()
    penalties: PenaltyFigures = PenaltyFigures()


@dataclass(frozen=True)
class ContractInfo:
    contract_id: int | None  # None: callers without a contract in force
    code: str | None
    title: str | None
    customer: str | None
    policy: str | None
    grade: str | None


@dataclass(frozen=True)
class ContractBlock:
    contract: ContractInfo
    block: Block


@dataclass(frozen=True)
class ShiftBlock:
    shift: str
    name: str
    hours: str
    block: Block


@dataclass(frozen=True)
class DayPoint:
    day: date
    offered: int
    answered: int
    within: int

    @property
    def service_level(self) -> float | None:
        return self.within / self.offered if self.offered else None


@dataclass(frozen=True)
class Series:
    """What the charts draw (for the report's scope)."""

    offered_by_hour: tuple[int, ...]  # 24 local hours of the day
    answered_by_hour: tuple[int, ...]
    answer_bins: tuple[tuple[str, int], ...]  # time to answer
    days: tuple[DayPoint, ...]


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    contract: ContractInfo | None  # the one contract asked for, if any
    overall: Block
    contracts: tuple[ContractBlock, ...]
    shifts: tuple[ShiftBlock, ...]
    series: Series
    notes: tuple[str, ...] = ()


# --- queries -----------------------------------------------------------------------------


Key = Any
Grouped = dict[Key, Any]


class _Scope:
    """One report's filter: intervals, the moment of reporting, optionally one contract."""

    def __init__(self, s: Session, intervals: Sequence[Interval], now: datetime,
                 contract_id: int | None, only_contract: bool) -> None:
        self.s = s
        self.intervals = tuple(intervals)
        self.now = now
        self.contract_id = contract_id
        self.only_contract = only_contract

    def within(self, column: Any) -> sa.ColumnElement[bool]:
        return within(column, self.intervals)

    def filtered(self, stmt: Any, key: Any) -> Any:
        if self.only_contract:
            if self.contract_id is None:
                return stmt.where(key.is_(None))
            return stmt.where(key == self.contract_id)
        return stmt

    def grouped(self, columns: Sequence[Any], key: Any, grouped: bool, *,
                where: Sequence[Any], froms: Callable[[Any], Any], extra_group: Sequence[Any] = ()
                ) -> list[tuple[Key, tuple[Any, ...]]]:
        """Run an aggregate; rows are ``(group key or _ALL, values)``."""
        head = [key.label("k")] if grouped else [sa.literal_column("0").label("k")]
        stmt = froms(sa.select(*head, *extra_group, *columns)).where(*where)
        stmt = self.filtered(stmt, key)
        group_by = ([key] if grouped else []) + list(extra_group)
        if group_by:
            stmt = stmt.group_by(*group_by)
        out = []
        for row in self.s.execute(stmt).all():
            out.append((row[0] if grouped else _ALL, tuple(row[1:])))
        return out

    def p90(self, value: Any, key: Any, grouped: bool, *, where: Sequence[Any],
            froms: Callable[[Any], Any]) -> dict[Key, float]:
        """Nearest-rank 90th percentile of ``value`` per group (window functions)."""
        partition = [key] if grouped else None
        inner = froms(sa.select(
            (key if grouped else sa.literal_column("0")).label("k"),
            value.label("v"),
            func.row_number().over(partition_by=partition, order_by=value).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )).where(*where)
        inner = self.filtered(inner, key).subquery()
        stmt = sa.select(inner.c.k, inner.c.v).where(
            10 * inner.c.rn >= 9 * inner.c.n, 10 * (inner.c.rn - 1) < 9 * inner.c.n)
        return {(k if grouped else _ALL): float(v) for k, v in self.s.execute(stmt).all()}


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _calls(q: _Scope, grouped: bool) -> dict[Key, CallFigures]:
    wait = seconds_between(col(Call.answered_at), col(Call.offered_at))
    now = utc(q.now)
    breached = sa.or_(
        col(Call.answered_at) > col(Call.answer_due_at),
        sa.and_(col(Call.answered_at).is_(None),
                sa.func.coalesce(col(Call.ended_at), now) > col(Call.answer_due_at)))
    short = sa.and_(col(Call.state) == "abandoned",
                    seconds_between(col(Call.ended_at), col(Call.offered_at)) < SHORT_ABANDON_S)
    key = col(Call.contract_id)
    where = [q.within(col(Call.offered_at))]
    rows = q.grouped([
        func.count(),
        func.count(col(Call.answered_at)),
        count_if(col(Call.state) == "abandoned"),
        count_if(short),
        count_if(col(Call.state) == "ringing"),
        count_if(col(Call.answered_at) <= col(Call.answer_due_at)),
        count_if(breached),
        func.avg(wait),
        func.max(wait),
    ], key, grouped, where=where, froms=lambda st: st.select_from(Call))
    p90 = q.p90(wait, key, grouped, where=[*where, col(Call.answered_at).is_not(None)],
                froms=lambda st: st.select_from(Call))
    out = {}
    for k, (offered, answered, abandoned, short_n, waiting, in_time, late, mean, longest) in rows:
        out[k] = CallFigures(int(offered), int(answered), int(abandoned), int(short_n),
                             int(waiting), int(in_time), int(late), _f(mean), p90.get(k),
                             _f(longest))
    return out


def _clock_outcomes(q: _Scope, target: str, grouped: bool) -> dict[Key, tuple[int, ...]]:
    """Clocks of ``target`` started in the period: met, late, past due, open, cancelled."""
    now = utc(q.now)
    running = col(Clock.state).in_(("running", "paused"))
    key = col(Ticket.contract_id)
    rows = q.grouped([
        func.count(),
        count_if(col(Clock.state) == "met"),
        count_if(col(Clock.state) == "late"),
        count_if(sa.or_(sa.and_(running, col(Clock.due_at) < now),
                        sa.and_(col(Clock.state) == "cancelled",
                                col(Clock.breached_at).is_not(None)))),
        count_if(sa.and_(running, col(Clock.due_at) >= now)),
        count_if(sa.and_(col(Clock.state) == "cancelled", col(Clock.breached_at).is_(None))),
    ], key, grouped, where=[col(Clock.target) == target, q.within(col(Clock.started_at))],
        froms=lambda st: st.select_from(Clock).join(Ticket, col(Ticket.id) == col(Clock.ticket_id)))
    return {k: tuple(int(v) for v in values) for k, values in rows}


def _callbacks(q: _Scope, grouped: bool) -> dict[Key, CallbackFigures]:
    return {k: CallbackFigures(*v) for k, v in _clock_outcomes(q, "callback", grouped).items()}


def _consultations(q: _Scope, grouped: bool) -> dict[Key, ConsultationFigures]:
    out = {}
    for k, (n, met, late, past, open_, _cancelled) in _clock_outcomes(
            q, "consultation_reply", grouped).items():
        out[k] = ConsultationFigures(n, met, late, past, open_)
    return out


def _faults(q: _Scope, grouped: bool) -> dict[Key, FaultFigures]:
    level = sa.func.coalesce(col(Ticket.initial_level), col(Ticket.level))
    key = col(Ticket.contract_id)
    where = [col(Ticket.kind) == "fault", q.within(col(Ticket.opened_at))]
    rows = q.grouped([
        func.count(),
        count_if(sa.and_(col(Ticket.level).is_not(None), col(Ticket.initial_level).is_not(None),
                         col(Ticket.level) < col(Ticket.initial_level))),
        count_if(col(Ticket.status) != "closed"),
    ], key, grouped, where=where, froms=lambda st: st.select_from(Ticket),
        extra_group=[level.label("lv")])
    levels: dict[Key, dict[int, int]] = defaultdict(dict)
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for k, (lv, n, upgraded, still_open) in rows:
        if lv is not None:
            levels[k][int(lv)] = int(n)
        t = totals[k]
        t[0] += int(n)
        t[1] += int(upgraded)
        t[2] += int(still_open)
    return {k: FaultFigures(t[0], dict(sorted(levels[k].items())), t[1], t[2])
            for k, t in totals.items()}


def _targets(q: _Scope, grouped: bool) -> dict[Key, dict[str, TargetFigures]]:
    met_in = sa.and_(col(Clock.state) == "met", q.within(col(Clock.met_at)))
    breached_in = q.within(col(Clock.breached_at))
    key = col(Ticket.contract_id)
    rows = q.grouped([count_if(met_in), count_if(breached_in)], key, grouped,
                     where=[sa.or_(met_in, breached_in)],
                     froms=lambda st: st.select_from(Clock).join(
                         Ticket, col(Ticket.id) == col(Clock.ticket_id)),
                     extra_group=[col(Clock.target)])
    out: dict[Key, dict[str, TargetFigures]] = defaultdict(dict)
    for k, (target, met, breached) in rows:
        out[k][str(target)] = TargetFigures(int(met), int(breached))
    return out


def _escalations(q: _Scope, grouped: bool) -> dict[Key, EscalationFigures]:
    key = sa.func.coalesce(col(Ticket.contract_id), col(Call.contract_id))
    person = sa.and_(col(Escalation.acknowledged_at).is_not(None),
                     sa.func.coalesce(col(Escalation.acknowledged_by), "") != SYSTEM)
    ack_s = seconds_between(col(Escalation.acknowledged_at), col(Escalation.raised_at))

    def froms(st: Any) -> Any:
        return (st.select_from(Escalation)
                .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
                .outerjoin(Call, col(Call.id) == col(Escalation.call_id)))

    where = [q.within(col(Escalation.raised_at))]
    rows = q.grouped([
        func.count(),
        count_if(person),
        count_if(col(Escalation.acknowledged_by) == SYSTEM),
        count_if(col(Escalation.acknowledged_at).is_(None)),
        func.avg(sa.case((person, ack_s), else_=None)),
    ], key, grouped, where=where, froms=froms, extra_group=[col(Escalation.kind)])
    p90 = q.p90(ack_s, key, grouped, where=[*where, person], froms=froms)
    kinds: dict[Key, dict[str, int]] = defaultdict(dict)
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    weighted: dict[Key, float] = defaultdict(float)
    for k, (kind, n, acked, withdrawn, unacked, mean) in rows:
        kinds[k][str(kind)] = int(n)
        t = sums[k]
        t[0] += int(n)
        t[1] += int(acked)
        t[2] += int(withdrawn)
        t[3] += int(unacked)
        if mean is not None:
            weighted[k] += float(mean) * int(acked)
    return {k: EscalationFigures(t[0], dict(sorted(kinds[k].items())), t[1], t[2], t[3],
                                 weighted[k] / t[1] if t[1] else None, p90.get(k))
            for k, t in sums.items()}


def _stored_penalties(q: _Scope, grouped: bool) -> dict[Key, dict[str, float]]:
    key = col(Penalty.contract_id)
    rows = q.grouped([func.sum(col(Penalty.points))], key, grouped,
                     where=[q.within(col(Penalty.at))],
                     froms=lambda st: st.select_from(Penalty), extra_group=[col(Penalty.rule)])
    out: dict[Key, dict[str, float]] = defaultdict(dict)
    for k, (rule, points) in rows:
        out[k][str(rule)] = float(points or 0)
    return out


def _hours(q: _Scope, start: datetime) -> list[tuple[int, int, int, int]]:
    """(hour index since ``start``, offered, answered, answered in time)."""
    hour = floor_int(seconds_between(col(Call.offered_at), utc(start)) / 3600.0)
    stmt = q.filtered(
        sa.select(hour.label("h"), func.count(), func.count(col(Call.answered_at)),
                  count_if(col(Call.answered_at) <= col(Call.answer_due_at)))
        .select_from(Call).where(q.within(col(Call.offered_at))), col(Call.contract_id)
    ).group_by(hour)
    return [(int(h), int(a), int(b), int(c)) for h, a, b, c in q.s.execute(stmt).all()]


def _answer_bins(q: _Scope) -> tuple[tuple[str, int], ...]:
    wait = seconds_between(col(Call.answered_at), col(Call.offered_at))
    whens = [(wait <= bound, i) for i, bound in enumerate(ANSWER_BINS)]
    bucket = sa.case(*whens, else_=len(ANSWER_BINS))
    stmt = q.filtered(
        sa.select(bucket.label("b"), func.count()).select_from(Call)
        .where(q.within(col(Call.offered_at)), col(Call.answered_at).is_not(None)),
        col(Call.contract_id)).group_by(bucket)
    counts = {int(b): int(n) for b, n in q.s.execute(stmt).all()}
    labels = []
    low = 0
    for bound in ANSWER_BINS:
        labels.append(f"{low}–{bound}s")
        low = bound
    labels.append(f">{ANSWER_BINS[-1]}s")
    return tuple((label, counts.get(i, 0)) for i, label in enumerate(labels))


def _series(q: _Scope, period: Period) -> Series:
    by_hour = [0] * 24
    answered_by_hour = [0] * 24
    per_day: dict[date, list[int]] = {}
    tz = period.tz
    for h, offered, answered, in_time in _hours(q, period.start):
        local = (period.start + timedelta(hours=h)).astimezone(tz)
        by_hour[local.hour] += offered
        answered_by_hour[local.hour] += answered
        d = per_day.setdefault(local.date(), [0, 0, 0])
        d[0] += offered
        d[1] += answered
        d[2] += in_time
    points = []
    day = period.first_day
    last = max(period.last_day, max(per_day) if per_day else period.last_day)
    while day <= last:
        v = per_day.get(day, [0, 0, 0])
        points.append(DayPoint(day, v[0], v[1], v[2]))
        day += timedelta(days=1)
    return Series(tuple(by_hour), tuple(answered_by_hour), _answer_bins(q), tuple(points))


# --- assembling a report ----------------------------------------------------------------


def _blocks(q: _Scope, grouped: bool, period_penalties: Mapping[Key, Sequence[PeriodPenalty]]
            ) -> dict[Key, Block]:
    calls = _calls(q, grouped)
    callbacks = _callbacks(q, grouped)
    consultations = _consultations(q, grouped)
    faults = _faults(q, grouped)
    targets = _targets(q, grouped)
    escalations = _escalations(q, grouped)
    stored = _stored_penalties(q, grouped)
    keys: set[Key] = set()
    for d in (calls, callbacks, consultations, faults, targets, escalations, stored,
              period_penalties):
        keys.update(d)
    out = {}
    for k in keys:
        c = calls.get(k, CallFigures())
        t = dict(targets.get(k, {}))
        if c.offered:
            t["answer"] = TargetFigures(c.answered_within_30s, c.answer_breached)
        out[k] = Block(calls=c, callbacks=callbacks.get(k, CallbackFigures()),
                       consultations=consultations.get(k, ConsultationFigures()),
                       faults=faults.get(k, FaultFigures()),
                       targets=dict(sorted(t.items())),
                       escalations=escalations.get(k, EscalationFigures()),
                       penalties=PenaltyFigures(dict(sorted(stored.get(k, {}).items())),
                                                tuple(period_penalties.get(k, ()))))
    return out


def period_metrics(calls: CallFigures, callbacks: CallbackFigures,
                   consultations: ConsultationFigures, faults: FaultFigures) -> dict[str, float]:
    """The figures a policy's ``[[scoring.period]]`` rules can name as ``metric``."""
    metrics: dict[str, float] = {
        "calls_offered": calls.offered,
        "calls_answered": calls.answered,
        "calls_abandoned": calls.abandoned,
        "calls_answered_in_time": calls.answered_within_30s,
        "callbacks_promised": callbacks.promised,
        "callbacks_missed": callbacks.missed,
        "consultations_answered_late": consultations.answered_late
        + consultations.not_answered,
        "faults_reported": faults.reported,
    }
    if calls.service_level_offered is not None:
        metrics["answer_rate_offered"] = calls.service_level_offered
    if calls.service_level_answered is not None:
        metrics["answer_rate_answered"] = calls.service_level_answered
    return metrics


METRIC_NAMES = ("calls_offered", "calls_answered", "calls_abandoned", "calls_answered_in_time",
                "answer_rate_offered", "answer_rate_answered", "callbacks_promised",
                "callbacks_missed", "consultations_answered_late", "faults_reported")


def _assess(s: Session, sla: SlaEngine, period: Period, now: datetime,
            contracts: Mapping[Key, ContractInfo], only_contract: bool,
            contract_id: int | None, extra: Mapping[Key, Mapping[str, float]],
            notes: list[str]) -> dict[Key, list[PeriodPenalty]]:
    """Period rules of each contract's policy: for the whole period, and for each calendar
    month, quarter and year inside it (only the rules of that kind of period)."""
    out: dict[Key, list[PeriodPenalty]] = defaultdict(list)
    spans: list[tuple[str, date, date, bool]] = [
        (period.kind, period.first_day, period.last_day, True)]
    spans += [(kind, a, b, False) for kind, a, b in whole_periods(period.first_day,
                                                                  period.last_day)
              if (a, b) != (period.first_day, period.last_day)]
    for kind, first, last, whole in spans:
        sub = days(first, last, period.tz)
        q = _Scope(s, sub.intervals, now, contract_id, only_contract)
        calls = _calls(q, True)
        callbacks = _callbacks(q, True)
        consultations = _consultations(q, True)
        faults = _faults(q, True)
        for k, info in contracts.items():
            if info.contract_id is None or info.policy is None:
                continue
            try:
                policy = sla.policy(info.policy)
            except NotFound:
                notes.append(_("Contract {code}: policy {policy!r} is unknown; its period rules "
                               "are not assessed.").format(code=info.code, policy=info.policy))
                continue
            if not policy.scoring.period:
                continue
            metrics = period_metrics(calls.get(k, CallFigures()),
                                     callbacks.get(k, CallbackFigures()),
                                     consultations.get(k, ConsultationFigures()),
                                     faults.get(k, FaultFigures()))
            if whole:
                metrics.update(extra.get(k, {}))
                metrics.update(extra.get(_ALL, {}))
            rules = {r.id: r for r in policy.scoring.period}
            for entry in sla.period_penalties(info.policy, sub.start, sub.end, metrics):
                rule = rules.get(entry.rule)
                if not whole and (rule is None or rule.period != kind):
                    continue  # an "any period" rule is assessed once, on the whole period
                out[k].append(PeriodPenalty(entry.rule, float(entry.points),
                                            kind if rule is None or rule.period != "any"
                                            else period.kind, first, last, entry.source,
                                            entry.description))
    return out


def _contract_infos(s: Session) -> dict[int, ContractInfo]:
    rows = s.exec(select(Contract, Customer.name).outerjoin(
        Customer, col(Customer.id) == col(Contract.customer_id))).all()
    return {c.id: ContractInfo(c.id, c.code, c.title, name, c.policy, c.grade)
            for c, name in rows if c.id is not None}


def _in_force(s: Session, period: Period) -> set[int]:
    rows = s.exec(select(Contract.id).where(
        sa.or_(col(Contract.valid_from).is_(None), col(Contract.valid_from) <= period.last_day),
        sa.or_(col(Contract.valid_to).is_(None), col(Contract.valid_to) >= period.first_day))
    ).all()
    return {r for r in rows if r is not None}


NO_CONTRACT = ContractInfo(None, None, None, None, None, None)


def find_contract(engine: Engine, code: str) -> ContractInfo:
    with Session(engine) as s:
        row = s.exec(select(Contract, Customer.name).outerjoin(
            Customer, col(Customer.id) == col(Contract.customer_id))
            .where(Contract.code == code)).first()
        if row is None:
            known = s.exec(select(Contract.code).order_by(col(Contract.code))).all()
            raise InputError(_("Unknown contract {code!r} (known: {known}).").format(
                code=code, known=", ".join(known) or _("none")))
        c, name = row
        return ContractInfo(c.id, c.code, c.title, name, c.policy, c.grade)


def contracts_of(engine: Engine) -> list[ContractInfo]:
    with Session(engine) as s:
        infos = list(_contract_infos(s).values())
    return sorted(infos, key=lambda i: i.code or "")


def build_report(engine: Engine, sla: SlaEngine, period: Period, now: datetime, *,
                 contract: ContractInfo | None = None, rota: Rota | None = None,
                 by_shift: bool = False,
                 metrics: Mapping[str | None, Mapping[str, float]] | None = None) -> Report:
    """Every figure of ``period`` (one contract's, with ``contract``), as of ``now``.

    ``metrics`` adds figures the desk cannot know (inspections missed…) for
    the policies' period rules: by contract code, or under None for every
    contract. ``by_shift`` adds the figures of each shift of ``rota``.
    """
    only = contract is not None
    contract_id = contract.contract_id if contract else None
    notes: list[str] = []
    with Session(engine) as s:
        infos: dict[Key, ContractInfo] = dict(_contract_infos(s))
        q = _Scope(s, period.intervals, now, contract_id, only)
        if only:
            assert contract is not None
            wanted: set[Key] = {contract.contract_id}
        else:
            wanted = set(_in_force(s, period))
        extra: dict[Key, dict[str, float]] = {}
        for code, values in (metrics or {}).items():
            if code is None:
                extra[_ALL] = dict(values)
                continue
            match = next((k for k, v in infos.items() if v.code == code), None)
            if match is None:
                raise InputError(_("Unknown contract {code!r} in a metric.").format(code=code))
            extra[match] = dict(values)
        per_contract = _blocks(q, True, {})
        keys = wanted if only else wanted | set(per_contract)
        if period.shift is None:
            assessed = {k: infos[k] for k in keys if k in infos}
            penalties = _assess(s, sla, period, now, assessed, only, contract_id, extra, notes)
        else:
            penalties = {}
            notes.append(_("Period rules (such as the month's answer rate) are assessed on "
                           "whole days only, not on one shift."))
        per_contract = {k: _with_period_penalties(b, penalties.get(k, ()))
                        for k, b in per_contract.items()}
        if only:
            overall = per_contract.get(contract_id, Block())
        else:
            overall = _with_period_penalties(
                _blocks(q, False, {}).get(_ALL, Block()),
                [p for k in sorted(penalties, key=str) for p in penalties[k]])
        blocks = []
        for k in sorted(keys, key=lambda k: (k is None, infos[k].code if k in infos else "")):
            info = infos.get(k, NO_CONTRACT) if k is not None else NO_CONTRACT
            blocks.append(ContractBlock(info, per_contract.get(
                k, _with_period_penalties(Block(), penalties.get(k, ())))))
        series = _series(q, period)
        shift_blocks: list[ShiftBlock] = []
        if by_shift and rota is not None:
            for spec in rota.shifts:
                if period.shift is not None and spec.id != period.shift:
                    continue
                sp = days(period.first_day, period.last_day, period.tz, rota=rota,
                          shift=spec.id)
                sq = _Scope(s, sp.intervals, now, contract_id, only)
                key = contract_id if only else _ALL
                block = _blocks(sq, only, {}).get(key, Block())
                shift_blocks.append(ShiftBlock(spec.id, spec.shown_name(), spec.hours(), block))
    return Report(period, now, contract, overall, tuple(blocks), tuple(shift_blocks), series,
                  tuple(notes))


def _with_period_penalties(block: Block, entries: Sequence[PeriodPenalty]) -> Block:
    return replace(block, penalties=PenaltyFigures(block.penalties.stored, tuple(entries)))
