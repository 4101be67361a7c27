"""The Chinese working-day calendar: package data, make-up days, override files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from hotline.paths import shipped_data_dir
from hotline.sla import CalendarError, WorkCalendar
from hotline.sla.workdays import load_calendar_file, load_calendar_files

SHIPPED_2026 = shipped_data_dir() / "calendar" / "cn-2026.toml"

MAKEUP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
               date(2026, 9, 20), date(2026, 10, 10)]


def days_of(year: int) -> list[date]:
    d = date(year, 1, 1)
    out = []
    while d.year == year:
        out.append(d)
        d += timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def package_only() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="module")
def shipped() -> WorkCalendar:
    return WorkCalendar(load_calendar_files([SHIPPED_2026]))


def test_the_package_knows_2026_and_its_makeup_days(package_only: WorkCalendar) -> None:
    """What holidays 0.109 says on this machine (see ECOSYSTEM.md)."""
    for d in MAKEUP_2026:
        assert d.weekday() >= 5
        assert package_only.is_working_day(d), d
    assert package_only.year_confirmed(2026)
    assert not package_only.is_working_day(date(2026, 10, 7))  # National Day (Wednesday)
    assert package_only.is_working_day(date(2026, 10, 8))


def test_2027_is_not_confirmed_by_the_package(package_only: WorkCalendar) -> None:
    """0.109 has rule-based festival days for 2027 and no make-up working days."""
    assert not package_only.year_confirmed(2027)
    kinds = {d.kind for d in package_only.special_days(2027)}
    assert kinds == {"holiday"}
    assert not package_only.is_working_day(date(2027, 10, 1))


def test_engine_agrees_with_the_package_every_day_2020_to_2030(
        package_only: WorkCalendar) -> None:
    for year in range(2020, 2031):
        cn = holidays.China(years=year)
        for d in days_of(year):
            assert package_only.is_working_day(d) == cn.is_working_day(d), d


def test_shipped_2026_file_agrees_with_the_package(shipped: WorkCalendar,
                                                   package_only: WorkCalendar) -> None:
    for d in days_of(2026):
        assert shipped.is_working_day(d) == package_only.is_working_day(d), d
    assert shipped.year_confirmed(2026)
    assert "cn-2026.toml" in shipped.year_source(2026)
    makeup = [s.date for s in shipped.special_days(2026) if s.kind == "makeup_workday"]
    assert makeup == MAKEUP_2026


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # The start day never counts, working day or not.
        (date(2026, 11, 23), 1, date(2026, 11, 24)),   # Mon -> Tue
        (date(2026, 11, 27), 1, date(2026, 11, 30)),   # Fri -> Mon
        (date(2026, 11, 28), 1, date(2026, 11, 30)),   # Sat -> Mon
        (date(2026, 11, 29), 1, date(2026, 11, 30)),   # Sun -> Mon
        # National Day 2026: Oct 1–7 off, Sep 20 (Sun) and Oct 10 (Sat) worked.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),    # Oct 8, 9, 10 (make-up Saturday)
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        (date(2026, 10, 9), 3, date(2026, 10, 13)),    # Sat 10, Mon 12, Tue 13
        (date(2026, 9, 18), 1, date(2026, 9, 20)),     # Fri -> make-up Sunday
        (date(2026, 10, 3), 1, date(2026, 10, 8)),     # inside the holiday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),     # 2027-01-01 Fri off (rule-based)
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_add_working_days(shipped: WorkCalendar, start: date, n: int, expected: date) -> None:
    assert shipped.add_working_days(start, n) == expected


def test_adding_reaches_years_beyond_the_first_table(package_only: WorkCalendar) -> None:
    d = package_only.add_working_days(date(2034, 12, 1), 400)
    assert d.year == 2036
    assert package_only.working_days_between(date(2034, 12, 2), d) == 400
    with pytest.raises(ValueError):
        package_only.add_working_days(date(2099, 12, 1), 400)
    with pytest.raises(ValueError):
        package_only.add_working_days(date(2026, 1, 1), -1)


def test_working_days_between(shipped: WorkCalendar) -> None:
    # 2026: 365 days, 104 weekend days, 6 make-up days, weekday holidays off.
    total = shipped.working_days_between(date(2026, 1, 1), date(2026, 12, 31))
    assert total == sum(1 for d in days_of(2026) if shipped.is_working_day(d))
    assert shipped.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert shipped.working_days_between(date(2026, 10, 2), date(2026, 10, 1)) == 0


CAL_2027 = """
[2027]
confirmed = true
source = "test notice"

[[2027.holidays]]
name = "国庆节"
name_en = "National Day"
from = 2027-10-01
to = 2027-10-07

[[2027.workdays]]
date = 2027-10-09
name = "国庆节调休上班"
"""


def test_a_calendar_file_confirms_and_replaces_a_year(tmp_path: Path) -> None:
    path = tmp_path / "cn-2027.toml"
    path.write_text(CAL_2027, encoding="utf-8")
    cal = WorkCalendar(load_calendar_files([path]))
    assert cal.year_confirmed(2027)
    assert cal.is_working_day(date(2027, 10, 9))          # Saturday, make-up
    assert not cal.is_working_day(date(2027, 10, 6))       # Wednesday, holiday
    # The file replaces the package's year: its rule-based Spring Festival is gone.
    assert cal.is_working_day(date(2027, 2, 9))
    days = cal.special_days(2027)
    assert [d.kind for d in days].count("makeup_workday") == 1
    assert all("cn-2027.toml" in d.source for d in days)
    assert cal.add_working_days(date(2027, 9, 30), 2) == date(2027, 10, 9)


def test_a_later_file_wins_for_the_same_year(tmp_path: Path) -> None:
    first = tmp_path / "a.toml"
    first.write_text(CAL_2027, encoding="utf-8")
    second = tmp_path / "b.toml"
    second.write_text('[2027]\nconfirmed = false\nsource = "draft"\n', encoding="utf-8")
    cal = WorkCalendar(load_calendar_files([first, second]))
    assert not cal.year_confirmed(2027)
    assert cal.is_working_day(date(2027, 10, 6))


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("x = 1", "x", "year table"),
        ("[2027]\ncolour = 1", "2027.colour", "unknown key"),
        ("[2027]\nconfirmed = 'yes'", "2027.confirmed", "true or false"),
        ("[[2027.holidays]]\nname = 'a'\nfrom = 2027-10-07\nto = 2027-10-01", "2027.holidays[0].to",
         "ends before it starts"),
        ("[[2027.holidays]]\nname = 'a'\nfrom = 2026-12-31", "2027.holidays[0]", "not in 2027"),
        ("[[2027.holidays]]\nfrom = 2027-10-01", "2027.holidays[0].name", "name is required"),
        ("[[2027.holidays]]\nname = 'a'\nfrom = 'first of october'", "2027.holidays[0].from",
         "not a date"),
        ("[[2027.workdays]]\nname = 'a'\ndate = 2027-10-06", "2027.workdays[0].date",
         "is a weekday"),
        ("[[2027.holidays]]\nname = 'a'\ndate = 2027-10-09\n[[2027.workdays]]\nname = 'b'\n"
         "date = 2027-10-09", "2027.workdays[0].date", "holiday too"),
        ("[2027", None, "not valid TOML"),
    ],
)
def test_calendar_file_mistakes_name_file_key_and_problem(tmp_path: Path, text: str,
                                                          key: str | None, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        load_calendar_file(path)
    message = str(info.value)
    assert "bad.toml" in message
    assert info.value.key == key
    assert problem in message


def test_missing_calendar_file(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="does not exist"):
        load_calendar_file(tmp_path / "none.toml")
