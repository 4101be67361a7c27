"""Call events from a phone system: idempotent, order-tolerant, nothing dropped silently."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.store.engine import session_scope
from hotline.store.models import Call, Engineer, Escalation, Event, PbxEvent
from hotline.telephony.call_events import (
    APPLIED,
    CREATED,
    RECORDED,
    UNCHANGED,
    CallEvent,
    apply_call_event,
    close_lost_calls,
)
from hotline.views.dashboard import load_snapshot
from tests.support import TZ


def ev(kind: str, key: str, at: datetime, **kw: object) -> CallEvent:
    return CallEvent(kind=kind, call_key=key, at=at, source="ami", **kw)  # type: ignore[arg-type]


def call_of(desk: Desk, key: str) -> Call:
    with Session(desk.engine) as s:
        call = s.exec(select(Call).where(Call.call_key == key)).one()
        return call


def kinds(desk: Desk) -> list[str]:
    with Session(desk.engine) as s:
        return [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()]  # type: ignore[arg-type]


def counts(desk: Desk) -> tuple[int, int, int]:
    with Session(desk.engine) as s:
        return (s.exec(select(func.count()).select_from(Call)).one(),
                s.exec(select(func.count()).select_from(Event)).one(),
                s.exec(select(func.count()).select_from(PbxEvent)).one())


@pytest.fixture
def agents(desk: Desk) -> Desk:
    with session_scope(desk.engine) as s:
        s.add(Engineer(login="zhangwei", name="张伟", agent="PJSIP/8001"))
        s.add(Engineer(login="lina", name="李娜", agent="PJSIP/8002"))
    return desk


def test_ring_answer_hangup_in_order(agents: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    assert apply_call_event(agents, ev("ring", "1732500000.1", t0, number="13800138000",
                                       queue="support")).outcome == APPLIED
    call = call_of(agents, "1732500000.1")
    assert call.state == "ringing" and call.number_e164 == "+8613800138000"
    assert call.source == "ami" and call.queue == "support"
    assert call.answer_due_at - call.offered_at == timedelta(seconds=30)

    clock.advance(seconds=12)
    result = apply_call_event(agents, ev("answer", "1732500000.1", clock.now(),
                                         agent="pjsip/8002", wait_s=12))
    assert result.outcome == APPLIED
    call = call_of(agents, "1732500000.1")
    assert call.state == "answered" and call.answered_by == "lina"
    assert call.answered_at == t0 + timedelta(seconds=12)

    clock.advance(minutes=4)
    assert apply_call_event(agents, ev("hangup", "1732500000.1", clock.now())).outcome == APPLIED
    call = call_of(agents, "1732500000.1")
    # the engineer still has to log it: a hang-up after the answer keeps it on the desk
    assert call.state == "answered" and call.ended_at == clock.now()
    snap = load_snapshot(agents.engine, clock.now(), TZ)
    assert [c.call_id for c in snap.calls] == [call.id]
    assert kinds(agents) == ["call_rang", "call_answered", "call_hung_up"]
    with Session(agents.engine) as s:
        answered = s.exec(select(Event).where(Event.kind == "call_answered")).one()
    assert answered.actor == "lina"
    assert json.loads(answered.data)["agent"] == "pjsip/8002"


def test_every_event_applied_twice_changes_nothing(agents: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    events = [ev("ring", "k1", t0, number="13800138000"),
              ev("answer", "k1", t0 + timedelta(seconds=5), agent="PJSIP/8001"),
              ev("hangup", "k1", t0 + timedelta(seconds=90)),
              ev("ring", "k2", t0, number="13900000000"),
              ev("abandon", "k2", t0 + timedelta(seconds=40), wait_s=40),
              ev("hangup", "k2", t0 + timedelta(seconds=40)),
              ev("hangup", "nobody-knows", t0)]
    clock.advance(minutes=2)
    for e in events:
        apply_call_event(agents, e)
    before = counts(agents)
    states = {k: call_of(agents, k).state for k in ("k1", "k2")}
    for e in events:
        assert apply_call_event(agents, e).outcome == UNCHANGED
    assert counts(agents) == before
    assert {k: call_of(agents, k).state for k in ("k1", "k2")} == states == {
        "k1": "answered", "k2": "abandoned"}


def test_an_answer_before_its_ring_creates_the_call(agents: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(seconds=20)
    result = apply_call_event(agents, ev("answer", "early", t0 + timedelta(seconds=18),
                                         agent="PJSIP/8001", wait_s=18))
    assert result.outcome == CREATED
    call = call_of(agents, "early")
    assert call.state == "answered" and call.answered_by == "zhangwei"
    assert call.offered_at == t0 and call.number_raw == ""
    # the ring arrives late: it brings the caller's number; nothing else changes
    late = apply_call_event(agents, ev("ring", "early", t0, number="13902251234"))
    assert late.outcome == APPLIED
    call = call_of(agents, "early")
    assert call.state == "answered" and call.number_e164 == "+8613902251234"
    assert call.offered_at == t0 and call.answer_due_at == t0 + timedelta(seconds=30)
    assert apply_call_event(agents, ev("ring", "early", t0, number="13902251234")
                            ).outcome == UNCHANGED


def test_an_abandon_before_its_ring_counts_as_offered_and_abandoned(desk: Desk,
                                                                     clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=1)
    assert apply_call_event(desk, ev("abandon", "a1", t0 + timedelta(seconds=45), wait_s=45)
                            ).outcome == CREATED
    call = call_of(desk, "a1")
    assert call.state == "abandoned" and call.offered_at == t0
    kpis = load_snapshot(desk.engine, clock.now(), TZ).kpis
    assert (kpis.offered, kpis.answered, kpis.abandoned) == (1, 0, 1)


def test_a_hangup_for_an_unknown_call_is_recorded_then_used_by_its_ring(
        desk: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=1)
    result = apply_call_event(desk, ev("hangup", "ghost", t0 + timedelta(seconds=20)))
    assert result.outcome == RECORDED and result.call_id is None
    with Session(desk.engine) as s:
        kept = s.exec(select(PbxEvent)).one()
        assert (kept.kind, kept.call_key, kept.reason) == ("hangup", "ghost", "unknown_call")
        unmatched = s.exec(select(Event).where(Event.kind == "pbx_event_unmatched")).one()
        assert unmatched.call_id is None
    # its ring arrives afterwards: the call is created and ended by the kept hang-up
    apply_call_event(desk, ev("ring", "ghost", t0, number="13800138000"))
    call = call_of(desk, "ghost")
    assert call.state == "abandoned" and call.ended_at == t0 + timedelta(seconds=20)
    assert load_snapshot(desk.engine, clock.now(), TZ).calls == []


def test_contradictions_are_kept_not_applied(agents: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=1)
    apply_call_event(agents, ev("ring", "c1", t0, number="13800138000"))
    apply_call_event(agents, ev("abandon", "c1", t0 + timedelta(seconds=10)))
    result = apply_call_event(agents, ev("answer", "c1", t0 + timedelta(seconds=11),
                                         agent="PJSIP/8001"))
    assert result.outcome == RECORDED
    assert call_of(agents, "c1").state == "abandoned"
    # a seat answered at the desk; the PBX says another agent took it: kept, not overwritten
    apply_call_event(agents, ev("ring", "c2", t0, number="13800138000"))
    agents.answer(call_of(agents, "c2").id, at=t0 + timedelta(seconds=3))
    same = apply_call_event(agents, ev("answer", "c2", t0 + timedelta(seconds=4),
                                       agent="PJSIP/8001"))
    assert same.outcome == UNCHANGED  # zhangwei is PJSIP/8001: the same answer
    other = apply_call_event(agents, ev("answer", "c2", t0 + timedelta(seconds=4),
                                        agent="PJSIP/8002"))
    assert other.outcome == RECORDED and "zhangwei" in other.note
    assert call_of(agents, "c2").answered_by == "zhangwei"
    with Session(agents.engine) as s:
        assert s.exec(select(func.count()).select_from(PbxEvent)
                      .where(PbxEvent.reason == "conflict")).one() == 2


def test_an_unknown_agent_is_kept_as_given(desk: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    apply_call_event(desk, ev("ring", "u1", t0, number="13800138000"))
    apply_call_event(desk, ev("answer", "u1", t0, agent="SIP/9999", agent_aliases=("Wang Wu",)))
    assert call_of(desk, "u1").answered_by == "SIP/9999"


def test_the_member_name_maps_when_the_interface_does_not(agents: Desk, clock: FixedClock
                                                          ) -> None:
    with session_scope(agents.engine) as s:
        s.add(Engineer(login="wangwu", name="王五", agent="Wang Wu"))
    t0 = clock.now()
    apply_call_event(agents, ev("ring", "m1", t0, number="13800138000"))
    apply_call_event(agents, ev("answer", "m1", t0, agent="Local/8009@agents",
                                agent_aliases=("Wang Wu",)))
    assert call_of(agents, "m1").answered_by == "wangwu"


def test_a_ringing_hangup_is_an_abandon(desk: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    apply_call_event(desk, ev("ring", "h1", t0, number="13800138000"))
    clock.advance(seconds=7)
    assert apply_call_event(desk, ev("hangup", "h1", clock.now())).outcome == APPLIED
    call = call_of(desk, "h1")
    assert call.state == "abandoned" and call.ended_at == clock.now()


def test_a_caller_moved_to_another_queue_is_a_second_offer(desk: Desk, clock: FixedClock
                                                           ) -> None:
    t0 = clock.now()
    clock.advance(minutes=5)
    apply_call_event(desk, ev("ring", "q1", t0, number="13800138000", queue="support"))
    apply_call_event(desk, ev("answer", "q1", t0 + timedelta(seconds=5), agent="SIP/1"))
    second = ev("ring", "q1", t0 + timedelta(seconds=60), number="13800138000", queue="billing")
    assert apply_call_event(desk, second).outcome == APPLIED
    assert call_of(desk, "q1#2").state == "ringing"
    assert call_of(desk, "q1#2").queue == "billing"
    assert apply_call_event(desk, second).outcome == UNCHANGED
    assert counts(desk)[0] == 2


@pytest.mark.parametrize("bad", [
    {"kind": "transfer"},
    {"call_key": "  "},
    {"call_key": "x" * 121},
    {"at": datetime(2030, 1, 1, tzinfo=TZ)},
    {"at": datetime(2026, 11, 25, 10, 0)},  # no time zone
    {"number": "1" * 65},
    {"wait_s": -3.0},
])
def test_an_impossible_event_is_refused_and_changes_nothing(desk: Desk, clock: FixedClock,
                                                            bad: dict[str, object]) -> None:
    values: dict[str, object] = {"kind": "ring", "call_key": "b1", "at": clock.now(),
                                 "number": "13800138000"}
    values.update(bad)
    before = counts(desk)
    with pytest.raises(InputError) as info:
        apply_call_event(desk, CallEvent(**values))  # type: ignore[arg-type]
    assert str(info.value)
    assert counts(desk) == before


def test_a_feed_never_floods_the_escalation_queue_with_lost_calls(desk: Desk,
                                                                  clock: FixedClock) -> None:
    t0 = clock.now()
    apply_call_event(desk, ev("ring", "w1", t0, number="13800138000"))
    apply_call_event(desk, ev("ring", "w2", t0, number="13900000000"))
    clock.advance(minutes=10)  # the feed was away; the PBX restarted
    closed = close_lost_calls(desk, "ami", {"w2"}, clock.now())
    assert closed == [call_of(desk, "w1").id]
    w1 = call_of(desk, "w1")
    assert w1.state == "ended" and w1.answered_at is None and w1.ended_at is None
    desk.evaluate()
    with Session(desk.engine) as s:
        escalated = s.exec(select(Escalation.call_id)).all()
    assert escalated == [call_of(desk, "w2").id]
    # the lost call can still be completed if the PBX reports its answer after all
    apply_call_event(desk, ev("answer", "w1", t0 + timedelta(seconds=20), agent="SIP/1"))
    assert call_of(desk, "w1").state == "answered"


def test_an_agent_is_mapped_to_one_engineer(agents: Desk, clock: FixedClock) -> None:
    from hotline.errors import Conflict, NotFound
    from hotline.telephony.agents import list_agents, set_agent

    set_agent(agents, "lina", "Local/8002@agents")
    with pytest.raises(Conflict, match="zhangwei"):
        set_agent(agents, "lina", "pjsip/8001")
    with pytest.raises(NotFound):
        set_agent(agents, "nobody", "SIP/1")
    with pytest.raises(InputError):
        set_agent(agents, "lina", "  ")
    assert {r.login: r.agent for r in list_agents(agents)} == {
        "lina": "Local/8002@agents", "zhangwei": "PJSIP/8001"}
    apply_call_event(agents, ev("ring", "g1", clock.now(), number="13800138000"))
    apply_call_event(agents, ev("answer", "g1", clock.now(), agent="local/8002@AGENTS"))
    assert call_of(agents, "g1").answered_by == "lina"
    set_agent(agents, "lina", None)
    assert "engineer_agent_set" in kinds(agents)


def test_agent_command(tmp_path: object, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from hotline.cli.main import run
    from tests.support import START

    db = Path(str(tmp_path)) / "desk.db"
    monkeypatch.setenv("HOTLINE_DB", str(db))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(Path(str(tmp_path)) / "config"))
    for key in ("HOTLINE_CONFIG", "HOTLINE_NOW", "HOTLINE_AS"):
        monkeypatch.delenv(key, raising=False)

    def cli(*argv: str) -> int:
        return run(list(argv), clock=FixedClock(START))

    assert cli("agent") == 0
    assert "No engineers yet" in capsys.readouterr().out
    assert cli("agent", "zhangwei", "PJSIP/8001") == 1
    assert "no engineer zhangwei" in capsys.readouterr().err
    from hotline.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        s.add(Engineer(login="zhangwei", name="张伟"))
        s.commit()
    engine.dispose()
    assert cli("agent", "zhangwei", "PJSIP/8001") == 0
    assert "answered by zhangwei" in capsys.readouterr().out
    assert cli("agent") == 0
    assert "PJSIP/8001" in capsys.readouterr().out
    assert cli("agent", "zhangwei") == 2
    assert cli("agent", "zhangwei", "--clear") == 0


def test_a_feed_with_a_service_account_names_it_in_every_event(
        feed_desk: Desk, clock: FixedClock) -> None:
    """Rang, abandoned, kept as unmatched, closed as lost, the feed's own
    state: all name the feed's service account, none the fixed pbx."""
    from hotline.telephony.feed_reporter import FeedReporter

    feed_desk.feed_actor = "pbx-feed"
    t0 = clock.now() - timedelta(minutes=1)
    assert apply_call_event(feed_desk, ev("ring", "s.1", t0, number="13902251234")
                            ).outcome == APPLIED
    assert apply_call_event(feed_desk, ev("abandon", "s.1", t0 + timedelta(seconds=9))
                            ).outcome == APPLIED
    assert apply_call_event(feed_desk, ev("answer", "s.1", t0 + timedelta(seconds=10),
                                          agent="PJSIP/8009")).outcome == RECORDED
    apply_call_event(feed_desk, ev("ring", "s.2", t0, number="13902251235"))
    clock.advance(timedelta(minutes=5))
    assert close_lost_calls(feed_desk, "ami", set(), clock.now())
    FeedReporter(feed_desk, "ami test", "ami").set_state("connected")
    with Session(feed_desk.engine) as s:
        actors = {(e.kind, e.actor) for e in s.exec(select(Event)).all()}
    assert {kind for kind, _ in actors} >= {"call_rang", "call_abandoned",
                                            "pbx_event_unmatched", "pbx_feed_connected"}
    assert {actor for _, actor in actors} == {"pbx-feed"}, actors
