"""The analysis report on the customer's request, and paperwork after closing.

Guangdong transmission, level 1 (the seed: "厂家应在系统恢复后48小时内提交《厂家故障处理
情况表》;应客户要求在5天内提交故障分析报告和解决方案"). Run on SQLite and, with
HOTLINE_TEST_PG_URL, on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import InputError
from hotline.store.models import Escalation, SlaClock, Ticket
from hotline.views.ticket import load_ticket, paperwork_text
from tests.support import TZ

FIXED = StepInput(fault_category="hardware", cause="SL64 board failed",
                  solution="board replaced")
OPENED = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)


@pytest.fixture
def gd_desk(directory_desk: Desk) -> Desk:
    return directory_desk


def fault(desk: Desk, level: int = 1) -> int:
    # 0757-83301234: 梁家豪 of the Foshan customer, contract guangdong-transmission
    return desk.log_call(Intake(number="0757-83301234", kind="fault", level=level,
                                description="光路中断 optical path down", at=OPENED))


def clock_rows(desk: Desk, ticket_id: int) -> dict[str, SlaClock]:
    with Session(desk.engine) as s:
        return {c.key: c for c in s.exec(select(SlaClock).where(
            SlaClock.ticket_id == ticket_id))}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


# (request, restore, analysis report due): 5 days from the later of the two.
ON_REQUEST = [
    ("2026-11-25 11:00", "2026-11-25 12:00", "2026-11-30 12:00"),  # asked before restoring
    ("2026-11-25 12:00", "2026-11-25 12:00", "2026-11-30 12:00"),  # at the same moment
    ("2026-11-27 09:30", "2026-11-25 12:00", "2026-12-02 09:30"),  # asked two days later
    ("2026-12-30 18:00", "2026-11-25 12:00", "2027-01-04 18:00"),  # over New Year: 5 days
]


@pytest.mark.parametrize(("requested", "restored", "due"), ON_REQUEST)
def test_the_analysis_report_runs_from_the_request_or_the_restoration(
        gd_desk: Desk, clock: FixedClock, requested: str, restored: str, due: str) -> None:
    clock.set(max(local(requested), local(restored)) + timedelta(minutes=1))
    t = fault(gd_desk)
    steps = sorted([(local(requested), "analysis_requested"), (local(restored), "restore")])
    for at, what in steps:
        gd_desk.record(t, what, FIXED if what == "restore" else StepInput(text="邮件"), at=at)
    rows = clock_rows(gd_desk, t)
    assert rows["analysis_report"].due_at.astimezone(TZ) == local(due)
    assert rows["analysis_report"].state == "running"


def test_no_analysis_report_clock_until_the_customer_asks(gd_desk: Desk,
                                                           clock: FixedClock) -> None:
    clock.set(local("2026-12-20 10:00"))
    t = fault(gd_desk)
    gd_desk.record(t, "restore", FIXED, at=local("2026-11-25 12:00"))
    gd_desk.record(t, "resolve", FIXED, at=local("2026-11-25 13:00"))
    rows = clock_rows(gd_desk, t)
    assert "analysis_report" not in rows  # weeks later, nothing due and nothing breached
    assert rows["handling_form"].due_at.astimezone(TZ) == local("2026-11-27 12:00")
    with Session(gd_desk.engine) as s:
        reasons = s.exec(select(Escalation.reason).where(Escalation.ticket_id == t)).all()
    assert "analysis_report" not in reasons


def test_the_request_is_recorded_once(gd_desk: Desk, clock: FixedClock) -> None:
    clock.set(local("2026-11-25 12:00"))
    t = fault(gd_desk)
    gd_desk.record(t, "analysis_requested", StepInput(text="研究院 email"))
    with pytest.raises(InputError, match="already recorded"):
        gd_desk.record(t, "analysis_requested")


def _closed_fault(desk: Desk, clock: FixedClock, level: int = 1) -> int:
    clock.set(local("2026-11-25 15:00"))
    t = fault(desk, level)
    desk.record(t, "restore", FIXED, at=local("2026-11-25 12:00"))
    desk.record(t, "resolve", FIXED, at=local("2026-11-25 13:00"))
    desk.record(t, "ticket_closed", at=local("2026-11-25 14:00"))
    return t


def test_a_closed_ticket_takes_its_paperwork_while_the_clocks_run(
        gd_desk: Desk, clock: FixedClock) -> None:
    t = _closed_fault(gd_desk, clock)
    due = gd_desk.paperwork_due(t)
    assert [(d.target, d.due_at.astimezone(TZ)) for d in due] == [
        ("handling_form", local("2026-11-27 12:00"))]
    assert paperwork_text(due, TZ, clock.now()) == (
        "Paperwork still due: Handling form by 11-27 12:00.")
    view = load_ticket(gd_desk.engine, t, clock.now(), TZ)
    assert "handling_form" in view.allowed and "analysis_requested" in view.allowed
    assert "analysis_report" not in view.allowed  # not asked for: no clock runs
    assert "dispatched" not in view.allowed and "restore" not in view.allowed
    with pytest.raises(InputError, match="closed: reopen it first"):
        gd_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    with pytest.raises(InputError, match="no Analysis report is due"):
        gd_desk.record(t, "analysis_report")

    # the customer asks for the report after the closing: 5 days from the request
    clock.set(local("2026-11-26 09:00"))
    gd_desk.record(t, "analysis_requested", StepInput(text="研究院来电"))
    due = gd_desk.paperwork_due(t)
    assert [(d.target, d.due_at.astimezone(TZ)) for d in due] == [
        ("handling_form", local("2026-11-27 12:00")),
        ("analysis_report", local("2026-12-01 09:00"))]

    clock.set(local("2026-11-26 10:00"))
    gd_desk.record(t, "handling_form")
    gd_desk.record(t, "analysis_report")
    rows = clock_rows(gd_desk, t)
    assert rows["handling_form"].state == "met"
    assert rows["analysis_report"].state == "met"
    assert gd_desk.paperwork_due(t) == []
    with Session(gd_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None
        assert ticket.status == "closed"
        assert ticket.closed_at is not None  # still closed when it was
    with pytest.raises(InputError, match="closed"):
        gd_desk.record(t, "handling_form")


def test_a_late_handling_form_is_still_taken_after_closing(gd_desk: Desk,
                                                           clock: FixedClock) -> None:
    t = _closed_fault(gd_desk, clock)
    clock.set(local("2026-11-28 09:00"))  # 48 h after the restoration have passed
    due = gd_desk.paperwork_due(t)
    assert [d.breached for d in due] == [True]
    assert paperwork_text(due, TZ, clock.now()) == (
        "Paperwork still due: Handling form overdue since 11-27 12:00.")
    gd_desk.record(t, "handling_form")
    assert clock_rows(gd_desk, t)["handling_form"].state == "late"


def test_a_closed_ticket_without_paperwork_clocks_refuses_the_documents(
        gd_desk: Desk, clock: FixedClock) -> None:
    # level 2: the contract asks for no handling form, so no clock runs after closing
    t = _closed_fault(gd_desk, clock, level=2)
    assert gd_desk.paperwork_due(t) == []
    with pytest.raises(InputError, match="no Handling form is due"):
        gd_desk.record(t, "handling_form")


def test_the_work_list_keeps_a_closed_tickets_paperwork_until_it_is_in(
        gd_desk: Desk, clock: FixedClock) -> None:
    from hotline.views.dashboard import load_work

    t = _closed_fault(gd_desk, clock)
    with Session(gd_desk.engine) as s:
        work = [(w.ticket_id, w.target) for w in load_work(s)[0]]
    assert (t, "handling_form") in work
    gd_desk.record(t, "handling_form")
    with Session(gd_desk.engine) as s:
        assert t not in [w.ticket_id for w in load_work(s)[0]]
    level2 = _closed_fault(gd_desk, clock, level=2)  # no paperwork: off the list at once
    with Session(gd_desk.engine) as s:
        assert level2 not in [w.ticket_id for w in load_work(s)[0]]
