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
        never counts, working day or not), then ``paused`` later — a paused
        clock stops, so its end moves by exactly the time it stood still.
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
        return end + paused if paused else end

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
                        warn=self.warn_at, tz=self.tz, due_before=self.due_before)
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
