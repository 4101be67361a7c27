"""A ticket's life: steps in order, refusals that say what comes first, versions, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import Conflict, InputError
from hotline.i18n import set_language
from hotline.store.models import Attachment, Escalation, Penalty, SlaClock, Ticket
from hotline.views.search import search_tickets
from hotline.views.ticket import audit_lines, load_ticket
from tests.support import TZ, build_desk, make_settings

#: What a restored or resolved fault must say (for the reports).
FIXED = StepInput(fault_category="hardware", cause="SL64 board failed",
                  solution="board replaced")


def fault(desk: Desk, level: int = 1, number: str = "0757-83301234") -> int:
    return desk.log_call(Intake(number=number, kind="fault", level=level,
                                description="光路中断 optical path down"))


def clocks(desk: Desk, ticket_id: int) -> dict[str, SlaClock]:
    with Session(desk.engine) as s:
        return {c.key: c for c in s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id))}


def test_remote_login_before_the_customers_approval_is_refused(demo_desk: Desk) -> None:
    t = fault(demo_desk)
    with pytest.raises(InputError, match="request remote support and record the customer's "
                                         "approval"):
        demo_desk.record(t, "remote_response")
    demo_desk.record(t, "remote_requested")
    with pytest.raises(InputError, match="has not approved remote access yet"):
        demo_desk.record(t, "remote_response")
    with pytest.raises(InputError, match="written form, e-mail or fax"):
        demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="phone"))
    with pytest.raises(InputError, match="Who approved"):
        demo_desk.record(t, "remote_approved", StepInput(approver=" ", method="email"))
    demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="email"))
    demo_desk.record(t, "remote_response")
    with pytest.raises(InputError, match="command log"):
        demo_desk.record(t, "remote_logout")


@pytest.mark.parametrize(("step", "message"), [
    ("depart", "Dispatch an engineer first"),
    ("onsite_arrival", "departure first"),
    ("left_site", "record the arrival first"),
    ("service_request_signed", "record the arrival first"),
    ("handling_form", "record that service was restored first"),
    ("analysis_report", "record that service was restored first"),
    ("ticket_closed", "record the resolution first"),
    ("part_returned", "No spare part"),
    ("ticket_reopened", "not closed"),
    ("consultation_answered", "does not apply to a fault ticket"),
    ("clock_resumed", "not paused"),
])
def test_out_of_order_steps_say_what_must_come_first(demo_desk: Desk, step: str,
                                                     message: str) -> None:
    t = fault(demo_desk)
    with Session(demo_desk.engine) as s:
        before = s.get(Ticket, t)
        assert before is not None
    with pytest.raises(InputError, match=message):
        demo_desk.record(t, step)
    with Session(demo_desk.engine) as s:
        after = s.get(Ticket, t)
        assert after is not None and after.version == before.version


def test_a_step_cannot_come_before_the_one_it_follows(demo_desk: Desk, clock: FixedClock) -> None:
    t = fault(demo_desk)
    clock.advance(minutes=30)
    demo_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    with pytest.raises(InputError, match="cannot be before"):
        demo_desk.record(t, "depart", at=clock.now() - timedelta(minutes=10))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def test_a_step_refusal_shows_its_times_in_the_desks_zone(store_url: str,
                                                         clock: FixedClock) -> None:
    """Reproduced: "… (12-06 00:23)" in UTC, where the desk's clock said 08:23. Times
    come back from SQLite without a zone and from PostgreSQL with one: both are shown
    in the desk's."""
    from hotline import demo

    desk = build_desk(make_settings(store_url), clock)
    demo.load_directory(desk)
    clock.set(datetime(2026, 12, 6, 8, 0, tzinfo=TZ))  # 12-06 00:00 UTC
    t = fault(desk)
    clock.advance(minutes=30)
    desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    depart_at = datetime(2026, 12, 6, 8, 23, tzinfo=TZ)
    with pytest.raises(InputError) as refused:
        desk.record(t, "depart", at=depart_at)
    text = str(refused.value)
    assert "(12-06 08:23)" in text and "(12-06 08:30)" in text
    assert "00:23" not in text and "00:30" not in text
    assert desk.why_not(t, "dispatched") == ("An engineer is already dispatched; record "
                                             "that they left the site first.")
    desk.record(t, "restore", FIXED)
    assert desk.why_not(t, "restore") == "Service was already restored (12-06 08:30)."
    view = load_ticket(desk.engine, t, clock.now(), TZ)
    assert view.refusals["restore"] == "Service was already restored (12-06 08:30)."
    desk.engine.dispose()


def test_a_stale_view_is_refused_and_says_who_changed_it(demo_desk: Desk,
                                                         clock: FixedClock) -> None:
    t = fault(demo_desk)
    with Session(demo_desk.engine) as s:
        seen = s.get(Ticket, t)
        assert seen is not None
        version = seen.version
    other = build_desk(demo_desk.settings, clock, "lina")
    other.engine = demo_desk.engine
    other.record(t, "note", StepInput(text="customer says the alarm cleared"),
                 expected_version=version)
    with pytest.raises(Conflict, match=r"lina changed ticket .* nothing of yours was saved"):
        demo_desk.record(t, "note", StepInput(text="mine"), expected_version=version)
    view = load_ticket(demo_desk.engine, t, clock.now(), TZ)
    assert [e.detail for e in view.timeline if e.kind == "note"] == [
        "customer says the alarm cleared"]


def test_level_1_fault_from_ring_to_close(demo_desk: Desk, clock: FixedClock,
                                          tmp_path: Path) -> None:
    """Guangdong, Foshan: remote support first, then on site; every clock and the trail."""
    call = demo_desk.ring("0757-83301234").call_id
    clock.advance(seconds=7)
    demo_desk.answer(call)
    t = demo_desk.log_call(Intake(number="0757 8330 1234", kind="fault", level=1,
                                  description="ring down", promise_callback=True), call)
    opened = clock.now()
    c = clocks(demo_desk, t)
    assert c["restore"].due_at - opened == timedelta(hours=3)  # remote restoration
    assert c["callback#1"].due_at - opened == timedelta(minutes=30)
    demo_desk.record(t, "guidance_note", StepInput(text="asked to check the fibre patch"))
    clock.advance(minutes=10)
    demo_desk.callback_done(t)
    demo_desk.record(t, "remote_requested")
    clock.advance(minutes=3)
    demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="fax"))
    clock.advance(minutes=2)
    demo_desk.record(t, "remote_response")
    clock.advance(minutes=20)
    log = tmp_path / "session.log"
    log.write_text("display alarm\nreset board 3\n", encoding="utf-8")
    demo_desk.record(t, "remote_logout", StepInput(command_log_file=str(log)))
    # remote support did not fix it: go on site; the regional limit (Foshan 6 h) applies
    demo_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    c = clocks(demo_desk, t)
    assert c["restore"].due_at - opened == timedelta(hours=6)
    assert c["depart"].due_at - opened == timedelta(hours=1)  # 接报-出发 1 h
    assert "onsite_arrival" not in c  # counted from the departure
    clock.advance(minutes=10)
    demo_desk.record(t, "depart")
    clock.advance(hours=2)
    demo_desk.record(t, "onsite_arrival")
    demo_desk.record(t, "service_request_signed")
    demo_desk.record(t, "part_lent", StepInput(text="SL64 board, SN 2102310"))
    clock.advance(hours=1)
    demo_desk.record(t, "restore", FIXED)
    c = clocks(demo_desk, t)
    assert c["restore"].state == "met"
    assert c["handling_form"].due_at - clock.now() == timedelta(hours=48)
    with pytest.raises(InputError, match="record the resolution first"):
        demo_desk.record(t, "ticket_closed")
    clock.advance(minutes=30)
    demo_desk.record(t, "left_site")
    demo_desk.record(t, "resolve", FIXED)
    demo_desk.record(t, "handling_form")
    clock.advance(days=2)
    demo_desk.record(t, "analysis_report")
    demo_desk.record(t, "ticket_closed")
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.status == "closed" and ticket.closed_at is not None
        assert s.exec(select(Penalty)).all() == []
        assert s.exec(select(Escalation)).all() == []
        [attachment] = s.exec(select(Attachment)).all()
        assert "reset board 3" in attachment.content and attachment.name == "session.log"
    c = clocks(demo_desk, t)
    # the lent part is still out: its 15-day return clock runs on after the close
    assert {k: v.state for k, v in c.items() if v.state != "met"} == {
        "part_return#1": "running"}
    trail = "\n".join(audit_lines(demo_desk.engine, t, TZ))
    for what in ("Call rang", "Call answered", "Ticket opened", "Phone guidance given",
                 "Called back", "Remote support requested", "by 梁家豪, fax", "Remote login",
                 "command log attached (2 lines) · session.log", "Engineer dispatched",
                 "Engineer departed", "Engineer arrived", "Technical-service request signed",
                 "Spare part lent", "Service restored", "Engineer left the site",
                 "Handling form submitted", "Analysis report submitted", "Ticket closed"):
        assert what in trail, what
    assert "zhangwei" in trail


def test_a_command_log_is_told_by_its_size_and_lines(demo_desk: Desk, tmp_path: Path) -> None:
    t = fault(demo_desk)
    demo_desk.record(t, "remote_requested")
    demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="fax"))
    demo_desk.record(t, "remote_response")
    big = tmp_path / "big.log"
    big.write_bytes(b"display alarm\n" * 170_000)
    with pytest.raises(InputError, match=re.escape(
            f"{big} is 2.4 MB, larger than 2.0 MB: attach the relevant part.")):
        demo_desk.record(t, "remote_logout", StepInput(command_log_file=str(big)))
    with pytest.raises(InputError, match=re.escape("The command log is larger than 2.0 MB.")):
        demo_desk.record(t, "remote_logout", StepInput(command_log="y" * 2_000_001))
    set_language("zh_CN")
    with pytest.raises(InputError, match=re.escape(f"{big} 大小为 2.4 MB，超过 2.0 MB")):
        demo_desk.record(t, "remote_logout", StepInput(command_log_file=str(big)))
    log = tmp_path / "session.log"
    log.write_text("display alarm\n" * 1234, encoding="utf-8")
    demo_desk.record(t, "remote_logout", StepInput(command_log_file=str(log)))
    assert "已附操作日志（1,234行） · session.log" in "\n".join(
        audit_lines(demo_desk.engine, t, TZ))
    set_language("en")
    assert "command log attached (1,234 lines) · session.log" in "\n".join(
        audit_lines(demo_desk.engine, t, TZ))


def test_breached_restore_raises_the_level_and_scores(demo_desk: Desk, clock: FixedClock) -> None:
    """Standard policy, grade B, level 2: restore 24 h; missed → level 1 with its limit."""
    t = demo_desk.log_call(Intake(number="13380012345", kind="fault", level=2,
                                  description="intermittent errors"))
    opened = clock.now()
    clock.advance(hours=25)
    demo_desk.evaluate()
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.level == 1 and ticket.initial_level == 2
        kinds = sorted(e.kind for e in s.exec(select(Escalation)).all())
        assert "level_up" in kinds and "breach" in kinds
        up = s.exec(select(Escalation).where(Escalation.kind == "level_up")).one()
        assert up.raised_at == opened + timedelta(hours=24)
        assert (up.from_level, up.to_level) == (2, 1)
        assert s.exec(select(Penalty)).all()
    again = len(load_ticket(demo_desk.engine, t, clock.now(), TZ).timeline)
    demo_desk.evaluate()
    assert len(load_ticket(demo_desk.engine, t, clock.now(), TZ).timeline) == again


def test_a_complaint_goes_to_the_supervisor_at_once(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="020-87651234", kind="complaint", level=None,
                                  description="engineer arrived late"))
    with Session(demo_desk.engine) as s:
        [esc] = s.exec(select(Escalation).where(Escalation.ticket_id == t)).all()
        assert esc.kind == "complaint" and esc.tier == "supervisor"
        assert s.exec(select(SlaClock).where(SlaClock.ticket_id == t,
                                          SlaClock.target == "complaint_reply")).one()
    demo_desk.record(t, "complaint_answered", StepInput(text="apologised, new ETA"))
    demo_desk.record(t, "ticket_closed")


def test_conditions_change_the_limits(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="020-87651234", kind="fault", level=2,
                                  description="fire panel fault"))
    with pytest.raises(InputError, match="no condition 'teleport'"):
        demo_desk.record(t, "conditions_set", StepInput(conditions=("teleport",)))
    demo_desk.record(t, "conditions_set", StepInput(conditions=("remote",)))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.conditions == "remote"


def test_search_by_any_form_of_number_ticket_customer_and_words(demo_desk: Desk) -> None:
    a = fault(demo_desk, number="0757-83301234")
    b = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                  description="ASON license"))
    ids = lambda q: [h.ticket_id for h in search_tickets(demo_desk.engine, q)]  # noqa: E731
    assert ids("075783301234") == [a]
    assert ids("+86 757 8330 1234") == [a]
    assert ids("8330") == [a]
    assert ids("佛山") == [a]
    assert ids("license") == [b]
    assert ids("kind:consultation") == [b]
    assert ids("state:open level:1") == [a]
    assert ids("") == [b, a]
    number = search_tickets(demo_desk.engine, "license")[0].number
    assert ids(number) == [b]
    with pytest.raises(InputError, match="Unknown state"):
        search_tickets(demo_desk.engine, "state:sleeping")


def test_audit_command_prints_the_trail(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline import demo
    from hotline.cli.main import run
    from tests.support import START

    db = tmp_path / "a.db"
    clock = FixedClock(START)
    desk = build_desk(make_settings(f"sqlite:///{db}"), clock)
    demo.load_directory(desk)
    t = fault(desk)
    desk.record(t, "note", StepInput(text="first note"))
    with Session(desk.engine) as s:
        number = s.get(Ticket, t).number  # type: ignore[union-attr]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run(["--db", str(db), "audit", number], clock=clock) == 0
    out = capsys.readouterr().out
    assert "Ticket opened" in out and "first note" in out and "zhangwei" in out
    assert run(["--db", str(db), "audit", "999999-0001"], clock=clock) == 1
    assert "There is no ticket" in capsys.readouterr().err


def test_an_unknown_caller_is_added_to_the_directory_while_logging(demo_desk: Desk) -> None:
    with pytest.raises(InputError, match="no customer 'NOPE'"):
        demo_desk.log_call(Intake(number="13611112222", kind="consultation", level=None,
                                  description="q", caller_name="王五",
                                  new_contact_customer="NOPE"))
    assert demo_desk.identify(demo_desk.parse_number("13611112222")).contact_name is None
    t = demo_desk.log_call(Intake(number="136 1111 2222", kind="consultation", level=None,
                                  description="q", caller_name="王五",
                                  new_contact_customer="GDT-SZ"))
    match = demo_desk.identify(demo_desk.parse_number("+8613611112222"))
    assert match.contact_name == "王五" and match.contract_code == "GD-TX-2026-001"
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.policy == "guangdong-transmission"


def test_open_tickets_of_the_caller_s_customer(demo_desk: Desk) -> None:
    from hotline.views.search import open_tickets_of

    fault(demo_desk, number="0755-83765432")
    match = demo_desk.identify(demo_desk.parse_number("13760112345"))  # same customer
    assert match.customer_id is not None
    hits = open_tickets_of(demo_desk.engine, match.customer_id)
    assert [h.description for h in hits] == ["光路中断 optical path down"]


def test_a_withdrawn_warning_reads_as_such_in_the_timeline() -> None:
    from hotline.views.ticket import event_detail, event_label

    assert event_label("escalation_withdrawn") == "Warning withdrawn"
    assert event_detail("escalation_withdrawn", {"reason": "met"}, TZ) == (
        "withdrawn: the target was met")
    assert event_detail("escalation_withdrawn", {"reason": "?"}, TZ) == "withdrawn"


def test_restore_and_resolve_say_cause_solution_and_category(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    t = fault(demo_desk)
    with pytest.raises(InputError, match="Choose the fault category"):
        demo_desk.record(t, "restore", StepInput(cause="x", solution="y"))
    with pytest.raises(InputError, match="has no fault category 'weather'"):
        demo_desk.record(t, "restore", StepInput(fault_category="weather", cause="x",
                                                 solution="y"))
    with pytest.raises(InputError, match="The cause is required"):
        demo_desk.record(t, "restore", StepInput(fault_category="power", solution="y"))
    with pytest.raises(InputError, match="The solution is required"):
        demo_desk.record(t, "restore", StepInput(fault_category="power", cause=" x "))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.status == "open" and ticket.version == 1
    demo_desk.record(t, "restore", StepInput(fault_category="power", cause="UPS tripped",
                                             solution="UPS reset"))
    clock.advance(hours=1)
    demo_desk.record(t, "resolve", StepInput(fault_category="hardware",
                                             cause="UPS battery failed",
                                             solution="battery replaced"))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None
        assert (ticket.fault_category, ticket.cause, ticket.solution) == (
            "hardware", "UPS battery failed", "battery replaced")
    view = load_ticket(demo_desk.engine, t, clock.now(), TZ)
    details = [e.detail for e in view.timeline if e.kind in ("restore", "resolve")]
    assert details == ["power · cause: UPS tripped · solution: UPS reset",
                       "hardware · cause: UPS battery failed · solution: battery replaced"]


def test_an_answered_consultation_says_the_answer(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="consultation", level=None,
                                  description="which licence file"))
    with pytest.raises(InputError, match="The answer given is required"):
        demo_desk.record(t, "consultation_answered", StepInput(text="  "))
    demo_desk.record(t, "consultation_answered", StepInput(text="sent by e-mail"))
    view = load_ticket(demo_desk.engine, t, demo_desk.now(), TZ)
    assert [e.detail for e in view.timeline if e.kind == "consultation_answered"] == [
        "sent by e-mail"]


@pytest.mark.parametrize("who", ["李伟", "chen", "CHENHAO "])
def test_only_an_engineer_of_the_desk_is_dispatched(demo_desk: Desk, who: str) -> None:
    t = fault(demo_desk)
    with pytest.raises(InputError, match=f"{who.strip()} is not one of the desk's engineers; "
                                         "choose one of: .*chenhao"):
        demo_desk.record(t, "dispatched", StepInput(engineer=who))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.version == 1


def test_an_engineer_is_dispatched_by_login_or_name(demo_desk: Desk) -> None:
    from hotline.desk.roster import roster

    chen = next(m for m in roster(demo_desk.engine) if m.login == "chenhao")
    t = fault(demo_desk)
    demo_desk.record(t, "dispatched", StepInput(engineer=chen.name))
    view = load_ticket(demo_desk.engine, t, demo_desk.now(), TZ)
    assert [e.detail for e in view.timeline if e.kind == "dispatched"] == [chen.name]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_desk(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock):  # type: ignore[no-untyped-def]
    from hotline import demo

    url = (f"sqlite:///{tmp_path / 'desk.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    d = build_desk(make_settings(url), clock)
    demo.load_directory(d)
    yield d
    d.engine.dispose()


@pytest.mark.parametrize(("what", "given", "message"), [
    ("restore", StepInput(fault_category="power", cause="x" * 4001, solution="y"),
     "The cause is too long"),
    ("restore", StepInput(fault_category="x" * 41, cause="x", solution="y"),
     "has no fault category"),
    ("resolve", StepInput(fault_category="Power", cause="x", solution="y"),
     "has no fault category 'Power'"),
    ("restore", StepInput(fault_category="power", cause="x", solution="\n \t"),
     "The solution is required"),
    ("dispatched", StepInput(engineer="chenhao' OR '1'='1"), "is not one of the desk's"),
    ("dispatched", StepInput(engineer="x" * 5000), "too long"),
    ("consultation_answered", StepInput(text="x" * 4001), "too long"),
])
def test_hostile_step_details_are_refused_and_nothing_changes(
        any_desk: Desk, what: str, given: StepInput, message: str) -> None:
    kind = "consultation" if what == "consultation_answered" else "fault"
    t = any_desk.log_call(Intake(number="0757-83301234", kind=kind,
                                 level=None if kind == "consultation" else 2,
                                 description="ring down"))
    with pytest.raises(InputError, match=message):
        any_desk.record(t, what, given)
    with Session(any_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.version == 1 and ticket.fault_category is None


def test_the_longest_cause_and_solution_are_kept_whole(any_desk: Desk) -> None:
    t = fault(any_desk)
    cause, solution = "光" * 4000, "纤" * 4000  # characters, not bytes: 12,000 bytes each
    any_desk.record(t, "restore", StepInput(fault_category="fibre_line", cause=cause,
                                            solution=solution))
    with Session(any_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and (ticket.cause, ticket.solution) == (cause, solution)
