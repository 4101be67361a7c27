"""Pauses on working-day limits, and what a level upgrade re-times (issue 16, item 4).

A pause moves a working-day deadline by the working time inside it only: a
working day counts as its whole local calendar day (00:00–24:00), weekends and
holidays count nothing, a make-up working day (调休) counts. The due time walks
forward along working days and a whole working day ends at 24:00. Days are
2026's official calendar (data/calendar/cn-2026.toml): National Day 10-01…10-07,
make-up working days Sun 09-20 and Sat 10-10.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.paths import shipped_data_dir
from hotline.sla import Evaluation, Limit, SlaEngine, SlaEvent, TargetState, TicketFacts

TZ = ZoneInfo("Asia/Shanghai")
ENGINE = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
H = timedelta(hours=1)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def ev(name: str, at: str, key: str | None = None, level: int | None = None) -> SlaEvent:
    return SlaEvent(name, local(at), key, level)


def target(result: Evaluation, key: str) -> TargetState:
    return next(t for t in result.targets if t.key == key)


def consultation(opened: str) -> TicketFacts:
    """Standard policy: a consultation answered within 1 working day, pausable."""
    return TicketFacts("standard", "B", None, "consultation", None, local(opened))


def reply_due(opened: str, *pauses: tuple[str, str]) -> datetime | None:
    events = []
    for start, end in pauses:
        events += [ev("pause", start), ev("resume", end)]
    r = ENGINE.evaluate(consultation(opened), events, local("2026-12-31T00:00"))
    return target(r, "consultation_reply").due_at


# -- the arithmetic, case by case ---------------------------------------------------------

# (opened, [(pause, resume)], due, why). Without a pause: opened Wed 09-30 → due 24:00
# Thu 10-08 (the first working day after National Day).
CASES = [
    ("2026-09-30T10:00", [], "2026-10-09T00:00", "no pause"),
    ("2026-09-30T10:00", [("2026-10-02T10:00", "2026-10-05T18:00")], "2026-10-09T00:00",
     "a pause inside National Day costs nothing"),
    ("2026-09-30T10:00", [("2026-09-30T16:00", "2026-10-08T09:00")], "2026-10-09T17:00",
     "across National Day: 8 h of 09-30 and 9 h of 10-08"),
    ("2026-09-30T10:00", [("2026-10-06T12:00", "2026-10-08T06:00")], "2026-10-09T06:00",
     "starting on a holiday: only 10-08 00:00–06:00 counts"),
    ("2026-09-30T10:00", [("2026-09-30T20:00", "2026-10-03T00:00")], "2026-10-09T04:00",
     "ending on a holiday: only 09-30 20:00–24:00 counts"),
    ("2026-09-30T10:00", [("2026-09-30T11:00", "2026-10-12T11:00")], "2026-10-14T00:00",
     "longer than the limit: 13 h + 10-08, 10-09, 10-10 (make-up) + 11 h = 4 working days"),
    ("2026-10-09T10:00", [("2026-10-10T08:00", "2026-10-10T20:00")], "2026-10-12T12:00",
     "12 h of the make-up Saturday 10-10 count; due walks past Sunday to Monday 12:00"),
    ("2026-11-04T10:00", [("2026-11-04T12:00", "2026-11-05T12:00")], "2026-11-07T00:00",
     "a whole working day ends at 24:00 Friday, not at 00:00 Monday"),
    ("2026-11-04T10:00", [("2026-11-04T12:00", "2026-11-06T12:00")], "2026-11-10T00:00",
     "two whole working days: past the weekend to 24:00 Monday"),
    ("2026-11-02T10:00", [("2026-11-02T18:00", "2026-11-03T00:00")], "2026-11-04T06:00",
     "resumed exactly at midnight: 6 h"),
    ("2026-11-04T10:00", [("2026-11-07T00:00", "2026-11-09T00:00")], "2026-11-06T00:00",
     "a whole weekend, midnight to midnight: nothing"),
    ("2026-09-18T10:00", [("2026-09-19T09:00", "2026-09-20T09:00")], "2026-09-21T09:00",
     "Sat 09-19 counts nothing, 9 h of the make-up Sunday 09-20 do"),
    ("2026-09-30T10:00", [("2026-09-30T12:00", "2026-09-30T14:00"),
                          ("2026-10-07T22:00", "2026-10-08T03:00")], "2026-10-09T05:00",
     "two pauses: 2 h + 3 h (10-07 is a holiday)"),
]


@pytest.mark.parametrize(("opened", "pauses", "due", "why"), CASES,
                         ids=[c[3] for c in CASES])
def test_a_pause_on_a_working_day_limit_moves_it_by_working_time_only(
        opened: str, pauses: list[tuple[str, str]], due: str, why: str) -> None:
    assert reply_due(opened, *pauses) == local(due), why


def test_the_no_pause_deadline_of_the_table() -> None:
    """The table's reference: 1 working day from Wed 09-30 is 24:00 Thu 10-08."""
    assert ENGINE.due(Limit.days_working(1), local("2026-09-30T10:00")) == local(
        "2026-10-09T00:00")
    assert ENGINE.due(Limit.days_working(1), local("2026-11-04T10:00")) == local(
        "2026-11-06T00:00")


def test_a_paused_clock_shows_the_due_time_if_resumed_now() -> None:
    facts = consultation("2026-09-30T10:00")
    events = [ev("pause", "2026-09-30T16:00")]
    # Paused through the holiday: if resumed on 10-05 the due time has moved by 8 h only.
    r = ENGINE.evaluate(facts, events, local("2026-10-05T12:00"))
    reply = target(r, "consultation_reply")
    assert reply.state == "paused"
    assert reply.due_at == local("2026-10-09T08:00")
    assert reply.paused_for == timedelta(days=4, hours=20)   # wall-clock time it stood still


def test_nested_pause_and_resume() -> None:
    """Paused for all, then for the target by key; resuming the key alone does not end the
    ticket's pause: the clock runs again only at the plain resume."""
    facts = consultation("2026-11-02T10:00")            # due 24:00 Tue 11-03
    events = [ev("pause", "2026-11-02T12:00"),
              ev("pause", "2026-11-02T13:00", key="consultation_reply"),
              ev("resume", "2026-11-02T14:00", key="consultation_reply"),
              ev("resume", "2026-11-02T16:00")]
    r = ENGINE.evaluate(facts, events, local("2026-11-02T17:00"))
    reply = target(r, "consultation_reply")
    assert reply.state == "running"
    assert reply.paused_for == 4 * H
    assert reply.due_at == local("2026-11-04T04:00")


def test_wall_clock_limits_move_by_the_whole_pause() -> None:
    """Standard A level 3 restore (3 days, wall-clock) paused across National Day."""
    facts = TicketFacts("standard", "A", 3, "fault", None, local("2026-09-30T10:00"))
    events = [ev("pause", "2026-09-30T12:00"), ev("resume", "2026-10-02T12:00")]
    r = ENGINE.evaluate(facts, events, local("2026-10-02T13:00"))
    assert target(r, "restore").due_at == local("2026-10-05T10:00")   # 10-03 10:00 + 48 h


def test_a_breached_clock_does_not_pause() -> None:
    facts = consultation("2026-11-02T10:00")
    events = [ev("pause", "2026-11-04T08:00"), ev("resume", "2026-11-04T12:00")]
    r = ENGINE.evaluate(facts, events, local("2026-11-04T13:00"))
    reply = target(r, "consultation_reply")
    assert reply.state == "breached" and reply.due_at == local("2026-11-04T00:00")


# -- the shipped contracts give no right to pause restore or resolve ----------------------

@pytest.mark.parametrize("policy", ["guangdong-transmission", "fire-maintenance"])
def test_restore_and_resolve_are_not_pausable_in_these_contracts(policy: str) -> None:
    p = ENGINE.policy(policy)
    for name in ("restore", "resolve"):
        spec = p.target(name)
        if spec is not None:
            assert not spec.pausable, (policy, name)
    assert not any(t.pausable for t in p.targets)


def test_the_standard_policy_keeps_its_pauses() -> None:
    p = ENGINE.policy("standard")
    assert {t.name for t in p.targets if t.pausable} == {"restore", "resolve",
                                                         "consultation_reply"}


def test_a_pause_in_guangdong_stops_nothing() -> None:
    facts = TicketFacts("guangdong-transmission", "*", 1, "fault", None,
                        local("2026-11-25T22:00"))
    events = [ev("pause", "2026-11-25T23:00"), ev("resume", "2026-11-26T01:00")]
    r = ENGINE.evaluate(facts, events, local("2026-11-26T00:30"))
    restore = target(r, "restore")
    assert restore.state != "paused" and restore.paused_for == timedelta(0)
    assert restore.due_at == local("2026-11-26T01:00")               # remote: 3 h
    assert any("no running clock can be paused" in n for n in r.notes)


# -- level upgrades: only running clocks are re-timed --------------------------------------

GD_L1_FOSHAN = TicketFacts("guangdong-transmission", "*", 1, "fault", "佛山",
                           local("2026-11-25T22:00"), frozenset({"onsite"}))
#: Opened level 1 on site in Foshan (depart 1 h, restore 6 h); nobody departs; the desk
#: reclassifies it to level 2 at 23:30 (resolve 7 days from then); resolve is missed on
#: 12-02 23:30 and the fault is upgraded back to level 1.
GD_EVENTS = [ev("dispatched", "2026-11-25T22:10"),
             ev("level_set", "2026-11-25T23:30", level=2)]


def test_guangdong_upgrade_keeps_a_departure_already_late() -> None:
    r = ENGINE.evaluate(GD_L1_FOSHAN, GD_EVENTS, local("2026-12-03T01:00"))
    assert r.level == 1
    assert [(s.key, s.at) for s in r.escalations] == [
        ("resolve:L2->L1", local("2026-12-02T23:30"))]
    depart = target(r, "depart")
    # Not re-timed to 12-03 00:30 and breached a second time: the breach of 11-25 stands.
    assert depart.state == "breached" and depart.breaches == 1
    assert depart.due_at == depart.breached_at == local("2026-11-25T23:00")
    assert depart.level == 1 and depart.retimed_at is None
    resolve = target(r, "resolve")
    assert resolve.state == "breached" and resolve.level == 2
    assert resolve.due_at == local("2026-12-02T23:30")
    # restore had no limit at level 2; running, it is timed with level 1's 6 h from the upgrade.
    restore = target(r, "restore")
    assert restore.state == "running" and restore.retimed_at == local("2026-12-02T23:30")
    assert restore.due_at == local("2026-12-03T05:30")


def test_guangdong_upgrade_keeps_a_met_departure() -> None:
    events = [*GD_EVENTS[:1], ev("depart", "2026-11-25T22:40"), *GD_EVENTS[1:]]
    r = ENGINE.evaluate(GD_L1_FOSHAN, events, local("2026-12-03T01:00"))
    depart = target(r, "depart")
    assert depart.state == "met" and depart.due_at == local("2026-11-25T23:00")
    assert depart.met_at == local("2026-11-25T22:40") and depart.retimed_at is None


STD_B3 = TicketFacts("standard", "B", 3, "fault", None, local("2026-11-02T09:00"))
STD_EVENTS = [ev("remote_requested", "2026-11-02T09:10"),
              ev("remote_response", "2026-11-02T10:00"),
              ev("dispatched", "2026-11-02T10:30")]


def test_standard_upgrade_re_times_only_running_clocks() -> None:
    """Grade B level 3: remote response (4 h) met, on-site arrival (2 working days from
    Mon 10:30 → 24:00 Wed 11-04) breached, restore (5 days) missed on 11-07 09:00 → level 2."""
    r = ENGINE.evaluate(STD_B3, STD_EVENTS, local("2026-11-07T10:00"))
    assert r.level == 2
    assert [s.key for s in r.escalations] == ["restore:L3->L2"]
    remote = target(r, "remote_response")
    assert remote.state == "met" and remote.level == 3
    assert remote.due_at == local("2026-11-02T13:10") and remote.retimed_at is None
    arrival = target(r, "onsite_arrival")
    assert arrival.state == "breached" and arrival.breaches == 1 and arrival.level == 3
    assert arrival.due_at == local("2026-11-05T00:00") and arrival.retimed_at is None
    restore = target(r, "restore")
    assert restore.state == "breached" and restore.breaches == 1 and restore.level == 3
    assert restore.due_at == local("2026-11-07T09:00")
    resolve = target(r, "resolve")                      # running: 15 d → 7 d from 09:00
    assert resolve.state == "running" and resolve.level == 2
    assert resolve.due_at == local("2026-11-14T09:00")
    assert resolve.retimed_at == local("2026-11-07T09:00")
    assert [p.key for p in r.penalties] == ["overdue_fault:restore"]


def test_standard_upgrade_to_level_1_alerts_when_nothing_is_left_running() -> None:
    """resolve missed on 11-14 09:00 → level 1; restore and resolve both stay breached, so
    the supervisor is alerted at once (nothing would fall due again to do it)."""
    r = ENGINE.evaluate(STD_B3, STD_EVENTS, local("2026-11-14T09:10"))
    assert r.level == 1
    assert [(s.key, s.at, s.tier) for s in r.escalations] == [
        ("restore:L3->L2", local("2026-11-07T09:00"), None),
        ("resolve:L2->L1", local("2026-11-14T09:00"), None),
        ("restore:tier:supervisor:1", local("2026-11-14T09:00"), "supervisor"),
        ("resolve:tier:supervisor:1", local("2026-11-14T09:00"), "supervisor"),
    ]
    assert target(r, "restore").due_at == local("2026-11-07T09:00")
    assert target(r, "resolve").due_at == local("2026-11-14T09:00")
    assert target(r, "onsite_arrival").due_at == local("2026-11-05T00:00")


def test_a_running_paused_clock_is_re_timed_and_stays_paused() -> None:
    """Standard A level 2: resolve (3 d) paused on a customer's hold, then restore is missed
    (12 h) → level 1: resolve is re-timed with 24 h from the upgrade and waits paused."""
    facts = TicketFacts("standard", "A", 2, "fault", None, local("2026-11-02T09:00"))
    events = [ev("pause", "2026-11-02T20:00", key="resolve")]
    r = ENGINE.evaluate(facts, events, local("2026-11-02T22:00"))
    resolve = target(r, "resolve")
    assert resolve.state == "paused" and resolve.level == 1
    assert resolve.retimed_at == local("2026-11-02T21:00")
    assert resolve.due_at == local("2026-11-03T22:00")        # 21:00 + 24 h + 1 h so far
    assert resolve.paused_for == 2 * H


# -- properties of the arithmetic -----------------------------------------------------------

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(TZ)).map(lambda d: d.astimezone(UTC))
spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
day_limits = st.integers(min_value=1, max_value=30).map(Limit.days_working)
wall_limits = st.integers(min_value=1, max_value=30 * 86400).map(
    lambda s: Limit(duration=timedelta(seconds=s)))
props = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@props
@given(st.one_of(day_limits, wall_limits), moments, moments, spans)
def test_a_pause_never_brings_the_due_time_earlier(limit: Limit, start: datetime,
                                                   pause_at: datetime, length: timedelta
                                                   ) -> None:
    counted = ENGINE.paused_time(limit, pause_at, pause_at + length)
    assert timedelta(0) <= counted <= length
    assert ENGINE.due(limit, start, counted) >= ENGINE.due(limit, start)
    if limit.duration is not None:
        assert counted == length


@props
@given(day_limits, moments, moments, moments, moments)
def test_two_consecutive_pauses_move_it_as_one(limit: Limit, start: datetime,
                                               a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    first, second = ENGINE.paused_time(limit, a, b), ENGINE.paused_time(limit, b, c)
    assert first + second == ENGINE.paused_time(limit, a, c)
    due = ENGINE.due(limit, start)
    assert (ENGINE.after_working_time(ENGINE.after_working_time(due, first), second)
            == ENGINE.due(limit, start, first + second))


def _off_days() -> list[date]:
    d, out = date(2026, 1, 1), []
    while d.year == 2026:
        if not ENGINE.calendar.is_working_day(d):
            out.append(d)
        d += timedelta(days=1)
    return out


OFF_2026 = _off_days()


@props
@given(day_limits, moments, st.sampled_from(OFF_2026), st.integers(0, 86399),
       st.integers(0, 86400))
def test_a_pause_inside_non_working_days_changes_nothing(
        limit: Limit, start: datetime, day: date, first_s: int, last_s: int) -> None:
    # From a moment of a day off to a later moment of the same day (or 24:00 of it), and
    # over a whole holiday block.
    lo, hi = sorted((first_s, last_s))
    begin = datetime.combine(day, time(0), TZ) + timedelta(seconds=lo)
    end = datetime.combine(day, time(0), TZ) + timedelta(seconds=hi)
    assert ENGINE.paused_time(limit, begin, end) == timedelta(0)
    assert ENGINE.due(limit, start, ENGINE.paused_time(limit, begin, end)) == ENGINE.due(
        limit, start)
    golden_week = (local("2026-10-01T00:00"), local("2026-10-08T00:00"))
    assert ENGINE.paused_time(limit, *golden_week) == timedelta(0)


@props
@given(moments, spans)
def test_moving_by_working_time_is_the_inverse_of_counting_it(at: datetime,
                                                              amount: timedelta) -> None:
    later = ENGINE.after_working_time(at, amount)
    assert later >= at
    assert ENGINE.working_time(at, later) == amount
    if amount > timedelta(0):
        # the earliest such moment: a microsecond before, some working time is missing
        assert ENGINE.working_time(at, later - timedelta(microseconds=1)) < amount


@props
@given(moments, st.integers(0, 600), st.integers(1, 600), st.integers(1, 600))
def test_two_consecutive_pauses_through_the_replay(start_in: datetime, a_min: int,
                                                   b_min: int, c_min: int) -> None:
    """Pausing a..b and b..c (resume and pause at the same moment) ends where a..c ends."""
    opened = start_in
    facts = TicketFacts("standard", "B", None, "consultation", None, opened)
    a = opened + timedelta(minutes=a_min)
    b = a + timedelta(hours=b_min)
    c = b + timedelta(hours=c_min)
    at = c + timedelta(minutes=1)
    one = ENGINE.evaluate(facts, [SlaEvent("pause", a), SlaEvent("resume", c)], at)
    two = ENGINE.evaluate(facts, [SlaEvent("pause", a), SlaEvent("resume", b),
                                  SlaEvent("pause", b), SlaEvent("resume", c)], at)
    t1, t2 = target(one, "consultation_reply"), target(two, "consultation_reply")
    assert (t1.state, t1.due_at, t1.paused_for) == (t2.state, t2.due_at, t2.paused_for)
