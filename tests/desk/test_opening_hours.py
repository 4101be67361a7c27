"""Opening hours: the config file's ``[opening_hours]``, parsed strictly; a call that comes
while the desk is closed is called back from its opening."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.config import load_settings
from hotline.desk.operations import Desk
from hotline.errors import ConfigError
from hotline.opening_hours import OpeningHours, parse_opening_hours
from hotline.sla.workdays import WorkCalendar
from hotline.store.models import Event, MissedCall
from hotline.store.schema import alembic_config, upgrade
from hotline.telephony.call_events import CallEvent, apply_call_events
from hotline.views.dashboard import load_snapshot
from tests.support import TZ, build_desk, make_settings

NUMBER = "13902251234"
CAL = WorkCalendar()
DAY = parse_opening_hours({"open": "08:00", "close": "20:00"})
WORKING = parse_opening_hours({"open": "08:00", "close": "20:00", "days": "working days"})


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


# --- the hours ------------------------------------------------------------------------


def test_every_day_the_next_opening_is_at_once_later_today_or_tomorrow() -> None:
    assert DAY is not None
    assert DAY.next_open(local(2026, 11, 25, 10), TZ, CAL.is_working_day) == local(2026, 11, 25, 10)
    assert DAY.next_open(local(2026, 11, 25, 7, 59), TZ, CAL.is_working_day) == local(
        2026, 11, 25, 8)
    assert DAY.next_open(local(2026, 11, 25, 20), TZ, CAL.is_working_day) == local(
        2026, 11, 26, 8)
    assert not DAY.is_open(local(2026, 11, 25, 23, 30), TZ, CAL.is_working_day)
    assert DAY.is_open(local(2026, 11, 28, 9), TZ, CAL.is_working_day)  # a Saturday too


def test_working_days_follow_chinas_calendar_holidays_and_make_up_days() -> None:
    assert WORKING is not None
    nxt = WORKING.next_open
    assert nxt(local(2026, 11, 27, 21), TZ, CAL.is_working_day) == local(2026, 11, 30, 8)  # Fri
    # National Day: 1–7 October off; Saturday 10 October is a make-up working day
    assert nxt(local(2026, 9, 30, 20, 30), TZ, CAL.is_working_day) == local(2026, 10, 8, 8)
    assert nxt(local(2026, 10, 9, 22), TZ, CAL.is_working_day) == local(2026, 10, 10, 8)


def test_weekdays_and_a_day_that_closes_at_midnight() -> None:
    hours = parse_opening_hours({"open": "00:00", "close": "24:00", "days": ["sat", "Sunday"]})
    assert hours == OpeningHours(time(0), None, frozenset({5, 6}))
    assert hours.is_open(local(2026, 11, 28, 23, 59), TZ, CAL.is_working_day)
    assert hours.next_open(local(2026, 11, 30, 12), TZ, CAL.is_working_day) == local(
        2026, 12, 5, 0)
    assert hours.describe() == "00:00–24:00, sat, sun"


def test_no_table_is_a_desk_always_open() -> None:
    assert parse_opening_hours(None) is None


@pytest.mark.parametrize(("table", "words"), [
    ({"open": "8", "close": "20:00"}, "is not a time: write it as HH:MM"),
    ({"open": "08:00", "close": "25:00"}, "is not a time of day"),
    ({"open": "08:60", "close": "20:00"}, "is not a time of day"),
    ({"open": "20:00", "close": "08:00"}, "close (08:00) must be after open (20:00)"),
    ({"open": "08:00", "close": "08:00"}, "must be after open"),
    ({"open": "24:00", "close": "24:00"}, "cannot open at 24:00"),
    ({"open": 8, "close": "20:00"}, "must be a time in quotes"),
    ({"close": "20:00"}, "open is missing"),
    ({"open": "08:00", "close": "20:00", "day": "every day"}, "unknown key day"),
    ({"open": "08:00", "close": "20:00", "days": "weekdays"}, "is not understood"),
    ({"open": "08:00", "close": "20:00", "days": []}, "list of weekdays"),
    ({"open": "08:00", "close": "20:00", "days": ["mon", "mon"]}, "mon is listed twice"),
    ({"open": "08:00", "close": "20:00", "days": ["mo"]}, "'mo' is not a weekday"),
    ({"open": "０８:００", "close": "20:00"}, "is not a time"),
    ({"open": "08:00\x00", "close": "20:00"}, "is not a time"),
    ("08:00-20:00", "must be a table"),
])
def test_bad_hours_are_refused_in_words(table: object, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_opening_hours(table)
    assert words in str(err.value)


_TEXT = st.one_of(st.text(max_size=12), st.from_regex(r"\A[0-9]{1,3}:[0-9]{1,3}\Z"),
                  st.integers(), st.none(), st.floats(), st.lists(st.text(max_size=9)))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["open", "close", "days", "x"]), _TEXT, max_size=4))
def test_any_table_parses_or_is_refused_with_a_message(table: dict[str, object]) -> None:
    try:
        hours = parse_opening_hours(table)
    except ConfigError as exc:
        assert str(exc)
        return
    assert hours is not None
    assert hours.closes is None or hours.opens < hours.closes
    for key in ("open", "close"):  # what was accepted reads back as it was written
        text = str(table[key]).strip()
        shown = (hours.opens if key == "open" else hours.closes)
        assert (shown.strftime("%H:%M") if shown is not None else "24:00") == text.zfill(5)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59), st.integers(1, 24),
       st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)))
def test_the_next_opening_is_open_and_never_before(oh: int, om: int, hours_open: int,
                                                   at: datetime) -> None:
    close = min(oh * 60 + om + hours_open * 60, 24 * 60)
    if close <= oh * 60 + om:
        return
    hours = parse_opening_hours({"open": f"{oh:02}:{om:02}",
                                 "close": f"{close // 60:02}:{close % 60:02}",
                                 "days": "working days"})
    assert hours is not None
    when = at.replace(tzinfo=TZ)
    nxt = hours.next_open(when, TZ, CAL.is_working_day)
    assert nxt >= when and hours.is_open(nxt, TZ, CAL.is_working_day)
    assert nxt == when or nxt.astimezone(TZ).time() == hours.opens


def test_the_config_file_takes_it_and_refuses_it_naming_the_key(tmp_path: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[opening_hours]\nopen = "08:00"\nclose = "20:00"\ndays = "working days"\n')
    assert load_settings(config=str(conf), environ={}).hours == WORKING
    conf.write_text('[opening_hours]\nopen = "8 am"\nclose = "20:00"\n')
    with pytest.raises(ConfigError, match="opening_hours: open = '8 am' is not a time"):
        load_settings(config=str(conf), environ={})
    conf.write_text('db = "x.db"\n')
    assert load_settings(config=str(conf), environ={}).hours is None


# --- calls out of hours ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def closed_desk(request: pytest.FixtureRequest, tmp_path: Path,
                clock: FixedClock) -> Iterator[Desk]:
    """A desk staffed 08:00–20:00 on working days, at 21:00 on Wednesday 25 November."""
    url = (f"sqlite:///{tmp_path / 'desk.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    desk = build_desk(make_settings(url, hours=WORKING), clock)
    from hotline import demo

    demo.load_directory(desk)
    clock.set(local(2026, 11, 25, 21))
    yield desk
    desk.engine.dispose()


def items(desk: Desk) -> list[MissedCall]:
    with Session(desk.engine) as s:
        return list(s.exec(select(MissedCall).order_by(MissedCall.id)).all())  # type: ignore[arg-type]


def kinds(desk: Desk) -> list[str]:
    with Session(desk.engine) as s:
        return [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()  # type: ignore[arg-type]
                if e.kind.startswith("missed_call")]


def test_a_call_that_rings_out_of_hours_is_owed_a_call_back_from_the_opening(
        closed_desk: Desk, clock: FixedClock) -> None:
    call_id = closed_desk.ring(NUMBER).call_id
    [item] = items(closed_desk)
    assert item.call_id == call_id and item.started_at == clock.now()
    assert item.clock_from == local(2026, 11, 26, 8)
    assert item.due_at == local(2026, 11, 26, 8, 30)
    clock.advance(timedelta(minutes=2))
    closed_desk.abandon(call_id)  # the voicemail took it: not a second missed call
    [item] = items(closed_desk)
    assert item.calls == 1 and item.due_at == local(2026, 11, 26, 8, 30)
    assert kinds(closed_desk) == ["missed_call_opened"]
    [row] = [w for w in load_snapshot(closed_desk.engine, clock.now(), TZ).work
             if w.missed_call_id is not None]
    assert row.clock_from == local(2026, 11, 26, 8)
    clock.set(local(2026, 11, 26, 8, 31))
    closed_desk.evaluate()  # overdue only once the desk has been open 30 minutes
    assert items(closed_desk)[0].escalated_at == local(2026, 11, 26, 8, 30)


def test_answered_out_of_hours_after_all_it_is_withdrawn(
        closed_desk: Desk, clock: FixedClock) -> None:
    call_id = closed_desk.ring(NUMBER).call_id
    clock.advance(timedelta(seconds=20))
    closed_desk.answer(call_id)
    assert items(closed_desk)[0].state == "withdrawn"


def test_hung_up_on_just_before_closing_time_is_called_back_next_working_morning(
        closed_desk: Desk, clock: FixedClock) -> None:
    clock.set(local(2026, 11, 27, 19, 59, 40))  # a Friday
    call_id = closed_desk.ring(NUMBER).call_id
    assert items(closed_desk) == []  # open when it rang
    clock.advance(timedelta(seconds=40))
    closed_desk.abandon(call_id)
    [item] = items(closed_desk)
    assert item.clock_from == local(2026, 11, 30, 8) and item.due_at == local(2026, 11, 30, 8, 30)


def test_in_hours_nothing_changes(closed_desk: Desk, clock: FixedClock) -> None:
    clock.set(local(2026, 11, 26, 9))
    call_id = closed_desk.ring(NUMBER).call_id
    assert items(closed_desk) == []
    clock.advance(timedelta(seconds=40))
    closed_desk.abandon(call_id)
    [item] = items(closed_desk)
    assert item.clock_from is None and item.due_at == clock.now() + timedelta(minutes=30)


def test_a_feed_ring_out_of_hours_opens_it_in_its_batch(
        closed_desk: Desk, clock: FixedClock) -> None:
    t = clock.now() - timedelta(minutes=5)
    apply_call_events(closed_desk, [
        CallEvent("ring", "n-1", t, source="ami", number=NUMBER),
        CallEvent("abandon", "n-1", t + timedelta(seconds=50), source="ami"),
        CallEvent("ring", "n-2", t + timedelta(seconds=60), source="ami", number="13800138000"),
        CallEvent("answer", "n-2", t + timedelta(seconds=70), source="ami", agent="PJSIP/8001"),
        CallEvent("abandon", "n-3", t + timedelta(seconds=80), source="ami", number=NUMBER,
                  wait_s=10),
    ])
    found = items(closed_desk)
    assert [(i.state, i.calls, i.due_at) for i in found] == [
        ("open", 2, local(2026, 11, 26, 8, 30)), ("withdrawn", 1, local(2026, 11, 26, 8, 30))]
    assert kinds(closed_desk) == ["missed_call_opened", "missed_call_opened",
                                  "missed_call_withdrawn", "missed_call_again"]


def test_the_column_comes_and_goes_with_its_migration(closed_desk: Desk) -> None:
    import sqlalchemy as sa

    closed_desk.ring(NUMBER)
    command.downgrade(alembic_config(closed_desk.engine), "0013_missed_calls")
    cols = {c["name"] for c in sa.inspect(closed_desk.engine).get_columns("missed_call")}
    assert "clock_from" not in cols and "started_at" in cols
    upgrade(closed_desk.engine)
    assert items(closed_desk)[0].clock_from is None
    closed_desk.ring("13800138000")
    assert items(closed_desk)[1].clock_from == local(2026, 11, 26, 8)
