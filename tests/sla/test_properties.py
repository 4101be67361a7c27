"""Properties that must hold for any start, limit, pause and event history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.paths import shipped_data_dir
from hotline.sla import Limit, SlaEngine, SlaEvent, TicketFacts

TZ = ZoneInfo("Asia/Shanghai")
ENGINE = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)

starts = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31),
                      timezones=st.just(UTC))
wall_limits = st.integers(min_value=1, max_value=30 * 86400).map(
    lambda s: Limit(duration=timedelta(seconds=s)))
day_limits = st.integers(min_value=1, max_value=40).map(Limit.days_working)
limits = st.one_of(wall_limits, day_limits)
pauses = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))

common = settings(max_examples=300, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])


@common
@given(limits, starts)
def test_a_due_time_is_never_before_its_start(limit: Limit, start: datetime) -> None:
    due = ENGINE.due(limit, start)
    assert due > start
    assert due.utcoffset() == timedelta(0)


@common
@given(limits, starts, pauses, pauses)
def test_pausing_never_brings_a_due_time_earlier(limit: Limit, start: datetime,
                                                 a: timedelta, b: timedelta) -> None:
    less, more = sorted((a, b))
    assert ENGINE.due(limit, start, more) >= ENGINE.due(limit, start, less)
    assert ENGINE.due(limit, start, less) >= ENGINE.due(limit, start)


@common
@given(st.integers(min_value=1, max_value=60), starts)
def test_n_plus_one_working_days_is_never_before_n(n: int, start: datetime) -> None:
    due_n = ENGINE.due(Limit.days_working(n), start)
    due_n1 = ENGINE.due(Limit.days_working(n + 1), start)
    assert due_n1 > due_n
    # Both end at local midnight, on the day after a working day.
    for due in (due_n, due_n1):
        end = due.astimezone(TZ)
        assert (end.hour, end.minute, end.second) == (0, 0, 0)
        assert ENGINE.calendar.is_working_day(end.date() - timedelta(days=1))


@common
@given(st.integers(min_value=1, max_value=60), starts)
def test_working_days_match_a_day_by_day_count(n: int, start: datetime) -> None:
    due = ENGINE.due(Limit.days_working(n), start).astimezone(TZ)
    first = start.astimezone(TZ).date() + timedelta(days=1)
    last = due.date() - timedelta(days=1)
    assert ENGINE.calendar.working_days_between(first, last) == n


# -- evaluation --------------------------------------------------------------------

EVENT_NAMES = ["remote_requested", "remote_response", "dispatched", "depart",
               "onsite_arrival", "restore", "resolve", "handling_form", "analysis_report",
               "pause", "resume", "acknowledge", "callback_promised", "callback_made",
               "written_complaint", "closed", "reopened", "level_set"]

OPENED = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)


@st.composite
def histories(draw: st.DrawFn) -> tuple[TicketFacts, list[SlaEvent]]:
    policy = draw(st.sampled_from(["standard", "guangdong-transmission", "fire-maintenance"]))
    levels = {"standard": 3, "guangdong-transmission": 4, "fire-maintenance": 3}[policy]
    facts = TicketFacts(
        policy=policy, grade=draw(st.sampled_from(["A", "B", "C"])),
        level=draw(st.integers(min_value=1, max_value=levels)), kind="fault",
        region=draw(st.sampled_from([None, "佛山", "Shenzhen", "湛江", "韶关"])),
        opened_at=OPENED,
        conditions=frozenset(draw(st.sets(st.sampled_from(
            ["onsite", "nms_crash", "local", "remote", "manufacturer", "impaired"])))),
    )
    events = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        name = draw(st.sampled_from(EVENT_NAMES))
        at = OPENED + timedelta(minutes=draw(st.integers(min_value=0, max_value=20 * 1440)))
        key = None
        level = None
        if name == "level_set":
            level = draw(st.integers(min_value=1, max_value=levels))
        elif name in ("pause", "resume"):
            key = draw(st.sampled_from([None, "restore", "resolve"]))
        events.append(SlaEvent(name, at, key, level))
    return facts, events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.lists(st.integers(min_value=0, max_value=30 * 1440), min_size=2,
                             max_size=4))
def test_evaluation_is_deterministic_and_idempotent_over_time(
        history: tuple[TicketFacts, list[SlaEvent]], offsets: list[int]) -> None:
    """Evaluating later reproduces every escalation and penalty already made, unchanged."""
    facts, events = history
    moments = sorted(OPENED + timedelta(minutes=m) for m in offsets)
    previous = None
    for at in moments:
        result = ENGINE.evaluate(facts, events, at)
        assert ENGINE.evaluate(facts, events, at) == result
        if len({e.at for e in events}) == len(events):
            # Order in the list does not matter (ties keep their list order: stable sort).
            assert ENGINE.evaluate(facts, list(reversed(events)), at) == result
        keys = [s.key for s in result.escalations]
        assert len(keys) == len(set(keys))
        pkeys = [p.key for p in result.penalties]
        assert len(pkeys) == len(set(pkeys))
        for s in result.escalations:
            assert s.at <= at
        if result.next_change_at is not None:
            assert result.next_change_at > at
        if previous is not None:
            # The same steps, in the same order (only an acknowledgement may arrive later).
            assert [replace(s, acknowledged_at=None)
                    for s in result.escalations[: len(previous.escalations)]] == [
                replace(s, acknowledged_at=None) for s in previous.escalations]
            old_steps = {s.key: s.at for s in previous.escalations}
            new_steps = {s.key: s.at for s in result.escalations}
            assert all(new_steps.get(k) == v for k, v in old_steps.items())
            old_pen = {p.key: (p.at, p.points) for p in previous.penalties}
            new_pen = {p.key: (p.at, p.points) for p in result.penalties}
            assert all(new_pen.get(k) == v for k, v in old_pen.items())
        previous = result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(min_value=0, max_value=30 * 1440))
def test_nothing_changes_before_next_change_at(history: tuple[TicketFacts, list[SlaEvent]],
                                               offset: int) -> None:
    """Between two events, the answer stays the same until next_change_at."""
    facts, events = history
    at = OPENED + timedelta(minutes=offset)
    result = ENGINE.evaluate(facts, events, at)
    later_events = [e.at for e in events if e.at > at]
    nxt = result.next_change_at
    horizon = at + timedelta(days=40) if nxt is None else nxt - timedelta(microseconds=1)
    if later_events:
        horizon = min(horizon, min(later_events) - timedelta(microseconds=1))
    if horizon <= at:
        return
    later = ENGINE.evaluate(facts, events, horizon)
    assert [(t.key, t.state, t.due_at) for t in later.targets if t.state != "paused"] == [
        (t.key, t.state, t.due_at) for t in result.targets if t.state != "paused"]
    assert later.escalations == result.escalations
    assert later.penalties == result.penalties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(min_value=1, max_value=20 * 1440),
       st.integers(min_value=1, max_value=3 * 1440))
def test_a_global_pause_never_brings_a_due_time_earlier(
        history: tuple[TicketFacts, list[SlaEvent]], start_min: int, length: int) -> None:
    facts, events = history
    plain = [e for e in events if e.name not in ("pause", "resume", "level_set", "closed",
                                                 "reopened")]
    pause_at = OPENED + timedelta(minutes=start_min)
    paused = [*plain, SlaEvent("pause", pause_at),
              SlaEvent("resume", pause_at + timedelta(minutes=length))]
    at = OPENED + timedelta(days=40)
    without = {t.key: t for t in ENGINE.evaluate(facts, plain, at).targets}
    with_pause = {t.key: t for t in ENGINE.evaluate(facts, paused, at).targets}
    for key, t in without.items():
        p = with_pause.get(key)
        if p is None or t.due_at is None or p.due_at is None or t.level != p.level:
            continue
        if t.started_at == p.started_at and t.limit == p.limit and t.breaches == p.breaches:
            assert p.due_at >= t.due_at, key


def test_properties_can_fail() -> None:
    """The comparisons above are not vacuous: a due time does move with a pause."""
    start = OPENED
    assert ENGINE.due(Limit.of(hours=1), start, timedelta(hours=1)) > ENGINE.due(
        Limit.of(hours=1), start)
    with pytest.raises(AssertionError):
        assert ENGINE.due(Limit.days_working(2), start) <= ENGINE.due(Limit.days_working(1),
                                                                      start)
