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

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from hotline.desk.call_states import CallState
from hotline.duties.kinds import DUTY_KINDS
from hotline.duties.kinds import DUTY_TARGETS as DUTY_TARGET_NAMES
from hotline.errors import InputError, NotFound
from hotline.i18n import _
from hotline.reports.engineers import EngineerFigures, engineer_figures
from hotline.reports.periods import Period, days, local_midnight, whole_periods
from hotline.reports.sql import (
    Interval,
    bucket,
    count_if,
    floor_int,
    label_of,
    nearest_rank_p90,
    seconds_between,
    utc,
    within,
)
from hotline.sla import SlaEngine
from hotline.store.models import (
    Call,
    Contract,
    Customer,
    Escalation,
    ExchangeDay,
    Penalty,
    SlaClock,
    Ticket,
)
from hotline.supervision.rota import Rota
from hotline.views import service_level
from hotline.views.service_level import share

#: An abandoned call shorter than this is a "short abandon" (a misdial, a caller who gave up at
#: once); it is shown apart and still counted as offered.
SHORT_ABANDON_S = 5
SYSTEM = "system"
#: Upper bounds (seconds, included) of the time-to-answer distribution; the last bin is open.
ANSWER_BINS = (10, 20, 30, 60, 120)

_ALL = "__all__"  # the key of an ungrouped result

#: The targets that are duties': every duty kind's, and the return of a part lent on a
#: fault (a duty of the fault's ticket).
DUTY_TARGETS: frozenset[str] = frozenset(
    {target for targets in DUTY_TARGET_NAMES.values() for target in targets} | {"part_return"})


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
        return share(self.answered_within_30s, self.offered)

    @property
    def service_level_answered(self) -> float | None:
        return share(self.answered_within_30s, self.answered)


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
    #: Faults put down to each category when restored or resolved (none given: left out).
    by_category: Mapping[str, int] = field(default_factory=dict)


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
    #: The period is still running: the figures, and so the points, may still change.
    provisional: bool = False


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
class DutyFigures:
    """The contract's duties (inspections, upgrades, documents, meetings, parts lent…):
    their targets met and breached in the period, and the points they scored."""

    targets: Mapping[str, TargetFigures] = field(default_factory=dict)
    points: Mapping[str, float] = field(default_factory=dict)  # by rule
    #: Technical-exchange days given under the contract(s): in the period, and in the
    #: period's last year up to its last day, against the policies' yearly target
    #: (None: not counted for this scope — a shift — or no target and no days).
    exchange: ExchangeDays | None = None

    @property
    def met(self) -> int:
        return sum(t.met for t in self.targets.values())

    @property
    def breached(self) -> int:
        return sum(t.breached for t in self.targets.values())

    @property
    def total_points(self) -> float:
        return sum(self.points.values())

    @property
    def empty(self) -> bool:
        return not self.targets and not self.points and self.exchange is None


@dataclass(frozen=True)
class ExchangeDays:
    """The technical-exchange days counter of one scope."""

    days: float = 0.0  # given in the period
    year: float = 0.0  # given in the year of the period's last day, up to that day
    target: float | None = None  # the year's target (the policies'; summed over contracts)

    def add(self, other: ExchangeDays) -> ExchangeDays:
        target = (None if self.target is None and other.target is None
                  else (self.target or 0.0) + (other.target or 0.0))
        return ExchangeDays(self.days + other.days, self.year + other.year, target)


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
    duties: DutyFigures = DutyFigures()


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
        return share(self.within, self.offered)


@dataclass(frozen=True)
class Series:
    """What the charts draw (for the report's scope)."""

    offered_by_hour: tuple[int, ...]  # 24 local hours of the day
    answered_by_hour: tuple[int, ...]
    answer_bins: tuple[tuple[str, int], ...]  # time to answer
    days: tuple[DayPoint, ...]
    #: Calls answered in time per local hour of the day (added up over the period's days):
    #: the service level of each hour is ``in_time_by_hour[h] / offered_by_hour[h]``, and
    #: None for an hour no call rang in (an hour to come, a night without calls), never 0 %.
    in_time_by_hour: tuple[int, ...] = (0,) * 24

    @property
    def service_level_by_hour(self) -> tuple[float | None, ...]:
        return tuple(share(w, n) for w, n in zip(self.in_time_by_hour, self.offered_by_hour,
                                                 strict=True))


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
    engineers: tuple[EngineerFigures, ...] = ()


# --- queries -----------------------------------------------------------------------------
#
# Each kind of figure is one aggregate query grouped by contract — never a query per
# contract, per day or per shift — and the figures the period rules use are also grouped
# by calendar month of the period (its "parts"), so a year's months, quarters and the year
# itself add up from one pass instead of one pass each. Parts and contracts add up exactly
# (counts, sums, maxima); the whole desk's figures are the sum of its contracts' (calls
# without a contract are a group of their own). Only the 90th percentiles need the values
# themselves: one window query ranks every contract's at once, and the percentile of one
# group (the whole desk, one contract, one shift) is the value n − r places from the top
# (ORDER BY … DESC LIMIT 1 OFFSET n − r), for which the database keeps only the top tenth.
# Every query reads a period as a range of an indexed column (see migration 0008).


Key = Any
#: A fault count's key: level at intake, fault category, part of the period.
FaultKey = tuple[int | None, str | None, int]


class _Scope:
    """One report's filter: intervals, the moment of reporting, optionally one contract.

    ``bounds``: the local midnights at which the period's calendar months begin (after its
    first), which cut the figures the period rules use into parts (0, 1, … in time order).
    ``shifts``: disjoint intervals, each labelled with its shift's number; the scope is
    their union, and grouped figures are grouped by the shift each row's moment falls in
    (when the call rang, the clock started, the escalation was raised…) instead of by
    contract.
    """

    def __init__(self, s: Session, intervals: Sequence[Interval], now: datetime,
                 contract_id: int | None, only_contract: bool, *,
                 bounds: Sequence[datetime] = (),
                 shifts: Sequence[tuple[Interval, int]] = ()) -> None:
        self.s = s
        self.intervals = tuple(intervals) + tuple(iv for iv, _n in shifts)
        self.now = now
        self.contract_id = contract_id
        self.only_contract = only_contract
        self.bounds = tuple(bounds)
        self.shift_starts = tuple((a, n) for (a, _b), n in sorted(shifts))
        self._labels: dict[int, Any] = {}

    def within(self, column: Any) -> sa.ColumnElement[bool]:
        return within(column, self.intervals)

    def key(self, contract: Any, when: Any) -> Any:
        """What grouped figures are grouped by: the contract, or the shift of ``when``."""
        if not self.shift_starts:
            return contract
        label = self._labels.get(id(when))
        if label is None:  # built once per column: a year of shifts is a large expression
            label = self._labels[id(when)] = label_of(when, self.shift_starts)
        return label

    def one_group(self, grouped: bool) -> bool:
        """Whether grouped figures have one group only (ungrouped, or one contract's)."""
        return not grouped or (self.only_contract and not self.shift_starts)

    def parts(self, column: Any) -> list[Any]:
        """The group column saying which part of the period ``column`` falls in (none when
        the period is not cut)."""
        return [bucket(column, self.bounds).label("part")] if self.bounds else []

    def filtered(self, stmt: Any, key: Any) -> Any:
        if self.only_contract:
            if self.contract_id is None:
                return stmt.where(key.is_(None))
            return stmt.where(key == self.contract_id)
        return stmt

    def grouped(self, columns: Sequence[Any], contract: Any, when: Any, grouped: bool, *,
                where: Sequence[Any], froms: Callable[[Any], Any], extra_group: Sequence[Any] = ()
                ) -> list[tuple[Key, tuple[Any, ...]]]:
        """Run an aggregate; rows are ``(group key or _ALL, values)``."""
        key = self.key(contract, when)
        head = [key.label("k")] if grouped else [sa.literal_column("0").label("k")]
        stmt = froms(sa.select(*head, *extra_group, *columns)).where(*where)
        stmt = self.filtered(stmt, contract)
        # One shift's label is a constant, which SQL would read as a column's position
        # ("GROUP BY 0"): every row is in that one group, so it is not grouped by.
        by_key = grouped and len(self.shift_starts) != 1
        group_by = ([key] if by_key else []) + list(extra_group)
        if group_by:
            stmt = stmt.group_by(*group_by)
        out = []
        for row in self.s.execute(stmt).all():
            out.append((row[0] if grouped else _ALL, tuple(row[1:])))
        return out

    def p90(self, value: Any, contract: Any, when: Any, grouped: bool,
            counts: Mapping[Key, int], *, where: Sequence[Any], froms: Callable[[Any], Any]
            ) -> dict[Key, float]:
        """Nearest-rank 90th percentile of ``value`` per group; ``counts``: how many rows of
        each group meet ``where`` (groups without rows have no percentile).

        One group: the r-th smallest of n values (r = ⌈0.9 n⌉) is the one n − r places from
        the top. Several: the smallest value whose cumulative distribution within its group
        (the share of the group's values not above it) reaches 90%, one sort for them all.
        """
        counts = {k: n for k, n in counts.items() if n}
        if not counts:
            return {}
        if self.one_group(grouped):
            (k, n), = counts.items()
            stmt = self.filtered(froms(sa.select(value.label("v"))).where(*where), contract)
            stmt = stmt.order_by(value.desc()).limit(1).offset(n - (9 * n + 9) // 10)
            v = self.s.execute(stmt).scalar()
            return {} if v is None else {k: float(v)}
        key = self.key(contract, when)
        if self.s.get_bind().dialect.name == "postgresql":
            # the same nearest rank as an ordered-set aggregate: a sort per group instead of
            # a window over every row (a third of the time on a year of calls)
            stmt = froms(sa.select(key.label("k"), nearest_rank_p90(value))).where(*where)
            stmt = self.filtered(stmt, contract)
            if len(self.shift_starts) != 1:  # see grouped(): one shift's label is a constant
                stmt = stmt.group_by(key)
            return {k: float(v) for k, v in self.s.execute(stmt).all() if v is not None}
        inner = froms(sa.select(
            key.label("k"), value.label("v"),
            func.cume_dist().over(partition_by=key, order_by=value).label("c"),
        )).where(*where)
        inner = self.filtered(inner, contract).subquery()
        stmt = (sa.select(inner.c.k, func.min(inner.c.v)).where(inner.c.c >= 0.9)
                .group_by(inner.c.k))
        return {k: float(v) for k, v in self.s.execute(stmt).all()}


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _wait() -> sa.ColumnElement[float]:
    return seconds_between(col(Call.answered_at), col(Call.offered_at))


def _ack_s() -> sa.ColumnElement[float]:
    return seconds_between(col(Escalation.acknowledged_at), col(Escalation.raised_at))


def _person_acknowledged() -> sa.ColumnElement[bool]:
    return sa.and_(col(Escalation.acknowledged_at).is_not(None),
                   sa.func.coalesce(col(Escalation.acknowledged_by), "") != SYSTEM)


def _escalation_froms(st: Any) -> Any:
    return (st.select_from(Escalation)
            .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
            .outerjoin(Call, col(Call.id) == col(Escalation.call_id)))


_ESCALATION_KEY = sa.func.coalesce(col(Ticket.contract_id), col(Call.contract_id))


@dataclass
class _CallSums:
    """The calls of one group (and part of the period): counts, the sum and the longest of
    the times to answer — what adds up across parts and contracts."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    waiting: int = 0
    in_time: int = 0
    breached: int = 0
    wait_total: float = 0.0
    longest: float | None = None

    def add(self, o: _CallSums) -> None:
        self.offered += o.offered
        self.answered += o.answered
        self.abandoned += o.abandoned
        self.short_abandoned += o.short_abandoned
        self.waiting += o.waiting
        self.in_time += o.in_time
        self.breached += o.breached
        self.wait_total += o.wait_total
        if o.longest is not None and (self.longest is None or o.longest > self.longest):
            self.longest = o.longest

    def figures(self, p90: float | None) -> CallFigures:
        mean = self.wait_total / self.answered if self.answered else None
        return CallFigures(self.offered, self.answered, self.abandoned, self.short_abandoned,
                           self.waiting, self.in_time, self.breached, mean, p90, self.longest)


def _part(extra: tuple[Any, ...], parted: bool) -> tuple[int, tuple[Any, ...]]:
    """Split a row's leading part number (when the period is cut) from its values."""
    return (int(extra[0]), extra[1:]) if parted else (0, extra)


def _calls(q: _Scope, grouped: bool) -> dict[Key, dict[int, _CallSums]]:
    """Every call figure but the percentile, by group and part of the period: one pass."""
    wait = _wait()
    now = utc(q.now)
    breached = sa.or_(
        col(Call.answered_at) > col(Call.answer_due_at),
        sa.and_(col(Call.answered_at).is_(None),
                sa.func.coalesce(col(Call.ended_at), now) > col(Call.answer_due_at)))
    short = sa.and_(service_level.abandoned(),
                    seconds_between(col(Call.ended_at), col(Call.offered_at)) < SHORT_ABANDON_S)
    parts = q.parts(col(Call.offered_at))
    rows = q.grouped([
        func.count(),
        func.count(col(Call.answered_at)),
        count_if(service_level.abandoned()),
        count_if(short),
        count_if(col(Call.state) == CallState.RINGING),
        count_if(service_level.answered_in_time()),
        count_if(breached),
        func.sum(wait),
        func.max(wait),
    ], col(Call.contract_id), col(Call.offered_at), grouped,
        where=[q.within(col(Call.offered_at))], froms=lambda st: st.select_from(Call),
        extra_group=parts)
    out: dict[Key, dict[int, _CallSums]] = defaultdict(dict)
    for k, values in rows:
        part, (offered, answered, abandoned, short_n, waiting, in_time, late, total,
               longest) = _part(values, bool(parts))
        out[k][part] = _CallSums(int(offered), int(answered), int(abandoned), int(short_n),
                                 int(waiting), int(in_time), int(late), float(total or 0.0),
                                 _f(longest))
    return out


def _call_p90(q: _Scope, grouped: bool, answered: Mapping[Key, int]) -> dict[Key, float]:
    return q.p90(_wait(), col(Call.contract_id), col(Call.offered_at), grouped, answered,
                 where=[q.within(col(Call.offered_at)), col(Call.answered_at).is_not(None)],
                 froms=lambda st: st.select_from(Call))


CLOCK_TARGETS = ("callback", "consultation_reply")


def _clock_outcomes(q: _Scope, grouped: bool) -> dict[Key, dict[tuple[str, int], tuple[int, ...]]]:
    """Callback and consultation-reply clocks started in the period, by group, target and
    part: started, met, late, past due, open, cancelled."""
    now = utc(q.now)
    running = col(SlaClock.state).in_(("running", "paused"))
    parts = q.parts(col(SlaClock.started_at))
    rows = q.grouped([
        func.count(),
        count_if(col(SlaClock.state) == "met"),
        count_if(col(SlaClock.state) == "late"),
        count_if(sa.or_(sa.and_(running, col(SlaClock.due_at) < now),
                        sa.and_(col(SlaClock.state) == "cancelled",
                                col(SlaClock.breached_at).is_not(None)))),
        count_if(sa.and_(running, col(SlaClock.due_at) >= now)),
        count_if(sa.and_(col(SlaClock.state) == "cancelled", col(SlaClock.breached_at).is_(None))),
    ], col(Ticket.contract_id), col(SlaClock.started_at), grouped,
        where=[col(SlaClock.target).in_(CLOCK_TARGETS), q.within(col(SlaClock.started_at))],
        froms=lambda st: st.select_from(SlaClock).join(
            Ticket, col(Ticket.id) == col(SlaClock.ticket_id)),
        extra_group=[col(SlaClock.target), *parts])
    out: dict[Key, dict[tuple[str, int], tuple[int, ...]]] = defaultdict(dict)
    for k, (target, *values) in rows:
        part, counts = _part(tuple(values), bool(parts))
        out[k][(str(target), part)] = tuple(int(v) for v in counts)
    return out


def _faults(q: _Scope, grouped: bool) -> dict[Key, dict[FaultKey, tuple[int, ...]]]:
    """Faults reported in the period, by group, level at intake, fault category and part:
    reported, upgraded since, still open."""
    level = sa.func.coalesce(col(Ticket.initial_level), col(Ticket.level))
    parts = q.parts(col(Ticket.opened_at))
    rows = q.grouped([
        func.count(),
        count_if(sa.and_(col(Ticket.level).is_not(None), col(Ticket.initial_level).is_not(None),
                         col(Ticket.level) < col(Ticket.initial_level))),
        count_if(col(Ticket.status) != "closed"),
    ], col(Ticket.contract_id), col(Ticket.opened_at), grouped,
        where=[col(Ticket.kind) == "fault", q.within(col(Ticket.opened_at))],
        froms=lambda st: st.select_from(Ticket),
        extra_group=[level.label("lv"), col(Ticket.fault_category).label("cat"), *parts])
    out: dict[Key, dict[FaultKey, tuple[int, ...]]] = defaultdict(dict)
    for k, (lv, cat, *values) in rows:
        part, counts = _part(tuple(values), bool(parts))
        out[k][(None if lv is None else int(lv), cat, part)] = tuple(int(v) for v in counts)
    return out


def _targets(q: _Scope, grouped: bool) -> dict[Key, dict[str, list[int]]]:
    """Targets met and breached in the period, by group and target: ``[met, breached]``.

    Two queries, each a range on its own indexed column (when it was met; when it was
    breached), rather than one that has to read every clock to test either."""
    def froms(st: Any) -> Any:
        return st.select_from(SlaClock).join(Ticket, col(Ticket.id) == col(SlaClock.ticket_id))

    out: dict[Key, dict[str, list[int]]] = defaultdict(dict)
    for i, (when, where) in enumerate((
            (col(SlaClock.met_at), [col(SlaClock.state) == "met", q.within(col(SlaClock.met_at))]),
            (col(SlaClock.breached_at), [q.within(col(SlaClock.breached_at))]))):
        for k, (target, n) in q.grouped([func.count()], col(Ticket.contract_id), when, grouped,
                                        where=where, froms=froms,
                                        extra_group=[col(SlaClock.target)]):
            out[k].setdefault(str(target), [0, 0])[i] += int(n)
    return out


def _escalations(q: _Scope, grouped: bool) -> dict[Key, dict[str, tuple[Any, ...]]]:
    """Escalations raised in the period, by group and kind: raised, acknowledged by a
    person, withdrawn, unacknowledged, and the sum of the times to acknowledge."""
    person = _person_acknowledged()
    rows = q.grouped([
        func.count(),
        count_if(person),
        count_if(col(Escalation.acknowledged_by) == SYSTEM),
        count_if(col(Escalation.acknowledged_at).is_(None)),
        func.sum(sa.case((person, _ack_s()), else_=None)),
    ], _ESCALATION_KEY, col(Escalation.raised_at), grouped,
        where=[q.within(col(Escalation.raised_at))], froms=_escalation_froms,
        extra_group=[col(Escalation.kind)])
    out: dict[Key, dict[str, tuple[Any, ...]]] = defaultdict(dict)
    for k, (kind, n, acked, withdrawn, unacked, total) in rows:
        out[k][str(kind)] = (int(n), int(acked), int(withdrawn), int(unacked),
                             float(total or 0.0))
    return out


def _ack_p90(q: _Scope, grouped: bool, acknowledged: Mapping[Key, int]) -> dict[Key, float]:
    return q.p90(_ack_s(), _ESCALATION_KEY, col(Escalation.raised_at), grouped, acknowledged,
                 where=[q.within(col(Escalation.raised_at)), _person_acknowledged()],
                 froms=_escalation_froms)


def _stored_penalties(q: _Scope, grouped: bool) -> dict[Key, dict[str, float]]:
    rows = q.grouped([func.sum(col(Penalty.points))], col(Penalty.contract_id),
                     col(Penalty.at), grouped, where=[q.within(col(Penalty.at))],
                     froms=lambda st: st.select_from(Penalty), extra_group=[col(Penalty.rule)])
    out: dict[Key, dict[str, float]] = defaultdict(dict)
    for k, (rule, points) in rows:
        out[k][str(rule)] = float(points or 0)
    return out


def _duty_points(q: _Scope, grouped: bool, duty_rules: Collection[str]
                 ) -> dict[Key, dict[str, float]]:
    """Points scored in the period by the contract's duties, by group and rule: the rules
    on duty targets (an inspection report late…), and any rule scored on a duty's ticket."""
    is_duty: sa.ColumnElement[bool] = col(Ticket.kind).in_(sorted(DUTY_KINDS))
    if duty_rules:
        is_duty = sa.or_(col(Penalty.rule).in_(sorted(duty_rules)), is_duty)
    rows = q.grouped([func.sum(col(Penalty.points))], col(Penalty.contract_id),
                     col(Penalty.at), grouped, where=[q.within(col(Penalty.at)), is_duty],
                     froms=lambda st: st.select_from(Penalty).outerjoin(
                         Ticket, col(Ticket.id) == col(Penalty.ticket_id)),
                     extra_group=[col(Penalty.rule)])
    out: dict[Key, dict[str, float]] = defaultdict(dict)
    for k, (rule, points) in rows:
        out[k][str(rule)] = float(points or 0)
    return out


def duty_rules(sla: SlaEngine) -> set[str]:
    """The breach rules of the desk's policies that score duty targets only."""
    out: set[str] = set()
    for name in sla.policy_names():
        for rule in sla.policy(name).scoring.breach:
            if rule.targets and rule.targets <= DUTY_TARGETS:
                out.add(rule.id)
    return out


def exchange_target(sla: SlaEngine, policy: str | None) -> float | None:
    """The yearly technical-exchange target of a policy (None: it sets none)."""
    if policy is None:
        return None
    try:
        value = sla.policy(policy).duties.exchange_days
    except NotFound:
        return None
    return None if value is None else float(value)


def _exchange(s: Session, period: Period, sla: SlaEngine, infos: Mapping[Key, ContractInfo],
              keys: Iterable[Key]) -> dict[Key, ExchangeDays]:
    """The exchange-days counter of each contract in ``keys``: days given in the period, in
    its last day's year up to that day, and the policy's target for the year."""
    year_start = date(period.last_day.year, 1, 1)
    first = min(period.first_day, year_start)
    in_period = sa.and_(col(ExchangeDay.day) >= period.first_day,
                        col(ExchangeDay.day) <= period.last_day)
    in_year = col(ExchangeDay.day) >= year_start
    rows = s.execute(
        sa.select(col(ExchangeDay.contract_id),
                  func.coalesce(func.sum(sa.case((in_period, col(ExchangeDay.days)),
                                                 else_=0.0)), 0.0),
                  func.coalesce(func.sum(sa.case((in_year, col(ExchangeDay.days)),
                                                 else_=0.0)), 0.0))
        .where(col(ExchangeDay.day) >= first, col(ExchangeDay.day) <= period.last_day)
        .group_by(col(ExchangeDay.contract_id))).all()
    given = {cid: (float(days), float(year)) for cid, days, year in rows}
    out: dict[Key, ExchangeDays] = {}
    for k in keys:
        info = infos.get(k)
        target = exchange_target(sla, info.policy) if info is not None else None
        days, year = given.get(k, (0.0, 0.0))
        if target is not None or k in given:
            out[k] = ExchangeDays(days, year, target)
    return out


def _with_exchange(block: Block, exchange: ExchangeDays | None) -> Block:
    if exchange is None:
        return block
    return replace(block, duties=replace(block.duties, exchange=exchange))


def _hours(q: _Scope, start: datetime) -> list[tuple[int, int, int, int]]:
    """(hour index since ``start``, offered, answered, answered in time)."""
    hour = floor_int(seconds_between(col(Call.offered_at), utc(start)) / 3600.0)
    stmt = q.filtered(
        sa.select(hour.label("h"), func.count(), func.count(col(Call.answered_at)),
                  count_if(service_level.answered_in_time()))
        .select_from(Call).where(q.within(col(Call.offered_at))), col(Call.contract_id)
    ).group_by(hour)
    return [(int(h), int(a), int(b), int(c)) for h, a, b, c in q.s.execute(stmt).all()]


def _answer_bins(q: _Scope) -> tuple[tuple[str, int], ...]:
    wait = _wait()
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
    in_time_by_hour = [0] * 24
    per_day: dict[date, list[int]] = {}
    tz = period.tz
    for h, offered, answered, in_time in _hours(q, period.start):
        local = (period.start + timedelta(hours=h)).astimezone(tz)
        by_hour[local.hour] += offered
        answered_by_hour[local.hour] += answered
        in_time_by_hour[local.hour] += in_time
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
    return Series(tuple(by_hour), tuple(answered_by_hour), _answer_bins(q), tuple(points),
                  tuple(in_time_by_hour))


# --- assembling a report ----------------------------------------------------------------


@dataclass
class _Tally:
    """Every aggregate of one scope, by group (contract or _ALL) and part of the period;
    :meth:`block` adds up any groups and parts into the figures of a :class:`Block`."""

    calls: dict[Key, dict[int, _CallSums]]
    clocks: dict[Key, dict[tuple[str, int], tuple[int, ...]]]
    faults: dict[Key, dict[FaultKey, tuple[int, ...]]]
    targets: dict[Key, dict[str, list[int]]]
    escalations: dict[Key, dict[str, tuple[Any, ...]]]
    penalties: dict[Key, dict[str, float]]
    duty_points: dict[Key, dict[str, float]] = field(default_factory=dict)
    call_p90: dict[Key, float] = field(default_factory=dict)
    ack_p90: dict[Key, float] = field(default_factory=dict)

    def groups(self) -> set[Key]:
        out: set[Key] = set()
        for d in (self.calls, self.clocks, self.faults, self.targets, self.escalations,
                  self.penalties, self.duty_points):
            out.update(d)
        return out

    def answered(self) -> dict[Key, int]:
        return {k: sum(c.answered for c in parts.values()) for k, parts in self.calls.items()}

    def acknowledged(self) -> dict[Key, int]:
        return {k: sum(v[1] for v in kinds.values()) for k, kinds in self.escalations.items()}

    def counted(self, keys: Iterable[Key], parts: Container[int] | None = None, *,
                call_p90: float | None = None
                ) -> tuple[CallFigures, CallbackFigures, ConsultationFigures, FaultFigures]:
        """Calls, callbacks, consultations and faults of ``keys`` together (what the period
        rules use); with ``parts``, only in those parts of the period."""
        calls = _CallSums()
        clocks = {t: [0] * 6 for t in CLOCK_TARGETS}
        levels: dict[int, int] = defaultdict(int)
        categories: dict[str, int] = defaultdict(int)
        faults = [0, 0, 0]
        for k in keys:
            for part, c in self.calls.get(k, {}).items():
                if parts is None or part in parts:
                    calls.add(c)
            for (target, part), counts in self.clocks.get(k, {}).items():
                if parts is None or part in parts:
                    clocks[target] = [a + b for a, b in zip(clocks[target], counts, strict=True)]
            for (lv, cat, part), (n, upgraded, still_open) in self.faults.get(k, {}).items():
                if parts is None or part in parts:
                    if lv is not None:
                        levels[lv] += n
                    if cat:
                        categories[cat] += n
                    faults = [faults[0] + n, faults[1] + upgraded, faults[2] + still_open]
        return (calls.figures(call_p90), CallbackFigures(*clocks["callback"]),
                ConsultationFigures(*clocks["consultation_reply"][:5]),
                FaultFigures(faults[0], dict(sorted(levels.items())), faults[1], faults[2],
                             dict(sorted(categories.items(), key=lambda c: (-c[1], c[0])))))

    def block(self, keys: Iterable[Key], *, call_p90: float | None = None,
              ack_p90: float | None = None) -> Block:
        """Every figure of ``keys`` together."""
        keys = list(keys)
        c, callbacks, consultations, faults = self.counted(keys, call_p90=call_p90)
        targets: dict[str, list[int]] = {}
        kinds: dict[str, list[Any]] = {}
        stored: dict[str, float] = defaultdict(float)
        duty_points: dict[str, float] = defaultdict(float)
        for k in keys:
            for target, (met, breached) in self.targets.get(k, {}).items():
                tf = targets.setdefault(target, [0, 0])
                tf[0] += met
                tf[1] += breached
            for kind, values in self.escalations.get(k, {}).items():
                e = kinds.setdefault(kind, [0, 0, 0, 0, 0.0])
                for i, v in enumerate(values):
                    e[i] += v
            for rule, points in self.penalties.get(k, {}).items():
                stored[rule] += points
            for rule, points in self.duty_points.get(k, {}).items():
                duty_points[rule] += points
        duties = DutyFigures({name: TargetFigures(met, breached)
                              for name, (met, breached) in sorted(targets.items())
                              if name in DUTY_TARGETS}, dict(sorted(duty_points.items())))
        met_or_breached = {name: TargetFigures(met, breached)
                           for name, (met, breached) in targets.items()}
        if c.offered:
            met_or_breached["answer"] = TargetFigures(c.answered_within_30s, c.answer_breached)
        raised, acked, withdrawn, unacked = (sum(int(e[i]) for e in kinds.values())
                                             for i in range(4))
        ack_total = sum(float(e[4]) for e in kinds.values())
        return Block(
            calls=c, callbacks=callbacks, consultations=consultations, faults=faults,
            targets=dict(sorted(met_or_breached.items())),
            escalations=EscalationFigures(
                raised, {kind: int(e[0]) for kind, e in sorted(kinds.items())}, acked,
                withdrawn, unacked, ack_total / acked if acked else None, ack_p90),
            penalties=PenaltyFigures(dict(sorted(stored.items()))), duties=duties)


def _tally(q: _Scope, grouped: bool, duty_rules: Collection[str] = ()) -> _Tally:
    """Every figure of the scope, by contract (``grouped``) or as one group (_ALL)."""
    t = _Tally(_calls(q, grouped), _clock_outcomes(q, grouped), _faults(q, grouped),
               _targets(q, grouped), _escalations(q, grouped), _stored_penalties(q, grouped),
               _duty_points(q, grouped, duty_rules))
    t.call_p90 = _call_p90(q, grouped, t.answered())
    t.ack_p90 = _ack_p90(q, grouped, t.acknowledged())
    return t


def _blocks(t: _Tally) -> dict[Key, Block]:
    return {k: t.block([k], call_p90=t.call_p90.get(k), ack_p90=t.ack_p90.get(k))
            for k in t.groups()}


def _overall(q: _Scope, t: _Tally) -> Block:
    """The whole desk's figures: the sum of every group's; the percentiles of all rows."""
    keys = sorted(t.groups(), key=str)  # always added up in the same order
    call_p90 = _call_p90(q, False, {_ALL: sum(t.answered().values())}).get(_ALL)
    ack_p90 = _ack_p90(q, False, {_ALL: sum(t.acknowledged().values())}).get(_ALL)
    return t.block(keys, call_p90=call_p90, ack_p90=ack_p90)


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


def _month_starts(period: Period) -> list[date]:
    """The first days of the calendar months that begin after the period's first day and
    within it: where the parts of the period (0, 1, …) begin."""
    out: list[date] = []
    day = period.first_day
    while True:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        if day > period.last_day:
            return out
        out.append(day)


def _assess(sla: SlaEngine, period: Period, tally: _Tally, month_starts: Sequence[date],
            contracts: Mapping[Key, ContractInfo], extra: Mapping[Key, Mapping[str, float]],
            notes: list[str], now: datetime) -> dict[Key, list[PeriodPenalty]]:
    """Period rules of each contract's policy: for the whole period, and for each calendar
    month, quarter and year inside it (only the rules of that kind of period). Each is
    assessed on the figures of the parts of the period it spans, counted once."""
    out: dict[Key, list[PeriodPenalty]] = defaultdict(list)
    spans: list[tuple[str, date, date, bool]] = [
        (period.kind, period.first_day, period.last_day, True)]
    spans += [(kind, a, b, False) for kind, a, b in whole_periods(period.first_day,
                                                                  period.last_day)
              if (a, b) != (period.first_day, period.last_day)]
    running: list[tuple[date, date]] = []
    for kind, first, last, whole in spans:
        sub = days(first, last, period.tz)
        provisional = sub.end > now
        parts = None if whole else range(bisect_right(month_starts, first),
                                         bisect_right(month_starts, last) + 1)
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
            if provisional and (first, last) not in running:
                running.append((first, last))
            metrics = period_metrics(*tally.counted([k], parts))
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
                                            entry.description, provisional))
    for first, last in running:
        notes.append(_("Provisional: {first} – {last} is still running, so its period-rule "
                       "points may still change.").format(first=first.isoformat(),
                                                          last=last.isoformat()))
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
        month_starts = _month_starts(period) if period.shift is None else []
        q = _Scope(s, period.intervals, now, contract_id, only,
                   bounds=[local_midnight(d, period.tz) for d in month_starts])
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
        rules = duty_rules(sla)
        tally = _tally(q, True, rules)
        per_contract = _blocks(tally)
        keys = wanted if only else wanted | set(per_contract)
        if period.shift is None:
            assessed = {k: infos[k] for k in keys if k in infos}
            penalties = _assess(sla, period, tally, month_starts, assessed, extra, notes, now)
        else:
            penalties = {}
            notes.append(_("Period rules (such as the month's answer rate) are assessed on "
                           "whole days only, not on one shift."))
        per_contract = {k: _with_period_penalties(b, penalties.get(k, ()))
                        for k, b in per_contract.items()}
        exchange = (_exchange(s, period, sla, infos, keys) if period.shift is None else {})
        per_contract = {k: _with_exchange(b, exchange.get(k)) for k, b in per_contract.items()}
        if only:
            overall = per_contract.get(
                contract_id, _with_exchange(Block(), exchange.get(contract_id)))
        else:
            overall = _with_period_penalties(
                _overall(q, tally), [p for k in sorted(penalties, key=str) for p in penalties[k]])
            if exchange:
                total = ExchangeDays()
                for k in sorted(exchange, key=str):
                    total = total.add(exchange[k])
                overall = _with_exchange(overall, total)
        blocks = []
        for k in sorted(keys, key=lambda k: (k is None, infos[k].code if k in infos else "")):
            info = infos.get(k, NO_CONTRACT) if k is not None else NO_CONTRACT
            blocks.append(ContractBlock(info, per_contract.get(
                k, _with_exchange(_with_period_penalties(Block(), penalties.get(k, ())),
                                  exchange.get(k)))))
        series = _series(q, period)
        engineers = engineer_figures(s, period.intervals, contract_id=contract_id,
                                     only_contract=only)
        shift_blocks: list[ShiftBlock] = []
        if by_shift and rota is not None:
            specs = [spec for spec in rota.shifts
                     if period.shift is None or spec.id == period.shift]
            shifts = [days(period.first_day, period.last_day, period.tz, rota=rota,
                           shift=spec.id) for spec in specs]
            labelled = _disjoint([(iv, n) for n, sp in enumerate(shifts)
                                  for iv in sp.intervals])
            if labelled:  # every shift in one pass, grouped by shift
                st = _tally(_Scope(s, (), now, contract_id, only, shifts=labelled), True,
                            rules)
                by_spec = [st.block([n], call_p90=st.call_p90.get(n), ack_p90=st.ack_p90.get(n))
                           for n in range(len(specs))]
            else:  # shifts overlapping in time (boundaries inside a clock change): one by one
                by_spec = []
                for sp in shifts:
                    st = _tally(_Scope(s, sp.intervals, now, contract_id, only), False, rules)
                    by_spec.append(st.block([_ALL], call_p90=st.call_p90.get(_ALL),
                                            ack_p90=st.ack_p90.get(_ALL)))
            for spec, block in zip(specs, by_spec, strict=True):
                shift_blocks.append(ShiftBlock(spec.id, spec.shown_name(), spec.hours(), block))
    return Report(period, now, contract, overall, tuple(blocks), tuple(shift_blocks), series,
                  tuple(notes), engineers)


def _disjoint(labelled: Sequence[tuple[Interval, int]]) -> list[tuple[Interval, int]]:
    """The non-empty labelled intervals in time order if no two overlap, else none."""
    out = sorted((iv, n) for iv, n in labelled if iv[0] < iv[1])
    if any(later[0][0] < earlier[0][1] for earlier, later in pairwise(out)):
        return []
    return out


def _with_period_penalties(block: Block, entries: Sequence[PeriodPenalty]) -> Block:
    return replace(block, penalties=PenaltyFigures(block.penalties.stored, tuple(entries)))
