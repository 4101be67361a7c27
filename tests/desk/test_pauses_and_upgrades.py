"""Pauses and level upgrades on the desk, stored on SQLite and PostgreSQL (issue 16, item 4).

The demo directory's contracts: 0757-83301234 is Guangdong transmission (Foshan),
020-87651234 fire maintenance, 020-38881234 the standard policy, grade A.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.errors import InputError
from hotline.store.models import Escalation, Event, SlaClock, Ticket
from tests.support import TEST_ROLE, TZ, backend_url, build_desk, give_role, make_settings

GUANGDONG = "0757-83301234"
FIRE = "020-87651234"
STANDARD_A = "020-38881234"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Desk]:
    from hotline import demo

    url = backend_url(request, tmp_path)
    d = build_desk(make_settings(url), clock)
    demo.load_directory(d)
    demo.give_demo_secrets(d)
    give_role(d, d.actor, TEST_ROLE)
    yield d
    d.engine.dispose()


def open_ticket(desk: Desk, number: str, kind: str = "fault", level: int | None = 1) -> int:
    return desk.log_call(Intake(number=number, kind=kind, level=level,
                                description="光路中断 optical path down"))


def clocks(desk: Desk, ticket_id: int) -> dict[str, SlaClock]:
    with Session(desk.engine) as s:
        return {c.key: c for c in s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id))}


def same(a: datetime | None, b: datetime) -> bool:
    return a is not None and a.astimezone(TZ) == b


@pytest.mark.parametrize("number", [GUANGDONG, FIRE])
def test_pausing_is_refused_where_the_contract_gives_no_such_right(desk: Desk, number: str
                                                                   ) -> None:
    t = open_ticket(desk, number)
    with Session(desk.engine) as s:
        before = s.get(Ticket, t)
        assert before is not None
        version, policy = before.version, before.policy
    with pytest.raises(InputError) as refused:
        desk.record(t, "clock_paused", StepInput(text="customer site closed"))
    words = str(refused.value)
    assert desk.why_not(t, "clock_paused") == words
    assert f"Policy {policy} gives no right to pause these clocks" in words
    assert "Nothing was saved" in words
    if number == GUANGDONG:                              # level 1, remote: restore runs
        assert "these clocks (Restore service): its contract counts them" in words
    with Session(desk.engine) as s:
        after = s.get(Ticket, t)
        assert after is not None and after.version == version
        assert s.exec(select(Event).where(Event.ticket_id == t,
                                          Event.kind == "clock_paused")).first() is None


def test_pausing_a_standard_fault_is_accepted(desk: Desk, clock: FixedClock) -> None:
    t = open_ticket(desk, STANDARD_A)                    # A level 1: restore 4 h
    clock.advance(minutes=30)
    assert desk.why_not(t, "clock_paused") is None
    desk.record(t, "clock_paused", StepInput(text="customer holds the site"))
    clock.advance(hours=2)
    desk.record(t, "clock_resumed")
    restore = clocks(desk, t)["restore"]
    assert restore.paused_s == 2 * 3600
    assert same(restore.due_at, at("2026-11-25T16:00"))  # 10:00 + 4 h + 2 h


def test_a_pause_on_a_working_day_clock_counts_working_days_only(desk: Desk,
                                                                  clock: FixedClock) -> None:
    """A consultation (1 working day) opened Wed 09-30 10:00 is due 24:00 Thu 10-08;
    paused 09-30 16:00 → 10-08 09:00, only 8 h + 9 h count: due 10-09 17:00."""
    clock.set(at("2026-09-30T10:00"))
    t = open_ticket(desk, STANDARD_A, kind="consultation", level=None)
    assert same(clocks(desk, t)["consultation_reply"].due_at, at("2026-10-09T00:00"))
    clock.set(at("2026-09-30T16:00"))
    desk.record(t, "clock_paused", StepInput(text="waiting for the customer's logs"))
    assert clocks(desk, t)["consultation_reply"].state == "paused"
    clock.set(at("2026-10-08T09:00"))
    desk.record(t, "clock_resumed")
    reply = clocks(desk, t)["consultation_reply"]
    assert reply.state == "running"
    assert same(reply.due_at, at("2026-10-09T17:00"))
    assert reply.paused_s == (7 * 24 + 17) * 3600       # the wall-clock time it stood still


def test_guangdong_upgrade_keeps_a_late_departure(desk: Desk, clock: FixedClock) -> None:
    """Level 1 on site in Foshan: nobody departs within 1 h (breached 11:00); reclassified
    to level 2 at 11:30 (resolve 7 days); resolve missed 12-02 11:30 → level 1 again. The
    departure keeps its breach and due time; restore gets level 1's 6 h from the upgrade."""
    t = open_ticket(desk, GUANGDONG)
    clock.advance(minutes=10)
    desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    clock.set(at("2026-11-25T11:30"))
    desk.record(t, "level_set", StepInput(level=2, text="only a protection path is down"))
    clock.set(at("2026-12-02T12:00"))
    desk.evaluate()
    with Session(desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.level == 1
        ups = s.exec(select(Escalation).where(Escalation.ticket_id == t,
                                              Escalation.kind == "level_up")).all()
        assert [(e.from_level, e.to_level) for e in ups] == [(2, 1)]
        assert same(ups[0].raised_at, at("2026-12-02T11:30"))
    rows = clocks(desk, t)
    depart = rows["depart"]
    assert same(depart.due_at, at("2026-11-25T11:00"))
    assert same(depart.breached_at, at("2026-11-25T11:00"))
    assert depart.level == 1
    resolve = rows["resolve"]
    assert same(resolve.due_at, at("2026-12-02T11:30")) and resolve.level == 2
    restore = rows["restore"]
    assert same(restore.due_at, at("2026-12-02T17:30")) and restore.breached_at is None
    with Session(desk.engine) as s:
        breaches = s.exec(select(Escalation).where(Escalation.ticket_id == t,
                                                   Escalation.kind == "breach")).all()
        # depart once (11-25), resolve once (12-02): no second depart breach after the upgrade
        assert sorted(e.reason for e in breaches) == ["depart", "resolve"]


def test_standard_upgrades_re_time_only_running_clocks(desk: Desk, clock: FixedClock) -> None:
    """Standard A level 3, opened Wed 11-25 10:00: on-site arrival (1 working day from the
    10:30 dispatch) breached 24:00 Thu; restore (3 d) missed Sat 11-28 10:00 → level 2,
    resolve re-timed 3 d → Tue 12-01 10:00; missed → level 1, supervisor alerted."""
    t = open_ticket(desk, STANDARD_A, level=3)
    clock.advance(minutes=30)
    desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    clock.set(at("2026-11-28T10:30"))
    desk.evaluate()
    rows = clocks(desk, t)
    assert same(rows["onsite_arrival"].due_at, at("2026-11-27T00:00"))
    assert same(rows["onsite_arrival"].breached_at, at("2026-11-27T00:00"))
    assert rows["onsite_arrival"].level == 3
    assert same(rows["restore"].due_at, at("2026-11-28T10:00")) and rows["restore"].level == 3
    assert same(rows["resolve"].due_at, at("2026-12-01T10:00")) and rows["resolve"].level == 2
    clock.set(at("2026-12-01T10:10"))
    desk.evaluate()
    with Session(desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.level == 1
        tiers = s.exec(select(Escalation).where(Escalation.ticket_id == t,
                                                Escalation.kind == "tier")
                       .order_by(col(Escalation.id))).all()
        assert [(e.tier, e.reason) for e in tiers] == [("supervisor", "restore"),
                                                       ("supervisor", "resolve")]
        assert all(same(e.raised_at, at("2026-12-01T10:00")) for e in tiers)
        changes = s.exec(select(Event).where(Event.ticket_id == t,
                                             Event.kind == "level_changed")).all()
        assert [json.loads(e.data)["to_level"] for e in changes][-1] == 1
    rows = clocks(desk, t)
    assert same(rows["onsite_arrival"].due_at, at("2026-11-27T00:00"))
    assert same(rows["restore"].due_at, at("2026-11-28T10:00"))
