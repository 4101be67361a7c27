"""A desk in the middle of a busy morning, the same every time (for snapshots and docs)."""

from __future__ import annotations

from datetime import timedelta

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from tests.support import START, build_desk, make_settings


def busy_morning(db_url: str = "sqlite://", lang: str = "en") -> Desk:
    clock = FixedClock(START - timedelta(minutes=40))
    desk = build_desk(make_settings(db_url, lang=lang), clock)
    demo.load_directory(desk)
    demo.record_offer(desk, accepted=True)
    # a level-1 fault logged 40 minutes ago, callback promised and now overdue
    call = desk.ring("0755-83765432").call_id
    clock.advance(seconds=9)
    desk.answer(call)
    desk.log_call(Intake(number="0755-83765432", kind="fault", level=1,
                         description="10G ring down between 福田 and 南山", equipment="OSN 7500",
                         promise_callback=True), call)
    clock.advance(minutes=12)
    # a consultation with a callback due soon
    desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                         description="ASON license question", promise_callback=True))
    clock.advance(minutes=10)
    desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                         description="fan alarm on subrack 2"))
    clock.advance(minutes=14)
    # calls ringing now: one past 30 s, one in its warning share, one just arrived
    desk.ring("13829901234", call_key="pbx-1001")
    clock.advance(seconds=20)
    desk.ring("10086", call_key="pbx-1002")
    clock.advance(seconds=15)
    desk.ring("18922334455", call_key="pbx-1003")
    lost = desk.ring("15011223344", call_key="pbx-1004").call_id
    clock.advance(seconds=12)
    desk.abandon(lost)
    clock.set(START)
    desk.evaluate()
    return desk
