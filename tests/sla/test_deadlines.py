"""Deadlines from the seed's own numbers, table-driven.

Times are written in the desk's zone (Asia/Shanghai, +08:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.paths import shipped_data_dir
from hotline.sla import Limit, SlaEngine, SlaEvent, TicketFacts
from hotline.timefmt import iso_local

TZ = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="module")
def engine() -> SlaEngine:
    return SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)


def due_of(engine: SlaEngine, facts: TicketFacts, target: str,
           events: list[SlaEvent] | None = None, at: str | None = None) -> str | None:
    ev = engine.evaluate(facts, events or [], local(at) if at else facts.opened_at)
    state = next(t for t in ev.targets if t.key == target)
    return iso_local(state.due_at, TZ) if state.due_at else None


# -- Guangdong transmission -----------------------------------------------------

# Level 1 on site, by region: report→depart / depart→arrive / arrive→restore = total.
GD_ONSITE = [
    ("广州", 1, 2, 5), ("Shenzhen", 1, 2, 5), ("dongguan", 1, 2, 5),
    ("佛山", 1, 3, 6), ("Foshan", 1, 3, 6), ("珠海", 1, 3, 6), ("中山", 1, 3, 6),
    ("惠州", 1, 3, 6), ("清远", 1, 3, 6), ("江门", 1, 3, 6),
    ("韶关", 1, 5, 8), ("Zhaoqing", 1, 5, 8),
    ("湛江", 1, 7, 10), ("Maoming", 1, 7, 10), ("汕头", 1, 7, 10), ("潮州", 1, 7, 10),
    ("梅州", 1, 7, 10),
]


@pytest.mark.parametrize(("city", "depart", "travel", "total"), GD_ONSITE)
def test_guangdong_level1_onsite_by_region(engine: SlaEngine, city: str, depart: int,
                                          travel: int, total: int) -> None:
    args: dict[str, Any] = dict(grade="A", level=1, kind="fault", region=city,
                conditions=frozenset({"onsite"}))
    assert engine.limit("guangdong-transmission", "depart", **args) == Limit.of(hours=depart)
    assert engine.limit("guangdong-transmission", "onsite_arrival", **args) == Limit.of(
        hours=travel)
    assert engine.limit("guangdong-transmission", "restore", **args) == Limit.of(hours=total)


def test_guangdong_foshan_at_22_is_restored_on_site_by_04(engine: SlaEngine) -> None:
    """The issue's case: 1 h to depart, 3 h to arrive, 2 h to restore = 6 h."""
    facts = TicketFacts("guangdong-transmission", "A", 1, "fault", "佛山",
                        local("2026-11-24T22:00"), frozenset({"onsite"}))
    assert due_of(engine, facts, "restore") == "2026-11-25T04:00:00+08:00"
    assert due_of(engine, facts, "depart") == "2026-11-24T23:00:00+08:00"
    # Arrival counts from the real departure: left 22:40, so there by 01:40.
    events = [SlaEvent("depart", local("2026-11-24T22:40"))]
    assert due_of(engine, facts, "onsite_arrival", events,
                  "2026-11-24T23:00") == "2026-11-25T01:40:00+08:00"


def test_guangdong_level1_remote_is_3h(engine: SlaEngine) -> None:
    facts = TicketFacts("guangdong-transmission", "A", 1, "fault", "广州",
                        local("2026-11-24T22:00"))
    assert due_of(engine, facts, "restore") == "2026-11-25T01:00:00+08:00"
    ev = engine.evaluate(facts, [], facts.opened_at)
    assert {t.name for t in ev.targets} == {"restore", "handling_form", "analysis_report"}


def test_guangdong_onsite_without_region_uses_the_strictest(engine: SlaEngine) -> None:
    args: dict[str, Any] = dict(grade="A", level=1, kind="fault", region=None,
                                conditions=frozenset({"onsite"}))
    assert engine.limit("guangdong-transmission", "restore", **args) == Limit.of(hours=3)
    assert engine.limit("guangdong-transmission", "onsite_arrival", **args) == Limit.of(hours=2)


@pytest.mark.parametrize(
    ("level", "conditions", "limit"),
    [
        (2, frozenset(), Limit.of(days=7)),
        (2, frozenset({"nms_crash"}), Limit.of(days=1)),
        (3, frozenset(), Limit.of(days=10)),
        (4, frozenset(), Limit.of(days=10)),
        (3, frozenset({"nms_crash"}), Limit.of(days=10)),
        (2, frozenset({"difficult"}), None),        # 疑难故障: agreed case by case
        (1, frozenset(), None),                     # level 1 is assessed on restoration
    ],
)
def test_guangdong_resolution(engine: SlaEngine, level: int, conditions: frozenset[str],
                              limit: Limit | None) -> None:
    assert engine.limit("guangdong-transmission", "resolve", grade="A", level=level,
                        kind="fault", region="佛山", conditions=conditions) == limit


def test_guangdong_documents_and_consultation(engine: SlaEngine) -> None:
    args: dict[str, Any] = dict(grade="A", kind="fault", region=None)
    assert engine.limit("guangdong-transmission", "handling_form", level=1,
                        **args) == Limit.of(hours=48)
    assert engine.limit("guangdong-transmission", "analysis_report", level=1,
                        **args) == Limit.of(days=5)
    assert engine.limit("guangdong-transmission", "consultation_reply", grade="A", level=None,
                        kind="consultation", region=None) == Limit.days_working(1)


# -- standard ---------------------------------------------------------------------

STANDARD = {
    # grade, level: remote response, on-site arrival, restore, resolve (DESIGN.md)
    ("A", 1): ("15min", "2h", "4h", "24h"),
    ("A", 2): ("30min", "4h", "12h", "3d"),
    ("A", 3): ("2h", "1 working day", "3d", "10d"),
    ("B", 1): ("30min", "4h", "6h", "48h"),
    ("B", 2): ("1h", "8h", "24h", "7d"),
    ("B", 3): ("4h", "2 working days", "5d", "15d"),
    ("C", 1): ("1h", "8h", "12h", "72h"),
    ("C", 2): ("2h", "24h", "48h", "10d"),
    ("C", 3): ("8h", "3 working days", "7d", "20d"),
}


@pytest.mark.parametrize(("case", "limits"), sorted(STANDARD.items()))
def test_standard_table(engine: SlaEngine, case: tuple[str, int],
                        limits: tuple[str, str, str, str]) -> None:
    from hotline.sla import parse_limit

    grade, level = case
    for target, text in zip(("remote_response", "onsite_arrival", "restore", "resolve"), limits,
                            strict=True):
        assert engine.limit("standard", target, grade=grade, level=level, kind="fault",
                            region=None) == parse_limit(text), (target, case)
    for target, text in (("answer", "30s"), ("callback", "30min"), ("handling_form", "48h"),
                         ("analysis_report", "5d")):
        assert engine.limit("standard", target, grade=grade, level=level, kind="fault",
                            region=None) == parse_limit(text)
    assert engine.limit("standard", "consultation_reply", grade=grade, level=None,
                        kind="consultation", region=None) == Limit.days_working(1)
    assert engine.limit("standard", "consultation_reply", grade=grade, level=level,
                        kind="fault", region=None) is None


@pytest.mark.parametrize(
    ("grade", "arrival_due"),
    [
        # Opened and dispatched on 30 Sep 2026, the day before the National Day holiday
        # (1–7 Oct off, Sat 10 Oct worked): N working days after 30 Sep.
        ("A", "2026-10-09T00:00:00+08:00"),   # 1: Oct 8
        ("B", "2026-10-10T00:00:00+08:00"),   # 2: Oct 8, 9
        ("C", "2026-10-11T00:00:00+08:00"),   # 3: Oct 8, 9, 10 (make-up Saturday)
    ],
)
def test_standard_level3_before_national_day(engine: SlaEngine, grade: str,
                                             arrival_due: str) -> None:
    facts = TicketFacts("standard", grade, 3, "fault", None, local("2026-09-30T15:00"))
    events = [SlaEvent("dispatched", local("2026-09-30T15:20"))]
    assert due_of(engine, facts, "onsite_arrival", events, "2026-09-30T16:00") == arrival_due
    # Wall-clock limits run through the holiday: the desk is 7x24.
    restore = {"A": "2026-10-03T15:00:00+08:00", "B": "2026-10-05T15:00:00+08:00",
               "C": "2026-10-07T15:00:00+08:00"}[grade]
    assert due_of(engine, facts, "restore") == restore


def test_standard_consultation_reply_on_a_holiday(engine: SlaEngine) -> None:
    """The start day never counts, even when it is itself a holiday."""
    facts = TicketFacts("standard", "A", None, "consultation", None, local("2026-10-03T09:00"))
    assert due_of(engine, facts, "consultation_reply") == "2026-10-09T00:00:00+08:00"
    facts = TicketFacts("standard", "A", None, "consultation", None, local("2026-11-27T23:59"))
    assert due_of(engine, facts, "consultation_reply") == "2026-12-01T00:00:00+08:00"


# -- fire maintenance --------------------------------------------------------------

@pytest.mark.parametrize(
    ("conditions", "opened", "target", "due"),
    [
        ({"local"}, "2026-11-25T10:00", "onsite_arrival", "2026-11-25T12:00:00+08:00"),
        ({"remote"}, "2026-11-25T10:00", "onsite_arrival", "2026-11-25T16:00:00+08:00"),
        (set(), "2026-11-25T10:00", "onsite_arrival", "2026-11-25T12:00:00+08:00"),
        (set(), "2026-11-25T10:00", "resolve", "2026-11-26T10:00:00+08:00"),
        # Manufacturer, system impaired: 3 working days, across the make-up Saturday.
        ({"manufacturer", "impaired"}, "2026-10-09T16:00", "resolve",
         "2026-10-14T00:00:00+08:00"),                  # Sat 10, Mon 12, Tue 13
        ({"manufacturer", "impaired"}, "2026-09-30T16:00", "resolve",
         "2026-10-11T00:00:00+08:00"),                  # Thu 8, Fri 9, Sat 10
        # Manufacturer, system still works: 7 working days.
        ({"manufacturer"}, "2026-10-09T16:00", "resolve",
         "2026-10-20T00:00:00+08:00"),                  # 10, 12, 13, 14, 15, 16, 19
        ({"impaired"}, "2026-10-09T16:00", "resolve", "2026-10-10T16:00:00+08:00"),
    ],
)
def test_fire_maintenance(engine: SlaEngine, conditions: set[str], opened: str, target: str,
                          due: str) -> None:
    facts = TicketFacts("fire-maintenance", "A", 2, "fault", None, local(opened),
                        frozenset(conditions))
    assert due_of(engine, facts, target) == due


# -- the arithmetic itself -------------------------------------------------------------

def test_working_days_end_at_local_midnight(engine: SlaEngine) -> None:
    start = local("2026-11-25T23:30")
    due = engine.due(Limit.days_working(1), start)
    assert due == local("2026-11-27T00:00")
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert engine.due(Limit.days_working(1), start, timedelta(hours=2)) == local(
        "2026-11-27T02:00")
    # Local midnight already belongs to the new day, which is the start day (Thu 26):
    # the first working day after it is Fri 27, due at its end.
    assert engine.due(Limit.days_working(1), local("2026-11-26T00:00")) == local(
        "2026-11-28T00:00")
    # A Friday start: the weekend does not count.
    assert engine.due(Limit.days_working(1), local("2026-11-27T08:00")) == local(
        "2026-12-01T00:00")


def test_wall_clock_limits_ignore_the_calendar(engine: SlaEngine) -> None:
    start = local("2026-09-30T20:00")
    assert engine.due(Limit.of(hours=4), start) == local("2026-10-01T00:00")
    assert engine.due(Limit.of(hours=4), start, timedelta(minutes=30)) == local(
        "2026-10-01T00:30")


def test_warning_at_80_percent(engine: SlaEngine) -> None:
    start = local("2026-11-25T10:00")
    limit = Limit.of(hours=4)
    due = engine.due(limit, start)
    assert engine.warn_at(limit, start, due, 0.8) == local("2026-11-25T13:12")
    paused_due = engine.due(limit, start, timedelta(hours=1))
    assert engine.warn_at(limit, start, paused_due, 0.8) == local("2026-11-25T14:12")
