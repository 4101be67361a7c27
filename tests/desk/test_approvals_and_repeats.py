"""Contract duties on a fault: the level the answers propose, approvals before work
(a technical plan, a reinstall or restart) and the same fault again within a year —
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import InputError
from hotline.store.models import Event, Penalty, Ticket
from hotline.views.ticket import load_ticket
from tests.support import TZ, build_desk, make_settings

GUANGDONG = "0757-83301234"  # 梁家豪, GD-TX-2026-002 (guangdong-transmission)
STANDARD = "020-38881234"  # 陈思远, STD-2026-010 (standard, grade A, to 2027-02-28)
FIXED = StepInput(fault_category="hardware", cause="board failed", solution="board replaced")


@pytest.fixture
def any_desk(directory_desk: Desk) -> Desk:
    return directory_desk


def fault(desk: Desk, number: str = GUANGDONG, level: int = 2, **kw: object) -> int:
    return desk.log_call(Intake(number=number, kind="fault", level=level,
                                description="光路中断", **kw))  # type: ignore[arg-type]


def snapshot(desk: Desk, ticket_id: int) -> tuple[int, int]:
    with Session(desk.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        events = len(s.exec(select(Event.id).where(Event.ticket_id == ticket_id)).all())
        return ticket.version, events


def opened_data(desk: Desk, ticket_id: int) -> dict[str, object]:
    with Session(desk.engine) as s:
        ev = s.exec(select(Event).where(Event.ticket_id == ticket_id,
                                        Event.kind == "ticket_opened")).one()
        return dict(json.loads(ev.data))


# -- the level the answers propose -------------------------------------------------------

def test_the_proposed_level_confirmed_is_recorded_with_the_opening(any_desk: Desk) -> None:
    t = fault(any_desk, level=2, level_answers=("overheated",))
    data = opened_data(any_desk, t)
    assert data["answers"] == ["overheated"] and data["proposed_level"] == 2
    assert "level_reason" not in data


def test_another_level_needs_a_reason_and_nothing_is_written_without(any_desk: Desk) -> None:
    with Session(any_desk.engine) as s:
        before = len(s.exec(select(Ticket.id)).all())
    with pytest.raises(InputError, match="The answers propose level 1; to open the fault at "
                                         "level 3 instead, give the reason"):
        fault(any_desk, level=3, level_answers=("service_interrupted",), level_reason="  ")
    with Session(any_desk.engine) as s:
        assert len(s.exec(select(Ticket.id)).all()) == before
    t = fault(any_desk, level=3, level_answers=("service_interrupted",),
              level_reason="customer's operations department says level 3")
    data = opened_data(any_desk, t)
    assert (data["proposed_level"], data["level"]) == (1, 3)
    assert data["level_reason"] == "customer's operations department says level 3"
    view = load_ticket(any_desk.engine, t, any_desk.now(), TZ, any_desk.sla)
    opened = next(e for e in view.timeline if e.kind == "ticket_opened")
    assert "level 1 proposed, 3 chosen: customer's operations department says level 3" in \
        opened.detail


def test_an_undefined_fault_proposes_nothing_and_the_engineer_chooses(any_desk: Desk) -> None:
    t = fault(any_desk, level=4, level_answers=())
    assert opened_data(any_desk, t)["proposed_level"] is None


@pytest.mark.parametrize(("answers", "message"), [
    (("outage_1h",), "asks no level question 'outage_1h'"),  # the generic spec's, not GD's
    (("x" * 5000,), "asks no level question"),
    (("\x00",), "asks no level question"),
])
def test_unknown_answers_are_refused(any_desk: Desk, answers: tuple[str, ...],
                                     message: str) -> None:
    with pytest.raises(InputError, match=message):
        fault(any_desk, level=2, level_answers=answers)


@pytest.mark.parametrize(("reason", "message"), [
    ("\x00", "NUL character"), ("\ud800", "lone surrogate"), ("x" * 4001, "too long")])
def test_a_reason_no_database_can_keep_is_refused(any_desk: Desk, reason: str,
                                                  message: str) -> None:
    with pytest.raises(InputError, match=message):
        fault(any_desk, level=3, level_answers=("service_interrupted",), level_reason=reason)
    with Session(any_desk.engine) as s:
        assert s.exec(select(Ticket)).all() == []


def test_a_standard_fault_of_an_hours_outage_is_level_1(any_desk: Desk) -> None:
    with pytest.raises(InputError, match="propose level 1"):
        fault(any_desk, STANDARD, level=3, level_answers=("outage_1h",))
    t = fault(any_desk, STANDARD, level=3, level_answers=())  # key services unaffected: 3
    assert opened_data(any_desk, t)["proposed_level"] == 3


# -- approvals before work ------------------------------------------------------------

APPROVED = StepInput(approver="梁家豪", method="email", text="restart of the SCC board")


@pytest.mark.parametrize("number", [GUANGDONG, STANDARD])
def test_a_plan_is_carried_out_only_once_the_customer_approved_it(any_desk: Desk,
                                                                  number: str) -> None:
    t = fault(any_desk, number)
    before = snapshot(any_desk, t)
    with pytest.raises(InputError, match="requires a technical plan approved by the customer"):
        any_desk.record(t, "plan_carried_out")
    assert snapshot(any_desk, t) == before
    any_desk.record(t, "plan_submitted", StepInput(text="swap the cross-connect board"))
    before = snapshot(any_desk, t)
    with pytest.raises(InputError, match="has not approved the technical plan yet"):
        any_desk.record(t, "plan_carried_out")
    assert snapshot(any_desk, t) == before
    with pytest.raises(InputError, match="written form, e-mail or fax"):
        any_desk.record(t, "plan_approved", StepInput(approver="梁家豪", method="phone"))
    any_desk.record(t, "plan_approved", StepInput(approver="梁家豪", method="fax"))
    any_desk.record(t, "plan_carried_out")
    # the next plan needs its own approval
    any_desk.record(t, "plan_submitted", StepInput(text="replace the fan tray"))
    with pytest.raises(InputError, match="has not approved the technical plan yet"):
        any_desk.record(t, "plan_carried_out")


@pytest.mark.parametrize("number", [GUANGDONG, STANDARD])
def test_a_restart_needs_the_customers_approval_each_time(any_desk: Desk, number: str) -> None:
    t = fault(any_desk, number)
    before = snapshot(any_desk, t)
    with pytest.raises(InputError, match="Reinstall or restart refused: the contract requires "
                                         "the approval of the customer's maintenance"):
        any_desk.record(t, "restart_done")
    assert snapshot(any_desk, t) == before
    with pytest.raises(InputError, match="What is reinstalled or restarted is required"):
        any_desk.record(t, "restart_approved", StepInput(approver="梁家豪", method="email"))
    any_desk.record(t, "restart_approved", APPROVED)
    with pytest.raises(InputError, match="already approved"):
        any_desk.record(t, "restart_approved", APPROVED)
    any_desk.record(t, "restart_done")
    with pytest.raises(InputError, match="Reinstall or restart refused"):
        any_desk.record(t, "restart_done")
    view = load_ticket(any_desk.engine, t, any_desk.now(), TZ, any_desk.sla)
    assert "restart_done" not in view.allowed and "restart_approved" in view.allowed
    assert "Reinstall or restart refused" in view.refusals["restart_done"]
    detail = [e.detail for e in view.timeline if e.kind == "restart_approved"]
    assert detail and "梁家豪" in detail[0]


def test_a_policy_without_gates_lets_the_work_go_ahead(tmp_path: Path, clock: FixedClock) -> None:
    from hotline import demo

    policies = tmp_path / "policies"
    policies.mkdir()
    src = (Path(__file__).parents[2] / "data" / "policies" / "standard.toml").read_text("utf-8")
    (policies / "standard.toml").write_text(
        src.replace('gates = ["plan_approval", "restart_approval"]', "gates = []"), "utf-8")
    d = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}",
                                 policy_dirs=(policies,)), clock)
    assert d.sla.policy("standard").procedure.gates == frozenset()
    demo.load_directory(d)
    t = fault(d, STANDARD)
    d.record(t, "restart_done")
    d.record(t, "plan_submitted", StepInput(text="x"))
    d.record(t, "plan_carried_out")
    d.engine.dispose()


# -- the same fault again within a year -------------------------------------------------

def test_the_same_equipment_failing_again_within_a_year_scores_the_old_one(
        any_desk: Desk, clock: FixedClock) -> None:
    old = fault(any_desk, STANDARD, level=3, equipment="OSN 3500 #2", site="科学城数据中心")
    any_desk.record(old, "resolve", FIXED)
    any_desk.record(old, "ticket_closed")
    other = fault(any_desk, STANDARD, level=3, equipment="OSN 1800")  # other equipment
    clock.advance(days=80)
    new = fault(any_desk, STANDARD, level=3, equipment=" osn 3500  #2", site="科学城数据中心")
    with Session(any_desk.engine) as s:
        penalties = s.exec(select(Penalty).where(Penalty.ticket_id == old,
                                                 Penalty.rule == "repeat_fault")).all()
        assert [p.points for p in penalties] == [-5]
        assert not s.exec(select(Penalty).where(col(Penalty.ticket_id).in_((new, other)),
                                                Penalty.rule == "repeat_fault")).all()
    new_view = load_ticket(any_desk.engine, new, any_desk.now(), TZ, any_desk.sla)
    old_view = load_ticket(any_desk.engine, old, any_desk.now(), TZ, any_desk.sla)
    assert [link.ticket_id for link in new_view.links] == [old]
    assert [link.ticket_id for link in old_view.links] == [new]
    assert any("repeats" in e.detail and "within a year" in e.detail
               for e in new_view.timeline)
    assert any(e.kind == "repeat_fault" for e in old_view.timeline)


@pytest.mark.parametrize(("days", "repeat"), [(364, True), (366, False)])
def test_only_within_the_policys_year(any_desk: Desk, clock: FixedClock, days: int,
                                      repeat: bool) -> None:
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=TZ) - timedelta(days=days))
    old = fault(any_desk, STANDARD, level=3, equipment="S5700")
    any_desk.record(old, "resolve", FIXED)
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=TZ))
    new = fault(any_desk, STANDARD, level=3, equipment="S5700")
    view = load_ticket(any_desk.engine, new, any_desk.now(), TZ, any_desk.sla)
    assert bool(view.links) is repeat


def test_an_unresolved_fault_or_another_site_is_no_repeat(any_desk: Desk) -> None:
    open_one = fault(any_desk, STANDARD, level=3, equipment="S5700", site="A 机房")
    resolved = fault(any_desk, STANDARD, level=3, equipment="S5700", site="B 机房")
    any_desk.record(resolved, "resolve", FIXED)
    new = fault(any_desk, STANDARD, level=3, equipment="S5700", site="C 机房")
    view = load_ticket(any_desk.engine, new, any_desk.now(), TZ, any_desk.sla)
    assert not view.links and open_one != resolved


def test_guangdong_has_no_repeat_rule(any_desk: Desk) -> None:
    old = fault(any_desk, GUANGDONG, equipment="OSN 7500")
    any_desk.record(old, "restore", FIXED)
    any_desk.record(old, "resolve", FIXED)
    new = fault(any_desk, GUANGDONG, equipment="OSN 7500")
    assert not load_ticket(any_desk.engine, new, any_desk.now(), TZ, any_desk.sla).links


# -- hostile answers and reasons: refused in words, nothing else ---------------------------

@pytest.fixture(scope="module")
def sla():  # type: ignore[no-untyped-def]
    from hotline.sla import SlaEngine

    settings = make_settings()
    return SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)


@given(st.lists(st.text(max_size=50), max_size=5), st.text(max_size=5000),
       st.sampled_from([1, 2, 3, 4, 0, -1, 10**20]),
       st.sampled_from(["standard", "guangdong-transmission", "fire-maintenance"]))
@example(["\x00"], "\ud800", 1, "standard")
@example(["service_interrupted"], "x" * 4001, 3, "guangdong-transmission")
@example(["outage_1h", "outage_1h"], "", 1, "standard")
@example(["outage_1h"], "\x00", 3, "standard")
@hsettings(max_examples=200, deadline=None)
def test_hostile_level_answers_refuse_only_in_words(sla, answers: list[str],  # type: ignore[no-untyped-def]
                                                    reason: str, level: int,
                                                    policy: str) -> None:
    from hotline.desk.intake import choose_level

    try:
        choice = choose_level(sla, policy, "fault", level, tuple(answers), reason)
    except InputError:
        return
    assert "\x00" not in choice.reason
    choice.reason.encode("utf-8")  # a lone surrogate is refused before the database sees it
    questions = {q.id for q in sla.policy(policy).classification.questions}
    assert set(choice.answers or ()) <= questions
    assert choice.level == level
    assert choice.proposed is None or choice.level == choice.proposed or choice.reason.strip()
