"""The escalation queue: order, acknowledgement, reassignment, notes, warnings and re-alerts.

Everything runs on a fake clock: the desk's monitor (``Desk.evaluate``) is
called at chosen moments, as the open screens call it every second.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.escalations import acknowledge, add_note, reassign
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import Conflict, InputError
from hotline.i18n import set_language
from hotline.store.models import Escalation, EscalationAlert, Event, Ticket
from hotline.supervision.escalation_queue import (
    Alert,
    AlertMark,
    QueueFilter,
    alerts_since,
    describe_alert,
    history,
    load_queue,
)
from tests.support import START, build_desk

GD_NUMBER = "13902251234"  # 黄志明, GD-TX-2026-001 (guangdong-transmission, ack timeout 30 min)


def escalations(desk: Desk, kind: str | None = None) -> list[Escalation]:
    with Session(desk.engine) as s:
        q = select(Escalation).order_by(col(Escalation.id))
        if kind is not None:
            q = q.where(Escalation.kind == kind)
        return list(s.exec(q).all())


def alerts(desk: Desk) -> list[tuple[int, int]]:
    with Session(desk.engine) as s:
        return [(a.escalation_id, a.n) for a in s.exec(
            select(EscalationAlert).order_by(col(EscalationAlert.id))).all()]


def events(desk: Desk, kind: str) -> list[Event]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Event).where(Event.kind == kind)
                           .order_by(col(Event.id))).all())


def unanswered_call(desk: Desk, clock: FixedClock, number: str = GD_NUMBER) -> int:
    """A call left ringing past its 30 seconds; returns its escalation id."""
    desk.ring(number)
    clock.advance(seconds=31)
    desk.evaluate()
    return escalations(desk, "unanswered_call")[-1].id or 0


def level1_fault(desk: Desk, clock: FixedClock) -> int:
    call = desk.ring(GD_NUMBER).call_id
    clock.advance(seconds=5)
    desk.answer(call)
    return desk.log_call(Intake(number=GD_NUMBER, kind="fault", level=1,
                                description="ring down"), call)


# --- re-alerts -----------------------------------------------------------------------


def test_an_unacknowledged_escalation_realerts_each_timeout_once(demo_desk: Desk,
                                                                 clock: FixedClock) -> None:
    esc = unanswered_call(demo_desk, clock)  # raised at 10:00:30
    [row] = escalations(demo_desk)
    assert row.raised_at == START + timedelta(seconds=30)
    _, mark = alerts_since(demo_desk.engine, None)
    clock.set(START + timedelta(minutes=30, seconds=29))
    demo_desk.evaluate()
    assert alerts(demo_desk) == []
    clock.set(START + timedelta(minutes=30, seconds=30))
    demo_desk.evaluate()
    assert alerts(demo_desk) == [(esc, 1)]
    # another seat evaluating at the same moment records nothing more
    other = Desk(demo_desk.engine, FixedClock(clock.now()), demo_desk.settings, demo_desk.sla,
                 "lina")
    other.evaluate()
    demo_desk.evaluate()
    assert alerts(demo_desk) == [(esc, 1)]
    [ev] = events(demo_desk, "escalation_realerted")
    assert ev.escalation_id == esc and json.loads(ev.data) == {"n": 1, "minutes": 30}
    found, mark = alerts_since(demo_desk.engine, mark)
    assert [(a.escalation_id, a.minutes) for a in found] == [(esc, 30)]
    assert "Still unacknowledged after 30 minutes: Call not answered in time" in (
        describe_alert(found[0]))
    assert alerts_since(demo_desk.engine, mark)[0] == []
    clock.set(START + timedelta(hours=1, seconds=30))
    demo_desk.evaluate()
    assert alerts(demo_desk) == [(esc, 1), (esc, 2)]
    # the desk was off for two hours: one re-alert now, counting every timeout missed
    clock.set(START + timedelta(hours=3, minutes=10))
    demo_desk.evaluate()
    assert alerts(demo_desk)[-1] == (esc, 6)
    rows = load_queue(demo_desk.engine, demo_desk.sla, clock.now())
    assert rows[0].alerts == 6
    assert rows[0].next_alert_at == START + timedelta(hours=3, minutes=30, seconds=30)
    acknowledge(demo_desk, [esc], "seen")
    clock.advance(hours=2)
    demo_desk.evaluate()
    assert len(alerts(demo_desk)) == 3
    assert alerts_since(demo_desk.engine, mark)[0] == []  # acknowledged: no alert


def test_the_timeout_is_the_policy_s(demo_desk: Desk, clock: FixedClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotline.paths import shipped_data_dir
    from hotline.sla import SlaEngine

    text = (shipped_data_dir() / "policies" / "guangdong-transmission.toml").read_text("utf-8")
    assert 'ack_timeout = "30min"' in text
    (tmp_path / "gd.toml").write_text(text.replace('ack_timeout = "30min"',
                                                   'ack_timeout = "10min"'), "utf-8")
    demo_desk.sla = SlaEngine.load([shipped_data_dir() / "policies", tmp_path], [],
                                   demo_desk.settings.tz)
    esc = unanswered_call(demo_desk, clock)
    clock.set(START + timedelta(minutes=10, seconds=30))
    demo_desk.evaluate()
    assert alerts(demo_desk) == [(esc, 1)]
    # a caller without a contract: the standard policy's 30 minutes
    other = unanswered_call(demo_desk, clock, "13800138000")
    clock.set(START + timedelta(minutes=31, seconds=1))
    demo_desk.evaluate()
    assert (other, 1) not in alerts(demo_desk)


# --- the queue --------------------------------------------------------------------------


def test_unacknowledged_first_then_most_overdue(demo_desk: Desk, clock: FixedClock) -> None:
    first = unanswered_call(demo_desk, clock)  # due 10:00:30
    clock.set(START + timedelta(minutes=5))
    second = unanswered_call(demo_desk, clock, "13800138000")  # due 10:05:30
    clock.set(START + timedelta(minutes=6))
    third = unanswered_call(demo_desk, clock, "18620001234")  # due 10:06:30
    acknowledge(demo_desk, [second], "")
    rows = load_queue(demo_desk.engine, demo_desk.sla, clock.now())
    assert [r.escalation_id for r in rows] == [first, third]
    rows = load_queue(demo_desk.engine, demo_desk.sla, clock.now(),
                                  QueueFilter(show_acknowledged=True))
    assert [r.escalation_id for r in rows] == [first, third, second]
    assert rows[2].acknowledged and rows[2].acknowledged_by == "zhangwei"
    assert rows[0].number == "139 0225 1234" and rows[0].contract == "GD-TX-2026-001"
    # acknowledged items drop out after a day
    later = clock.now() + timedelta(hours=25)
    rows = load_queue(demo_desk.engine, demo_desk.sla, later,
                                  QueueFilter(show_acknowledged=True))
    assert second not in [r.escalation_id for r in rows]
    assert load_queue(demo_desk.engine, demo_desk.sla, clock.now(),
                                  QueueFilter(kinds="warnings")) == []
    with pytest.raises(InputError):
        load_queue(demo_desk.engine, demo_desk.sla, clock.now(),
                               QueueFilter(kinds="nonsense"))


def test_acknowledge_with_a_note(demo_desk: Desk, clock: FixedClock) -> None:
    esc = unanswered_call(demo_desk, clock)
    clock.advance(minutes=2)
    demo_desk.actor = "wangqiang"
    assert acknowledge(demo_desk, [esc], "  line was busy  ") == 1
    [row] = escalations(demo_desk)
    assert (row.acknowledged_by, row.note) == ("wangqiang", "line was busy")
    assert row.acknowledged_at == clock.now()
    [ev] = events(demo_desk, "escalation_acknowledged")
    assert ev.actor == "wangqiang" and json.loads(ev.data)["note"] == "line was busy"
    with pytest.raises(Conflict, match="wangqiang acknowledged this at"):
        acknowledge(demo_desk, [esc], "")
    with pytest.raises(InputError, match="at most 1000"):
        acknowledge(demo_desk, [esc], "x" * 1001)
    with pytest.raises(InputError):
        acknowledge(demo_desk, [], "")


def test_acknowledge_all_shown_skips_what_is_done(demo_desk: Desk, clock: FixedClock) -> None:
    a = unanswered_call(demo_desk, clock)
    b = unanswered_call(demo_desk, clock, "13800138000")
    acknowledge(demo_desk, [a], "")
    assert acknowledge(demo_desk, [a, b], "both seen") == 1
    assert all(e.acknowledged_at is not None for e in escalations(demo_desk))


def test_a_tier_chain_is_acknowledged_as_one(demo_desk: Desk, clock: FixedClock) -> None:
    ticket = level1_fault(demo_desk, clock)
    opened = clock.now()
    clock.set(opened + timedelta(hours=3, seconds=1))  # restore (3 h) breached
    demo_desk.evaluate()
    [sup] = escalations(demo_desk, "tier")
    assert sup.tier == "supervisor"
    [breach] = escalations(demo_desk, "breach")
    clock.set(opened + timedelta(hours=3, minutes=31))  # nobody acknowledged: the manager
    demo_desk.evaluate()
    tiers = escalations(demo_desk, "tier")
    assert [(t.tier, t.reason) for t in tiers] == [("supervisor", "restore"),
                                                    ("manager", "unacknowledged")]
    # the engine's next tier alert is this seat's re-alert: no re-alert row for tiers
    assert [e for e, _n in alerts(demo_desk) if e in {t.id for t in tiers}] == []
    found, _mark = alerts_since(demo_desk.engine, AlertMark(0, sup.id
                                                                                       or 0))
    # at 30 min the breach re-alerts (a row), and the chain alerts the manager (the engine)
    assert [a.escalation_id for a in found] == [breach.id, tiers[1].id]
    assert alerts(demo_desk) == [(breach.id, 1)]
    assert acknowledge(demo_desk, [tiers[1].id or 0], "on it") == 2
    assert all(t.acknowledged_at is not None for t in escalations(demo_desk, "tier"))
    clock.advance(hours=2)
    demo_desk.evaluate()
    assert len(escalations(demo_desk, "tier")) == 2  # the chain stopped
    # the breach itself is its own item, still waiting
    assert escalations(demo_desk, "breach")[0].acknowledged_at is None
    assert breach.ticket_id == ticket


def test_a_chain_acknowledged_from_the_dashboard_is_acknowledged_whole(
        demo_desk: Desk, clock: FixedClock) -> None:
    level1_fault(demo_desk, clock)
    opened = clock.now()
    clock.set(opened + timedelta(hours=3, seconds=1))
    demo_desk.evaluate()
    clock.set(opened + timedelta(hours=3, minutes=31))
    demo_desk.evaluate()
    sup, manager = escalations(demo_desk, "tier")
    demo_desk.acknowledge(manager.id or 0, "from the dashboard")
    sup_now, manager_now = escalations(demo_desk, "tier")
    assert sup_now.id == sup.id and sup_now.acknowledged_by == "zhangwei"
    assert sup_now.acknowledged_at == manager_now.acknowledged_at
    clock.set(opened + timedelta(hours=6))
    demo_desk.evaluate()
    assert len(escalations(demo_desk, "tier")) == 2  # the chain stopped


def test_reassign_hands_over_the_escalation_and_its_ticket(demo_desk: Desk,
                                                           clock: FixedClock) -> None:
    ticket = level1_fault(demo_desk, clock)
    clock.advance(hours=3, seconds=1)
    demo_desk.evaluate()
    [breach] = escalations(demo_desk, "breach")
    reassign(demo_desk, breach.id or 0, "lina", "take over, customer waiting")
    [row] = escalations(demo_desk, "breach")
    assert row.assigned_to == "lina"
    with Session(demo_desk.engine) as s:
        t = s.get(Ticket, ticket)
        assert t is not None and t.assigned_to == "lina" and t.version >= 2
    [ev] = events(demo_desk, "escalation_reassigned")
    assert json.loads(ev.data) == {"to": "lina", "note": "take over, customer waiting",
                                   "ticket_owner": "zhangwei", "from": None}
    with pytest.raises(Conflict, match="already assigned to lina"):
        reassign(demo_desk, breach.id or 0, "lina")
    with pytest.raises(InputError, match="nobody is not an engineer of this desk"):
        reassign(demo_desk, breach.id or 0, "nobody")
    with pytest.raises(InputError):
        reassign(demo_desk, breach.id or 0, "  ")
    rows = load_queue(demo_desk.engine, demo_desk.sla, clock.now(),
                                  QueueFilter(assigned_to="lina"))
    assert [r.escalation_id for r in rows] == [breach.id]
    assert rows[0].last_note == "take over, customer waiting"


def test_notes_and_history(demo_desk: Desk, clock: FixedClock) -> None:
    esc = unanswered_call(demo_desk, clock)
    clock.advance(minutes=1)
    add_note(demo_desk, esc, "calling the customer back")
    with pytest.raises(InputError, match="empty"):
        add_note(demo_desk, esc, "   ")
    clock.advance(minutes=1)
    reassign(demo_desk, esc, "lina")
    clock.advance(minutes=1)
    acknowledge(demo_desk, [esc], "done")
    texts = [(h.actor, h.text) for h in history(demo_desk.engine, esc)]
    assert texts == [("system", "raised: Call not answered in time"),
                     ("zhangwei", "note: calling the customer back"),
                     ("zhangwei", "reassigned to lina"),
                     ("zhangwei", "acknowledged: done")]


def test_realerts_say_for_how_long_in_words_in_both_languages(demo_desk: Desk,
                                                               clock: FixedClock) -> None:
    esc = unanswered_call(demo_desk, clock)  # raised at 10:00:30, re-alerts every 30 min
    for minutes in (30, 60, 90):
        clock.set(START + timedelta(minutes=minutes, seconds=30))
        demo_desk.evaluate()
    assert [h.text for h in history(demo_desk.engine, esc)][1:] == [
        "re-alerted: unacknowledged for 30 minutes",
        "re-alerted: unacknowledged for 1 hour",
        "re-alerted: unacknowledged for 1 hour and 30 minutes"]
    alert = Alert(esc, clock.now(), "Call not answered in time", "139 0225 1234", 90)
    assert describe_alert(alert) == ("Still unacknowledged after 1 hour and 30 minutes: "
                                     "Call not answered in time · 139 0225 1234")
    set_language("zh_CN")
    # the queue screen reads the history in a worker thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        entries = pool.submit(history, demo_desk.engine, esc).result()
    assert entries[-1].text == "再次提醒：已1小时30分钟未确认"
    alert = replace(alert, what="来电未按时接听", minutes=24 * 60 + 30)
    assert describe_alert(alert) == "已1天仍未确认：来电未按时接听 · 139 0225 1234"


# --- warnings --------------------------------------------------------------------------


def test_a_warning_enters_the_queue_once_and_leaves_when_the_target_is_met(
        demo_desk: Desk, clock: FixedClock) -> None:
    ticket = level1_fault(demo_desk, clock)
    opened = clock.now()  # restore due in 3 h, warning at 80%: 2 h 24 min
    clock.set(opened + timedelta(hours=2, minutes=23))
    demo_desk.evaluate()
    assert escalations(demo_desk, "warning") == []
    clock.set(opened + timedelta(hours=2, minutes=25))
    demo_desk.evaluate()
    demo_desk.evaluate()
    [warning] = escalations(demo_desk, "warning")
    assert (warning.reason, warning.ticket_id) == ("restore", ticket)
    assert warning.raised_at == opened + timedelta(hours=2, minutes=24)
    assert warning.due_at == opened + timedelta(hours=3)
    [row] = [r for r in load_queue(demo_desk.engine, demo_desk.sla, clock.now())
             if r.kind == "warning"]
    assert row.what == "Restore near its limit"
    clock.advance(minutes=10)
    demo_desk.record(ticket, "restore", StepInput(
        fault_category="fibre_line", cause="fibre cut", solution="spliced"))
    demo_desk.evaluate()
    [warning] = escalations(demo_desk, "warning")
    assert (warning.acknowledged_by, warning.note) == ("system", "met")
    [ev] = events(demo_desk, "escalation_withdrawn")
    assert json.loads(ev.data) == {"reason": "met"}
    assert "withdrawn: the target was met" in [
        h.text for h in history(demo_desk.engine, warning.id or 0)]
    # the restore's handling form (48 h) warns later, on its own deadline
    clock.advance(hours=40)
    demo_desk.evaluate()
    assert [w.reason for w in escalations(demo_desk, "warning")] == ["restore",
                                                                     "handling_form"]


def test_a_warning_is_withdrawn_when_its_target_breaches(demo_desk: Desk,
                                                         clock: FixedClock) -> None:
    level1_fault(demo_desk, clock)
    opened = clock.now()
    clock.set(opened + timedelta(hours=2, minutes=30))
    demo_desk.evaluate()
    clock.set(opened + timedelta(hours=3, minutes=1))
    demo_desk.evaluate()
    [warning] = escalations(demo_desk, "warning")
    assert warning.note == "breached" and warning.acknowledged_by == "system"
    assert len(escalations(demo_desk, "breach")) == 1


def test_callbacks_do_not_warn(demo_desk: Desk, clock: FixedClock) -> None:
    call = demo_desk.ring("020-38881234").call_id
    demo_desk.answer(call)
    demo_desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                              description="question", promise_callback=True), call)
    clock.advance(minutes=29)
    demo_desk.evaluate()
    assert escalations(demo_desk, "warning") == []


def test_two_seats_raise_one_warning(settings, clock: FixedClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotline import demo

    url = f"sqlite:///{tmp_path / 'two.db'}"
    a = build_desk(replace(settings, db_url=url), clock)
    demo.load_directory(a)
    b = build_desk(replace(settings, db_url=url), clock, actor="lina")
    level1_fault(a, clock)
    clock.advance(hours=2, minutes=30)
    a.evaluate()
    b.evaluate()
    assert len(escalations(a, "warning")) == 1
    a.engine.dispose()
    b.engine.dispose()
