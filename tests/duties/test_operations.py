"""Duties at the desk: opened, recorded step by step, planned for a year, warned, breached,
escalated and scored — on SQLite, and on PostgreSQL where writes could differ."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.steps import StepInput
from hotline.duties import operations as duties
from hotline.duties.operations import year_plan
from hotline.errors import InputError, NotFound
from hotline.store.models import Escalation, Event, ExchangeDay, Penalty, SlaClock, Ticket
from hotline.views.duties import duty_rows
from tests.support import TZ, build_desk, give_role, make_settings

GD = "GD-TX-2026-001"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _demo(desk):  # type: ignore[no-untyped-def]
    from hotline import demo

    demo.load_directory(desk)
    demo.give_demo_secrets(desk)
    give_role(desk, desk.actor, "manager")
    return desk


@pytest.fixture
def gd(demo_desk, clock: FixedClock):  # type: ignore[no-untyped-def]
    clock.set(local("2026-09-30T10:00"))
    return demo_desk


def _clocks(desk, ticket_id: int) -> dict[str, SlaClock]:  # type: ignore[no-untyped-def]
    with Session(desk.engine) as s:
        return {c.key: c for c in s.exec(select(SlaClock).where(
            SlaClock.ticket_id == ticket_id)).all()}


def test_a_document_request_is_due_after_national_day_and_delivered(gd, clock) -> None:  # type: ignore[no-untyped-def]
    tid = duties.open_duty(gd, "document_request", GD, "OptiX manuals, V8 release")
    clocks = _clocks(gd, tid)
    assert clocks["document_delivery"].due_at == local("2026-10-14T00:00")
    with Session(gd.engine) as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.kind == "document_request"
        assert ticket.next_clock == "document_delivery"
        opened = s.exec(select(Event).where(Event.ticket_id == tid,
                                            Event.kind == "ticket_opened")).one()
        assert json.loads(opened.data)["contract"] == GD
    with pytest.raises(InputError, match="Record “Documents delivered” before closing"):
        gd.record(tid, "ticket_closed")
    clock.set(local("2026-10-13T18:00"))
    gd.record(tid, "document_delivered", StepInput(text="sent by e-mail"))
    assert _clocks(gd, tid)["document_delivery"].state == "met"
    with pytest.raises(InputError, match="already recorded"):
        gd.record(tid, "document_delivered")
    gd.record(tid, "ticket_closed")
    with Session(gd.engine) as s:
        assert s.exec(select(Penalty)).all() == []


def test_a_late_document_request_warns_breaches_escalates_and_scores(gd, clock) -> None:  # type: ignore[no-untyped-def]
    tid = duties.open_duty(gd, "document_request", GD, "Network management manual")
    clock.set(local("2026-10-13T00:00"))
    gd.evaluate()
    with Session(gd.engine) as s:
        kinds = [e.kind for e in s.exec(select(Escalation).where(
            Escalation.ticket_id == tid)).all()]
    assert kinds == ["warning"]
    rows = duty_rows(Session(gd.engine), clock.now(), contract=GD)
    assert [(r.ticket_id, r.state) for r in rows] == [(tid, "warning")]
    clock.set(local("2026-10-14T00:00:01"))
    gd.evaluate()
    with Session(gd.engine) as s:
        esc = s.exec(select(Escalation).where(Escalation.ticket_id == tid,
                                              Escalation.kind == "breach")).one()
        assert esc.reason == "document_delivery"
        penalty = s.exec(select(Penalty).where(Penalty.ticket_id == tid)).one()
        assert (penalty.rule, penalty.points) == ("document_request_late", -1)
        assert penalty.contract_id is not None
    rows = duty_rows(Session(gd.engine), clock.now(), contract=GD)
    assert rows[0].state == "breached" and rows[0].breaches == 1


def test_an_inspection_moved_late_is_breached_and_its_clock_moves(gd, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(local("2026-09-01T09:00"))
    tid = duties.open_duty(gd, "inspection", GD, "Trunk A, half-year 2",
                           planned=local("2026-10-16T00:00"))
    clocks = _clocks(gd, tid)
    assert clocks["inspection"].due_at == local("2026-10-17T00:00")
    assert clocks["inspection_change_notice"].due_at == local("2026-09-29T00:00")
    with Session(gd.engine) as s:
        # the change window is not work owed: the duty's next deadline is the inspection
        assert s.get(Ticket, tid).next_clock == "inspection"  # type: ignore[union-attr]
    clock.set(local("2026-09-30T10:00"))
    with pytest.raises(InputError, match="reason"):
        duties.reschedule(gd, tid, local("2026-10-30T00:00"), "")
    with pytest.raises(InputError, match="new planned date"):
        gd.record(tid, "rescheduled", StepInput(text="customer asked"))
    duties.reschedule(gd, tid, local("2026-10-30T00:00"), "customer's cut-over")
    clocks = _clocks(gd, tid)
    assert clocks["inspection"].due_at == local("2026-10-31T00:00")
    assert clocks["inspection_change_notice"].state == "late"
    assert clocks["inspection_change_notice#2"].due_at == local("2026-10-17T00:00")
    with Session(gd.engine) as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.planned_at == local("2026-10-30T00:00")
        assert [(p.rule, p.points) for p in s.exec(select(Penalty).where(
            Penalty.ticket_id == tid)).all()] == [("inspection_change_late", -1)]
    from hotline.views.ticket import audit_lines

    trail = "\n".join(audit_lines(gd.engine, tid, TZ))
    assert "2026-10-16 00:00 → 2026-10-30 00:00 · customer's cut-over" in trail
    clock.set(local("2026-10-30T11:00"))
    gd.record(tid, "inspected")
    with pytest.raises(InputError, match="nothing left to reschedule"):
        duties.reschedule(gd, tid, local("2026-11-30T00:00"), "again")
    assert _clocks(gd, tid)["inspection_report"].due_at == local("2026-11-11T00:00")
    gd.record(tid, "ticket_closed")
    # the report is paperwork after the inspection: recorded on the closed ticket
    clock.set(local("2026-11-02T11:00"))
    gd.record(tid, "inspection_report")
    assert _clocks(gd, tid)["inspection_report"].state == "met"


def test_meeting_items_each_have_a_clock(gd, clock) -> None:  # type: ignore[no-untyped-def]
    tid = duties.open_duty(gd, "meeting", GD, "Q3 service meeting",
                           planned=local("2026-09-30T00:00"))
    with pytest.raises(InputError, match="held first"):
        gd.record(tid, "item_raised", StepInput(text="send the V8 test report"))
    gd.record(tid, "meeting_held")
    gd.record(tid, "item_raised", StepInput(text="send the V8 test report"))
    gd.record(tid, "item_raised", StepInput(text="explain the 9-12 outage"))
    clocks = _clocks(gd, tid)
    assert clocks["meeting_reply#1"].due_at == local("2026-10-14T00:00")
    assert clocks["meeting_reply#2"].state == "running"
    gd.record(tid, "item_replied", StepInput(key="meeting_reply#2"))
    clocks = _clocks(gd, tid)
    assert clocks["meeting_reply#2"].state == "met"
    assert clocks["meeting_reply#1"].state == "running"


def test_part_lent_on_a_fault_must_come_back_in_15_days(gd, clock) -> None:  # type: ignore[no-untyped-def]
    from hotline.desk.intake import Intake

    gd.answer(gd.ring("13902251234").call_id)
    tid = gd.log_call(Intake(number="13902251234", kind="fault", level=2,
                             description="board failure"))
    gd.record(tid, "part_lent", StepInput(text="SL64 board, SN 123"))
    assert _clocks(gd, tid)["part_return#1"].due_at == local("2026-10-15T10:00")


def test_open_refusals_change_nothing(gd) -> None:  # type: ignore[no-untyped-def]
    with Session(gd.engine) as s:
        before = len(s.exec(select(Ticket)).all())
    with pytest.raises(InputError, match="not a duty"):
        duties.open_duty(gd, "fault", GD, "x")
    with pytest.raises(InputError, match="planned date"):
        duties.open_duty(gd, "inspection", GD, "x")
    with pytest.raises(InputError, match="subject"):
        duties.open_duty(gd, "document_request", GD, "   ")
    with pytest.raises(NotFound):
        duties.open_duty(gd, "document_request", "NO-SUCH", "x")
    with pytest.raises(InputError, match="time zone"):
        duties.open_duty(gd, "meeting", GD, "x", planned=datetime(2026, 10, 1))
    with pytest.raises(InputError, match="on request"):
        duties.open_duty(gd, "meeting", GD, "x", on_request=True)
    with Session(gd.engine) as s:
        assert len(s.exec(select(Ticket)).all()) == before


def test_an_inspection_on_request_counts_from_the_request(gd) -> None:  # type: ignore[no-untyped-def]
    tid = duties.open_duty(gd, "inspection", GD, "after the storm", on_request=True)
    clocks = _clocks(gd, tid)
    assert clocks["inspection_on_request"].due_at == local("2026-10-14T00:00")
    assert "inspection" not in clocks and "inspection_change_notice" not in clocks


def test_year_plan_from_the_guangdong_schedule() -> None:
    plan = year_plan(2026, inspections_per_year=2,
                     meetings={"service": "quarter", "production": "month"},
                     service_report_day=15, sites=["福田传输机房", "南山机房"])
    by_kind: dict[str, list[date]] = {}
    for d in plan:
        by_kind.setdefault(d.kind, []).append(d.planned_on)
    assert by_kind["inspection"] == [date(2026, 6, 30)] * 2 + [date(2026, 12, 31)] * 2
    assert len(by_kind["meeting"]) == 4 + 12
    assert date(2026, 3, 31) in by_kind["meeting"] and date(2026, 2, 28) in by_kind["meeting"]
    reports = by_kind["service_report"]
    assert reports[0] == date(2026, 2, 15) and reports[-1] == date(2027, 1, 15)
    assert len(reports) == 12
    assert len({d.key for d in plan}) == len(plan)
    generic = year_plan(2026, inspections_per_year=2, meetings={}, service_report_day=None,
                        sites=[])
    assert [d.planned_on for d in generic] == [date(2026, 6, 30), date(2026, 12, 31)]


def test_planning_a_year_opens_each_duty_once(gd, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(local("2026-01-05T09:00"))
    first = duties.plan_year(gd, 2026, contract=GD)
    # one site: 2 inspections, 4 + 12 meetings, 12 reports
    assert len(first.opened) == 30 and first.already == 0 and first.past == 0
    again = duties.plan_year(gd, 2026, contract=GD)
    assert again.opened == [] and again.already == 30
    with Session(gd.engine) as s:
        rows = duty_rows(s, gd.now(), contract=GD)
    assert len(rows) == 30
    assert rows[0].kind == "meeting" and rows[0].due_at == local("2026-02-01T00:00")
    inspections = [r for r in rows if r.kind == "inspection"]
    assert [r.planned_at for r in inspections] == [local("2026-06-30T00:00"),
                                                   local("2026-12-31T00:00")]
    assert all(r.state == "running" for r in rows)
    with pytest.raises(InputError, match="Plan a year"):
        duties.plan_year(gd, 1)


def test_a_plan_made_late_leaves_out_what_is_past(gd) -> None:  # type: ignore[no-untyped-def]
    # 2026-09-30: the June inspection, Q1/Q2 meetings, January–August months are past
    result = duties.plan_year(gd, 2026, contract="GD-TX-2026-002")
    assert len(result.opened) == 1 + 2 + 4 + 4 and result.past == 19
    with Session(gd.engine) as s:
        assert s.exec(select(Penalty)).all() == []


def test_planning_needs_a_supervisor(gd) -> None:  # type: ignore[no-untyped-def]
    from hotline.accounts.permissions import PermissionRefused

    give_role(gd, gd.actor, "engineer")
    gd.role = "engineer"
    with pytest.raises(PermissionRefused):
        duties.plan_year(gd, 2026, contract=GD)
    with pytest.raises(PermissionRefused):
        duties.record_exchange(gd, GD, date(2026, 5, 1), 1, "SDH training")


def test_moving_a_duty_needs_a_supervisor_and_the_refusal_is_on_record(  # type: ignore[no-untyped-def]
        gd, clock) -> None:
    """A new date re-times the duty's clocks and decides whether its notice is late: a
    duty engineer may not move it; the refusal changes nothing and is in the trail."""
    from hotline.accounts.permissions import PermissionRefused

    clock.set(local("2026-09-01T09:00"))
    tid = duties.open_duty(gd, "inspection", GD, "Trunk A", planned=local("2026-10-16T00:00"))
    give_role(gd, gd.actor, "engineer")
    gd.role = "engineer"
    with pytest.raises(PermissionRefused, match="move a planned duty"):
        duties.reschedule(gd, tid, local("2026-10-30T00:00"), "customer asked")
    with Session(gd.engine) as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.planned_at == local("2026-10-16T00:00")
        kinds = [e.kind for e in s.exec(select(Event).where(Event.ticket_id == tid)).all()]
        denied = s.exec(select(Event).where(Event.kind == "permission_denied")).all()
    assert "rescheduled" not in kinds
    assert any("reschedule_duty" in e.data for e in denied)
    give_role(gd, gd.actor, "supervisor")
    gd.role = "supervisor"
    duties.reschedule(gd, tid, local("2026-10-30T00:00"), "customer asked")
    assert _clocks(gd, tid)["inspection"].due_at == local("2026-10-31T00:00")


def test_exchange_days_are_counted_against_the_year(gd) -> None:  # type: ignore[no-untyped-def]
    duties.record_exchange(gd, GD, date(2026, 5, 12), 2, "OTN seminar")
    duties.record_exchange(gd, GD, date(2026, 9, 3), 1.5, "ASON training")
    duties.record_exchange(gd, GD, date(2025, 12, 30), 3, "last year")
    tally = {t.contract: t for t in duties.exchange_tallies(gd, 2026)}
    assert tally[GD].days == 3.5 and tally[GD].target == 10 and tally[GD].short == 6.5
    assert tally["STD-2026-010"].target is None
    for bad in (0, 0.3, 400, float("nan"), float("inf")):
        with pytest.raises(InputError):
            duties.record_exchange(gd, GD, date(2026, 5, 12), bad, "x")
    with pytest.raises(InputError):
        duties.record_exchange(gd, GD, date(2026, 5, 12), 1, "")
    with Session(gd.engine) as s:
        assert len(s.exec(select(ExchangeDay)).all()) == 3
        assert len(s.exec(select(Event).where(Event.kind == "exchange_recorded")).all()) == 3


def test_writes_on_postgresql(pg_url: str) -> None:
    clock = FixedClock(local("2026-09-01T09:00"))
    desk = _demo(build_desk(make_settings(pg_url), clock))
    try:
        tid = duties.open_duty(desk, "inspection", GD, "Trunk A",
                               planned=local("2026-10-16T00:00"))
        clock.set(local("2026-09-30T10:00"))
        duties.reschedule(desk, tid, local("2026-10-30T00:00"), "cut-over")
        clocks = _clocks(desk, tid)
        assert clocks["inspection"].due_at == local("2026-10-31T00:00")
        assert clocks["inspection_change_notice"].state == "late"
        result = duties.plan_year(desk, 2026, contract=GD)
        assert len(result.opened) == 11 and result.past == 19
        assert duties.plan_year(desk, 2026, contract=GD).opened == []
        duties.record_exchange(desk, GD, date(2026, 5, 12), 2.5, "OTN seminar")
        assert duties.exchange_tallies(desk, 2026, contract=GD)[0].days == 2.5
        with Session(desk.engine) as s:
            rows = duty_rows(s, clock.now(), contract=GD)
            assert len(rows) == 12
            assert s.exec(select(Penalty.rule).where(col(Penalty.ticket_id) == tid)).all() == [
                "inspection_change_late"]
        clock.advance(timedelta(days=40))
        desk.evaluate()
    finally:
        desk.engine.dispose()
