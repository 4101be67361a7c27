"""Limits as policy files write them, and as the desk shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.sla import Limit, parse_limit


@pytest.mark.parametrize(
    ("text", "duration", "working_days", "shown", "spec"),
    [
        ("30s", timedelta(seconds=30), None, "30 s", "30s"),
        ("30min", timedelta(minutes=30), None, "30 min", "30min"),
        ("4h", timedelta(hours=4), None, "4 h", "4h"),
        ("48h", timedelta(hours=48), None, "48 h", "48h"),
        ("3d", timedelta(days=3), None, "3 days", "3d"),
        ("1d", timedelta(days=1), None, "1 day", "1d"),
        ("1h30min", timedelta(minutes=90), None, "1 h 30 min", "1h30min"),
        ("1h 30min", timedelta(minutes=90), None, "1 h 30 min", "1h30min"),
        ("1 working day", None, 1, "1 working day", "1 working day"),
        ("2 working days", None, 2, "2 working days", "2 working days"),
        ("3个工作日", None, 3, "3 working days", "3 working days"),
    ],
)
def test_parse_and_show(text: str, duration: timedelta | None, working_days: int | None,
                        shown: str, spec: str) -> None:
    limit = parse_limit(text)
    assert limit.duration == duration
    assert limit.working_days == working_days
    assert str(limit) == shown
    assert limit.spec == spec
    assert parse_limit(limit.spec) == limit


@pytest.mark.parametrize("text", ["12 hours", "30", 30, 1.5, "", "2 days", "1.5h", "0h",
                                  "0 working days", "h", None, "4 H30"])
def test_refuses_what_is_not_a_limit(text: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_limit(text)
    message = str(info.value)
    assert "duration" in message or "at least" in message or "longer than zero" in message


def test_the_message_tells_how_to_write_it() -> None:
    with pytest.raises(ValueError, match=r'"12 hours" is not a duration — write 12h, 30min, 3d '
                                         r'or "2 working days"'):
        parse_limit("12 hours")


def test_72h_and_3d_are_the_same_limit_shown_as_written() -> None:
    assert parse_limit("72h") == parse_limit("3d")
    assert str(parse_limit("72h")) == "72 h"
    assert str(parse_limit("3d")) == "3 days"


def test_minutes_and_scaling() -> None:
    assert Limit.of(hours=4).minutes == 240
    assert Limit.days_working(2).minutes is None
    assert Limit.of(hours=4).scaled(0.5) == Limit.of(hours=2)
    assert Limit.days_working(3).scaled(0.5) == Limit.days_working(3)  # needs explicit values
    assert Limit.of(seconds=1).scaled(0.1) == Limit.of(seconds=1)


def test_a_limit_is_one_thing_and_positive() -> None:
    with pytest.raises(ValueError):
        Limit()
    with pytest.raises(ValueError):
        Limit(duration=timedelta(hours=1), working_days=1)
    with pytest.raises(ValueError):
        Limit(duration=timedelta(0))
    with pytest.raises(ValueError):
        Limit(working_days=0)


@pytest.mark.parametrize("stored, chinese", [
    ("30 min", "30分钟"), ("48 h", "48小时"), ("5 days", "5天"), ("1 h 30 min", "1小时 30分钟"),
    ("1 day 2 h", "1天 2小时"), ("2 working days", "2个工作日"), ("45 s", "45秒"),
])
def test_a_stored_limit_is_said_in_the_desks_language(stored: str, chinese: str) -> None:
    """Clocks store their limit as written in English; a Chinese desk reads it in Chinese."""
    from hotline.i18n import set_language
    from hotline.sla.limits import shown_limit

    assert shown_limit(stored) == stored
    set_language("zh_CN")
    try:
        assert shown_limit(stored) == chinese
    finally:
        set_language("en")


@pytest.mark.parametrize("stored", ["", "soon", "30分钟", "0 min", "2 h 3 working days",
                                    "3 working days 2 h", "30  min", " 5 days x"])
def test_a_stored_limit_not_in_that_form_is_shown_as_it_is(stored: str) -> None:
    from hotline.sla.limits import shown_limit

    assert shown_limit(stored) == stored


@given(st.text(max_size=60))
def test_any_stored_limit_text_is_shown_without_error(text: str) -> None:
    from hotline.sla.limits import shown_limit

    assert isinstance(shown_limit(text), str)


@given(st.builds(Limit.of, minutes=st.integers(1, 60 * 24 * 300)))
def test_every_limit_reads_back_as_itself(limit: Limit) -> None:
    from hotline.sla.limits import shown_limit

    assert shown_limit(str(limit)) == str(limit)
