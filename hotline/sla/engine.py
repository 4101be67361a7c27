"""The SLA engine: policies + working-day calendar + the desk's time zone.

Everything takes and returns aware UTC datetimes; the time zone only
matters for working days, which end at 24:00 local time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.clock import as_utc
from hotline.errors import NotFound
from hotline.i18n import _
from hotline.paths import shipped_data_dir
from hotline.sla.facts import SlaEvent, TicketFacts
from hotline.sla.limits import Limit
from hotline.sla.penalties import assess_period
from hotline.sla.policy import AssurancePeriod, Policy, TargetSpec
from hotline.sla.policy_file import load_policy_dirs
from hotline.sla.results import Evaluation, PenaltyEntry
from hotline.sla.timeline import replay
from hotline.sla.workdays import WorkCalendar, load_calendar_files

_MISSING = object()
_ZERO = timedelta(0)
_DAY = timedelta(days=1)


def shipped_calendar_files() -> list[Path]:
    folder = shipped_data_dir() / "calendar"
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


class SlaEngine:
    """Deadlines, evaluations and penalties for every policy the desk knows."""

    def __init__(self, policies: Mapping[str, Policy], calendar: WorkCalendar,
                 tz: ZoneInfo) -> None:
        self._policies = dict(policies)
        self.calendar = calendar
        self.tz = tz
        self._limits: dict[tuple[object, ...], Limit | None] = {}
        # (local start day's ordinal, N) -> end of the N-th working day after it, UTC.
        self._working_ends: dict[tuple[int, int], datetime] = {}

    @classmethod
    def load(cls, policy_dirs: Sequence[Path], calendar_files: Sequence[Path], tz: ZoneInfo,
             *, shipped_calendars: bool = True) -> SlaEngine:
        """Read the policies and calendars; raises :class:`PolicyError` naming file and key.

        The shipped ``data/calendar/*.toml`` are read first (unless
        ``shipped_calendars`` is false), then ``calendar_files`` in order; a
        later file replaces an earlier one for the same year.
        """
        policies = load_policy_dirs(policy_dirs, tz)
        files = [*(shipped_calendar_files() if shipped_calendars else []), *calendar_files]
        calendar = WorkCalendar(load_calendar_files(files))
        return cls(policies, calendar, tz)

    # -- policies ----------------------------------------------------------

    def policy_names(self) -> list[str]:
        return sorted(self._policies)

    def policy(self, name: str) -> Policy:
        try:
            return self._policies[name]
        except KeyError:
            raise NotFound(_("Unknown policy {name!r} (known: {known}).").format(
                name=name, known=", ".join(self.policy_names()) or _("none"))) from None

    def limit(self, policy: str, target: str, *, grade: str, level: int | None, kind: str,
              region: str | None, conditions: frozenset[str] = frozenset(),
              at: datetime | None = None) -> Limit | None:
        """The limit of ``target`` for this case; None if the policy has none for it.

        With ``at``, an assurance period active then tightens it.
        """
        p = self.policy(policy)
        spec = p.target(target)
        if spec is None:
            return None
        return self._resolve(p, spec, grade, level, kind, p.zone_of(region),
                             frozenset(conditions), None if at is None else as_utc(at))

    def _resolve(self, policy: Policy, spec: TargetSpec, grade: str, level: int | None,
                 kind: str, zone: str | None, conditions: frozenset[str],
                 at: datetime | None) -> Limit | None:
        key = (policy.name, spec.name, grade, level, kind, zone, conditions)
        base = self._limits.get(key, _MISSING)
        if base is _MISSING:
            base = spec.limit_for(grade, level, conditions, zone) if spec.applies(
                kind, conditions) else None
            self._limits[key] = base
        if base is None or at is None or not policy.assurance:
            return base  # type: ignore[return-value]
        period = policy.assurance_at(at)
        if period is None:
            return base  # type: ignore[return-value]
        assert isinstance(base, Limit)
        return period.apply(spec.name, grade, level, base)

    # -- time arithmetic ---------------------------------------------------

    def due(self, limit: Limit, start: datetime, paused: timedelta = _ZERO) -> datetime:
        """When ``limit`` counted from ``start`` falls due, after ``paused`` time stopped.

        Wall-clock limits: ``start + limit + paused``. ``N`` working days: 24:00
        local time of the N-th working day after the start day (the start day
        never counts, working day or not), then moved on by ``paused`` *working
        time* (see :meth:`paused_time`): the due time walks forward through
        working days only, so a pause of a whole working day moves it to 24:00
        of the next working day, and part of a day to that time of the next
        working day.
        """
        if start.tzinfo is not UTC:
            start = as_utc(start)
        if limit.duration is not None:
            return start + limit.duration + paused
        assert limit.working_days is not None
        key = (start.astimezone(self.tz).toordinal(), limit.working_days)
        end = self._working_ends.get(key)
        if end is None:
            day = date.fromordinal(key[0])
            last = self.calendar.add_working_days(day, limit.working_days)
            end = datetime.combine(last + timedelta(days=1), time(0), self.tz).astimezone(UTC)
            self._working_ends[key] = end
        return self.after_working_time(end, paused) if paused > _ZERO else end

    def paused_time(self, limit: Limit, start: datetime, end: datetime) -> timedelta:
        """How much of a pause from ``start`` to ``end`` moves a clock with ``limit``.

        A wall-clock limit: all of it. A limit in working days: only its overlap
        with working days, each working day being its whole local calendar day
        (00:00–24:00, counted in local clock time); weekends, holidays and the
        start day's non-working hours cost nothing, a make-up working day counts.
        """
        if end <= start:
            return _ZERO
        if limit.duration is not None:
            return end - start
        return self.working_time(start, end)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The part of ``start .. end`` that falls on working days (local clock time)."""
        if end <= start:
            return _ZERO
        a = as_utc(start).astimezone(self.tz).replace(tzinfo=None)
        b = as_utc(end).astimezone(self.tz).replace(tzinfo=None)
        if b <= a:
            return _ZERO
        da, db = a.date(), b.date()
        cal = self.calendar
        if da == db:
            return b - a if cal.is_working_day(da) else _ZERO
        total = _ZERO
        if cal.is_working_day(da):
            total += datetime.combine(da + timedelta(days=1), time(0)) - a
        if cal.is_working_day(db):
            total += b - datetime.combine(db, time(0))
        middle = cal.working_days_between(da + timedelta(days=1), db - timedelta(days=1))
        return total + timedelta(days=middle)

    def after_working_time(self, moment: datetime, amount: timedelta) -> datetime:
        """``moment`` moved on by ``amount`` of working time (local clock time).

        The inverse of :meth:`working_time`: the earliest instant ``x`` with
        ``working_time(moment, x) == amount``. An amount that uses up a working
        day exactly ends at 24:00 of that day, not at 00:00 of the next working
        day.
        """
        if amount <= _ZERO:
            return moment
        u = as_utc(moment).astimezone(self.tz).replace(tzinfo=None)
        day = u.date()
        cal = self.calendar
        if cal.is_working_day(day):
            left = datetime.combine(day + timedelta(days=1), time(0)) - u
            if amount <= left:
                return self._utc(u + amount)
            amount -= left
        whole = _DAY
        n = -(-amount // whole)  # working days touched after ``day``, at least 1
        last = cal.add_working_days(day, n)
        return self._utc(datetime.combine(last, time(0)) + (amount - (n - 1) * whole))

    def _utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def due_before(self, limit: Limit, planned: datetime) -> datetime:
        """The latest time for something due ``limit`` ahead of ``planned``.

        Wall-clock limits: ``planned − limit``. ``N`` working days: 24:00 local time of
        the N-th working day before the planned day (the planned day never counts) — the
        mirror of :meth:`due`.
        """
        planned = as_utc(planned)
        if limit.duration is not None:
            return planned - limit.duration
        assert limit.working_days is not None
        day = planned.astimezone(self.tz).date()
        last = self.calendar.subtract_working_days(day, limit.working_days)
        return datetime.combine(last + timedelta(days=1), time(0), self.tz).astimezone(UTC)

    def warn_at(self, limit: Limit, start: datetime, due: datetime, warn_share: float
                ) -> datetime:
        """When the warning begins: once ``warn_share`` of the limit has run.

        Measured back from ``due`` (which includes paused time), so a pause
        moves the warning as much as the deadline.
        """
        if start.tzinfo is not UTC:
            start = as_utc(start)
        if due.tzinfo is not UTC:
            due = as_utc(due)
        span = self.due(limit, start) - start
        return due - span * (1 - warn_share)

    # -- evaluation --------------------------------------------------------

    def evaluate(self, facts: TicketFacts, events: Sequence[SlaEvent], at: datetime
                 ) -> Evaluation:
        """Every clock, escalation and penalty of a ticket as of ``at``.

        Events may come in any order (they are sorted by time, stably); events
        after ``at`` are not looked at.
        """
        policy = self.policy(facts.policy)
        at = as_utc(at)
        zone = policy.zone_of(facts.region)
        notes: list[str] = []
        if facts.region is not None and policy.regions and zone is None:
            notes.append(_("region {region!r} is not one of the policy's regions; limits that "
                           "depend on the region use the policy's default").format(
                               region=facts.region))
        if policy.grades and facts.grade not in policy.grades:
            notes.append(_("grade {grade!r} is not one of the policy's grades ({known})").format(
                grade=facts.grade, known=", ".join(policy.grades)))
        unknown = sorted(facts.conditions - set(policy.conditions))
        if unknown:
            notes.append(_("conditions not known to the policy are ignored: {names}").format(
                names=", ".join(unknown)))
        def resolve(spec: TargetSpec, level: int | None, t: datetime) -> Limit | None:
            return self._resolve(policy, spec, facts.grade, level, facts.kind, zone,
                                 facts.conditions, t)

        result = replay(policy, facts, events, at, resolve=resolve, due=self.due,
                        warn=self.warn_at, tz=self.tz, counted=self.paused_time,
                        due_before=self.due_before)
        if notes:
            result.notes[:0] = notes
        return result

    # -- assurance and penalties -------------------------------------------

    def active_assurance(self, policy: str | None, at: datetime) -> AssurancePeriod | None:
        """The assurance period active at ``at`` (for ``policy``, or for any policy)."""
        at = as_utc(at)
        names = [policy] if policy is not None else self.policy_names()
        for name in names:
            period = self.policy(name).assurance_at(at)
            if period is not None:
                return period
        return None

    def period_penalties(self, policy: str, period_start: datetime, period_end: datetime,
                         metrics: Mapping[str, float]) -> list[PenaltyEntry]:
        """Penalties of the policy's period rules for one period's figures."""
        return assess_period(self.policy(policy), as_utc(period_start), as_utc(period_end),
                             metrics, self.tz)
