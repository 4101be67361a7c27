"""Penalties of a period's figures (the month's answer rate, inspections missed…).

Per-ticket penalties (breaches, scored events) come out of the replay in
:mod:`hotline.sla.timeline`; this module assesses the policy's
``[[scoring.period]]`` rules against figures the caller has computed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.errors import InputError
from hotline.i18n import _
from hotline.sla.policy import PeriodRule, Policy
from hotline.sla.results import PenaltyEntry


def period_kind(start: datetime, end: datetime, tz: ZoneInfo) -> str | None:
    """``month``, ``quarter`` or ``year`` if ``start``–``end`` is exactly one (local time)."""
    a = start.astimezone(tz)
    b = end.astimezone(tz)
    if (a.time(), b.time()) != (a.time().min, b.time().min) or a.day != 1 or b.day != 1:
        return None
    months = (b.year - a.year) * 12 + b.month - a.month
    if months == 1:
        return "month"
    if months == 3 and a.month in (1, 4, 7, 10):
        return "quarter"
    if months == 12 and a.month == 1:
        return "year"
    return None


def assess_period(policy: Policy, start: datetime, end: datetime,
                  metrics: Mapping[str, float], tz: ZoneInfo) -> list[PenaltyEntry]:
    """Entries for every period rule that the figures trigger.

    A rule is skipped when its metric is not given, when a ``require``
    minimum is not reached (no answer rate without calls), or when its
    ``period`` (month/quarter/year) is not the kind of period assessed.
    Keys are ``rule:YYYY-MM-DD`` (the period's first local day), so storing
    them twice is harmless.
    """
    if end <= start:
        raise InputError(_("The period ends before it starts."))
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise InputError(_("Metric {name!r}: {value!r} is not a number.").format(
                name=name, value=value))
    kind = period_kind(start, end, tz)
    first_day: date = start.astimezone(tz).date()
    out = []
    for rule in policy.scoring.period:
        points = _points(rule, kind, metrics)
        if points:
            out.append(PenaltyEntry(
                key=f"{rule.id}:{first_day.isoformat()}", rule=rule.id, points=points, at=end,
                source=rule.metric, description=rule.description))
    return out


def _points(rule: PeriodRule, kind: str | None, metrics: Mapping[str, float]) -> int:
    if rule.period != "any" and rule.period != kind:
        return 0
    value = metrics.get(rule.metric)
    if value is None:
        return 0
    for name, minimum in rule.require.items():
        have = metrics.get(name)
        if have is None or have < minimum:
            return 0
    if rule.each is not None:
        if value < 0 or value != int(value):
            raise InputError(_("Metric {name!r} counts occurrences: {value!r} is not a whole "
                               "number of them.").format(name=rule.metric, value=value))
        return rule.each * int(value)
    assert rule.points is not None
    if (rule.below is not None and value < rule.below) or (
            rule.above is not None and value > rule.above):
        return rule.points
    return 0
