"""Events out of order give the true figures: the offer time is the earliest ring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Call, Event, PbxEvent
from hotline.telephony.call_events import (
    APPLIED,
    CREATED,
    RECORDED,
    UNCHANGED,
    CallEvent,
    apply_call_event,
)
from hotline.telephony.jsonl import apply_lines
from hotline.telephony.queue_log import import_queue_log
from hotline.views.dashboard import load_snapshot
from tests.support import TZ


def ev(kind: str, key: str, at: datetime, **kw: object) -> CallEvent:
    return CallEvent(kind=kind, call_key=key, at=at, source="jsonl", **kw)  # type: ignore[arg-type]


def call_of(desk: Desk, key: str) -> Call:
    with Session(desk.engine) as s:
        return s.exec(select(Call).where(Call.call_key == key)).one()


def wait_of(call: Call) -> float:
    assert call.answered_at is not None
    return (call.answered_at - call.offered_at).total_seconds()


def test_an_answer_then_its_earlier_ring_gives_the_true_wait(feed_desk: Desk,
                                                             clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=2)
    answer = ev("answer", "c1", t0 + timedelta(seconds=50), agent="PJSIP/8001",
                number="13902251234")
    assert apply_call_event(feed_desk, answer).outcome == CREATED
    assert wait_of(call_of(feed_desk, "c1")) == 0  # all the desk knows so far
    ring = ev("ring", "c1", t0, number="13902251234")
    result = apply_call_event(feed_desk, ring)
    assert result.outcome == APPLIED and "moved back" in result.note
    call = call_of(feed_desk, "c1")
    assert call.offered_at == t0 and wait_of(call) == 50
    assert call.answer_due_at == t0 + timedelta(seconds=30)  # the clock runs from the ring
    kpis = load_snapshot(feed_desk.engine, clock.now(), TZ).kpis
    assert (kpis.offered, kpis.answered, kpis.answered_in_time) == (1, 1, 0)
    with Session(feed_desk.engine) as s:
        late = s.exec(select(Event).where(Event.kind == "call_rang")).all()[-1]
    data = json.loads(late.data)
    assert data["wait_s"] == 50 and data["late"] is True
    # the same ring again changes nothing
    assert apply_call_event(feed_desk, ring).outcome == UNCHANGED


def test_a_late_ring_names_the_queue_the_answer_did_not(feed_desk: Desk,
                                                       clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=2)
    apply_call_event(feed_desk, ev("answer", "c1", t0 + timedelta(seconds=12),
                                   agent="PJSIP/8001"))
    assert call_of(feed_desk, "c1").queue is None
    apply_call_event(feed_desk, ev("ring", "c1", t0, number="13902251234", queue="support"))
    assert call_of(feed_desk, "c1").queue == "support"


def test_the_pbx_wait_then_an_even_earlier_ring_takes_the_ring(feed_desk: Desk,
                                                               clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=2)
    apply_call_event(feed_desk, ev("answer", "c2", t0 + timedelta(seconds=40), wait_s=20,
                                   agent="PJSIP/8001"))
    assert wait_of(call_of(feed_desk, "c2")) == 20  # the wait the PBX reported
    apply_call_event(feed_desk, ev("ring", "c2", t0 + timedelta(seconds=20), number="1"))
    assert wait_of(call_of(feed_desk, "c2")) == 20  # the ring agrees: nothing moves
    apply_call_event(feed_desk, ev("ring", "c2", t0, number="1"))
    assert wait_of(call_of(feed_desk, "c2")) == 40  # the earliest ring wins
    # a later ring never moves the offer forward
    assert apply_call_event(feed_desk, ev("ring", "c2", t0 + timedelta(seconds=1),
                                          number="1")).outcome == UNCHANGED
    assert call_of(feed_desk, "c2").offered_at == t0


def test_an_abandon_then_its_earlier_ring(feed_desk: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=2)
    apply_call_event(feed_desk, ev("abandon", "c3", t0 + timedelta(seconds=70)))
    apply_call_event(feed_desk, ev("ring", "c3", t0, number="13800138000"))
    call = call_of(feed_desk, "c3")
    assert call.state == "abandoned" and call.offered_at == t0
    assert call.ended_at is not None and (call.ended_at - t0).total_seconds() == 70


def test_contradictions_are_still_kept_when_out_of_order(feed_desk: Desk,
                                                         clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=2)
    apply_call_event(feed_desk, ev("abandon", "c4", t0 + timedelta(seconds=30)))
    apply_call_event(feed_desk, ev("ring", "c4", t0, number="1"))
    answered = apply_call_event(feed_desk, ev("answer", "c4", t0 + timedelta(seconds=10),
                                              agent="PJSIP/8001"))
    assert answered.outcome == RECORDED
    with Session(feed_desk.engine) as s:
        kept = s.exec(select(PbxEvent)).one()
    assert (kept.kind, kept.reason) == ("answer", "conflict")
    assert call_of(feed_desk, "c4").state == "abandoned"


def test_a_jsonl_file_with_the_answer_first_counts_the_true_service_level(
        feed_desk: Desk, clock: FixedClock) -> None:
    t0 = clock.now()
    clock.advance(minutes=5)
    lines = []
    for i in range(4):
        ring = t0 + timedelta(seconds=10 * i)
        answer = ring + timedelta(seconds=45 if i % 2 else 5)
        lines.append(json.dumps({"event": "answer", "call_id": f"j{i}", "agent": "PJSIP/8001",
                                 "at": answer.isoformat()}))
        lines.append(json.dumps({"event": "ring", "call_id": f"j{i}", "number": "13800138000",
                                 "at": ring.isoformat()}))
    tally = apply_lines(feed_desk, lines)
    assert not tally.bad
    kpis = load_snapshot(feed_desk.engine, clock.now(), TZ).kpis
    assert (kpis.offered, kpis.answered, kpis.answered_in_time) == (4, 4, 2)


# --- queue_log ----------------------------------------------------------------------

T = 1_764_036_000  # 2025-11-25 02:00 UTC


def _import(desk: Desk, tmp_path: Path, *lines: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "queue_log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_queue_log(desk, path)


def test_a_connect_stamped_before_its_enterqueue_uses_the_reported_wait(
        feed_desk: Desk, tmp_path: Path) -> None:
    summary = _import(
        feed_desk, tmp_path,
        f"{T + 100}|q1|support|NONE|ENTERQUEUE||13800138000|1",
        f"{T + 90}|q1|support|PJSIP/8001|CONNECT|40|q1.2|3",
        f"{T + 300}|q1|support|PJSIP/8001|COMPLETECALLER|40|210|1",
    )
    call = call_of(feed_desk, "q1")
    assert call.offered_at == datetime.fromtimestamp(T + 50, UTC)
    assert wait_of(call) == 40
    assert (summary.answered, summary.answered_in_time) == (1, 0)


def test_a_connect_stamped_before_its_enterqueue_without_a_wait(feed_desk: Desk,
                                                                tmp_path: Path) -> None:
    _import(feed_desk, tmp_path,
            f"{T + 100}|q2|support|NONE|ENTERQUEUE||13800138000|1",
            f"{T + 90}|q2|support|PJSIP/8001|CONNECT||q2.2|3")
    call = call_of(feed_desk, "q2")
    assert call.offered_at == datetime.fromtimestamp(T + 90, UTC) and wait_of(call) == 0


def test_a_connect_written_before_its_enterqueue_is_one_call(feed_desk: Desk,
                                                             tmp_path: Path) -> None:
    summary = _import(
        feed_desk, tmp_path,
        f"{T + 50}|q3|support|PJSIP/8001|CONNECT|45|q3.2|3",
        f"{T}|q3|support|NONE|ENTERQUEUE||13800138000|1",
        f"{T + 300}|q3|support|PJSIP/8001|COMPLETECALLER|45|250|1",
    )
    assert summary.offered == 1 and summary.begun_before == 0
    call = call_of(feed_desk, "q3")
    assert call.offered_at == datetime.fromtimestamp(T, UTC) and wait_of(call) == 50
    assert call.number_raw == "13800138000"


def test_an_abandon_stamped_before_its_enterqueue(feed_desk: Desk, tmp_path: Path) -> None:
    _import(feed_desk, tmp_path,
            f"{T + 100}|q4|support|NONE|ENTERQUEUE||13800138000|1",
            f"{T + 95}|q4|support|NONE|ABANDON|1|1|25")
    call = call_of(feed_desk, "q4")
    assert call.state == "abandoned"
    assert call.offered_at == datetime.fromtimestamp(T + 70, UTC)


def test_impossible_waits_and_times_are_refused_per_line(feed_desk: Desk,
                                                         tmp_path: Path) -> None:
    summary = _import(
        feed_desk, tmp_path,
        f"{T}|w1|support|NONE|ENTERQUEUE||13800138000|1",
        f"{T + 10}|w1|support|PJSIP/8001|CONNECT|-5|w1.2|3",  # negative wait
        f"{T}|w2|support|NONE|ENTERQUEUE||13800138001|1",
        f"{T + 10}|w2|support|PJSIP/8001|CONNECT|soon|w2.2|3",  # not a number
        f"{T}|w3|support|NONE|ENTERQUEUE||13800138002|1",
        f"{T + 10}|w3|support|NONE|ABANDON|1|1|nan",  # not a number either
        "0|w4|support|NONE|ENTERQUEUE||13800138003|1",  # epoch 0
        "253402300800|w5|support|NONE|ENTERQUEUE||13800138004|1",  # year 10000
        f"{T}|w6|support|NONE|ENTERQUEUE||13800138005|1",
        f"{T + 10}|w6|support|PJSIP/8001|CONNECT|10|w6.2|3",
    )
    skipped = dict(summary.skipped)
    assert set(skipped) == {2, 4, 6, 7, 8}
    assert "'-5' is not a number of seconds" in skipped[2]
    assert "'soon' is not a number of seconds" in skipped[4]
    assert "'nan' is not a number of seconds" in skipped[6]
    assert "not a possible call time" in skipped[7] and "not a possible call time" in skipped[8]
    # the good lines went in; a call whose answer was refused has no ending in this file
    assert call_of(feed_desk, "w6").answered_at is not None
    assert call_of(feed_desk, "w1").answered_at is None
    with Session(feed_desk.engine) as s:
        keys = set(s.exec(select(Call.call_key)).all())
    assert keys == {"w1", "w2", "w3", "w6"}
