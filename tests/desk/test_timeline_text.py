"""A ticket's timeline and header say each thing in the desk's language, in plain units."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from hotline import display_names
from hotline.i18n import set_language
from hotline.timefmt import span
from hotline.views.ticket import event_detail, event_label

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


@pytest.mark.parametrize("seconds, english", [
    (0, "0 s"), (12.4, "12 s"), (59.6, "1 min"), (60, "1 min"), (2035.5, "33 min 56 s"),
    (3600, "1 h"), (7500, "2 h 5 min"),
])
def test_a_span_is_whole_units(seconds: float, english: str) -> None:
    assert span(seconds) == english


def test_a_callers_wait_is_said_in_minutes_and_seconds(chinese: None) -> None:
    assert event_detail("call_answered", {"wait_s": 2035.5}, TZ) == "等待 33分56秒"
    assert event_detail("call_abandoned", {"wait_s": 12}, TZ) == "等待 12秒"
    assert event_detail("call_answered", {}, TZ) == "等待 ?"


def test_a_callers_wait_in_english() -> None:
    assert event_detail("call_answered", {"wait_s": 2035.5}, TZ) == "after 33 min 56 s"


def test_escalation_events_and_conditions_are_translated(chinese: None) -> None:
    assert event_label("escalation_reassigned") == "升级已转派"
    assert display_names.condition("onsite") == "现场处理"
    assert display_names.condition("custom_thing") == "custom_thing"  # a policy's own name
    assert event_detail("conditions_set", {"conditions": ["onsite"]}, TZ) == "现场处理"
