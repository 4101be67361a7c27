"""Missed calls become callbacks: opened with the abandon, withdrawn by a later answer,
closed or retried by the outcome of calling back, escalated when overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import Conflict, InputError
from hotline.store.models import Escalation, Event, MissedCall
from hotline.store.schema import alembic_config, upgrade
from hotline.telephony.call_events import CallEvent, apply_call_event, apply_call_events
from hotline.views.dashboard import load_snapshot
from tests.support import TZ

NUMBER = "13902251234"


@pytest.fixture
def any_desk(directory_desk: Desk) -> Desk:
    return directory_desk


def items(desk: Desk) -> list[MissedCall]:
    with Session(desk.engine) as s:
        return list(s.exec(select(MissedCall).order_by(MissedCall.id)).all())  # type: ignore[arg-type]


def kinds(desk: Desk, prefix: str = "missed_call") -> list[str]:
    with Session(desk.engine) as s:
        return [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()  # type: ignore[arg-type]
                if e.kind.startswith(prefix)]


def missed(desk: Desk, clock: FixedClock, number: str = NUMBER, wait_s: int = 40) -> int:
    call_id = desk.ring(number).call_id
    clock.advance(timedelta(seconds=wait_s))
    desk.abandon(call_id)
    return call_id


def test_a_hang_up_before_the_answer_opens_a_callback_with_its_30_minute_clock(
        any_desk: Desk, clock: FixedClock) -> None:
    call_id = missed(any_desk, clock)
    [item] = items(any_desk)
    assert item.call_id == call_id and item.state == "open"
    assert item.started_at == clock.now()
    assert item.due_at == clock.now() + timedelta(minutes=30)
    assert kinds(any_desk) == ["missed_call_opened"]
    snap = load_snapshot(any_desk.engine, clock.now(), TZ)
    [row] = [w for w in snap.work if w.missed_call_id is not None]
    assert row.missed_call_id == item.id and row.target == "missed_call"
    assert row.number == "139 0225 1234" and row.customer
    assert snap.kpis.callbacks_open == 1 and snap.kpis.callbacks_overdue == 0


def test_a_second_missed_call_from_the_number_is_counted_on_the_same_clock(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    first = items(any_desk)[0]
    clock.advance(timedelta(minutes=5))
    missed(any_desk, clock)
    [item] = items(any_desk)
    assert item.calls == 2 and item.due_at == first.due_at
    assert kinds(any_desk) == ["missed_call_opened", "missed_call_again"]


def test_a_later_answered_call_from_the_number_withdraws_it(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    clock.advance(timedelta(minutes=3))
    any_desk.answer(any_desk.ring(NUMBER).call_id)
    [item] = items(any_desk)
    assert item.state == "withdrawn" and item.closed_at == clock.now()
    assert kinds(any_desk) == ["missed_call_opened", "missed_call_withdrawn"]
    assert not [w for w in load_snapshot(any_desk.engine, clock.now(), TZ).work
                if w.missed_call_id is not None]


def test_another_number_answered_withdraws_nothing(desk: Desk, clock: FixedClock) -> None:
    missed(desk, clock)
    desk.answer(desk.ring("13800138000").call_id)
    assert items(desk)[0].state == "open"


def test_a_withheld_number_owes_no_callback(desk: Desk, clock: FixedClock) -> None:
    apply_call_event(desk, CallEvent("ring", "w-1", clock.now(), number=""))
    clock.advance(timedelta(seconds=20))
    apply_call_event(desk, CallEvent("abandon", "w-1", clock.now()))
    assert items(desk) == []


def test_no_answer_and_voicemail_keep_it_with_its_clock_reached_closes_it(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    item = items(any_desk)[0]
    assert item.id is not None
    clock.advance(timedelta(minutes=10))
    assert any_desk.missed_call_outcome(item.id, "no_answer") == "open"
    clock.advance(timedelta(minutes=25))  # past the clock: the retry keeps it
    assert any_desk.missed_call_outcome(item.id, "voicemail") == "open"
    kept = items(any_desk)[0]
    assert (kept.attempts, kept.last_outcome, kept.due_at) == (2, "voicemail", item.due_at)
    assert any_desk.missed_call_outcome(item.id, "reached") == "reached"
    closed = items(any_desk)[0]
    assert closed.state == "reached" and closed.closed_at == clock.now()
    assert kinds(any_desk) == ["missed_call_opened", "missed_call_attempt",
                               "missed_call_attempt", "missed_call_closed"]
    with Session(any_desk.engine) as s:
        history = [e.data for e in s.exec(select(Event).where(
            Event.kind == "missed_call_attempt")).all()]
    assert '"overdue": false' in history[0] and '"overdue": true' in history[1]
    with pytest.raises(Conflict):
        any_desk.missed_call_outcome(item.id, "no_answer")


def test_wrong_number_closes_it_and_an_unknown_outcome_changes_nothing(
        desk: Desk, clock: FixedClock) -> None:
    missed(desk, clock)
    item_id = items(desk)[0].id
    assert item_id is not None
    with pytest.raises(InputError):
        desk.missed_call_outcome(item_id, "maybe")
    assert items(desk)[0].attempts == 0
    assert desk.missed_call_outcome(item_id, "wrong_number") == "wrong_number"
    assert items(desk)[0].state == "wrong_number"


def test_an_overdue_missed_call_is_escalated_once(any_desk: Desk, clock: FixedClock) -> None:
    call_id = missed(any_desk, clock)
    snap = load_snapshot(any_desk.engine, clock.now(), TZ)
    assert snap.next_due_at is not None and snap.next_due_at <= items(any_desk)[0].due_at
    clock.advance(timedelta(minutes=31))
    any_desk.evaluate()
    any_desk.evaluate()
    with Session(any_desk.engine) as s:
        escs = s.exec(select(Escalation).where(Escalation.kind == "callback_overdue")).all()
    assert [e.key for e in escs] == [f"call:{call_id}:callback"]
    assert load_snapshot(any_desk.engine, clock.now(), TZ).kpis.callbacks_overdue == 1


def test_a_feed_abandon_opens_it_in_its_batch_and_a_later_answer_withdraws_it(
        any_desk: Desk, clock: FixedClock) -> None:
    t = clock.now() - timedelta(minutes=10)
    results = apply_call_events(any_desk, [
        CallEvent("ring", "p-1", t, source="ami", number=NUMBER),
        CallEvent("abandon", "p-1", t + timedelta(seconds=50), source="ami"),
        CallEvent("ring", "p-2", t + timedelta(minutes=1), source="ami", number="13800138000"),
        CallEvent("abandon", "p-2", t + timedelta(minutes=2), source="ami"),
    ])
    assert len(results) == 4
    assert [i.state for i in items(any_desk)] == ["open", "open"]
    assert items(any_desk)[0].started_at == t + timedelta(seconds=50)
    apply_call_events(any_desk, [
        CallEvent("ring", "p-3", t + timedelta(minutes=3), source="ami", number=NUMBER),
        CallEvent("answer", "p-3", t + timedelta(minutes=4), source="ami", agent="PJSIP/8001"),
    ])
    assert [i.state for i in items(any_desk)] == ["withdrawn", "open"]


def test_a_number_answered_since_the_missed_call_opens_nothing(
        desk: Desk, clock: FixedClock) -> None:
    # events out of order: the later call's answer arrives before the earlier call's abandon
    t = clock.now() - timedelta(minutes=10)
    apply_call_event(desk, CallEvent("ring", "a-1", t, source="ami", number=NUMBER))
    apply_call_event(desk, CallEvent("ring", "a-2", t + timedelta(seconds=5), source="ami",
                                     number=NUMBER))
    apply_call_event(desk, CallEvent("answer", "a-2", t + timedelta(seconds=10), source="ami",
                                     agent="PJSIP/8001"))
    apply_call_event(desk, CallEvent("abandon", "a-1", t + timedelta(seconds=30), source="ami"))
    assert items(desk) == []


def test_the_table_comes_and_goes_with_its_migration(any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    command.downgrade(alembic_config(any_desk.engine), "0012_fault_category")
    import sqlalchemy as sa

    assert "missed_call" not in sa.inspect(any_desk.engine).get_table_names()
    upgrade(any_desk.engine)
    assert "missed_call" in sa.inspect(any_desk.engine).get_table_names()
    assert items(any_desk) == []
    missed(any_desk, clock, "13800138000")
    assert len(items(any_desk)) == 1


# --- closing a missed call and its escalations agree ---------------------------------


def escalations(desk: Desk) -> list[Escalation]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Escalation).order_by(Escalation.id)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", ["reached", "wrong_number"])
def test_closing_a_missed_call_withdraws_its_overdue_escalation(
        any_desk: Desk, clock: FixedClock, outcome: str) -> None:
    call_id = missed(any_desk, clock)
    item = items(any_desk)[0]
    assert item.id is not None
    clock.advance(timedelta(minutes=31))
    any_desk.evaluate()
    [esc] = escalations(any_desk)
    assert esc.kind == "callback_overdue" and esc.acknowledged_at is None
    clock.advance(timedelta(minutes=4))
    any_desk.missed_call_outcome(item.id, outcome)
    [esc] = escalations(any_desk)
    assert esc.acknowledged_at == clock.now() and esc.acknowledged_by == "system"
    assert esc.note == {"reached": "called_back", "wrong_number": "wrong_number"}[outcome]
    assert kinds(any_desk, "escalation_") == ["escalation_raised", "escalation_withdrawn"]
    with Session(any_desk.engine) as s:
        ev = s.exec(select(Event).where(Event.kind == "escalation_withdrawn")).one()
    assert ev.call_id == call_id and ev.escalation_id == esc.id and ev.actor == "system"
    from hotline.supervision.escalation_queue import QueueFilter, load_queue

    assert load_queue(any_desk.engine, any_desk.sla, clock.now()) == []
    [row] = load_queue(any_desk.engine, any_desk.sla, clock.now(),
                       QueueFilter(show_acknowledged=True))
    assert row.withdrawn and row.ack_note == esc.note


def test_an_attempt_that_does_not_reach_the_caller_withdraws_nothing(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    item_id = items(any_desk)[0].id
    assert item_id is not None
    clock.advance(timedelta(minutes=31))
    any_desk.evaluate()
    any_desk.missed_call_outcome(item_id, "no_answer")
    [esc] = escalations(any_desk)
    assert esc.acknowledged_at is None


def test_the_unanswered_call_alerts_of_every_call_counted_go_with_it(
        any_desk: Desk, clock: FixedClock) -> None:
    first = any_desk.ring(NUMBER).call_id
    clock.advance(timedelta(seconds=35))
    any_desk.evaluate()  # rang past 30 s
    any_desk.abandon(first)
    clock.advance(timedelta(minutes=2))
    second = any_desk.ring(NUMBER).call_id
    clock.advance(timedelta(seconds=35))
    any_desk.evaluate()
    any_desk.abandon(second)
    other = any_desk.ring("13800138000").call_id  # another caller's alert stays
    clock.advance(timedelta(seconds=35))
    any_desk.evaluate()
    assert [e.call_id for e in escalations(any_desk)] == [first, second, other]
    [item] = items(any_desk)
    assert item.calls == 2 and item.id is not None
    any_desk.missed_call_outcome(item.id, "reached")
    assert [(e.call_id, e.note) for e in escalations(any_desk)] == [
        (first, "called_back"), (second, "called_back"), (other, None)]


def test_a_later_answer_withdraws_the_item_and_its_escalation_in_a_feed_batch(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    clock.advance(timedelta(minutes=31))
    any_desk.evaluate()
    t = clock.now()
    clock.advance(timedelta(minutes=2))
    apply_call_events(any_desk, [
        CallEvent("ring", "f-1", t, source="ami", number=NUMBER),
        CallEvent("answer", "f-1", t + timedelta(seconds=20), source="ami",
                  agent="PJSIP/8001"),
    ])
    assert items(any_desk)[0].state == "withdrawn"
    [esc] = escalations(any_desk)
    assert esc.note == "answered" and esc.acknowledged_at == t + timedelta(seconds=20)
    assert kinds(any_desk, "escalation_")[-1] == "escalation_withdrawn"


def test_acknowledging_the_escalation_keeps_the_missed_call_to_call_back(
        any_desk: Desk, clock: FixedClock) -> None:
    missed(any_desk, clock)
    clock.advance(timedelta(minutes=31))
    any_desk.evaluate()
    [esc] = escalations(any_desk)
    assert esc.id is not None
    any_desk.acknowledge([esc.id], "calling them now")
    [item] = items(any_desk)
    assert item.state == "open" and item.id is not None
    snap = load_snapshot(any_desk.engine, clock.now(), TZ)
    assert [w.missed_call_id for w in snap.work if w.missed_call_id] == [item.id]
    assert snap.kpis.callbacks_overdue == 1
    any_desk.evaluate()  # acknowledged is not raised again
    assert len(escalations(any_desk)) == 1
    any_desk.missed_call_outcome(item.id, "reached")  # already acknowledged: left as it is
    [esc] = escalations(any_desk)
    assert esc.acknowledged_by != "system" and esc.note == "calling them now"
    assert "escalation_withdrawn" not in kinds(any_desk, "escalation_")
