"""Repeat calls joining their ticket, related tickets linked, a duplicate merged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import Conflict, HotlineError, InputError, NotFound
from hotline.store.models import Call, Event, Penalty, SlaClock, Ticket
from hotline.views.ticket import audit_lines, load_ticket
from tests.support import TZ, build_desk, make_settings


def fault(desk: Desk, number: str = "0757-83301234", level: int = 1) -> int:
    return desk.log_call(Intake(number=number, kind="fault", level=level,
                                description="光路中断 optical path down"))


def number_of(desk: Desk, ticket_id: int) -> str:
    with Session(desk.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.number


def clock_rows(desk: Desk, ticket_id: int) -> list[SlaClock]:
    with Session(desk.engine) as s:
        return list(s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id)).all())


def kinds(desk: Desk, ticket_id: int) -> list[str]:
    return [e.kind for e in load_ticket(desk.engine, ticket_id, desk.now(), TZ).timeline]


def test_a_repeat_call_joins_the_ticket_without_new_clocks(demo_desk: Desk,
                                                           clock: FixedClock) -> None:
    t = fault(demo_desk)
    before = [(c.key, c.due_at, c.state) for c in clock_rows(demo_desk, t)]
    clock.advance(minutes=10)
    ring = demo_desk.ring("0757-83301234", call_key="PBX-REPEAT")
    call_id = demo_desk.answer(ring.call_id)
    assert demo_desk.add_call(t, number="0757-83301234", call_id=call_id,
                              note="still down, asks for news") == t
    with Session(demo_desk.engine) as s:
        assert s.exec(select(func_count_tickets())).one() == 1
        call = s.get(Call, call_id)
        assert call is not None and call.ticket_id == t
        ev = s.exec(select(Event).where(Event.kind == "call_added")).one()
        assert ev.ticket_id == t and ev.call_id == call_id and ev.actor == "zhangwei"
    assert [(c.key, c.due_at, c.state) for c in clock_rows(demo_desk, t)] == before
    timeline = kinds(demo_desk, t)
    assert timeline.count("call_rang") == 2 and "call_added" in timeline
    trail = "\n".join(audit_lines(demo_desk.engine, t, TZ))
    assert "Repeat call added" in trail and "still down, asks for news" in trail
    # the call is now logged: neither logged again nor added twice
    with pytest.raises(Conflict, match="already logged"):
        demo_desk.add_call(t, number="0757-83301234", call_id=call_id)


def func_count_tickets():  # type: ignore[no-untyped-def]
    from sqlmodel import func

    return func.count(col(Ticket.id))


def test_a_repeat_call_on_a_desk_phone_is_recorded_as_a_call(demo_desk: Desk) -> None:
    t = fault(demo_desk)
    demo_desk.add_call(t, number="0757 8330 1234")
    with Session(demo_desk.engine) as s:
        calls = s.exec(select(Call).where(Call.ticket_id == t)).all()
        assert len(calls) == 2 and {c.source for c in calls} == {"manual"}


def test_a_repeat_call_is_refused_on_a_closed_ticket_and_changes_nothing(
        demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                  description="how to back up"))
    demo_desk.record(t, "consultation_answered", StepInput(text="the answer given"))
    demo_desk.record(t, "ticket_closed")
    with Session(demo_desk.engine) as s:
        events = len(s.exec(select(Event)).all())
    with pytest.raises(Conflict, match="is closed"):
        demo_desk.add_call(t, number="13380012345")
    with pytest.raises(InputError):
        demo_desk.add_call(t, number="not a number")
    with pytest.raises(NotFound):
        demo_desk.add_call(9999, number="13380012345")
    with Session(demo_desk.engine) as s:
        assert len(s.exec(select(Event)).all()) == events


def test_linked_tickets_both_show_the_link(demo_desk: Desk) -> None:
    a = fault(demo_desk)
    b = fault(demo_desk, number="0755-83765432")
    version = load_ticket(demo_desk.engine, a, demo_desk.now(), TZ).version
    assert demo_desk.link_tickets(a, number_of(demo_desk, b), note="one outage",
                                  expected_version=version) == b
    va = load_ticket(demo_desk.engine, a, demo_desk.now(), TZ)
    vb = load_ticket(demo_desk.engine, b, demo_desk.now(), TZ)
    assert [(k.relation, k.number) for k in va.links] == [("linked", number_of(demo_desk, b))]
    assert [(k.relation, k.number) for k in vb.links] == [("linked", number_of(demo_desk, a))]
    assert "ticket_linked" in kinds(demo_desk, a) and "ticket_linked" in kinds(demo_desk, b)
    assert f"linked to {number_of(demo_desk, a)}" in "\n".join(
        audit_lines(demo_desk.engine, b, TZ))
    with pytest.raises(Conflict, match="already linked"):
        demo_desk.link_tickets(b, number_of(demo_desk, a))
    with pytest.raises(InputError, match="itself"):
        demo_desk.link_tickets(a, number_of(demo_desk, a))
    with pytest.raises(NotFound, match="no ticket 999999-0001"):
        demo_desk.link_tickets(a, "999999-0001")
    with pytest.raises(Conflict, match="changed meanwhile"):
        demo_desk.merge_ticket(a, number_of(demo_desk, b), expected_version=version)


def test_a_merged_duplicate_is_closed_its_calls_move_its_clocks_stop_unscored(
        demo_desk: Desk, clock: FixedClock) -> None:
    kept = fault(demo_desk)
    dup = fault(demo_desk, number="0755-83765432")
    demo_desk.record(dup, "callback_promised")
    assert any(c.state == "running" for c in clock_rows(demo_desk, dup))
    clock.advance(minutes=5)
    assert demo_desk.merge_ticket(dup, number_of(demo_desk, kept), note="same outage") == kept
    with Session(demo_desk.engine) as s:
        d = s.get(Ticket, dup)
        assert d is not None and d.status == "closed" and d.next_due_at is None
        assert d.next_check_at is None
        assert len(s.exec(select(Call).where(Call.ticket_id == kept)).all()) == 2
        assert not s.exec(select(Call).where(Call.ticket_id == dup)).all()
    assert {c.state for c in clock_rows(demo_desk, dup)} == {"cancelled"}
    assert all(c.breached_at is None for c in clock_rows(demo_desk, dup))
    # long after every limit: the duplicate neither breaches nor scores
    clock.advance(hours=48)
    demo_desk.evaluate()
    with Session(demo_desk.engine) as s:
        assert not s.exec(select(Penalty).where(Penalty.ticket_id == dup)).all()
    assert {c.state for c in clock_rows(demo_desk, dup)} == {"cancelled"}
    vd = load_ticket(demo_desk.engine, dup, demo_desk.now(), TZ)
    vk = load_ticket(demo_desk.engine, kept, demo_desk.now(), TZ)
    assert [(k.relation, k.ticket_id) for k in vd.links] == [("merged_into", kept)]
    assert [(k.relation, k.ticket_id) for k in vk.links] == [("merged_from", dup)]
    assert vd.allowed == []
    assert "ticket_merged_in" in kinds(demo_desk, kept)
    assert "ticket_opened" in kinds(demo_desk, dup)
    # the kept ticket's timeline has the moved call's ringing, not the duplicate's opening
    assert kinds(demo_desk, kept).count("ticket_opened") == 1
    assert kinds(demo_desk, kept).count("call_rang") == 2
    assert f"merged into {number_of(demo_desk, kept)} · 1 call moved" in "\n".join(
        audit_lines(demo_desk.engine, dup, TZ))
    with pytest.raises(InputError, match="merged into another ticket"):
        demo_desk.record(dup, "ticket_reopened")
    with pytest.raises(Conflict, match=f"was merged into {number_of(demo_desk, kept)}"):
        demo_desk.merge_ticket(dup, number_of(demo_desk, kept))
    with pytest.raises(Conflict, match="merged into"):
        demo_desk.add_call(dup, number="0755-83765432")


def test_only_open_tickets_merge(demo_desk: Desk) -> None:
    kept = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                     description="q"))
    dup = fault(demo_desk)
    demo_desk.record(kept, "consultation_answered", StepInput(text="the answer given"))
    demo_desk.record(kept, "ticket_closed")
    with pytest.raises(Conflict, match="is closed"):
        demo_desk.merge_ticket(dup, number_of(demo_desk, kept))
    with pytest.raises(InputError, match="itself"):
        demo_desk.merge_ticket(dup, number_of(demo_desk, dup))
    with pytest.raises(InputError, match="other ticket's number"):
        demo_desk.merge_ticket(dup, "  ")
    with Session(demo_desk.engine) as s:
        d = s.get(Ticket, dup)
        assert d is not None and d.status == "open"


def test_the_remote_logout_remark_is_kept_and_the_log_read_back(
        demo_desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.cli.main import run

    t = fault(demo_desk)
    demo_desk.record(t, "remote_requested")
    demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="email"))
    demo_desk.record(t, "remote_response")
    demo_desk.record(t, "remote_logout", StepInput(
        command_log="display alarm active\nreset board 3\ndisplay board 3\n",
        text="board 3 reset, alarm cleared"))
    with Session(demo_desk.engine) as s:
        ev = s.exec(select(Event).where(Event.kind == "remote_logout")).one()
        assert json.loads(ev.data)["text"] == "board 3 reset, alarm cleared"
    trail = "\n".join(audit_lines(demo_desk.engine, t, TZ))
    assert "command log attached (3 lines) · board 3 reset, alarm cleared" in trail
    number = number_of(demo_desk, t)
    db = demo_desk.settings.db_url
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run(["--db", db, "audit", number, "--attachments"], clock=FixedClock(
        demo_desk.now())) == 0
    out = capsys.readouterr().out
    assert "=== command log · added" in out and "reset board 3" in out
    out_dir = tmp_path / "logs"
    assert run(["--db", db, "audit", number, "--out", str(out_dir)],
               clock=FixedClock(demo_desk.now())) == 0
    saved = list(out_dir.iterdir())
    assert len(saved) == 1 and saved[0].name.startswith(f"{number}-command-log-")
    assert saved[0].read_text(encoding="utf-8").splitlines()[1] == "reset board 3"
    capsys.readouterr()
    # again: the file is there; refused, nothing overwritten
    assert run(["--db", db, "audit", number, "--out", str(out_dir)],
               clock=FixedClock(demo_desk.now())) == 1
    assert "already exists" in capsys.readouterr().err


def test_links_and_merges_on_postgresql(pg_url: str, clock: FixedClock) -> None:
    from hotline import demo

    desk = build_desk(make_settings(pg_url), clock)
    try:
        demo.load_directory(desk)
        a, b, c = fault(desk), fault(desk, "0755-83765432"), fault(desk, "13380012345", 2)
        desk.link_tickets(a, number_of(desk, b))
        desk.merge_ticket(c, number_of(desk, a))
        desk.add_call(a, number="0757-83301234", note="again")
        with Session(desk.engine) as s:
            assert len(s.exec(select(Call).where(Call.ticket_id == a)).all()) == 3
            ticket = s.get(Ticket, c)
            assert ticket is not None and ticket.status == "closed"
        assert {k.relation for k in load_ticket(desk.engine, a, desk.now(), TZ).links} == {
            "linked", "merged_from"}
    finally:
        desk.engine.dispose()


def _event_count(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return len(s.exec(select(Event)).all())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ref=st.text(max_size=40), note=st.text(max_size=60))
@example(ref="261125-0001\x00", note="")
@example(ref="' OR 1=1 --", note="x" * 4001)
@example(ref="٢٦١١٢٥-٠٠٠١", note="")
def test_any_ticket_reference_is_refused_with_the_desks_own_error_and_nothing_written(
        demo_desk: Desk, ref: str, note: str) -> None:
    """Whatever is typed as the other ticket's number: linked, merged or refused, never
    another exception; refused means nothing written."""
    a = _first_two(demo_desk)
    before = _event_count(demo_desk)
    for operation in (demo_desk.link_tickets, demo_desk.merge_ticket):
        try:
            operation(a, ref, note=note)
        except HotlineError:
            assert _event_count(demo_desk) == before
        else:  # only a real other ticket's number goes through
            assert ref.strip() in _numbers(demo_desk)
            return


def _first_two(desk: Desk) -> int:
    with Session(desk.engine) as s:
        ids = s.exec(select(Ticket.id).order_by(col(Ticket.id))).all()
    if len(ids) < 2:
        ids = [fault(desk), fault(desk, number="0755-83765432")]
    assert ids[0] is not None
    return ids[0]


def _numbers(desk: Desk) -> set[str]:
    with Session(desk.engine) as s:
        return set(s.exec(select(Ticket.number)).all())


def test_a_nul_or_overlong_reference_on_postgresql_is_refused(pg_url: str,
                                                             clock: FixedClock) -> None:
    from hotline import demo

    desk = build_desk(make_settings(pg_url), clock)
    try:
        demo.load_directory(desk)
        a = fault(desk)
        for ref in ("261125-0001\x00", "9" * 300, "", "' OR 1=1 --"):
            with pytest.raises(HotlineError):
                desk.link_tickets(a, ref)
            with pytest.raises(HotlineError):
                desk.merge_ticket(a, ref)
        with pytest.raises(HotlineError):
            desk.add_call(a, number="0757\x0083301234")
        assert {k.relation for k in load_ticket(desk.engine, a, desk.now(), TZ).links} == set()
    finally:
        desk.engine.dispose()


def test_link_and_merge_from_the_command_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline import demo
    from hotline.cli.main import run
    from tests.support import START

    db = tmp_path / "cli.db"
    clock = FixedClock(START)
    desk = build_desk(make_settings(f"sqlite:///{db}"), clock)
    demo.load_directory(desk)
    a, b, c = fault(desk), fault(desk, "0755-83765432"), fault(desk, "13380012345", 2)
    na, nb, nc = number_of(desk, a), number_of(desk, b), number_of(desk, c)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run(["--db", str(db), "ticket", "link", na, nb, "--note", "one outage"],
               clock=clock) == 0
    assert f"Tickets {na} and {nb} linked." in capsys.readouterr().out
    assert run(["--db", str(db), "ticket", "merge", nc, "--into", na], clock=clock) == 0
    assert f"{nc} merged into {na}." in capsys.readouterr().out
    assert run(["--db", str(db), "ticket", "merge", nc, "--into", na], clock=clock) == 1
    assert f"was merged into {na}" in capsys.readouterr().err
    assert run(["--db", str(db), "ticket", "link", na, "nope"], clock=clock) == 1
    assert "There is no ticket nope" in capsys.readouterr().err
    assert run(["--db", str(db), "audit", nc], clock=clock) == 0
    assert f"Closed as a duplicate — merged into {na}" in capsys.readouterr().out
    desk.engine.dispose()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ref=st.one_of(st.text(), st.text(alphabet="0123456789²٢", min_size=1, max_size=6000)))
@example(ref="9" * 5000)
@example(ref="²")
@example(ref="261125-0001\x00")
@example(ref="\ud800")
def test_finding_a_ticket_by_any_reference_says_no_in_words(demo_desk: Desk, ref: str) -> None:
    """``hotline audit``, link and merge find tickets through one function: a reference of
    5,000 digits, a superscript digit or a NUL is a refusal, never Python's own error."""
    from hotline.views.ticket import find_ticket_id

    try:
        found = find_ticket_id(demo_desk.engine, ref)
    except HotlineError:
        return
    assert found is not None


def test_a_hostile_reference_on_postgresql_is_refused_by_the_desk(pg_url: str,
                                                                 clock: FixedClock) -> None:
    from hotline.views.ticket import find_ticket_id

    desk = build_desk(make_settings(pg_url), clock)
    try:
        for ref in ("9" * 5000, "²", "261125-0001\x00", "\ud800"):
            with pytest.raises(HotlineError):
                find_ticket_id(desk.engine, ref)
    finally:
        desk.engine.dispose()
