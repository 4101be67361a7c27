"""Every time, date, period and limit parser, and the policy reader, over any input.

Each refuses with the project's own error (and a message) or returns a value in
the supported range; nothing else escapes, whatever the text.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.errors import InputError
from hotline.paths import shipped_data_dir
from hotline.reports.periods import parse_month, parse_quarter, parse_year
from hotline.sla import Limit, PolicyError
from hotline.sla.limits import MAX_DURATION, MAX_WORKING_DAYS, parse_limit
from hotline.sla.policy_file import MAX_DEPTH, read_policy_text
from hotline.timefmt import MAX_YEAR, MIN_YEAR, parse_date, parse_time

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
STANDARD = (shipped_data_dir() / "policies" / "standard.toml").read_text(encoding="utf-8")

many = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like the values, with digits, separators and letters, and anything at all.
datey = st.text(alphabet="0123456789-:/ TtZzQq+.年月日²٣", max_size=30)
texts = st.one_of(st.text(max_size=80), datey)
afters = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2098, 12, 30),
                      timezones=st.just(UTC))


@many
@given(texts, st.one_of(st.none(), afters))
@example("0001-01-01 00:00", None)
@example("9999-12-31 23:59", None)
@example("2098-12-31T23:59-12:00", None)
@example("1999-12-31T23:59:59+08:00", None)
@example("23:59", datetime(2098, 12, 31, 15, 59, tzinfo=UTC))
@example("00:00", datetime(1999, 12, 31, 16, 0, 1, tzinfo=UTC))
def test_parse_time_refuses_only_with_input_error(text: str, after: datetime | None) -> None:
    try:
        value = parse_time(text, TZ, NOW, after=after)
    except InputError as exc:
        assert str(exc)
        return
    assert value.tzinfo is UTC
    assert MIN_YEAR <= value.year <= MAX_YEAR
    if after is not None and ":" in text and len(text.strip()) <= 8:
        assert after <= value < after + timedelta(days=1)


def test_a_bare_time_is_the_first_such_moment_after() -> None:
    opened = datetime(2026, 11, 25, 22, 0, tzinfo=TZ)
    assert parse_time("22:40", TZ, NOW, after=opened) == datetime(2026, 11, 25, 22, 40,
                                                                  tzinfo=TZ)
    assert parse_time("01:10", TZ, NOW, after=opened) == datetime(2026, 11, 26, 1, 10,
                                                                  tzinfo=TZ)
    assert parse_time("22:00", TZ, NOW, after=opened) == opened
    # without `after`: today, as the desk's forms read it
    assert parse_time("01:10", TZ, NOW) == datetime(2026, 11, 25, 1, 10, tzinfo=TZ)


@pytest.mark.parametrize("text", ["0001-01-01 00:00", "9999-12-31 23:59", "1999-12-31 23:59",
                                  "2099-01-01 00:00", "2098-12-31T23:59-12:00"])
def test_years_outside_the_range_are_refused_by_name(text: str) -> None:
    with pytest.raises(InputError, match=f"years {MIN_YEAR} to {MAX_YEAR}"):
        parse_time(text, TZ, NOW)


@many
@given(texts)
@example("0001-01-01")
@example("9999-12-31")
@example("２０２６-01-01")
def test_parse_date_refuses_only_with_input_error(text: str) -> None:
    try:
        value = parse_date(text)
    except InputError as exc:
        assert str(exc)
        return
    assert isinstance(value, date) and MIN_YEAR <= value.year <= MAX_YEAR


@many
@given(texts)
@example("0000-01")
@example("9999-12")
@example("2026-13")
@example("٢٠٢٦-01")
def test_parse_month_refuses_only_with_input_error(text: str) -> None:
    try:
        year, month = parse_month(text)
    except InputError as exc:
        assert str(exc)
        return
    assert MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12


@many
@given(texts)
@example("0000-Q1")
@example("9999Q4")
@example("2026-Q5")
def test_parse_quarter_refuses_only_with_input_error(text: str) -> None:
    try:
        year, q = parse_quarter(text)
    except InputError as exc:
        assert str(exc)
        return
    assert MIN_YEAR <= year <= MAX_YEAR and 1 <= q <= 4


@many
@given(texts)
@example("0000")
@example("²⁰²⁶")
def test_parse_year_refuses_only_with_input_error(text: str) -> None:
    try:
        year = parse_year(text)
    except InputError as exc:
        assert str(exc)
        return
    assert MIN_YEAR <= year <= MAX_YEAR


limit_texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789dhmins wokrgay工作日个", max_size=40),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(min_value=0, max_value=10**30),
              st.sampled_from(["d", "h", "min", "s", " working days", "wd", "个工作日"])),
)


@many
@given(st.one_of(limit_texts, st.integers(), st.floats(), st.none(), st.lists(st.integers())))
@example("99999999999999999999d")
@example("100000 working days")
@example("9" * 5000 + "d")
@example("0 working days")
def test_parse_limit_refuses_only_with_its_hint(value: object) -> None:
    try:
        limit = parse_limit(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(limit, Limit)
    if limit.duration is not None:
        assert timedelta(0) < limit.duration <= MAX_DURATION
    else:
        assert limit.working_days is not None and 1 <= limit.working_days <= MAX_WORKING_DAYS


@pytest.mark.parametrize(("text", "words"), [
    ("99999999999999999999d", "at most 366 days or 250 working days"),
    ("100000 working days", "at most 366 days or 250 working days"),
    ("367d", "at most 366 days"),
    ("251 working days", "250 working days"),
])
def test_limits_beyond_a_year_are_refused(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_limit(text)
    assert parse_limit("366d").duration == timedelta(days=366)
    assert parse_limit("250 working days").working_days == 250


def _read(text: str | bytes) -> None:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    read_policy_text(raw, Path("hostile.toml"), TZ)


def _mutate(data: st.DataObject, text: str) -> str:
    """Cut, repeat or replace a slice of a valid policy file."""
    i = data.draw(st.integers(min_value=0, max_value=len(text)))
    j = data.draw(st.integers(min_value=i, max_value=min(len(text), i + 40)))
    insert = data.draw(st.one_of(
        st.text(max_size=20),
        st.sampled_from(['"99999999999999999999d"', '"100000 working days"', "1.5", "-1",
                         "nan", "inf", "[[[[[[", "]]]", '{ a = "b" }', "\n[targets.x]\n",
                         '"0001-01-01"', "0001-01-01", "9999-12-31T23:59:59", '"²"', "true"]),
        st.just(text[i:j] * 3)))
    return text[:i] + insert + text[j:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_policy_reader_refuses_only_with_policy_error(data: st.DataObject) -> None:
    text = _mutate(data, STANDARD)
    try:
        _read(text)
    except PolicyError as exc:
        assert str(exc).startswith("hostile.toml")


@many
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
@example(b"\xff\xfe[policy]")
@example("a = " + "[" * 3000 + "]" * 3000)
def test_the_policy_reader_takes_any_bytes(raw: bytes | str) -> None:
    with pytest.raises(PolicyError):
        _read(raw)


def _with(old: str, new: str) -> str:
    assert old in STANDARD, old
    return STANDARD.replace(old, new, 1)


@pytest.mark.parametrize(("text", "words"), [
    ("a = " + "[" * 3000 + "]" * 3000, f"nested more than {MAX_DEPTH} deep"),
    ("a = " + "[" * 20 + "]" * 20, f"nested more than {MAX_DEPTH} deep"),
    (_with('limit = "48h"', 'limit = "99999999999999999999d"'), "at most 366 days"),
    (_with('limit = "1 working day"', 'limit = "100000 working days"'), "250 working days"),
    (_with("warn_share = 0.8", "warn_share = 1.5"), "at most 1"),
    (_with("warn_share = 0.8", "warn_share = 0"), "above 0"),
    ("x" * 1_000_001, "larger than 1000000 bytes"),
    (_with("warn_share = 0.8", "warn_share = " + "9" * 5000), "thousands of digits"),
    # a line of 900,000 spaces before the mistake: the line is still found at once
    (" " * 900_000 + "\n[" + " " * 50_000 + "\n", "not valid TOML"),
    (" " * 900_000 + "\n" + _with("warn_share = 0.8", "warn_share = 2"),
     r"hostile.toml:\d+: policy.warn_share: a share above 0"),
])
def test_hostile_policy_files_are_refused_by_name(text: str, words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        _read(text)


_CATEGORIES = 'fault_categories = ["hardware", "software", "power", "fibre_line", ' \
    '"configuration",\n                    "human_error", "external", "other"]'


@many
@given(st.recursive(st.one_of(st.text(max_size=50), st.integers(), st.floats(), st.booleans()),
                    lambda inner: st.lists(inner, max_size=5), max_leaves=20))
@example(["x" * 41])
@example(["a"] * 51)
@example(["power", "power"])
@example([])
def test_any_fault_categories_are_read_or_refused_by_name(value: object) -> None:
    import json

    try:
        toml_value = json.dumps(value, ensure_ascii=False)
    except ValueError:
        return  # nan and infinities have no JSON (TOML) spelling here
    text = _with(_CATEGORIES, "fault_categories = " + toml_value)
    try:
        _read(text)
    except PolicyError as exc:
        assert str(exc).startswith("hostile.toml")


@pytest.mark.parametrize(("value", "words"), [
    ('["' + "x" * 41 + '"]', "at most 40 characters"),
    ("[" + ", ".join(['"a"'] * 51) + "]", "at most 50 categories"),
    ('["power", "power"]', "'power' is listed twice"),
])
def test_hostile_fault_categories_are_refused_by_name(value: str, words: str) -> None:
    text = _with(_CATEGORIES, "fault_categories = " + value)
    with pytest.raises(PolicyError, match=rf"hostile.toml:\d+: policy.fault_categories: .*{words}"):
        _read(text)


GD_TEXT = (shipped_data_dir() / "policies" / "guangdong-transmission.toml").read_text(
    encoding="utf-8")


@pytest.mark.parametrize(("value", "words"), [
    ("9" * 400, "at most 10000 points"),
    ("-" + "9" * 400, "at most 10000 points"),
    ("1e400", "a whole number of points"),
])
def test_huge_points_are_refused(value: str, words: str) -> None:
    assert "points = -5" in GD_TEXT
    with pytest.raises(PolicyError, match=words):
        _read(GD_TEXT.replace("points = -5", f"points = {value}", 1))


@pytest.mark.parametrize("value", ["9" * 400, "1e400", "nan", "-inf"])
def test_huge_thresholds_are_refused(value: str) -> None:
    rule = f'\n[[scoring.period]]\nid = "fuzz"\nmetric = "m"\npoints = -1\nbelow = {value}\n'
    with pytest.raises(PolicyError, match=r"scoring.period\[\d+\].below: expected a number"):
        _read(GD_TEXT + rule)


def test_calendar_files_refuse_huge_numbers_and_deep_nesting(tmp_path: Path) -> None:
    from hotline.sla.workdays import load_calendar_file

    for text, words in (("[2027]\nx = " + "9" * 5000, "thousands of digits"),
                        ("a = " + "[" * 3000 + "]" * 3000, "nested more than")):
        path = tmp_path / "cal.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(PolicyError, match=words):
            load_calendar_file(path)


def test_a_target_that_stops_on_its_own_start_is_refused() -> None:
    text = STANDARD + '\n[targets.loop]\nstart = "dispatched"\nstop = ["depart", "dispatched"]' \
                      '\nlimit = "1h"\n'
    tomllib.loads(text)  # valid TOML: the reader's own check refuses it
    with pytest.raises(PolicyError, match="'dispatched' both starts and stops"):
        _read(text)


def test_a_warning_share_of_one_is_accepted() -> None:
    assert "warn_share = 0.8" in STANDARD
    read_policy_text(_with("warn_share = 0.8", "warn_share = 1").encode(),
                     Path("ok.toml"), TZ)
