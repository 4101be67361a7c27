"""Report periods: local days, months, quarters, shifts and ranges.

A period is a run of the desk's local days (``first_day`` … ``last_day``,
both included), or the hours of one shift of the rota on each of those days.
What it counts is a union of UTC intervals: ``[00:00 of first_day,
00:00 of the day after last_day)``, or one interval per shift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.errors import InputError
from hotline.i18n import _
from hotline.reports.sql import Interval
from hotline.supervision.rota import Rota, ShiftInstance
from hotline.timefmt import check_year, shown


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    intervals: tuple[Interval, ...]
    tz: ZoneInfo
    kind: str = "range"  # day | month | quarter | year | range | shift
    shift: str | None = None  # only this shift of the rota, on each day

    def label(self) -> str:
        """``2026-11``, ``2026 Q4``, ``2026-11-25``, ``2026-11-01 – 2026-11-15``; with a
        shift, its id after the days (``2026-11-25 · day``)."""
        if self.kind == "month":
            text = f"{self.first_day:%Y-%m}"
        elif self.kind == "quarter":
            text = f"{self.first_day.year} Q{(self.first_day.month - 1) // 3 + 1}"
        elif self.kind == "year":
            text = f"{self.first_day.year}"
        elif self.first_day == self.last_day:
            text = self.first_day.isoformat()
        else:
            text = f"{self.first_day.isoformat()} – {self.last_day.isoformat()}"
        if self.shift:
            text += f" · {self.shift}"
        return text

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def kind_of(first_day: date, last_day: date) -> str:
    nxt = last_day + timedelta(days=1)
    if first_day == last_day:
        return "day"
    if first_day.day == 1 and nxt.day == 1:
        months = (nxt.year - first_day.year) * 12 + nxt.month - first_day.month
        if months == 1:
            return "month"
        if months == 3 and first_day.month in (1, 4, 7, 10):
            return "quarter"
        if months == 12 and first_day.month == 1:
            return "year"
    return "range"


def days(first_day: date, last_day: date, tz: ZoneInfo, *, rota: Rota | None = None,
         shift: str | None = None) -> Period:
    """The local days ``first_day`` … ``last_day``; with ``shift``, only that shift's hours."""
    if first_day > last_day:
        raise InputError(_("The period starts ({first}) after it ends ({last}).").format(
            first=first_day.isoformat(), last=last_day.isoformat()))
    check_year(first_day.year, first_day.isoformat())
    check_year(last_day.year, last_day.isoformat())
    if shift is None:
        start = local_midnight(first_day, tz)
        end = local_midnight(last_day + timedelta(days=1), tz)
        return Period(first_day, last_day, start, end, ((start, end),), tz,
                      kind_of(first_day, last_day))
    if rota is None:
        raise InputError(_("A shift needs the rota."))
    instances = rota.between(first_day, last_day, shift)
    return of_shifts(instances, tz, first_day=first_day, last_day=last_day)


def of_shifts(instances: list[ShiftInstance], tz: ZoneInfo, *, first_day: date | None = None,
              last_day: date | None = None) -> Period:
    if not instances:
        raise InputError(_("No shift falls in the period."))
    first = first_day or instances[0].day
    last = last_day or instances[-1].day
    intervals = tuple((i.start, i.end) for i in instances)
    return Period(first, last, intervals[0][0], intervals[-1][1], intervals, tz, "shift",
                  instances[0].spec.id)


def shift_instance(inst: ShiftInstance, tz: ZoneInfo) -> Period:
    return of_shifts([inst], tz)


def month(year: int, month_no: int, tz: ZoneInfo) -> Period:
    first = date(year, month_no, 1)
    nxt = date(year + (month_no == 12), month_no % 12 + 1, 1)
    return days(first, nxt - timedelta(days=1), tz)


def quarter(year: int, q: int, tz: ZoneInfo) -> Period:
    first = date(year, 3 * (q - 1) + 1, 1)
    nxt = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return days(first, nxt - timedelta(days=1), tz)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$", re.ASCII)
_QUARTER = re.compile(r"^([0-9]{4})-?[Qq]([1-4])$", re.ASCII)
_YEAR = re.compile(r"^([0-9]{4})$", re.ASCII)


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` in the desk's years (:data:`hotline.timefmt.MIN_YEAR` …)."""
    m = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(_("{text} is not a month: write YYYY-MM.").format(
            text=shown(str(text))))
    check_year(int(m.group(1)), text)
    return int(m.group(1)), int(m.group(2))


def parse_quarter(text: str) -> tuple[int, int]:
    """``YYYY-Qn`` (or ``YYYYQn``) in the desk's years."""
    m = _QUARTER.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise InputError(_("{text} is not a quarter: write YYYY-Q1 … YYYY-Q4.").format(
            text=shown(str(text))))
    check_year(int(m.group(1)), text)
    return int(m.group(1)), int(m.group(2))


def parse_year(text: str) -> int:
    """``YYYY`` in the desk's years."""
    m = _YEAR.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise InputError(_("{text} is not a year: write YYYY.").format(text=shown(str(text))))
    check_year(int(m.group(1)), text)
    return int(m.group(1))


def whole_periods(first_day: date, last_day: date) -> list[tuple[str, date, date]]:
    """Every calendar month, quarter and year lying wholly inside the days given."""
    out: list[tuple[str, date, date]] = []
    day = date(first_day.year, first_day.month, 1)
    while day <= last_day:
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        if day >= first_day and nxt - timedelta(days=1) <= last_day:
            out.append(("month", day, nxt - timedelta(days=1)))
            if day.month in (1, 4, 7, 10):
                q_end = date(day.year + (day.month == 10), (day.month + 2) % 12 + 1, 1)
                if q_end - timedelta(days=1) <= last_day:
                    out.append(("quarter", day, q_end - timedelta(days=1)))
            if day.month == 1 and date(day.year, 12, 31) <= last_day:
                out.append(("year", day, date(day.year, 12, 31)))
        day = nxt
    return out
