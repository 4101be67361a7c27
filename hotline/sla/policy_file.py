"""Reading and validating policy files (``data/policies/*.toml``).

Every mistake is reported with the file, the dotted key and what is wrong,
and what would be right; the first mistake stops the load (a policy that
half-loads is worse than none).

File layout (see ``data/policies/standard.toml`` for a commented example)::

    [policy]        name, title, title_zh, description, grades, levels, kinds, warn_share,
                    fault_categories
    [conditions]    condition = "what it means"
    [regions.ZONE]  label, cities = ["佛山", "Foshan", …]
    [escalation]    upgrade_on, tiers, ack_timeout
    [targets.NAME]  start, stop, limit | limits, variants, kinds, when, unless,
                    scope, pausable, repeat, restart_on_reopen, keep_on_close,
                    warn_share, label, label_zh
    [[scoring.breach]] / [[scoring.event]] / [[scoring.period]]
    [[assurance]]   name, start, end, factor, limits, targets, standby, note
    [duties]        inspections_per_year, meetings, service_report_day, exchange_days

A target of a duty may count from the ticket's planned time (``anchor = "planned"``)
or back from it (``anchor = "before_planned"``), and be ``optional`` (a deadline for
something that may not happen, such as a change of plan).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.sla.errors import PolicyError
from hotline.sla.facts import EVENT_NAMES, FLOW_EVENTS, OPENED
from hotline.sla.limits import Limit, parse_limit
from hotline.sla.policy import (
    ALL_KINDS,
    ANCHORS,
    ANY,
    DEFAULT_FAULT_CATEGORIES,
    KINDS,
    PERIODS_PER_YEAR,
    TIERS,
    AssuranceEffect,
    AssurancePeriod,
    BreachRule,
    DutySchedule,
    EscalationSpec,
    EventRule,
    LevelKey,
    LimitTable,
    PeriodRule,
    Policy,
    Region,
    Scoring,
    TargetSpec,
    Tier,
    Variant,
    normalise_city,
)
from hotline.timefmt import MAX_YEAR, MIN_YEAR

#: A policy's fault categories: how many, and how long a name (the ticket keeps 40).
MAX_FAULT_CATEGORIES = 50
MAX_FAULT_CATEGORY_LENGTH = 40

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

_TOP_KEYS = {"policy", "conditions", "regions", "escalation", "targets", "scoring", "assurance",
             "duties"}
_DUTIES_KEYS = {"inspections_per_year", "meetings", "service_report_day", "exchange_days"}
_POLICY_KEYS = {"name", "title", "title_zh", "description", "grades", "levels", "kinds",
                "warn_share", "fault_categories"}
_REGION_KEYS = {"label", "cities"}
_ESCALATION_KEYS = {"upgrade_on", "tiers", "ack_timeout"}
_TARGET_KEYS = {"label", "label_zh", "scope", "kinds", "when", "unless", "start", "stop",
                "limit", "limits", "variants", "pausable", "repeat", "restart_on_reopen",
                "keep_on_close", "warn_share", "anchor", "optional"}
_VARIANT_KEYS = {"when", "unless", "zones", "limit", "limits"}
_SCORING_KEYS = {"breach", "event", "period"}
_BREACH_KEYS = {"id", "targets", "points", "per", "description"}
_EVENT_RULE_KEYS = {"id", "event", "points", "description"}
_PERIOD_KEYS = {"id", "metric", "points", "each", "below", "above", "require", "period",
                "description"}
_ASSURANCE_KEYS = {"name", "start", "end", "factor", "limits", "targets", "standby", "note"}


#: The largest policy file read (the shipped ones are a few kilobytes).
MAX_FILE_BYTES = 1_000_000
#: The largest figure a rule may name, and the most points one rule may give or take.
MAX_NUMBER = 1e12
MAX_POINTS = 10_000
#: How deeply tables and arrays may nest (the layout above needs five levels).
MAX_DEPTH = 12


def load_policy_file(path: Path, tz: ZoneInfo) -> Policy:
    """Read one policy file; raises :class:`PolicyError` (and nothing else)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError(path, None, _("the file does not exist")) from None
    except IsADirectoryError:
        raise PolicyError(path, None, _("is a folder, not a policy file")) from None
    except OSError as exc:
        raise PolicyError(path, None, _("cannot be read: {error}").format(
            error=exc.strerror or exc)) from exc
    return read_policy_text(raw, path, tz)


def read_policy_text(raw: bytes, path: Path, tz: ZoneInfo) -> Policy:
    """A policy from a file's bytes (``path`` names it in messages); raises :class:`PolicyError`."""
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyError(path, None, _("larger than {n} bytes; a policy file is a few "
                                        "kilobytes").format(n=MAX_FILE_BYTES))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PolicyError(path, None, _("line {line}: not UTF-8 text").format(
            line=line)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, None, _("not valid TOML: {error}").format(error=exc)) from exc
    except ValueError:
        # tomllib refuses integers of thousands of digits with a plain ValueError
        raise PolicyError(path, None, _("a number with thousands of digits")) from None
    except RecursionError:
        raise PolicyError(path, None, _("tables or arrays nested more than {n} deep").format(
            n=MAX_DEPTH)) from None
    _check_depth(path, data)
    try:
        return _Reader(path, tz).policy(data)
    except PolicyError as exc:
        written_on = line_of(text, exc.key) if exc.key else None
        if written_on is None:
            raise
        raise PolicyError(exc.file, exc.key, exc.problem, written_on) from None


_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.\"' *")


def _path(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in text.split(".")]


def line_of(text: str, key: str) -> int | None:
    """The line a dotted key (``targets.restore.limits.A.2``, ``scoring.breach[1].points``)
    is written on, or that of the closest enclosing table or key; None if none is found.

    A reading of the TOML text for messages only: headers, ``[[arrays]]`` (counted, for
    the ``[i]``), and ``key = …`` lines (a key of an inline table is found at its line).
    """
    wanted = _path(re.sub(r"\[(\d+)\]", r".#\1", key))
    table: list[str] = []
    counts: dict[str, int] = {}
    best: tuple[int, int] | None = None  # (matching parts, line)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()  # plain string work: no regex to backtrack
        if line.startswith("["):
            array = line.startswith("[[")
            name_text = line.strip("[] \t")
            if not name_text or not set(name_text) <= _KEY_CHARS:
                continue
            table = _path(name_text)
            if array:
                name = ".".join(table)
                counts[name] = counts.get(name, -1) + 1
                table = [*table, f"#{counts[name]}"]
            full = table
        else:
            left, sep, _rest = line.partition("=")
            left = left.strip()
            if not sep or not left or not set(left) <= _KEY_CHARS:
                continue
            full = [*table, *_path(left)]
        n = 0
        while n < min(len(full), len(wanted)) and full[n] == wanted[n]:
            n += 1
        if n == len(full) and n and (best is None or n > best[0]):
            best = (n, number)
    return best[1] if best else None


def _check_depth(path: Path, data: dict[str, Any]) -> None:
    """Refuse tables or arrays nested deeper than :data:`MAX_DEPTH` (without recursion)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            raise PolicyError(path, key or None, _(
                "tables or arrays nested more than {n} deep").format(n=MAX_DEPTH))
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{key}.{k}" if key else str(k))
                         for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{key}[{i}]") for i, v in enumerate(value))


def load_policy_dirs(dirs: Sequence[Path], tz: ZoneInfo) -> dict[str, Policy]:
    """Every ``*.toml`` policy in ``dirs``; a later folder's policy replaces a same-named one.

    Two files of the same folder may not define the same name.
    """
    out: dict[str, Policy] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise PolicyError(folder, None, _("the policy folder does not exist"))
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            policy = load_policy_file(path, tz)
            if policy.name in seen:
                raise PolicyError(path, "policy.name", _(
                    "{name!r} is already defined by {other}").format(
                        name=policy.name, other=seen[policy.name].name))
            seen[policy.name] = path
            out[policy.name] = policy
    return out


class _Reader:
    """Reads one file's parsed TOML into a :class:`Policy`, checking as it goes."""

    def __init__(self, path: Path, tz: ZoneInfo) -> None:
        self.path = path
        self.tz = tz
        self.grades: tuple[str, ...] = ()
        self.levels: tuple[int, ...] = ()
        self.kinds: tuple[str, ...] = KINDS
        self.conditions: dict[str, str] = {}
        self.zones: set[str] = set()

    # -- helpers -----------------------------------------------------------

    def fail(self, key: str | None, problem: str) -> PolicyError:
        return PolicyError(self.path, key, problem)

    def keys(self, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            where = f"{key}.{unknown[0]}" if key else unknown[0]
            raise self.fail(where, _("unknown key (known: {known})").format(
                known=", ".join(sorted(allowed))))

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, _("expected a table"))
        return value

    def text(self, key: str, value: Any, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, _("expected text"))
        return value.strip()

    def boolean(self, key: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, _("must be true or false"))
        return value

    def str_list(self, key: str, value: Any, *, allowed: Sequence[str] | None = None,
                 what: str = "") -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, _("expected a list of names"))
        if allowed is not None:
            for v in value:
                if v not in allowed:
                    raise self.fail(key, _("unknown {what} {value!r} (known: {known})").format(
                        what=what, value=v, known=", ".join(allowed) or _("none")))
        return tuple(value)

    def share(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.fail(key, _("a share above 0 and at most 1, such as 0.8, is expected"))
        return float(value)

    def limit(self, key: str, value: Any) -> Limit:
        try:
            return parse_limit(value)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def wall_clock(self, key: str, value: Any) -> timedelta:
        limit = self.limit(key, value)
        if limit.duration is None:
            raise self.fail(key, _("a wall-clock duration is expected here (30min, 2h)"))
        return limit.duration

    def points(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value == 0:
            raise self.fail(key, _("a whole number of points, not zero, is expected "
                                   "(negative deducts, positive credits)"))
        if abs(value) > MAX_POINTS:
            raise self.fail(key, _("at most {n} points either way").format(n=MAX_POINTS))
        return value

    # -- sections ----------------------------------------------------------

    def policy(self, data: dict[str, Any]) -> Policy:
        self.keys("", data, _TOP_KEYS)
        if "policy" not in data:
            raise self.fail("policy", _("missing [policy] table"))
        head = self.table("policy", data["policy"])
        self.keys("policy", head, _POLICY_KEYS)
        name = self.text("policy.name", head.get("name"), required=True)
        if not _NAME.match(name):
            raise self.fail("policy.name", _(
                "{name!r}: use lower-case letters, digits and '-'").format(name=name))
        title = self.text("policy.title", head.get("title")) or name
        title_zh = self.text("policy.title_zh", head.get("title_zh")) or None
        description = self.text("policy.description", head.get("description"))
        self.grades = self.str_list("policy.grades", head.get("grades", []))
        if ANY in self.grades:
            raise self.fail("policy.grades", _("'*' is not a grade"))
        self.levels = self._levels(head.get("levels", []))
        self.kinds = self.str_list("policy.kinds", head.get("kinds", list(KINDS)),
                                   allowed=ALL_KINDS, what=_("kind"))
        warn_share = 0.8
        if "warn_share" in head:
            warn_share = self.share("policy.warn_share", head["warn_share"])

        fault_categories = self._fault_categories(head.get("fault_categories"))

        conditions = self.table("conditions", data.get("conditions", {}))
        for cname, meaning in conditions.items():
            if not _IDENT.match(cname):
                raise self.fail(f"conditions.{cname}", _("use lower-case letters, digits, _"))
            self.conditions[cname] = self.text(f"conditions.{cname}", meaning, required=True)

        regions = self._regions(self.table("regions", data.get("regions", {})))

        targets_table = self.table("targets", data.get("targets", {}))
        if not targets_table:
            raise self.fail("targets", _("a policy needs at least one target"))
        targets = tuple(self._target(tname, body) for tname, body in targets_table.items())
        target_names = [t.name for t in targets]

        escalation = self._escalation(self.table("escalation", data.get("escalation", {})),
                                      target_names)
        scoring = self._scoring(self.table("scoring", data.get("scoring", {})), target_names)
        assurance = self._assurance(data.get("assurance", []), name, target_names)
        duties = self._duties(self.table("duties", data.get("duties", {})))

        events = set(EVENT_NAMES)
        events.update(rule.event for rule in scoring.event)
        for t in targets:
            events.update(e for e in (*t.start, *t.stop) if e != OPENED)
        return Policy(
            name=name, title=title, title_zh=title_zh, description=description,
            grades=self.grades, levels=self.levels, kinds=self.kinds, warn_share=warn_share,
            conditions=self.conditions, regions=regions, targets=targets,
            escalation=escalation, scoring=scoring, assurance=assurance,
            events=frozenset(events), file=self.path, fault_categories=fault_categories,
            duties=duties,
        )

    def _duties(self, body: dict[str, Any]) -> DutySchedule:
        self.keys("duties", body, _DUTIES_KEYS)
        inspections = body.get("inspections_per_year", 0)
        if isinstance(inspections, bool) or not isinstance(inspections, int) or not (
                0 <= inspections <= 12):
            raise self.fail("duties.inspections_per_year",
                            _("a whole number from 0 to 12 is expected"))
        if inspections and 12 % inspections:
            raise self.fail("duties.inspections_per_year",
                            _("the year must divide evenly: 1, 2, 3, 4, 6 or 12"))
        meetings: dict[str, str] = {}
        for mname, every in self.table("duties.meetings", body.get("meetings", {})).items():
            mkey = f"duties.meetings.{mname}"
            if not _IDENT.match(mname) or len(mname) > 40:
                raise self.fail(mkey, _("use lower-case letters, digits, _"))
            if every not in PERIODS_PER_YEAR:
                raise self.fail(mkey, _("how often: {known}").format(
                    known=", ".join(PERIODS_PER_YEAR)))
            meetings[mname] = every
        day = body.get("service_report_day")
        if day is not None and (isinstance(day, bool) or not isinstance(day, int)
                                or not 1 <= day <= 28):
            raise self.fail("duties.service_report_day",
                            _("a day of the month from 1 to 28 is expected"))
        exchange = self._number("duties.exchange_days", body.get("exchange_days"))
        if exchange is not None and not 0 < exchange <= 366:
            raise self.fail("duties.exchange_days",
                            _("a number of days above 0 and at most 366 is expected"))
        for kind, needed in (("inspection", inspections), ("meeting", meetings),
                             ("service_report", day)):
            if needed and kind not in self.kinds:
                raise self.fail("duties", _("the policy schedules {kind} duties but its "
                                            "kinds do not list {kind!r}").format(kind=kind))
        return DutySchedule(inspections_per_year=inspections, meetings=meetings,
                            service_report_day=day, exchange_days=exchange)

    def _fault_categories(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return DEFAULT_FAULT_CATEGORIES
        names = self.str_list("policy.fault_categories", value)
        if not names:
            raise self.fail("policy.fault_categories", _(
                "list at least one category (or leave the key out for the usual ones)"))
        if len(names) > MAX_FAULT_CATEGORIES:
            raise self.fail("policy.fault_categories", _(
                "at most {n} categories").format(n=MAX_FAULT_CATEGORIES))
        for n in names:
            if not _IDENT.match(n):
                raise self.fail("policy.fault_categories", _(
                    "{name!r}: use lower-case letters, digits, _").format(name=n))
            if len(n) > MAX_FAULT_CATEGORY_LENGTH:
                raise self.fail("policy.fault_categories", _(
                    "{name!r}: at most {n} characters").format(
                        name=n, n=MAX_FAULT_CATEGORY_LENGTH))
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise self.fail("policy.fault_categories", _("{name!r} is listed twice").format(
                name=twice))
        return names

    def _levels(self, value: Any) -> tuple[int, ...]:
        if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail("policy.levels", _("expected a list of levels such as [1, 2, 3]"))
        levels = tuple(sorted(set(value)))
        if levels and levels != tuple(range(1, len(levels) + 1)):
            raise self.fail("policy.levels", _(
                "levels run 1, 2, 3 … without gaps (1 is the most severe)"))
        return levels

    def _regions(self, table: dict[str, Any]) -> tuple[Region, ...]:
        out = []
        seen: dict[str, str] = {}
        for zone, body in table.items():
            key = f"regions.{zone}"
            if not _IDENT.match(zone):
                raise self.fail(key, _("use lower-case letters, digits, _"))
            body = self.table(key, body)
            self.keys(key, body, _REGION_KEYS)
            cities = self.str_list(f"{key}.cities", body.get("cities"))
            if not cities:
                raise self.fail(f"{key}.cities", _("list at least one city"))
            for city in cities:
                norm = normalise_city(city)
                if norm in seen and seen[norm] != zone:
                    raise self.fail(f"{key}.cities", _(
                        "{city!r} is already in region {other}").format(
                            city=city, other=seen[norm]))
                seen[norm] = zone
            label = self.text(f"{key}.label", body.get("label")) or zone
            out.append(Region(zone=zone, label=label, cities=cities))
            self.zones.add(zone)
        return tuple(out)

    def _target(self, name: str, body: Any) -> TargetSpec:
        key = f"targets.{name}"
        if not _IDENT.match(name):
            raise self.fail(key, _("use lower-case letters, digits, _"))
        body = self.table(key, body)
        self.keys(key, body, _TARGET_KEYS)
        scope = body.get("scope", "ticket")
        if scope not in ("ticket", "call"):
            raise self.fail(f"{key}.scope", _("'ticket' or 'call'"))
        # Without kinds, a target applies to faults, consultations and complaints; a
        # duty's targets name their kind.
        kinds = self.str_list(f"{key}.kinds",
                              body.get("kinds", [k for k in self.kinds if k in KINDS]),
                              allowed=self.kinds, what=_("kind"))
        when = self._conditions(f"{key}.when", body.get("when", []))
        unless = self._conditions(f"{key}.unless", body.get("unless", []))
        if scope == "call":
            # A call clock (answer within 30 s) is timed by the telephony side.
            for k in ("start", "stop", "pausable", "repeat", "restart_on_reopen",
                      "keep_on_close"):
                if k in body:
                    raise self.fail(f"{key}.{k}", _(
                        "a call target (scope = 'call') is timed by the telephony side and "
                        "takes no {key!r}").format(key=k))
            start: tuple[str, ...] = ()
            stop: tuple[str, ...] = ()
        else:
            start = self._events(f"{key}.start", body.get("start", OPENED), allow_opened=True)
            stop = self._events(f"{key}.stop", body.get("stop", name), allow_opened=False)
            both = [e for e in stop if e in start]
            if both:
                raise self.fail(f"{key}.stop", _(
                    "{event!r} both starts and stops this target: it could never run").format(
                        event=both[0]))
        limits = self._limit_field(key, body, required=True)
        variants = []
        raw_variants = body.get("variants", [])
        if not isinstance(raw_variants, list):
            raise self.fail(f"{key}.variants", _("expected a list of tables ([[{key}]])").format(
                key=f"{key}.variants"))
        for i, v in enumerate(raw_variants):
            vkey = f"{key}.variants[{i}]"
            v = self.table(vkey, v)
            self.keys(vkey, v, _VARIANT_KEYS)
            zones = None
            if "zones" in v:
                zones = frozenset(self.str_list(f"{vkey}.zones", v["zones"],
                                                allowed=sorted(self.zones), what=_("region")))
            variants.append(Variant(
                when=self._conditions(f"{vkey}.when", v.get("when", [])),
                unless=self._conditions(f"{vkey}.unless", v.get("unless", [])),
                zones=zones,
                limits=self._limit_field(vkey, v, required=True),
            ))
        warn_share = None
        if "warn_share" in body:
            warn_share = self.share(f"{key}.warn_share", body["warn_share"])
        anchor = body.get("anchor", "start")
        if anchor not in ANCHORS:
            raise self.fail(f"{key}.anchor", _("one of: {known}").format(
                known=", ".join(ANCHORS)))
        if anchor != "start" and scope == "call":
            raise self.fail(f"{key}.anchor", _("a call target counts from the call"))
        repeat = self.boolean(f"{key}.repeat", body.get("repeat"), False)
        if repeat and start == (OPENED,):
            raise self.fail(f"{key}.repeat", _(
                "a repeating target starts at an event (e.g. callback_promised), not 'opened'"))
        return TargetSpec(
            name=name, start=start, stop=stop, limits=limits, variants=tuple(variants),
            kinds=frozenset(kinds), when=when, unless=unless,
            scope=cast(Any, scope),
            pausable=self.boolean(f"{key}.pausable", body.get("pausable"), False),
            repeat=repeat,
            restart_on_reopen=self.boolean(f"{key}.restart_on_reopen",
                                           body.get("restart_on_reopen"), False),
            keep_on_close=self.boolean(f"{key}.keep_on_close", body.get("keep_on_close"), False),
            warn_share=warn_share,
            label=self.text(f"{key}.label", body.get("label")) or None,
            label_zh=self.text(f"{key}.label_zh", body.get("label_zh")) or None,
            anchor=anchor,
            optional=self.boolean(f"{key}.optional", body.get("optional"), False),
        )

    def _conditions(self, key: str, value: Any) -> frozenset[str]:
        return frozenset(self.str_list(key, value, allowed=sorted(self.conditions),
                                       what=_("condition")))

    def _events(self, key: str, value: Any, *, allow_opened: bool) -> tuple[str, ...]:
        names = self.str_list(key, value)
        if not names:
            raise self.fail(key, _("name at least one event"))
        for n in names:
            if n == OPENED and allow_opened:
                continue
            if n not in FLOW_EVENTS:
                allowed = ([OPENED] if allow_opened else []) + sorted(FLOW_EVENTS)
                raise self.fail(key, _("unknown event {name!r} (known: {known})").format(
                    name=n, known=", ".join(allowed)))
        return names

    def _limit_field(self, key: str, body: Mapping[str, Any], *, required: bool) -> LimitTable:
        if "limit" in body and "limits" in body:
            raise self.fail(key, _("give either 'limit' or 'limits', not both"))
        if "limit" in body:
            return {ANY: {ANY: self.limit(f"{key}.limit", body["limit"])}}
        if "limits" in body:
            return self._limit_table(f"{key}.limits", body["limits"])
        if required:
            raise self.fail(key, _("missing 'limit' (one value) or 'limits' (per grade/level)"))
        return {}

    def _limit_table(self, key: str, value: Any) -> LimitTable:
        """``{grade|"*": "4h" | {level|"*": "4h"}}`` with grades and levels checked."""
        table = self.table(key, value)
        if not table:
            raise self.fail(key, _("the table is empty"))
        out: dict[str, dict[LevelKey, Limit]] = {}
        for grade, row in table.items():
            gkey = f"{key}.{grade}"
            if grade != ANY and grade not in self.grades:
                raise self.fail(gkey, _("unknown grade {grade!r} (policy.grades: {known}; "
                                        "'*' for every grade)").format(
                                            grade=grade, known=", ".join(self.grades) or "-"))
            if isinstance(row, str):
                out[grade] = {ANY: self.limit(gkey, row)}
                continue
            row = self.table(gkey, row)
            cells: dict[LevelKey, Limit] = {}
            for level_text, cell in row.items():
                lkey = f"{gkey}.{level_text}"
                level: LevelKey
                if level_text == ANY:
                    level = ANY
                else:
                    if not (level_text.isascii() and level_text.isdigit()
                            and len(level_text) <= 3 and int(level_text) in self.levels):
                        raise self.fail(lkey, _(
                            "unknown level {level!r} (policy.levels: {known}; '*' for every "
                            "level)").format(level=level_text,
                                             known=", ".join(map(str, self.levels)) or "-"))
                    level = int(level_text)
                cells[level] = self.limit(lkey, cell)
            out[grade] = cells
        return out

    def _escalation(self, body: dict[str, Any], targets: list[str]) -> EscalationSpec:
        self.keys("escalation", body, _ESCALATION_KEYS)
        default = EscalationSpec()
        upgrade_on = default.upgrade_on
        if "upgrade_on" in body:
            upgrade_on = frozenset(self.str_list("escalation.upgrade_on", body["upgrade_on"],
                                                 allowed=targets, what=_("target")))
        else:
            upgrade_on = frozenset(t for t in upgrade_on if t in targets)
        tiers: tuple[Tier, ...] = default.tiers
        if "tiers" in body:
            tiers = cast(tuple[Tier, ...], self.str_list("escalation.tiers", body["tiers"],
                                                        allowed=TIERS, what=_("tier")))
            if not tiers:
                raise self.fail("escalation.tiers", _("name at least one tier"))
        ack = default.ack_timeout
        if "ack_timeout" in body:
            ack = self.wall_clock("escalation.ack_timeout", body["ack_timeout"])
        return EscalationSpec(upgrade_on=upgrade_on, tiers=tiers, ack_timeout=ack)

    def _scoring(self, body: dict[str, Any], targets: list[str]) -> Scoring:
        self.keys("scoring", body, _SCORING_KEYS)
        ids: set[str] = set()

        def rule_id(key: str, item: Mapping[str, Any]) -> str:
            rid = self.text(f"{key}.id", item.get("id"), required=True)
            if not _IDENT.match(rid):
                raise self.fail(f"{key}.id", _("use lower-case letters, digits, _"))
            if rid in ids:
                raise self.fail(f"{key}.id", _("{id!r} is used twice").format(id=rid))
            ids.add(rid)
            return rid

        breach = []
        for i, item in enumerate(self._list_of_tables("scoring.breach", body.get("breach", []))):
            key = f"scoring.breach[{i}]"
            self.keys(key, item, _BREACH_KEYS)
            rid = rule_id(key, item)
            names = self.str_list(f"{key}.targets", item.get("targets"), allowed=targets,
                                  what=_("target"))
            if not names:
                raise self.fail(f"{key}.targets", _("name at least one target"))
            per = item.get("per", "target")
            if per not in ("ticket", "target", "breach"):
                raise self.fail(f"{key}.per", _("'ticket', 'target' or 'breach'"))
            breach.append(BreachRule(id=rid, targets=frozenset(names),
                                     points=self.points(f"{key}.points", item.get("points")),
                                     per=per,
                                     description=self.text(f"{key}.description",
                                                           item.get("description"))))
        event = []
        for i, item in enumerate(self._list_of_tables("scoring.event", body.get("event", []))):
            key = f"scoring.event[{i}]"
            self.keys(key, item, _EVENT_RULE_KEYS)
            rid = rule_id(key, item)
            ev = self.text(f"{key}.event", item.get("event"), required=True)
            if not _IDENT.match(ev):
                raise self.fail(f"{key}.event", _("use lower-case letters, digits, _"))
            if ev in FLOW_EVENTS and ev not in ("closed", "reopened"):
                raise self.fail(f"{key}.event", _(
                    "{event!r} drives the clocks; score its breach with [[scoring.breach]]"
                ).format(event=ev))
            event.append(EventRule(id=rid, event=ev,
                                   points=self.points(f"{key}.points", item.get("points")),
                                   description=self.text(f"{key}.description",
                                                         item.get("description"))))
        period = []
        for i, item in enumerate(self._list_of_tables("scoring.period", body.get("period", []))):
            key = f"scoring.period[{i}]"
            self.keys(key, item, _PERIOD_KEYS)
            period.append(self._period_rule(key, rule_id(key, item), item))
        return Scoring(breach=tuple(breach), event=tuple(event), period=tuple(period))

    def _period_rule(self, key: str, rid: str, item: Mapping[str, Any]) -> PeriodRule:
        metric = self.text(f"{key}.metric", item.get("metric"), required=True)
        if not _IDENT.match(metric):
            raise self.fail(f"{key}.metric", _("use lower-case letters, digits, _"))
        points = each = None
        if ("points" in item) == ("each" in item):
            raise self.fail(key, _("give 'points' (with below/above) or 'each' (per unit)"))
        below = self._number(f"{key}.below", item.get("below"))
        above = self._number(f"{key}.above", item.get("above"))
        if "points" in item:
            points = self.points(f"{key}.points", item["points"])
            if below is None and above is None:
                raise self.fail(key, _("'points' needs a threshold: 'below' or 'above'"))
        else:
            each = self.points(f"{key}.each", item["each"])
        require: dict[str, float] = {}
        for mname, minimum in self.table(f"{key}.require", item.get("require", {})).items():
            value = self._number(f"{key}.require.{mname}", minimum)
            assert value is not None
            require[mname] = value
        period = item.get("period", "any")
        if period not in ("month", "quarter", "year", "any"):
            raise self.fail(f"{key}.period", _("'month', 'quarter', 'year' or 'any'"))
        return PeriodRule(id=rid, metric=metric, points=points, each=each, below=below,
                          above=above, require=require, period=period,
                          description=self.text(f"{key}.description", item.get("description")))

    def _number(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, _("expected a number"))
        if abs(value) > MAX_NUMBER or not math.isfinite(value):
            raise self.fail(key, _("expected a number between -{n} and {n}").format(
                n=f"{MAX_NUMBER:,.0f}"))
        return float(value)

    def _list_of_tables(self, key: str, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, _("expected a list of tables ([[{key}]])").format(key=key))
        return value

    def _assurance(self, value: Any, policy: str, targets: list[str]
                   ) -> tuple[AssurancePeriod, ...]:
        out = []
        for i, item in enumerate(self._list_of_tables("assurance", value)):
            key = f"assurance[{i}]"
            self.keys(key, item, _ASSURANCE_KEYS)
            name = self.text(f"{key}.name", item.get("name"), required=True)
            start = self._moment(f"{key}.start", item.get("start"), end=False)
            end = self._moment(f"{key}.end", item.get("end"), end=True)
            if end <= start:
                raise self.fail(f"{key}.end", _("ends before it starts"))
            factor = None
            if "factor" in item:
                f = self._number(f"{key}.factor", item["factor"])
                if f is None or not 0 < f <= 1:
                    raise self.fail(f"{key}.factor", _(
                        "a factor above 0 and at most 1 (0.5 halves the limits)"))
                factor = f
            limits: dict[str, LimitTable] = {}
            for tname, table in self.table(f"{key}.limits", item.get("limits", {})).items():
                if tname not in targets:
                    raise self.fail(f"{key}.limits.{tname}", _("unknown target (known: {known})")
                                    .format(known=", ".join(targets)))
                if isinstance(table, str):
                    limits[tname] = {ANY: {ANY: self.limit(f"{key}.limits.{tname}", table)}}
                else:
                    limits[tname] = self._limit_table(f"{key}.limits.{tname}", table)
            only = None
            if "targets" in item:
                only = frozenset(self.str_list(f"{key}.targets", item["targets"],
                                               allowed=targets, what=_("target")))
            standby = self.boolean(f"{key}.standby", item.get("standby"), False)
            if factor is None and not limits and not standby:
                raise self.fail(key, _("an assurance period needs 'factor', 'limits' or "
                                       "'standby = true'"))
            effect = AssuranceEffect(factor=factor, limits=limits, targets=only, standby=standby,
                                     note=self.text(f"{key}.note", item.get("note")))
            out.append(AssurancePeriod(name=name, start=start, end=end, effect=effect,
                                       policy=policy))
        return tuple(out)

    def _moment(self, key: str, value: Any, *, end: bool) -> datetime:
        """A TOML date (whole day; an end date is included) or local date-time, to UTC."""
        if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise self.fail(key, _("the desk takes years {lo} to {hi}").format(
                lo=MIN_YEAR, hi=MAX_YEAR))
        if isinstance(value, datetime):
            local = value if value.tzinfo else value.replace(tzinfo=self.tz)
            return local.astimezone(ZoneInfo("UTC"))
        if isinstance(value, date):
            day = value + timedelta(days=1) if end else value
            return datetime.combine(day, time(0), self.tz).astimezone(ZoneInfo("UTC"))
        raise self.fail(key, _("expected a date (2026-10-01) or a local date-time "
                               "(2026-10-01T08:00:00)"))
