"""Calls: ring, answer, hang up, log, call back, escalate — each one transaction with its event."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.errors import Conflict, InputError
from hotline.store.models import Call, Escalation, Event, SlaClock, Ticket
from hotline.views.dashboard import load_snapshot
from tests.support import TZ, build_desk


def count(desk: Desk, model: type) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def events(desk: Desk, kind: str | None = None) -> list[Event]:
    with Session(desk.engine) as s:
        q = select(Event).order_by(Event.id)  # type: ignore[arg-type]
        if kind:
            q = q.where(Event.kind == kind)
        return list(s.exec(q).all())


def fault(number: str = "13902251234", level: int = 2, **kw: object) -> Intake:
    values: dict[str, object] = {"number": number, "kind": "fault", "level": level,
                                 "description": "光路中断 / optical path down"}
    values.update(kw)
    return Intake(**values)  # type: ignore[arg-type]


def test_a_ringing_call_has_a_30_second_answer_target(demo_desk: Desk) -> None:
    result = demo_desk.ring("139-0225-1234", call_key="pbx-1")
    assert result.created and result.caller.contact_name == "黄志明"
    assert result.caller.contract_code == "GD-TX-2026-001"
    with Session(demo_desk.engine) as s:
        call = s.get(Call, result.call_id)
        assert call is not None
        assert call.number_e164 == "+8613902251234"
        assert call.answer_due_at - call.offered_at == timedelta(seconds=30)
        assert call.offered_at <= call.answer_warn_at < call.answer_due_at
    [ev] = events(demo_desk, "call_rang")
    assert ev.call_id == result.call_id and ev.actor == "zhangwei"


def test_ringing_the_same_call_id_twice_changes_nothing(demo_desk: Desk) -> None:
    first = demo_desk.ring("13902251234", call_key="pbx-7")
    again = demo_desk.ring("13902251234", call_key="pbx-7")
    assert not again.created and again.call_id == first.call_id
    assert count(demo_desk, Call) == 1
    assert len(events(demo_desk, "call_rang")) == 1


@pytest.mark.parametrize("garbage", ["138001380", "0755-123", "hello", "1" * 30, "转8001", ""])
def test_a_bad_number_is_refused_and_nothing_is_written(desk: Desk, garbage: str) -> None:
    before = count(desk, Event)
    with pytest.raises(InputError) as info:
        desk.ring(garbage)
    assert str(info.value)
    assert count(desk, Call) == 0
    assert count(desk, Event) == before


def test_a_pbx_caller_id_that_does_not_parse_still_rings(desk: Desk) -> None:
    result = desk.ring("anonymous", source="ami", call_key="1700000000.1", strict=False)
    with Session(desk.engine) as s:
        call = s.get(Call, result.call_id)
        assert call is not None and call.number_e164 is None and call.number_raw == "anonymous"


def test_service_numbers_ring_as_such(desk: Desk) -> None:
    result = desk.ring("10086")
    assert result.number is not None and result.number.kind == "short"


def test_answer_takes_the_oldest_ringing_call(demo_desk: Desk, clock: FixedClock) -> None:
    old = demo_desk.ring("13902251234", at=clock.now() - timedelta(seconds=20)).call_id
    demo_desk.ring("13829901234")
    assert demo_desk.answer() == old
    with Session(demo_desk.engine) as s:
        call = s.get(Call, old)
        assert call is not None and call.state == "answered" and call.answered_by == "zhangwei"
    [ev] = events(demo_desk, "call_answered")
    assert ev.call_id == old and '"wait_s": 20.0' in ev.data


def test_answering_a_call_someone_else_took_says_who(demo_desk: Desk,
        clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    demo_desk.answer(call, by="lina")
    with pytest.raises(Conflict, match="lina answered this call at 2026-11-25 10:00:00"):
        demo_desk.answer(call)


def test_no_ringing_call_to_answer(desk: Desk) -> None:
    with pytest.raises(InputError, match="No call is ringing"):
        desk.answer()


def test_times_cannot_be_in_the_future_or_before_the_ring(demo_desk: Desk,
        clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    with pytest.raises(InputError, match="in the future"):
        demo_desk.answer(call, at=clock.now() + timedelta(minutes=5))
    with pytest.raises(InputError, match="before the call rang"):
        demo_desk.answer(call, at=clock.now() - timedelta(minutes=5))
    assert len(events(demo_desk, "call_answered")) == 0


def test_caller_hangs_up(demo_desk: Desk, clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    clock.advance(seconds=12)
    demo_desk.abandon(call)
    with pytest.raises(Conflict, match="hung up"):
        demo_desk.answer(call)
    snap = load_snapshot(demo_desk.engine, clock.now(), TZ)
    assert snap.calls == [] and snap.kpis.abandoned == 1 and snap.kpis.offered == 1


def test_log_call_opens_a_ticket_with_a_callback_clock(demo_desk: Desk,
        clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    clock.advance(seconds=8)
    demo_desk.answer(call)
    ticket_id = demo_desk.log_call(fault(promise_callback=True), call)
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.number == "261125-0001"
        assert (ticket.kind, ticket.level, ticket.policy, ticket.grade) == (
            "fault", 2, "guangdong-transmission", "A")
        callback = s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id,
                                              SlaClock.target == "callback")).one()
        assert callback.due_at - callback.started_at == timedelta(minutes=30)
        assert callback.state == "running"
        linked = s.get(Call, call)
        assert linked is not None and linked.ticket_id == ticket_id
    kinds = [e.kind for e in events(demo_desk)]
    assert kinds[-2:] == ["ticket_opened", "callback_promised"] or "callback_promised" in kinds
    snap = load_snapshot(demo_desk.engine, clock.now(), TZ)
    assert any(w.target == "callback" for w in snap.work)
    assert snap.kpis.callbacks_open == 1


def test_log_refuses_a_missing_description_or_level(demo_desk: Desk) -> None:
    call = demo_desk.ring("13902251234").call_id
    demo_desk.answer(call)
    with pytest.raises(InputError, match="description"):
        demo_desk.log_call(fault(description="  "), call)
    with pytest.raises(InputError, match="fault level"):
        demo_desk.log_call(fault(level=None), call)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no fault level 9"):
        demo_desk.log_call(fault(level=9), call)
    assert count(demo_desk, Ticket) == 0


def test_a_call_taken_on_a_desk_phone(demo_desk: Desk, clock: FixedClock) -> None:
    ticket_id = demo_desk.log_call(Intake(number="020-38881234", kind="consultation",
                                          level=None, description="配置咨询"))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.customer_id is not None and ticket.level is None
        call = s.exec(select(Call).where(Call.ticket_id == ticket_id)).one()
        assert call.source == "manual" and call.state == "answered"


def test_callback_kept_in_time_is_met(demo_desk: Desk, clock: FixedClock) -> None:
    ticket = demo_desk.log_call(fault(promise_callback=True))
    clock.advance(minutes=29, seconds=59)
    demo_desk.callback_done(ticket)
    with Session(demo_desk.engine) as s:
        cb = s.exec(select(SlaClock).where(SlaClock.target == "callback")).one()
        assert cb.state == "met" and cb.breached_at is None
    demo_desk.evaluate()
    assert count(demo_desk, Escalation) == 0


def test_callback_missed_is_escalated_once_with_its_real_time(demo_desk: Desk,
        clock: FixedClock) -> None:
    ticket = demo_desk.log_call(fault(promise_callback=True))
    due = clock.now() + timedelta(minutes=30)
    clock.advance(minutes=45)
    demo_desk.evaluate()
    demo_desk.evaluate()
    with Session(demo_desk.engine) as s:
        [esc] = s.exec(select(Escalation).where(Escalation.kind == "callback_overdue")).all()
        assert esc.raised_at == due and esc.ticket_id == ticket
    demo_desk.callback_done(ticket)
    with Session(demo_desk.engine) as s:
        cb = s.exec(select(SlaClock).where(SlaClock.target == "callback")).one()
        assert cb.state == "late" and cb.breached_at == due and cb.met_at == clock.now()


def test_a_call_ringing_past_30_seconds_is_escalated_once(demo_desk: Desk,
        clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    clock.advance(seconds=29)
    assert demo_desk.evaluate() == 0
    clock.advance(seconds=2)
    assert demo_desk.evaluate() == 1
    assert demo_desk.evaluate() == 0
    with Session(demo_desk.engine) as s:
        [esc] = s.exec(select(Escalation)).all()
        assert esc.kind == "unanswered_call" and esc.call_id == call
        assert esc.raised_at == clock.now() - timedelta(seconds=1)


def test_two_desks_evaluating_at_once_raise_one_escalation(tmp_path, clock: FixedClock) -> None:
    from tests.support import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'd.db'}")
    a = build_desk(settings, clock, "zhangwei")
    b = build_desk(settings, clock, "lina")
    a.ring("13902251234")
    clock.advance(seconds=40)
    assert a.evaluate() + b.evaluate() == 1
    assert count(a, Escalation) == 1


def test_acknowledge_once(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    clock.advance(seconds=40)
    demo_desk.evaluate()
    with Session(demo_desk.engine) as s:
        esc_id = s.exec(select(Escalation.id)).one()
    demo_desk.acknowledge(esc_id, "taking it")
    with pytest.raises(Conflict, match="zhangwei acknowledged this"):
        demo_desk.acknowledge(esc_id)
    [ev] = events(demo_desk, "escalation_acknowledged")
    assert ev.escalation_id == esc_id and "taking it" in ev.data


def test_events_are_append_only_in_the_database(demo_desk: Desk) -> None:
    demo_desk.ring("13902251234")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), demo_desk.engine.begin() as c:
        c.exec_driver_sql("UPDATE event SET actor = 'someone else'")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), demo_desk.engine.begin() as c:
        c.exec_driver_sql("DELETE FROM event")


def test_kpis_count_answers_within_30_seconds_of_offered_and_answered(
        demo_desk: Desk, clock: FixedClock) -> None:
    fast = demo_desk.ring("13902251234").call_id
    slow = demo_desk.ring("13829901234").call_id
    demo_desk.ring("13592801234")  # still ringing
    lost = demo_desk.ring("18620001234").call_id
    clock.advance(seconds=30)
    demo_desk.answer(fast)  # exactly at the due time: in time
    clock.advance(seconds=1)
    demo_desk.answer(slow)
    demo_desk.abandon(lost)
    k = load_snapshot(demo_desk.engine, clock.now(), TZ).kpis
    assert (k.offered, k.answered, k.abandoned, k.answered_in_time) == (4, 2, 1, 1)
    assert k.service_level_offered == 0.25 and k.service_level_answered == 0.5


def test_header_notices_flag_next_years_unconfirmed_calendar(desk: Desk) -> None:
    from datetime import datetime

    from hotline.views.notices import header_notices

    november = header_notices(desk.sla, datetime(2026, 11, 25, 2, tzinfo=TZ), TZ)
    assert "2027 holidays unconfirmed" in november
    june = header_notices(desk.sla, datetime(2026, 6, 1, 2, tzinfo=TZ), TZ)
    assert june == []


def test_a_call_inside_its_answer_target_is_not_yet_a_miss(demo_desk: Desk,
                                                           clock: FixedClock) -> None:
    first = demo_desk.ring("13902251234").call_id
    kpis = load_snapshot(demo_desk.engine, clock.now(), TZ).kpis
    assert kpis.offered == 1 and kpis.service_level_offered is None  # shown as —
    clock.advance(timedelta(seconds=10))
    demo_desk.answer(first)
    demo_desk.ring("13800138000")
    kpis = load_snapshot(demo_desk.engine, clock.now(), TZ).kpis
    assert kpis.offered == 2 and kpis.service_level_offered == 1.0
    clock.advance(timedelta(seconds=31))  # the second call is now late
    kpis = load_snapshot(demo_desk.engine, clock.now(), TZ).kpis
    assert kpis.service_level_offered == 0.5
