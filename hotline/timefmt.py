"""Reading and writing times and durations the way the desk shows them.

Times are stored in UTC and shown in the desk's zone. Countdowns use an exact
``mm:ss`` form (``-02:13`` once overdue): rounding, as friendly-time helpers
do, is wrong for a 30-second clock.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.errors import InputError
from hotline.i18n import _

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

#: The years a typed time or date may fall in. The working-day calendar reaches
#: 2099 and a deadline may fall a year after the clock starts, so 2098 is the last.
MIN_YEAR = 2000
MAX_YEAR = 2098

#: Longer than any text a time or date can be written in; longer input is refused
#: before it is looked at.
MAX_TEXT = 64


def shown(text: str) -> str:
    """``text`` as quoted in a message: ``repr``, cut to a readable length."""
    return repr(text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…")


def check_year(year: int, text: str) -> None:
    """Refuse a year outside :data:`MIN_YEAR` … :data:`MAX_YEAR`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(_("{text}: the desk takes years {lo} to {hi}.").format(
            text=shown(text), lo=MIN_YEAR, hi=MAX_YEAR))


def parse_time(text: str, tz: ZoneInfo, now: datetime, *,
               after: datetime | None = None) -> datetime:
    """Parse a time a person typed; returns aware UTC.

    Accepts ``now``, ``HH:MM`` / ``HH:MM:SS``, ``YYYY-MM-DD HH:MM[:SS]`` or ISO
    8601 with ``T``, with or without an offset; a time without an offset is the
    desk's local time. A bare ``HH:MM`` is today in the desk's zone, or, given
    ``after``, the first such moment at or after ``after`` (so ``01:10`` after a
    ticket opened at 22:00 is the next night's 01:10). Years outside
    :data:`MIN_YEAR` … :data:`MAX_YEAR` are refused; only :class:`InputError`
    is raised.
    """
    if not isinstance(text, str):
        raise InputError(_("A time is required."))
    s = text.strip()
    if not s:
        raise InputError(_("A time is required."))
    if len(s) > MAX_TEXT:
        raise InputError(_("{text} is not a time: write HH:MM, YYYY-MM-DD HH:MM or ISO 8601.")
                         .format(text=shown(text)))
    if s.lower() == "now":
        return now.astimezone(UTC)
    m = _HHMM.match(s)
    if m:
        hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hh > 23 or mm > 59 or ss > 59:
            raise InputError(_("{text} is not a time of day (HH:MM).").format(text=shown(text)))
        if after is None:
            day = now.astimezone(tz).date()
            value = datetime.combine(day, time(hh, mm, ss), tz)
        else:
            start = after.astimezone(tz)
            value = datetime.combine(start.date(), time(hh, mm, ss), tz)
            if value < start:
                value = datetime.combine(start.date() + timedelta(days=1), time(hh, mm, ss), tz)
        check_year(value.year, text)
        return value.astimezone(UTC)
    candidate = s.replace("/", "-")
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise InputError(
            _("{text} is not a time: write HH:MM, YYYY-MM-DD HH:MM or ISO 8601.").format(
                text=shown(text))
        ) from None
    check_year(value.year, text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    utc = value.astimezone(UTC)
    check_year(utc.year, text)
    return utc


def parse_date(text: str) -> date:
    """``YYYY-MM-DD``, in :data:`MIN_YEAR` … :data:`MAX_YEAR`; only :class:`InputError`."""
    if not isinstance(text, str) or len(text.strip()) > MAX_TEXT:
        raise InputError(_("{text} is not a date: write YYYY-MM-DD.").format(
            text=shown(str(text))))
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(_("{text} is not a date: write YYYY-MM-DD.").format(
            text=shown(text))) from None
    check_year(value.year, text)
    return value


def countdown(remaining: timedelta) -> str:
    """``mm:ss`` of a remaining time, ``-mm:ss`` once overdue; hours as ``h:mm:ss``.

    Whole seconds are truncated toward the deadline's side, so a clock shows
    ``00:00`` only at the deadline itself and ``-00:01`` one second after.
    """
    total = remaining.total_seconds()
    if total >= 0:
        secs = int(total)
        sign = ""
    else:
        secs = math.ceil(-total)
        sign = "-"
    hours, rest = divmod(secs, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours >= 100:
        days, hours = divmod(hours, 24)
        return f"{sign}{days}d{hours:02d}h"
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes:02d}:{seconds:02d}"


def span(seconds: float) -> str:
    """A short span in whole units: ``45 s``, ``33 min 55 s``, ``2 h 5 min`` (translated).

    Rounded to the second: a caller's wait of 2035.5 s reads ``33 min 56 s``.
    """
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return (_("{h} h {m} min").format(h=hours, m=minutes) if minutes
                else _("{n} h").format(n=hours))
    if minutes:
        return (_("{m} min {s} s").format(m=minutes, s=secs) if secs
                else _("{n} min").format(n=minutes))
    return _("{n} s").format(n=secs)


def local(value: datetime, tz: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def clock_time(value: datetime, tz: ZoneInfo) -> str:
    """``HH:MM:SS`` in the desk's zone."""
    return local(value, tz).strftime("%H:%M:%S")


def short_datetime(value: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """``HH:MM`` today, ``MM-DD HH:MM`` this year, else ``YYYY-MM-DD HH:MM``."""
    v = local(value, tz)
    if now is not None:
        n = local(now, tz)
        if v.date() == n.date():
            return v.strftime("%H:%M")
        if v.year == n.year:
            return v.strftime("%m-%d %H:%M")
    return v.strftime("%Y-%m-%d %H:%M")


def iso_local(value: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the desk's offset, seconds precision: ``2026-10-11T00:00:00+08:00``."""
    return local(value, tz).replace(microsecond=0).isoformat()
