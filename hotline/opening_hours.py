"""When the desk is staffed: the config file's ``[opening_hours]``, and the next opening.

A 7×24 desk has no opening hours (the default: always open). A desk staffed,
say, 08:00–20:00 on China's working days answers nothing outside them (a
voicemail or an IVR does): a call that comes then is a missed call whose
callback clock starts when the desk opens (:mod:`hotline.desk.missed_calls`).

Example::

    [opening_hours]
    open = "08:00"
    close = "20:00"
    days = "working days"   # or "every day", or ["mon", "tue", "wed", "thu", "fri"]

Times are the desk's time zone; ``close = "24:00"`` is midnight at the end of
the day; ``close`` must come after ``open`` on the same day. "Working days"
are China's, from the working-day calendar (weekends off, holidays moved),
which the caller hands in as ``is_working_day``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.errors import ConfigError
from hotline.i18n import _

KEYS = ("open", "close", "days")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The weekdays' names as written: short or in full.
_NAMES = {**{d: d for d in WEEKDAYS}, "monday": "mon", "tuesday": "tue", "wednesday": "wed",
          "thursday": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun"}
EVERY_DAY = "every day"
WORKING_DAYS = "working days"
#: How far ahead the next opening is looked for (a calendar with no open day in a
#: year is a broken calendar: the call's clock then starts at once).
_LOOK_AHEAD_DAYS = 400

IsWorkingDay = Callable[[date], bool]


@dataclass(frozen=True)
class OpeningHours:
    """The hours the desk is staffed, on which days."""

    opens: time
    closes: time | None  # None: midnight at the end of the day ("24:00")
    #: "every day", "working days" (China's calendar), or the weekdays (0 = Monday)
    days: str | frozenset[int]

    def _open_on(self, day: date, is_working_day: IsWorkingDay) -> bool:
        if self.days == EVERY_DAY:
            return True
        if self.days == WORKING_DAYS:
            return is_working_day(day)
        assert isinstance(self.days, frozenset)
        return day.weekday() in self.days

    def _span(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.opens, tzinfo=tz)
        end = (datetime.combine(day, self.closes, tzinfo=tz) if self.closes is not None
               else datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
        return start, end

    def next_open(self, at: datetime, tz: ZoneInfo, is_working_day: IsWorkingDay) -> datetime:
        """``at`` if the desk is open then, else when it opens next (same time zone as ``at``)."""
        local = at.astimezone(tz)
        day = local.date()
        for _n in range(_LOOK_AHEAD_DAYS):
            if self._open_on(day, is_working_day):
                start, end = self._span(day, tz)
                if local < end:
                    return at if local >= start else start.astimezone(at.tzinfo)
            try:
                day += timedelta(days=1)
            except OverflowError:
                break
        return at

    def is_open(self, at: datetime, tz: ZoneInfo, is_working_day: IsWorkingDay) -> bool:
        """Whether the desk is staffed at ``at``."""
        return self.next_open(at, tz, is_working_day) == at

    def describe(self) -> str:
        """The hours in words, for messages (``08:00–20:00, working days``)."""
        closes = self.closes.strftime("%H:%M") if self.closes is not None else "24:00"
        if self.days == EVERY_DAY:
            days = _("every day")
        elif self.days == WORKING_DAYS:
            days = _("working days")
        else:
            assert isinstance(self.days, frozenset)
            days = ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"{self.opens.strftime('%H:%M')}–{closes}, {days}"


def _clock(key: str, value: Any) -> time | None:
    """``HH:MM`` (24-hour); ``24:00`` is None (midnight at the day's end)."""
    if not isinstance(value, str):
        raise ConfigError(_("opening_hours: {key} must be a time in quotes, such as "
                            "\"08:00\".").format(key=key))
    text = value.strip()
    hh, sep, mm = text.partition(":")
    if (not sep or not (1 <= len(hh) <= 2) or len(mm) != 2 or not hh.isascii()
            or not mm.isascii() or not hh.isdigit() or not mm.isdigit()):
        raise ConfigError(_("opening_hours: {key} = {value!r} is not a time: write it as "
                            "HH:MM, such as \"08:00\".").format(key=key, value=value[:40]))
    h, m = int(hh), int(mm)
    if (h, m) == (24, 0):
        return None
    if h > 23 or m > 59:
        raise ConfigError(_("opening_hours: {key} = {value!r} is not a time of day (00:00 to "
                            "24:00).").format(key=key, value=text))
    return time(h, m)


def _days(value: Any) -> str | frozenset[int]:
    if isinstance(value, str):
        said = " ".join(value.strip().lower().replace("_", " ").split())
        if said in (EVERY_DAY, WORKING_DAYS):
            return said
        raise ConfigError(_("opening_hours: days = {value!r} is not understood: write "
                            "\"every day\", \"working days\" or a list of weekdays such as "
                            "[\"mon\", \"tue\"].").format(value=value[:40]))
    if not isinstance(value, list) or not value:
        raise ConfigError(_("opening_hours: days must be \"every day\", \"working days\" or a "
                            "list of weekdays such as [\"mon\", \"tue\"]."))
    out: set[int] = set()
    for item in value:
        said = item.strip().lower() if isinstance(item, str) else ""
        name = _NAMES.get(said)
        if name is None:
            raise ConfigError(_("opening_hours: {value!r} is not a weekday (mon, tue, wed, "
                                "thu, fri, sat, sun).").format(value=str(item)[:40]))
        day = WEEKDAYS.index(name)
        if day in out:
            raise ConfigError(_("opening_hours: {day} is listed twice in days.").format(
                day=name))
        out.add(day)
    return frozenset(out)


def parse_opening_hours(value: Any) -> OpeningHours | None:
    """The config file's ``[opening_hours]`` table; None (always open) when absent.

    Raises :class:`ConfigError` saying what is wrong: an unknown key, a time
    that is not ``HH:MM``, a closing not after the opening, days not understood.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(_("Config key 'opening_hours' must be a table with open, close "
                            "and days."))
    unknown = sorted(str(k) for k in value if k not in KEYS)
    if unknown:
        raise ConfigError(_("opening_hours: unknown key {key} (known: {known}).").format(
            key=unknown[0][:40], known=", ".join(KEYS)))
    missing = [k for k in ("open", "close") if k not in value]
    if missing:
        raise ConfigError(_("opening_hours: {key} is missing (for instance open = \"08:00\", "
                            "close = \"20:00\").").format(key=missing[0]))
    opens = _clock("open", value["open"])
    closes = _clock("close", value["close"])
    if opens is None:
        raise ConfigError(_("opening_hours: the desk cannot open at 24:00; open at 00:00."))
    if closes is not None and closes <= opens:
        raise ConfigError(_("opening_hours: close ({close}) must be after open ({open}) on "
                            "the same day.").format(close=closes.strftime("%H:%M"),
                                                    open=opens.strftime("%H:%M")))
    days = _days(value.get("days", EVERY_DAY))
    return OpeningHours(opens, closes, days)
