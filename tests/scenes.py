"""Desks at set moments of a day, the same every time (for snapshots and docs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.store.models import MissedCall
from tests.support import START, TZ, build_desk, give_role, make_settings


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


#: The end of the day shift on the same Wednesday: 15:45, a quarter of an hour before the
#: evening shift comes in (the supervisor's screens, the ticket screen, the reports).
SHIFT_END = datetime(2026, 11, 25, 15, 45, 0, tzinfo=TZ)
#: From this moment on the scene's desk is watched each minute (see ``go`` below).
_TODAY = datetime(2026, 11, 25, 0, 0, 0, tzinfo=TZ)

#: A hotline day before this one: the hours calls rang, the numbers that rang (cycled).
_HOURS = (8, 9, 10, 11, 14, 15, 16, 19, 22)
_CALLERS = ("13902251234", "0757-83301234", "13592801234", "020-38881234", "13380012345",
            "17702001234", "19907571234", "13611112222", "0755-26661234")


def _at(month: int, day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=TZ)


def end_of_day_shift(db_url: str = "sqlite://", lang: str = "en") -> Desk:
    """The desk at 15:45 on 2026-11-25, with three weeks of calls behind it.

    November's earlier days: about seven calls a day, now and then one answered late or
    abandoned (for the reports). Earlier tickets: a consultation answered and closed (11-16), a
    level-3 fault resolved and closed (11-20), a level-2 fault restored (11-24).

    Today (the seat: zhangwei; the supervisor: wangqiang):

    * 03:00 261125-0001, level-2 fault of SCB-DC (standard, grade A: restore in 12 h),
      logged by lina on the night shift. At 15:00 its restore is breached and its level
      raised to 1; the supervisor reassigns the breach to lina with a note.
    * 07:50 lina hands the night over; wangqiang takes it over at 08:05 and sets the crew.
    * 09:13 261125-0002, consultation of HNP-GZ: callback promised and made.
    * 10:30 261125-0003, complaint of GDT-FS: in the supervisor's queue at once,
      acknowledged at 10:40.
    * 12:20 261125-0004, level-1 fault of GDT-ZJ, remote support requested at 12:40; its
      restore (3 h) is breached at 15:20 and the supervisor alerted.
    * 13:03 261125-0005, level-1 fault of GDT-SZ (Shenzhen), worked step by step: guidance,
      callback, remote support (requested, approved by e-mail, login, logout with a
      command log), an engineer dispatched on site at 13:48 who left at 13:55; his arrival
      (due 15:55) passed its warning share at 15:31.
    * 14:30 261125-0006, consultation of SCB-DC with a callback due 15:00 and not made: the
      supervisor notes who is on it.
    * 15:40 wangqiang sets the evening crew and writes the handover of the day shift.
    * Now: an answered call not yet logged (since 15:41), a call ringing since 15:44:05
      (past its 30 s), another since 15:44:40.
    """
    from hotline.desk.steps import StepInput
    from hotline.supervision.crew import set_crew
    from hotline.supervision.handover import accept_handover, hand_over
    from hotline.supervision.rota import rota_for

    clock = FixedClock(_at(11, 1, 8, 0))
    desk = build_desk(make_settings(db_url, lang=lang), clock)
    demo.load_directory(desk)
    demo.record_offer(desk, accepted=True)
    rota = rota_for(desk.settings)

    def go(when: datetime) -> None:
        """On to ``when``; from today on the monitor runs each minute (a second past it, so
        that what falls due on the minute is seen as a desk running each second sees it)."""
        minute = max(clock.now().replace(second=1) + timedelta(minutes=1), _TODAY)
        while minute < when:
            clock.set(minute)
            desk.evaluate()
            minute += timedelta(minutes=1)
        clock.set(when)

    def as_(login: str) -> None:
        desk.actor = login

    def answered(number: str, key: str, rang: datetime, wait: int) -> int:
        """A call (with an id of the scene's: nothing random is stored) answered after
        ``wait`` seconds; returns its id."""
        go(rang)
        call = desk.ring(number, call_key=key).call_id
        go(rang + timedelta(seconds=wait))
        desk.answer(call)
        return call

    def called_back(call: int, when: datetime) -> None:
        """The duty engineer calls a caller who hung up back, and reaches them."""
        with Session(desk.engine) as s:
            missed = s.exec(select(MissedCall.id).where(MissedCall.call_id == call)).first()
        if missed is not None:
            go(when)
            desk.missed_call_outcome(missed, "reached")

    # --- three weeks of calls, for the reports: some days fall under the 95% line ----
    for day in range(2, 25):
        for k, hour in enumerate(_HOURS):
            if (day + k) % 4 == 0:
                continue
            rang = _at(11, day, hour, (k * 7 + day) % 60)
            wait = 3 + (day * 13 + k * 17) % 19  # most within 30 s; now and then not
            if (day + 2 * k) % 29 == 0:
                wait = 31 + (day * 7) % 40
            number, key = _CALLERS[(day + k) % len(_CALLERS)], f"h-{day}-{k}"
            if (day * 3 + k) % 37 == 0:
                go(rang)
                call = desk.ring(number, call_key=key).call_id
                go(rang + timedelta(seconds=wait // 2 + 2))
                desk.abandon(call)
                called_back(call, rang + timedelta(minutes=6))
                continue
            call = answered(number, key, rang, wait)
            go(rang + timedelta(seconds=wait, minutes=4))
            desk.end_call(call, reason="information given")

    # --- tickets of earlier days ------------------------------------------------------------
    as_("lina")
    call = answered("020-38881234", "e-1", _at(11, 16, 10, 19, 20), 12)
    go(_at(11, 16, 10, 20))
    h1 = desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                              description="ASON licence renewal: which licence file to load"),
                       call)
    go(_at(11, 16, 15, 0))
    desk.record(h1, "consultation_answered", StepInput(text="licence steps sent by e-mail"))
    go(_at(11, 16, 15, 5))
    desk.record(h1, "ticket_closed")
    as_("zhangwei")
    call = answered("13380012345", "e-2", _at(11, 20, 9, 39, 10), 8)
    go(_at(11, 20, 9, 40))
    h2 = desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                              description="core switch port flapping", equipment="S7706",
                              site="信息中心"), call)
    go(_at(11, 20, 10, 30))
    desk.record(h2, "guidance_note", StepInput(text="replace the patch cord on G1/0/12"))
    go(_at(11, 21, 11, 0))
    desk.record(h2, "resolve", StepInput(
        fault_category="hardware", cause="worn patch cord on G1/0/12",
        solution="patch cord replaced"))
    go(_at(11, 21, 11, 30))
    desk.record(h2, "handling_form")
    desk.record(h2, "analysis_report")
    desk.record(h2, "ticket_closed")
    as_("chenhao")
    call = answered("13592801234", "e-3", _at(11, 24, 21, 14, 5), 15)
    go(_at(11, 24, 21, 15))
    h3 = desk.log_call(Intake(number="13592801234", kind="fault", level=2,
                              description="2M service bit errors on the 霞山 ring",
                              equipment="OptiX 155/622H"), call)
    go(_at(11, 24, 23, 40))
    desk.record(h3, "restore", StepInput(
        fault_category="fibre_line", cause="dirty connector on the 霞山 ring",
        solution="connector cleaned, errors cleared"))

    # --- the night: a level-2 fault of a standard contract ----------------------------------
    as_("lina")
    night = answered("15011223344", "n-1", _at(11, 25, 2, 58, 40), 12)
    go(_at(11, 25, 3, 0))
    t1 = desk.log_call(Intake(number="15011223344", kind="fault", level=2,
                              description="storage network switch down after a fan alarm",
                              equipment="CE6850"), night)
    go(_at(11, 25, 3, 20))
    desk.record(t1, "note", StepInput(text="customer's machine room closed until 08:00"))
    go(_at(11, 25, 7, 50))
    give_role(desk, "lina", "supervisor")  # she led the night shift, a supervisor's work
    handover = hand_over(desk, rota, "Quiet night. 261125-0001 (SCB-DC storage switch) "
                                     "waits for the machine room to open at 08:00.")
    give_role(desk, "lina", "engineer")
    as_("wangqiang")
    go(_at(11, 25, 8, 5))
    accept_handover(desk, rota, handover, "taken over")
    go(_at(11, 25, 8, 10))
    set_crew(desk, rota.at(clock.now()), supervisor="wangqiang",
             engineers=["zhangwei", "lina"])

    # --- the day shift ------------------------------------------------------------------------
    as_("zhangwei")
    call = answered("17702001234", "d-1", _at(11, 25, 9, 11, 50), 10)
    go(_at(11, 25, 9, 13))
    t2 = desk.log_call(Intake(number="17702001234", kind="consultation", level=None,
                              description="fire alarm panel: firmware for the new loop card",
                              promise_callback=True), call)
    go(_at(11, 25, 9, 35))
    desk.callback_done(t2)

    as_("lina")
    call = answered("13829901234", "d-2", _at(11, 25, 10, 29, 30), 11)
    go(_at(11, 25, 10, 30))
    t3 = desk.log_call(Intake(number="13829901234", kind="complaint", level=None,
                              description="nobody called back yesterday about the OSN alarm"),
                       call)
    as_("wangqiang")
    go(_at(11, 25, 10, 40))
    complaint = _open_escalation(desk, "complaint", ticket=t3)
    desk.acknowledge(complaint, "called the customer and apologised; written reply tomorrow")

    as_("lina")
    call = answered("0759-3388123", "d-3", _at(11, 25, 12, 19, 30), 14)
    go(_at(11, 25, 12, 20))
    t4 = desk.log_call(Intake(number="0759-3388123", kind="fault", level=1,
                              description="cross-connect board alarm, 3 sites isolated",
                              equipment="OSN 3500"), call)
    go(_at(11, 25, 12, 40))
    desk.record(t4, "remote_requested")

    as_("zhangwei")
    call = answered("13902251234", "d-4", _at(11, 25, 13, 2, 10), 14)
    go(_at(11, 25, 13, 3))
    t5 = desk.log_call(Intake(number="13902251234", kind="fault", level=1,
                              description="10G ring down between 福田 and 南山, 12 services out",
                              equipment="OSN 7500", site="福田传输机房",
                              promise_callback=True), call)
    go(_at(11, 25, 13, 10))
    desk.record(t5, "guidance_note", StepInput(text="check the fibre patch on ODF 3"))
    go(_at(11, 25, 13, 20))
    desk.callback_done(t5)
    go(_at(11, 25, 13, 22))
    desk.record(t5, "remote_requested")
    go(_at(11, 25, 13, 25))
    desk.record(t5, "remote_approved", StepInput(approver="黄志明", method="email"))
    go(_at(11, 25, 13, 27))
    desk.record(t5, "remote_response")
    go(_at(11, 25, 13, 45))
    desk.record(t5, "remote_logout", StepInput(
        command_log="display alarm all\ndisplay fibre-link 3\ndisplay board 1-3"))
    go(_at(11, 25, 13, 48))
    desk.record(t5, "dispatched", StepInput(engineer="chenhao", text="spare 10G board"))
    go(_at(11, 25, 13, 55))
    desk.record(t5, "depart")

    call = answered("020-38881234", "d-5", _at(11, 25, 14, 29, 40), 12)
    go(_at(11, 25, 14, 30))
    t6 = desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                              description="OTN board compatibility with release V100R012",
                              promise_callback=True), call)
    as_("wangqiang")
    go(_at(11, 25, 15, 5))
    breach = _open_escalation(desk, "breach", ticket=t1)
    desk.reassign(breach, "lina", "call 赵雅婷 for site access")
    go(_at(11, 25, 15, 8))
    desk.add_note(_open_escalation(desk, "callback_overdue", ticket=t6),
                  "lina is checking the board list")

    go(_at(11, 25, 15, 40))
    set_crew(desk, rota.next(rota.at(clock.now())), supervisor=None, engineers=["chenhao"])
    hand_over(desk, rota, "261125-0005 (GDT-SZ ring down): 陈浩 on his way, arrival due "
                          "15:55. 261125-0004 (GDT-ZJ) restore breached, remote support "
                          "requested.\n261125-0001 breached, raised to level 1; lina follows up.")
    as_("lina")
    call = answered("19907571234", "d-6", _at(11, 25, 15, 40, 58), 14)
    as_("zhangwei")
    go(_at(11, 25, 15, 44, 5))
    desk.ring("13760112345", call_key="d-7")
    go(_at(11, 25, 15, 44, 40))
    desk.ring("020-66889900", call_key="d-8")
    go(SHIFT_END)
    desk.evaluate()
    return desk


def _open_escalation(desk: Desk, kind: str, *, ticket: int) -> int:
    """The one unacknowledged escalation of ``kind`` about ``ticket``."""
    from sqlmodel import Session, col, select

    from hotline.store.models import Escalation

    with Session(desk.engine) as s:
        ids = s.exec(select(Escalation.id).where(
            Escalation.kind == kind, Escalation.ticket_id == ticket,
            col(Escalation.acknowledged_at).is_(None))).all()
    assert len(ids) == 1, (kind, ticket, ids)
    assert ids[0] is not None
    return ids[0]
