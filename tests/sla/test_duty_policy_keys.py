"""The policy keys of duties ([duties], anchor, optional, duty kinds): read as written,
refused in words naming file, line and key, whatever the value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.paths import shipped_data_dir
from hotline.sla import PolicyError, SlaEngine
from hotline.sla.policy_file import read_policy_text
from hotline.sla.workdays import WorkCalendar
from tests.support import TZ

SHIPPED = (shipped_data_dir() / "policies" / "guangdong-transmission.toml").read_text(
    encoding="utf-8")
DUTIES = '''[duties]
inspections_per_year = 2
meetings = { service = "quarter", production = "month" }
service_report_day = 15
exchange_days = 10
'''
# The shipped file with its [duties] table as above (without its comments).
GD_TEXT = (SHIPPED[:SHIPPED.index("[duties]")] + DUTIES + "\n"
           + SHIPPED[SHIPPED.index("[targets.part_return]"):])


def _read(text: str):  # type: ignore[no-untyped-def]
    return read_policy_text(text.encode("utf-8"), Path("gd.toml"), TZ)


def test_the_shipped_schedule_is_read() -> None:
    duties = _read(SHIPPED).duties
    assert _read(GD_TEXT).duties == duties
    assert duties.inspections_per_year == 2 and duties.service_report_day == 15
    assert dict(duties.meetings) == {"service": "quarter", "production": "month"}
    assert duties.exchange_days == 10


@pytest.mark.parametrize(("old", "new", "words"), [
    ("inspections_per_year = 2", "inspections_per_year = 5", "divide evenly"),
    ("inspections_per_year = 2", "inspections_per_year = 13", "0 to 12"),
    ("inspections_per_year = 2", "inspections_per_year = true", "0 to 12"),
    ('service = "quarter"', 'service = "fortnight"', "how often"),
    ('service = "quarter"', 'Service = "quarter"', "lower-case"),
    ("service_report_day = 15", "service_report_day = 31", "1 to 28"),
    ("exchange_days = 10", "exchange_days = 400", "at most 366"),
    ("exchange_days = 10", "exchange_days = nan", "between"),
    ("exchange_days = 10", "exchange_days = 10\nweekly = 1", "unknown key"),
])
def test_bad_schedules_are_refused_by_key(old: str, new: str, words: str) -> None:
    with pytest.raises(PolicyError) as info:
        _read(GD_TEXT.replace(DUTIES, DUTIES.replace(old, new)))
    assert words in str(info.value) and "gd.toml:" in str(info.value)
    assert "duties" in str(info.value)


@pytest.mark.parametrize(("old", "new", "words"), [
    ('anchor = "before_planned"\noptional = true', 'anchor = "after"\noptional = true',
     "one of: start, planned, before_planned"),
    ('anchor = "before_planned"\noptional = true', 'anchor = "before_planned"\noptional = 1',
     "true or false"),
])
def test_bad_anchors_are_refused(old: str, new: str, words: str) -> None:
    assert old in GD_TEXT
    with pytest.raises(PolicyError) as info:
        _read(GD_TEXT.replace(old, new, 1))
    assert words in str(info.value)
    assert "targets.inspection_change_notice" in str(info.value)


def test_a_schedule_needs_its_kind_listed() -> None:
    text = GD_TEXT.replace(', "meeting", "service_report"', "", 1)
    with pytest.raises(PolicyError, match="kinds"):
        _read(text)


def test_a_target_without_kinds_applies_to_faults_consultations_complaints_only() -> None:
    policy = _read(GD_TEXT)
    callback = policy.target("callback")
    assert callback is not None and callback.kinds == {"fault", "consultation", "complaint"}
    assert policy.target("inspection").kinds == {"inspection"}  # type: ignore[union-attr]


values = st.one_of(st.integers(min_value=-(10**20), max_value=10**20),
                   st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                   st.text(max_size=20), st.just("\x00"), st.just("\ud800"))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}"
                         for ch in text) + '"'


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["inspections_per_year", "service_report_day", "exchange_days",
                        "meetings.service", "anchor", "optional"]), values)
@example("exchange_days", 1e308)
@example("inspections_per_year", 10**19)
def test_any_value_is_read_or_refused_with_a_policy_error(key: str, value: object) -> None:
    if key in ("anchor", "optional"):
        old = f'{key} = "before_planned"' if key == "anchor" else "optional = true"
        text = GD_TEXT.replace(old, f"{key} = {_toml(value)}", 1)
    elif key == "meetings.service":
        text = GD_TEXT.replace('service = "quarter"', f"service = {_toml(value)}", 1)
    else:
        text = GD_TEXT.replace(DUTIES, "\n".join(
            f"{key} = {_toml(value)}" if line.startswith(key) else line
            for line in DUTIES.splitlines()) + "\n")
    try:
        policy = _read(text)
    except PolicyError as exc:
        assert str(exc)
        return
    d = policy.duties
    assert 0 <= d.inspections_per_year <= 12
    assert d.service_report_day is None or 1 <= d.service_report_day <= 28
    assert d.exchange_days is None or 0 < d.exchange_days <= 366


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)),
       st.integers(min_value=0, max_value=250))
def test_counting_back_mirrors_counting_forward(day: date, n: int) -> None:
    cal = WorkCalendar()
    back = cal.subtract_working_days(day, n)
    assert back <= day
    if n:
        assert cal.is_working_day(back) and back < day
        assert cal.add_working_days(back, n) >= day or not cal.is_working_day(day)
        # exactly n working days lie in [back, day)
        assert cal.working_days_between(back, day) - (1 if cal.is_working_day(day) else 0) == n


def test_the_engine_counts_back_across_national_day() -> None:
    engine = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
    from datetime import datetime

    from hotline.sla import Limit

    planned = datetime(2026, 10, 16, tzinfo=TZ)
    assert engine.due_before(Limit(working_days=10), planned) == datetime(2026, 9, 29,
                                                                           tzinfo=TZ)
    assert engine.due_before(Limit(working_days=15), planned) == datetime(2026, 9, 21,
                                                                           tzinfo=TZ)
    assert engine.due_before(Limit.of(days=3), planned) == datetime(2026, 10, 13, tzinfo=TZ)
