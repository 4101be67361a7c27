"""The official Chinese working-day calendar, with make-up working days (调休).

Where the days come from, per year:

1. a calendar file (``data/calendar/*.toml`` shipped, then the user's
   ``calendar_files``; a later file replaces an earlier one for the same
   year) — the State Council's notice for that year, typed in;
2. otherwise the ``holidays`` package (``holidays.China``), which carries the
   official schedule for every year it has been told about and only
   rule-based festival dates (no make-up working days) for later years.

A year is *confirmed* when a calendar file says so, or when the package
lists make-up working days for it (every official schedule from 2001 to
2026 has some; rule-based years have none). The dashboard flags a year that
is not confirmed, because its working-day deadlines may move once the
notice is published (each November for the next year).

Adding working days is a lookup, not a loop: for a span of years the
calendar keeps the ordinal of every working day and, for every day, how
many working days come before it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

from hotline.i18n import _, current_language
from hotline.sla.errors import CalendarError

#: How deeply a calendar file's tables and arrays may nest before it is refused as such.
MAX_DEPTH = 12

#: Years the calendar can compute (the Chinese lunar calendar of ``holidays``).
MIN_YEAR = 1950
MAX_YEAR = 2099

DayKind = Literal["holiday", "makeup_workday"]


class SpecialDay(NamedTuple):
    """A day that is not an ordinary weekday/weekend day, and where that is known from."""

    date: date
    kind: DayKind
    name: str
    source: str


@dataclass(frozen=True)
class _Named:
    name: str
    name_en: str | None = None

    def shown(self) -> str:
        if current_language() != "zh_CN" and self.name_en:
            return self.name_en
        return self.name


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule as a calendar file gives it."""

    year: int
    holidays: Mapping[date, _Named]
    workdays: Mapping[date, _Named]
    confirmed: bool
    source: str
    file: Path | None = None


@dataclass
class _PackageYear:
    holidays_en: dict[date, str] = field(default_factory=dict)
    workdays: set[date] = field(default_factory=set)
    holidays_zh: dict[date, str] | None = None


def package_version() -> str:
    import holidays

    return str(holidays.__version__)


class WorkCalendar:
    """Working days of the official Chinese calendar, with overrides."""

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, use_package: bool = True) -> None:
        self._schedules: dict[int, YearSchedule] = {}
        for schedule in schedules:
            self._schedules[schedule.year] = schedule  # a later file wins
        self._use_package = use_package
        self._package_years: dict[int, _PackageYear] = {}
        self._lo = 0
        self._hi = -1
        self._base = 0
        self._working: bytearray = bytearray()
        self._before: list[int] = []
        self._ordinals: list[int] = []
        years = sorted(self._schedules)
        lo = min([2015, *years])
        hi = max([2035, *years])
        self._build(max(lo, MIN_YEAR), min(hi, MAX_YEAR))

    # -- queries -----------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        self._cover(day.year)
        return bool(self._working[day.toordinal() - self._base])

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly after ``day`` (``day`` itself never counts).

        ``n = 0`` returns ``day``.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return day
        self._cover(day.year)
        while True:
            index = day.toordinal() - self._base + 1  # the day after `day`
            target = self._before[index] + n - 1
            if target < len(self._ordinals):
                return date.fromordinal(self._ordinals[target])
            self._cover(self._hi + 1 + n // 200)

    def subtract_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly before ``day`` (``day`` itself never counts).

        ``n = 0`` returns ``day``. Counts back for deadlines set ahead of a planned date
        (a change notified 10 working days before the inspection).
        """
        if n < 0:
            raise ValueError("n must not be negative")
        found = 0
        while found < n:
            day = date.fromordinal(day.toordinal() - 1)
            if self.is_working_day(day):
                found += 1
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in ``first .. last``, both included (0 if ``last < first``)."""
        if last < first:
            return 0
        self._cover(first.year)
        self._cover(last.year)
        a = first.toordinal() - self._base
        b = last.toordinal() - self._base
        return self._before[b + 1] - self._before[a]

    def year_confirmed(self, year: int) -> bool:
        """True if the year's official schedule is known (file or package)."""
        schedule = self._schedules.get(year)
        if schedule is not None:
            return schedule.confirmed
        if not self._use_package:
            return False
        return bool(self._package(year).workdays)

    def year_source(self, year: int) -> str:
        """Where the year's days come from, for display."""
        schedule = self._schedules.get(year)
        if schedule is not None:
            return schedule.source
        if not self._use_package:
            return _("weekends only (no holiday source)")
        return _("holidays package {version}").format(version=package_version())

    def special_days(self, year: int) -> list[SpecialDay]:
        """Every holiday and make-up working day of ``year``, in date order."""
        out: list[SpecialDay] = []
        schedule = self._schedules.get(year)
        if schedule is not None:
            for d, named in schedule.holidays.items():
                out.append(SpecialDay(d, "holiday", named.shown(), schedule.source))
            for d, named in schedule.workdays.items():
                out.append(SpecialDay(d, "makeup_workday", named.shown(), schedule.source))
        elif self._use_package:
            py = self._package(year)
            source = self.year_source(year)
            names = self._package_zh(year) if current_language() == "zh_CN" else py.holidays_en
            for d, name in names.items():
                out.append(SpecialDay(d, "holiday", name, source))
            for d in py.workdays:
                out.append(SpecialDay(d, "makeup_workday", _("make-up working day"), source))
        out.sort(key=lambda s: (s.date, s.kind))
        return out

    def schedule_years(self) -> list[int]:
        """Years that calendar files define."""
        return sorted(self._schedules)

    # -- tables ------------------------------------------------------------

    def _cover(self, year: int) -> None:
        if self._lo <= year <= self._hi:
            return
        if year < MIN_YEAR or year > MAX_YEAR:
            raise ValueError(_("The working-day calendar covers {lo}–{hi}; {year} is outside it.")
                             .format(lo=MIN_YEAR, hi=MAX_YEAR, year=year))
        self._build(min(self._lo, year), max(self._hi, year))

    def _build(self, lo: int, hi: int) -> None:
        lo = max(lo, MIN_YEAR)
        hi = min(hi, MAX_YEAR)
        base = date(lo, 1, 1).toordinal()
        end = date(hi, 12, 31).toordinal()
        if self._use_package:
            self._load_package(range(lo, hi + 1))
        working = bytearray(end - base + 1)
        for year in range(lo, hi + 1):
            off, on = self._year_exceptions(year)
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            for o in range(first, last + 1):
                weekday = (o + 6) % 7  # date.fromordinal(o).weekday(), without the object
                is_work = weekday < 5
                if is_work and o in off:
                    is_work = False
                elif not is_work and o in on:
                    is_work = True
                working[o - base] = is_work
        before = [0] * (len(working) + 1)
        ordinals: list[int] = []
        count = 0
        for i, flag in enumerate(working):
            before[i] = count
            if flag:
                ordinals.append(base + i)
                count += 1
        before[len(working)] = count
        self._lo, self._hi, self._base = lo, hi, base
        self._working, self._before, self._ordinals = working, before, ordinals

    def _year_exceptions(self, year: int) -> tuple[set[int], set[int]]:
        """Ordinals of days off (holidays) and of make-up working days in ``year``."""
        schedule = self._schedules.get(year)
        if schedule is not None:
            return ({d.toordinal() for d in schedule.holidays},
                    {d.toordinal() for d in schedule.workdays})
        if not self._use_package:
            return set(), set()
        py = self._package(year)
        return {d.toordinal() for d in py.holidays_en}, {d.toordinal() for d in py.workdays}

    def _package(self, year: int) -> _PackageYear:
        cached = self._package_years.get(year)
        if cached is None:
            self._load_package(range(year, year + 1))
            cached = self._package_years[year]
        return cached

    def _load_package(self, years: range) -> None:
        """Read the package's data for ``years`` in one go (one object is much cheaper)."""
        missing = [y for y in years if y not in self._package_years]
        if not missing:
            return
        import holidays

        en = holidays.China(years=missing, language="en_US")
        for y in missing:
            self._package_years[y] = _PackageYear()
        for d, n in en.items():
            if d.year in self._package_years and d.year in missing:
                self._package_years[d.year].holidays_en[d] = str(n)
        for d in getattr(en, "weekend_workdays", ()):
            if d.year in missing:
                self._package_years[d.year].workdays.add(d)

    def _package_zh(self, year: int) -> dict[date, str]:
        py = self._package(year)
        if py.holidays_zh is None:
            import holidays

            zh = holidays.China(years=year, language="zh_CN")
            py.holidays_zh = {d: str(n) for d, n in zh.items() if d.year == year}
        return py.holidays_zh


def working_day_end(calendar: WorkCalendar, start_day: date, n: int) -> date:
    """The local date at whose 00:00 a limit of ``n`` working days from ``start_day`` ends."""
    return calendar.add_working_days(start_day, n) + timedelta(days=1)


# -- calendar files ----------------------------------------------------------

_YEAR_KEYS = {"confirmed", "source", "holidays", "workdays"}
_HOLIDAY_KEYS = {"name", "name_en", "from", "to", "date"}
_WORKDAY_KEYS = {"name", "name_en", "date"}


def load_calendar_files(paths: Sequence[Path]) -> list[YearSchedule]:
    """Read calendar files in order; raises :class:`CalendarError` naming file and key."""
    out: list[YearSchedule] = []
    for path in paths:
        out.extend(load_calendar_file(path))
    return out


def load_calendar_file(path: Path) -> list[YearSchedule]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CalendarError(path, None, _("the file does not exist")) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(path, None, _("not valid TOML: {error}").format(error=exc)) from exc
    except ValueError:
        # tomllib refuses integers of thousands of digits with a plain ValueError
        raise CalendarError(path, None, _("a number with thousands of digits")) from None
    except RecursionError:
        raise CalendarError(path, None, _("tables or arrays nested more than {n} deep").format(
            n=MAX_DEPTH)) from None
    except OSError as exc:
        raise CalendarError(path, None, _("cannot be read: {error}").format(
            error=exc.strerror or exc)) from exc
    if not data:
        raise CalendarError(path, None, _("no year in the file: write a table such as [2027]"))
    out = []
    for key, body in data.items():
        if not (key.isascii() and key.isdigit() and len(key) == 4):
            raise CalendarError(path, key, _("expected a year table such as [2027]"))
        year = int(key)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarError(path, key, _("year outside {lo}–{hi}").format(
                lo=MIN_YEAR, hi=MAX_YEAR))
        if not isinstance(body, dict):
            raise CalendarError(path, key, _("expected a table"))
        out.append(_read_year(path, year, body))
    return out


def _read_year(path: Path, year: int, body: dict[str, Any]) -> YearSchedule:
    prefix = str(year)
    _check_keys(path, prefix, body, _YEAR_KEYS)
    confirmed = body.get("confirmed", True)
    if not isinstance(confirmed, bool):
        raise CalendarError(path, f"{prefix}.confirmed", _("must be true or false"))
    source_text = body.get("source", "")
    if not isinstance(source_text, str):
        raise CalendarError(path, f"{prefix}.source", _("must be text"))
    source = f"{path.name}" + (f" ({source_text})" if source_text else "")
    holidays: dict[date, _Named] = {}
    workdays: dict[date, _Named] = {}
    for i, item in enumerate(_table_list(path, f"{prefix}.holidays", body.get("holidays", []))):
        key = f"{prefix}.holidays[{i}]"
        _check_keys(path, key, item, _HOLIDAY_KEYS)
        named = _named(path, key, item)
        if "date" in item:
            if "from" in item or "to" in item:
                raise CalendarError(path, key, _("give either date or from/to, not both"))
            first = last = _date(path, f"{key}.date", item["date"])
        else:
            if "from" not in item:
                raise CalendarError(path, key, _("missing 'date' or 'from'/'to'"))
            first = _date(path, f"{key}.from", item["from"])
            last = _date(path, f"{key}.to", item.get("to", item["from"]))
            if last < first:
                raise CalendarError(path, f"{key}.to", _("ends before it starts"))
        d = first
        while d <= last:
            if d.year != year:
                raise CalendarError(path, key, _(
                    "{day} is not in {year}: put it in the table for its own year").format(
                        day=d.isoformat(), year=year))
            holidays[d] = named
            d += timedelta(days=1)
    for i, item in enumerate(_table_list(path, f"{prefix}.workdays", body.get("workdays", []))):
        key = f"{prefix}.workdays[{i}]"
        _check_keys(path, key, item, _WORKDAY_KEYS)
        if "date" not in item:
            raise CalendarError(path, key, _("missing 'date'"))
        d = _date(path, f"{key}.date", item["date"])
        if d.year != year:
            raise CalendarError(path, f"{key}.date", _(
                "{day} is not in {year}: put it in the table for its own year").format(
                    day=d.isoformat(), year=year))
        if d.weekday() < 5:
            raise CalendarError(path, f"{key}.date", _(
                "{day} is a weekday; a make-up working day is a Saturday or Sunday").format(
                    day=d.isoformat()))
        if d in holidays:
            raise CalendarError(path, f"{key}.date", _(
                "{day} is listed as a holiday too").format(day=d.isoformat()))
        workdays[d] = _named(path, key, item)
    return YearSchedule(year=year, holidays=holidays, workdays=workdays, confirmed=confirmed,
                        source=source, file=path)


def _check_keys(path: Path, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CalendarError(path, f"{key}.{unknown[0]}", _("unknown key (known: {known})").format(
            known=", ".join(sorted(allowed))))


def _table_list(path: Path, key: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CalendarError(path, key, _("expected a list of tables ([[{key}]])").format(key=key))
    return value


def _named(path: Path, key: str, item: Mapping[str, Any]) -> _Named:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CalendarError(path, f"{key}.name", _("a name is required"))
    name_en = item.get("name_en")
    if name_en is not None and not isinstance(name_en, str):
        raise CalendarError(path, f"{key}.name_en", _("must be text"))
    return _Named(name.strip(), name_en.strip() if name_en else None)


def _date(path: Path, key: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise CalendarError(path, key, _("a date without a time is expected (2027-01-01)"))
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarError(path, key, _("{value!r} is not a date: write 2027-01-01").format(
        value=value))
