"""Acknowledged but not followed up: told again once per interval until a step or closing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.demo import DEMO_SECRET
from hotline.desk.operations import Desk, Intake
from hotline.errors import ConfigError
from hotline.notify.sender import run_round
from hotline.notify.setup import NotifySetup, load_setup
from hotline.store.models import Escalation, Event, OutboxItem
from hotline.supervision.escalation_queue import history
from hotline.supervision.rota import rota_for
from tests.notify.servers import Recorder, http_server
from tests.support import build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def follow_ups(desk: Desk) -> list[OutboxItem]:
    with Session(desk.engine) as s:
        return list(s.exec(select(OutboxItem).where(OutboxItem.kind == "follow_up")
                           .order_by(col(OutboxItem.id))).all())


def acknowledged_complaint(desk: Desk, clock: FixedClock) -> tuple[int, int]:
    ticket = desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                  description="engineer never came"))
    clock.advance(minutes=1)
    with Session(desk.engine) as s:
        [esc] = s.exec(select(Escalation).where(Escalation.ticket_id == ticket)).all()
    assert esc.id is not None
    desk.acknowledge(esc.id)
    return ticket, esc.id


def make(base: str) -> NotifySetup:
    return load_setup({"follow_up": 1800, "channels": {"hook": {"type": "webhook",
                                                                "url": base + "/h"}},
                       "rules": [{"events": ["follow_up"], "to": ["desk"],
                                  "channels": ["hook"]}]})


def texts(rec: Recorder) -> list[str]:
    return [str(p.json["text"]) for p in rec.posts]


def test_an_acknowledged_complaint_is_told_again_each_interval_until_a_step(
        url: str, clock: FixedClock) -> None:
    desk = build_desk(make_settings(url), clock)
    try:
        from hotline import demo

        demo.load_directory(desk)
        demo.give_demo_secrets(desk)
        desk.sign_in("wangqiang", demo.DEMO_SECRET)
        with http_server() as (base, rec):
            setup, rota = make(base), rota_for(desk.settings)
            ticket, esc_id = acknowledged_complaint(desk, clock)
            clock.advance(minutes=29)
            run_round(desk, setup, rota)
            assert follow_ups(desk) == [] and rec.posts == []
            clock.advance(minutes=2)  # 31 minutes since acknowledged
            assert run_round(desk, setup, rota).sent == 1
            run_round(desk, setup, rota)  # once per interval, however often it runs
            assert len(rec.posts) == 1
            assert "Acknowledged by wangqiang but not followed up for 30 minutes" in (
                texts(rec)[0])
            clock.advance(minutes=30)
            assert run_round(desk, setup, rota).sent == 1  # the second interval
            assert [i.key for i in follow_ups(desk)] == [
                f"escalation:{esc_id}:followup:1", f"escalation:{esc_id}:followup:2"]
            desk.promise_callback(ticket)  # a step by a person: followed up
            clock.advance(minutes=60)
            assert run_round(desk, setup, rota).sent == 0
            assert len(rec.posts) == 2
        story = [h.text for h in history(desk.engine, esc_id)]
        assert "not followed up for 30 minutes since acknowledged: told again" in story
        with Session(desk.engine) as s:
            events = s.exec(select(Event).where(
                Event.kind == "escalation_not_followed_up")).all()
        assert len(events) == 2 and all(e.ticket_id == ticket for e in events)
    finally:
        desk.engine.dispose()


def test_a_step_before_the_interval_ends_means_nothing_is_told(
        demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.sign_in("wangqiang", DEMO_SECRET)
    with http_server() as (base, rec):
        setup, rota = make(base), rota_for(demo_desk.settings)
        ticket, _esc = acknowledged_complaint(demo_desk, clock)
        clock.advance(minutes=5)
        demo_desk.promise_callback(ticket)
        clock.advance(minutes=60)
        run_round(demo_desk, setup, rota)
    assert follow_ups(demo_desk) == [] and rec.posts == []


def test_without_follow_up_nothing_is_told_again(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.sign_in("wangqiang", DEMO_SECRET)
    with http_server() as (base, _rec):
        setup = load_setup({"channels": {"hook": {"type": "webhook", "url": base + "/h"}},
                            "rules": [{"to": ["desk"], "channels": ["hook"]}]})
        acknowledged_complaint(demo_desk, clock)
        clock.advance(hours=5)
        run_round(demo_desk, setup, rota_for(demo_desk.settings))
    assert follow_ups(demo_desk) == []


@pytest.mark.parametrize("bad", [0, -5, True, "30m", 10 ** 9])
def test_a_bad_follow_up_is_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="follow_up must be a number of seconds"):
        load_setup({"follow_up": bad})


def test_a_ticket_is_followed_from_its_latest_acknowledgment_only(
        demo_desk: Desk, clock: FixedClock) -> None:
    """Two escalations of one ticket acknowledged at different times: one re-alert, timed
    from the later acknowledgment."""
    demo_desk.sign_in("wangqiang", DEMO_SECRET)
    with http_server() as (base, rec):
        setup, rota = make(base), rota_for(demo_desk.settings)
        ticket, first = acknowledged_complaint(demo_desk, clock)
        clock.advance(minutes=20)
        with Session(demo_desk.engine) as s:
            esc = s.get(Escalation, first)
            assert esc is not None
            second = Escalation(key="test:second", kind="breach", ticket_id=ticket,
                                raised_at=clock.now())
            s.add(second)
            s.commit()
            assert second.id is not None
            second_id = second.id
        demo_desk.acknowledge(second_id)
        clock.advance(minutes=15)  # 35 min after the first, 15 after the second
        run_round(demo_desk, setup, rota)
        assert follow_ups(demo_desk) == [] and rec.posts == []
        clock.advance(minutes=16)
        run_round(demo_desk, setup, rota)
    assert [i.key for i in follow_ups(demo_desk)] == [f"escalation:{second_id}:followup:1"]
    assert len(rec.posts) == 1
