"""A month end at the desk, every figure of which is computed by hand in test_reports.py.

All times are the desk's local time (Asia/Shanghai). Monday 2026-11-30 is the
last day of November; the evening shift ends at midnight, into December.

Calls (contract: GD = GD-TX-2026-001, guangdong-transmission; STD =
STD-2026-010, standard; — = unknown caller, no contract):

=====  ========  ===================  =========================  ==========================
call   contract  rang                 then                       ticket
=====  ========  ===================  =========================  ==========================
C1     GD        11-30 07:59:50       answered 08:00:05 (15 s)   T1 fault L1, callback#1
C2     STD       11-30 10:00:00       answered 10:00:40 (40 s)   T2 consultation, callback#1
C3     —         11-30 10:05:00       hung up 10:05:03 (3 s)
C4     STD       11-30 15:59:00       hung up 15:59:45 (45 s)
C5     GD        11-30 16:00:00       answered 16:00:10 (10 s)   T3 consultation
C6     STD       11-30 23:59:50       answered 12-01 00:00:25    (wrong number)
C7     GD        12-01 00:10:00       answered 00:10:20 (20 s)   (wrong number)
=====  ========  ===================  =========================  ==========================

T1 (opened 08:01): callback#1 made 08:20 (kept); restore due 11:01 (3 h, level 1,
warning from 10:25), breached, restored 12:00; handling form 12-01 10:00;
callback#2 promised 23:50, due 12-01 00:20, made 00:25 (late).
T2 (opened 10:01): callback#1 due 10:31, never made; consultation answered
12-01 09:00 (in time: due end of Tue 12-01).
T3 (opened 16:01): consultation never answered (due end of 12-01).
C3 and C4 hung up, so their callers are called back in time: C3 reached 10:20;
C4 no answer 16:04, reached 16:20 (missed calls closed: nothing is escalated).

The desk's monitor runs at the moments below (as open screens would), so the
escalations raised are: C2 unanswered 10:00:30; T1 restore warning 10:25
(withdrawn at 11:02); T2 callback overdue 10:31; T1 restore breach and tier
alert to the supervisor 11:01 (acknowledged 11:10 by wangqiang); C4
unanswered 15:59:30 (acknowledged 16:05:30); in December: C6 unanswered
00:00:20, T1 callback#2 overdue 00:20, T3 consultation breached 12-02 00:00.

The report is made at 2026-12-03 10:00.
"""

from __future__ import annotations

from datetime import datetime

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.escalations import acknowledge
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from tests.support import TZ, build_desk, make_settings

GD = "GD-TX-2026-001"
STD = "STD-2026-010"
REPORT_AT = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)


def at(month: int, day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=TZ)


def month_end(db_url: str = "sqlite://") -> Desk:
    clock = FixedClock(at(11, 30, 7, 0))
    desk = build_desk(make_settings(db_url), clock)
    demo.load_directory(desk)
    demo.record_offer(desk, accepted=True)

    def go(when: datetime) -> None:
        clock.set(when)

    def monitor(when: datetime) -> None:
        go(when)
        desk.evaluate()

    go(at(11, 30, 7, 59, 50))
    c1 = desk.ring("13902251234", call_key="C1").call_id
    go(at(11, 30, 8, 0, 5))
    desk.answer(c1)
    go(at(11, 30, 8, 1))
    t1 = desk.log_call(Intake(number="13902251234", kind="fault", level=1,
                              description="ring down", promise_callback=True), c1)
    go(at(11, 30, 8, 20))
    desk.callback_done(t1)

    go(at(11, 30, 10, 0))
    c2 = desk.ring("18620001234", call_key="C2").call_id
    monitor(at(11, 30, 10, 0, 35))
    go(at(11, 30, 10, 0, 40))
    desk.answer(c2)
    go(at(11, 30, 10, 1))
    t2 = desk.log_call(Intake(number="18620001234", kind="consultation", level=None,
                              description="ASON licence", promise_callback=True), c2)
    go(at(11, 30, 10, 5))
    c3 = desk.ring("13800138000", call_key="C3").call_id
    go(at(11, 30, 10, 5, 3))
    desk.abandon(c3)
    go(at(11, 30, 10, 20))
    desk.missed_call_outcome(_missed(desk, c3), "reached")  # called back in time
    monitor(at(11, 30, 10, 26))  # T1's restore passes its warning share (10:25)
    monitor(at(11, 30, 10, 32))  # T2's callback is overdue (10:31)
    monitor(at(11, 30, 11, 2))  # T1's restore is breached (11:01): breach + tier alert
    tier = _only(desk, "tier")
    desk.actor = "wangqiang"
    go(at(11, 30, 11, 10))
    acknowledge(desk, [tier], "engineer on the phone with the customer")
    desk.actor = "zhangwei"
    go(at(11, 30, 12, 0))
    desk.record(t1, "restore", StepInput(
        fault_category="power", cause="fan tray power supply", solution="PSU reseated"))

    go(at(11, 30, 15, 59))
    c4 = desk.ring("15011223344", call_key="C4").call_id
    monitor(at(11, 30, 15, 59, 40))
    go(at(11, 30, 15, 59, 45))
    desk.abandon(c4)
    go(at(11, 30, 16, 0))
    c5 = desk.ring("13902251234", call_key="C5").call_id
    go(at(11, 30, 16, 0, 10))
    desk.answer(c5)
    go(at(11, 30, 16, 1))
    desk.log_call(Intake(number="13902251234", kind="consultation", level=None,
                         description="OTN board question"), c5)
    go(at(11, 30, 16, 4))
    desk.missed_call_outcome(_missed(desk, c4), "no_answer")
    call4 = _only(desk, "unanswered_call", call=c4)
    desk.actor = "wangqiang"
    go(at(11, 30, 16, 5, 30))
    acknowledge(desk, [call4], "called back, line was busy")
    desk.actor = "zhangwei"
    go(at(11, 30, 16, 20))
    desk.missed_call_outcome(_missed(desk, c4), "reached")

    go(at(11, 30, 23, 50))
    desk.promise_callback(t1)
    go(at(11, 30, 23, 59, 50))
    c6 = desk.ring("020-38881234", call_key="C6").call_id
    monitor(at(12, 1, 0, 0, 22))
    go(at(12, 1, 0, 0, 25))
    desk.answer(c6)
    go(at(12, 1, 0, 1))
    desk.end_call(c6, reason="wrong number")
    go(at(12, 1, 0, 10))
    c7 = desk.ring("13902251234", call_key="C7").call_id
    go(at(12, 1, 0, 10, 20))
    desk.answer(c7)
    go(at(12, 1, 0, 11))
    desk.end_call(c7, reason="wrong number")
    monitor(at(12, 1, 0, 21))  # T1's callback#2 is overdue (00:20)
    go(at(12, 1, 0, 25))
    desk.callback_done(t1)
    go(at(12, 1, 9, 0))
    desk.record(t2, "consultation_answered", StepInput(text="licence explained"))
    go(at(12, 1, 10, 0))
    desk.record(t1, "handling_form")
    monitor(at(12, 2, 0, 1))  # T3's consultation reply is breached (12-02 00:00)
    monitor(REPORT_AT)
    return desk


def _only(desk: Desk, kind: str, call: int | None = None) -> int:
    from sqlmodel import Session, select

    from hotline.store.models import Escalation

    with Session(desk.engine) as s:
        q = select(Escalation.id).where(Escalation.kind == kind,
                                        Escalation.acknowledged_at.is_(None))  # type: ignore[union-attr]
        if call is not None:
            q = q.where(Escalation.call_id == call)
        ids = s.exec(q).all()
    assert len(ids) == 1, (kind, ids)
    assert ids[0] is not None
    return ids[0]


def _missed(desk: Desk, call: int) -> int:
    """The missed call (to call back) the abandoned ``call`` opened."""
    from sqlmodel import Session, select

    from hotline.store.models import MissedCall

    with Session(desk.engine) as s:
        found = s.exec(select(MissedCall.id).where(MissedCall.call_id == call)).one()
    assert found is not None
    return found
