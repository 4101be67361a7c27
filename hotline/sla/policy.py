"""A contract's SLA policy, as read from its TOML file.

A policy names its *targets* (clocks such as ``restore`` or ``callback``):
when each starts, what stops it, and its limit per grade and level — with
*variants* for conditions (on-site handling, a network-management crash…)
and regions. It also says which breaches escalate, how the tier chain runs,
what scores penalty points and when limits tighten (assurance periods).

The classes here only hold and look up; :mod:`hotline.sla.policy_file`
reads and validates the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from hotline.display_names import FAULT_CATEGORIES, TARGETS_NAMED_ALIKE
from hotline.i18n import N_, _, current_language
from hotline.sla.limits import Limit

#: Level key in a limit table meaning "any level" (also used for tickets without a level).
ANY = "*"

Tier = Literal["engineer", "supervisor", "manager"]
TIERS: tuple[Tier, ...] = ("engineer", "supervisor", "manager")

KINDS = ("fault", "consultation", "complaint")

#: The contract's other duties, each a kind of ticket with its own clocks (issue 16; what
#: each means: :mod:`hotline.duties.kinds`). A policy lists those it tracks in its kinds.
DUTY_KINDS = ("inspection", "upgrade_request", "document_request", "meeting",
              "service_report", "number_change")

#: Every kind of ticket a policy may name.
ALL_KINDS = KINDS + DUTY_KINDS

#: Where a target counts from: its start (the default), the ticket's planned time, or back
#: from the planned time (a notice due so long before it).
Anchor = Literal["start", "planned", "before_planned"]
ANCHORS: tuple[Anchor, ...] = ("start", "planned", "before_planned")

#: The condition that dispatching an engineer sets (see :meth:`Policy.dispatched`).
ONSITE = "onsite"

#: The fault categories of a policy that lists none of its own.
DEFAULT_FAULT_CATEGORIES: tuple[str, ...] = tuple(FAULT_CATEGORIES)

#: Labels of the targets the desk knows, translated when shown.
TARGET_LABELS: dict[str, str] = {
    "answer": N_("Answer call"),
    "callback": N_("Call back"),
    "depart": N_("Depart for site"),
    "restore": N_("Restore service"),
    "resolve": N_("Resolve fault"),
    **TARGETS_NAMED_ALIKE,
}

#: Targets whose clocks are paperwork: their steps are still taken on a closed ticket
#: while the clock runs (the policy keeps them on close).
PAPERWORK_TARGETS: tuple[str, ...] = ("handling_form", "analysis_report")

TIER_LABELS: dict[str, str] = {
    "engineer": N_("engineer"),
    "supervisor": N_("supervisor"),
    "manager": N_("manager"),
}


# A level key is an int level or ANY; a grade key is a grade or ANY.
LevelKey = int | str
LimitTable = Mapping[str, Mapping[LevelKey, Limit]]


def lookup(table: LimitTable, grade: str, level: int | None) -> Limit | None:
    """The limit for ``grade``/``level``: exact grade before ``*``, exact level before ``*``."""
    for g in (grade, ANY):
        row = table.get(g)
        if row is None:
            continue
        if level is not None:
            hit = row.get(level)
            if hit is not None:
                return hit
        hit = row.get(ANY)
        if hit is not None:
            return hit
    return None


@dataclass(frozen=True)
class Variant:
    """Limits that replace the target's own when conditions/zones match."""

    when: frozenset[str]
    unless: frozenset[str]
    zones: frozenset[str] | None
    limits: LimitTable

    def matches(self, conditions: frozenset[str], zone: str | None) -> bool:
        if not self.when <= conditions or self.unless & conditions:
            return False
        return self.zones is None or (zone is not None and zone in self.zones)


@dataclass(frozen=True)
class TargetSpec:
    """One clock of the policy."""

    name: str
    start: tuple[str, ...]
    stop: tuple[str, ...]
    limits: LimitTable
    variants: tuple[Variant, ...] = ()
    #: Events that must have happened before the clock starts: a start event that comes
    #: first is held, and the clock starts at the first of these instead.
    after: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset(KINDS)
    when: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    scope: Literal["ticket", "call"] = "ticket"
    pausable: bool = False
    repeat: bool = False
    restart_on_reopen: bool = False
    keep_on_close: bool = False
    warn_share: float | None = None
    label: str | None = None
    label_zh: str | None = None
    #: Where the limit counts from (see :data:`Anchor`).
    anchor: Anchor = "start"
    #: A deadline for something that may not happen (a change of plan): passing it
    #: ends the clock without a breach; the stop event after it is the breach.
    optional: bool = False

    def shown_label(self) -> str:
        if current_language() == "zh_CN" and self.label_zh:
            return self.label_zh
        if self.label:
            return _(self.label)
        if self.name in TARGET_LABELS:
            return _(TARGET_LABELS[self.name])
        return self.name

    def applies(self, kind: str, conditions: frozenset[str]) -> bool:
        return kind in self.kinds and self.when <= conditions and not (self.unless & conditions)

    def limit_for(self, grade: str, level: int | None, conditions: frozenset[str],
                  zone: str | None) -> Limit | None:
        """The first matching variant with a cell for grade/level, else the base table."""
        for variant in self.variants:
            if variant.matches(conditions, zone):
                hit = lookup(variant.limits, grade, level)
                if hit is not None:
                    return hit
        return lookup(self.limits, grade, level)


@dataclass(frozen=True)
class Region:
    """A zone of the policy's area with the city names (Chinese and pinyin) it contains,
    and the county-level places (districts, counties, county-level cities) in it."""

    zone: str
    label: str
    cities: tuple[str, ...]
    places: tuple[str, ...] = ()


#: Suffixes of a place name that do not change the place (one is taken off).
_PLACE_SUFFIXES = ("市区", "市", "区", "县", "city", "district", "county", "shi")


@lru_cache(maxsize=4096)
def normalise_city(text: str) -> str:
    """``佛山市`` → ``佛山``, ``顺德区`` → ``顺德``, ``江门市区`` → ``江门``,
    ``Foshan City`` / `` foshan `` → ``foshan``."""
    s = re.sub(r"[\s\-_'’·]", "", text.strip().lower())
    for suffix in _PLACE_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
            break
    return s


_ADMIN_PART = re.compile(r".+?(?:省|市|区|县|$)", re.DOTALL)


def admin_parts(text: str) -> list[str]:
    """``广东省佛山市顺德区`` → ``["广东省", "佛山市", "顺德区"]`` (most specific last)."""
    return [p for p in _ADMIN_PART.findall(text.strip()) if p.strip()]


@dataclass(frozen=True)
class EscalationSpec:
    """Which breaches upgrade the level, and the tier chain at the top level."""

    upgrade_on: frozenset[str] = frozenset({"restore", "resolve"})
    tiers: tuple[Tier, ...] = ("supervisor", "manager")
    ack_timeout: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class BreachRule:
    """Points for a target missing its limit."""

    id: str
    targets: frozenset[str]
    points: int
    per: Literal["ticket", "target", "breach"]
    description: str


@dataclass(frozen=True)
class EventRule:
    """Points for an event on a ticket (verified written complaint, letter of thanks…)."""

    id: str
    event: str
    points: int
    description: str


@dataclass(frozen=True)
class PeriodRule:
    """Points for a period figure: a threshold (``below``/``above``) or a count (``each``)."""

    id: str
    metric: str
    points: int | None
    each: int | None
    below: float | None
    above: float | None
    require: Mapping[str, float]
    period: Literal["month", "quarter", "year", "any"]
    description: str


@dataclass(frozen=True)
class Scoring:
    breach: tuple[BreachRule, ...] = ()
    event: tuple[EventRule, ...] = ()
    period: tuple[PeriodRule, ...] = ()


#: How often a scheduled duty comes: the periods a year divides into.
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "half-year": 2, "year": 1}


@dataclass(frozen=True)
class DutySchedule:
    """What a year of the contract's duties holds (the ``[duties]`` table).

    ``inspections_per_year``: routine inspections of each site (each trunk) a year;
    ``meetings``: a meeting's name and how often it is held (``month``, ``quarter``…);
    ``service_report_day``: the monthly service report is due by 24:00 of this day of
    the next month (None: no monthly report); ``exchange_days``: days of technical
    exchange a year (None: no target).
    """

    inspections_per_year: int = 0
    meetings: Mapping[str, str] = field(default_factory=dict)
    service_report_day: int | None = None
    exchange_days: float | None = None


@dataclass(frozen=True)
class AssuranceEffect:
    """How an assurance period changes limits.

    ``limits`` gives explicit values per target (grade/level tables); other
    targets (or only those in ``targets``, if given) get wall-clock limits
    multiplied by ``factor``. ``standby`` means engineers stand by on site.
    """

    factor: float | None = None
    limits: Mapping[str, LimitTable] = field(default_factory=dict)
    targets: frozenset[str] | None = None
    standby: bool = False
    note: str = ""


@dataclass(frozen=True)
class AssurancePeriod:
    """A named stretch of time (重要通讯保障期) during which limits tighten."""

    name: str
    start: datetime
    end: datetime
    effect: AssuranceEffect
    policy: str = ""

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def apply(self, target: str, grade: str, level: int | None, limit: Limit) -> Limit:
        table = self.effect.limits.get(target)
        if table is not None:
            explicit = lookup(table, grade, level)
            if explicit is not None:
                return explicit
        if self.effect.factor is not None and (
                self.effect.targets is None or target in self.effect.targets):
            return limit.scaled(self.effect.factor)
        return limit


@dataclass(frozen=True)
class LevelQuestion:
    """A yes/no question of the contract's fault-level definitions: "yes" proposes ``level``."""

    id: str
    level: int
    text: str
    text_zh: str | None = None

    def shown_text(self) -> str:
        if current_language() == "zh_CN" and self.text_zh:
            return self.text_zh
        return self.text


@dataclass(frozen=True)
class Classification:
    """The questions that classify a fault (``[classification]``), in the policy's order.

    ``default``: the level proposed when no answer is "yes" (None: nothing is proposed,
    the engineer chooses — a fault the contract does not define).
    """

    questions: tuple[LevelQuestion, ...] = ()
    default: int | None = None

    def question(self, qid: str) -> LevelQuestion | None:
        return next((q for q in self.questions if q.id == qid), None)


def propose_level(classification: Classification, yes: Iterable[str]) -> int | None:
    """The level the answers propose: the most severe level of a question answered "yes",
    else the classification's default (None when it has none).

    ``yes``: ids of the questions answered "yes"; an id the policy does not ask is a
    :class:`ValueError` naming it.
    """
    levels = []
    for qid in yes:
        question = classification.question(qid)
        if question is None:
            raise ValueError(qid)
        levels.append(question.level)
    if levels:
        return min(levels)
    return classification.default


#: The approvals a policy may require before work (``[procedure] gates``).
GATES: dict[str, str] = {
    "plan_approval": N_("the customer approves a technical plan before it is carried out"),
    "restart_approval": N_("the customer approves a reinstall or restart before it is done"),
}


@dataclass(frozen=True)
class Procedure:
    """Rules on how work is done (``[procedure]``): approvals required, repeat faults.

    ``repeat_within``: a fault on the same equipment within this time of an earlier
    fault's resolution means that resolution did not hold (None: no such rule).
    """

    gates: frozenset[str] = frozenset()
    repeat_within: timedelta | None = None


@dataclass(frozen=True)
class Policy:
    """A contract type's SLA rules."""

    name: str
    title: str
    title_zh: str | None
    description: str
    grades: tuple[str, ...]
    levels: tuple[int, ...]
    kinds: tuple[str, ...]
    warn_share: float
    conditions: Mapping[str, str]
    regions: tuple[Region, ...]
    targets: tuple[TargetSpec, ...]
    escalation: EscalationSpec
    scoring: Scoring
    assurance: tuple[AssurancePeriod, ...]
    events: frozenset[str]
    file: Path | None = None
    #: What a fault may be put down to when it is restored or resolved (for the reports).
    fault_categories: tuple[str, ...] = DEFAULT_FAULT_CATEGORIES
    #: The questions that propose a fault's level (the contract's level definitions).
    classification: Classification = field(default_factory=Classification)
    #: Approvals before work, and the repeat-fault rule.
    procedure: Procedure = field(default_factory=Procedure)
    #: The year's scheduled duties (inspections, meetings, reports, exchange days).
    duties: DutySchedule = field(default_factory=DutySchedule)
    _zones: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    _by_name: Mapping[str, TargetSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        zones = {normalise_city(c): r.zone for r in self.regions
                 for c in (*r.cities, *r.places)}
        object.__setattr__(self, "_zones", zones)
        object.__setattr__(self, "_by_name", {t.name: t for t in self.targets})

    def shown_title(self) -> str:
        if current_language() == "zh_CN" and self.title_zh:
            return self.title_zh
        return self.title

    def target(self, name: str) -> TargetSpec | None:
        return self._by_name.get(name)

    @property
    def top_level(self) -> int | None:
        """The most severe level (1), or None for a policy without levels."""
        return min(self.levels) if self.levels else None

    def zone_of(self, region: str | None) -> str | None:
        """The zone a place belongs to; None if no region is given or it is not known.

        A city or county-level place of the policy's lists by its name (``顺德`` →
        ``prd``); a full address by its most specific known part (``佛山市顺德区``,
        ``江门市台山市`` → the zone of 台山, not that of 江门)."""
        if region is None:
            return None
        hit = self._zones.get(normalise_city(region))
        if hit is not None:
            return hit
        for part in reversed(admin_parts(region)[:8]):
            hit = self._zones.get(normalise_city(part))
            if hit is not None:
                return hit
        return None

    def zone_matters(self, *, grade: str, level: int | None, kind: str,
                     conditions: frozenset[str]) -> bool:
        """Whether a limit of this case depends on the region (a variant with zones that
        has a cell for the grade and level and whose conditions hold)."""
        for spec in self.targets:
            if spec.scope != "ticket" or not spec.applies(kind, conditions):
                continue
            for variant in spec.variants:
                if variant.zones is None or not variant.when <= conditions:
                    continue
                if variant.unless & conditions:
                    continue
                if lookup(variant.limits, grade, level) is not None:
                    return True
        return False

    def region_needed(self, *, grade: str, level: int | None, kind: str,
                      conditions: frozenset[str], region: str | None) -> bool:
        """Whether this case's limits depend on a region the ticket does not have (none,
        or a place the policy does not know): the desk asks for it."""
        return (bool(self.regions) and self.zone_of(region) is None
                and self.zone_matters(grade=grade, level=level, kind=kind,
                                      conditions=conditions))

    def region_list(self) -> str:
        """The policy's regions in words: ``core: 广州, 深圳 …; prd: …``."""
        return "; ".join(f"{r.zone}: {', '.join(r.cities)}" for r in self.regions)

    def knows_region(self, region: str) -> bool:
        return self.zone_of(region) is not None

    def limit(self, target: str, *, grade: str, level: int | None, kind: str,
              zone: str | None, conditions: frozenset[str]) -> Limit | None:
        """The target's limit for this case, before any assurance period."""
        spec = self._by_name.get(target)
        if spec is None or not spec.applies(kind, conditions):
            return None
        return spec.limit_for(grade, level, conditions, zone)

    def dispatched(self, conditions: Sequence[str]) -> list[str]:
        """The conditions once an engineer is dispatched: going on site makes the policy's
        on-site limits apply (its ``onsite`` condition, if it has one), counted from the
        report. The desk's dispatch step and ``sla explain`` both use this."""
        current = list(dict.fromkeys(conditions))
        if ONSITE in self.conditions and ONSITE not in current:
            current.append(ONSITE)
        return current

    def assurance_at(self, at: datetime) -> AssurancePeriod | None:
        for period in self.assurance:
            if period.active(at):
                return period
        return None
