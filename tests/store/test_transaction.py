"""The one write path: a change and its event commit together, or neither does."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from hotline.errors import InputError
from hotline.store.models import Engineer, Event
from hotline.store.transaction import FUTURE_TOLERANCE, transaction
from tests.support import START, TZ


def test_the_change_and_its_event_commit_together(desk) -> None:  # type: ignore[no-untyped-def]
    with transaction(desk.engine, now=START, actor="lina", tz=TZ) as tx:
        tx.session.add(Engineer(login="chenjing", name="陈静", role="engineer"))
        tx.record_event("engineer_added", tx.now, login="chenjing", name="陈静")
    with Session(desk.engine) as s:
        ev = s.exec(select(Event).where(Event.kind == "engineer_added")).one()
        assert s.exec(select(Engineer).where(Engineer.login == "chenjing")).one()
    assert (ev.actor, ev.at, ev.recorded_at) == ("lina", START, START)
    assert json.loads(ev.data) == {"login": "chenjing", "name": "陈静"}


def test_a_failure_keeps_neither(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), transaction(desk.engine, now=START, actor="lina",
                                                  tz=TZ) as tx:
        tx.session.add(Engineer(login="chenjing", name="陈静", role="engineer"))
        tx.record_event("engineer_added", tx.now, login="chenjing")
        tx.session.flush()
        raise RuntimeError("the operation failed half way")
    with Session(desk.engine) as s:
        assert s.exec(select(Event).where(Event.kind == "engineer_added")).first() is None
        assert s.exec(select(Engineer).where(Engineer.login == "chenjing")).first() is None


def test_an_event_may_name_another_actor(desk) -> None:  # type: ignore[no-untyped-def]
    with transaction(desk.engine, now=START, actor="lina", tz=TZ) as tx:
        row = tx.event_row("escalation_raised", START, actor="system", ticket_id=None)
    assert row["actor"] == "system" and row["recorded_at"] == START


def test_times_given_by_a_person_are_checked(desk) -> None:  # type: ignore[no-untyped-def]
    with transaction(desk.engine, now=START, actor="lina", tz=TZ) as tx:
        assert tx.when(None) == START
        assert tx.when(START - timedelta(minutes=5)) == START - timedelta(minutes=5)
        assert tx.when(START + FUTURE_TOLERANCE) == START + FUTURE_TOLERANCE
        with pytest.raises(InputError, match="2026-11-25 10:01:00 is in the future"):
            tx.when(START + timedelta(minutes=1))
        with pytest.raises(InputError, match=r"before the call rang \(2026-11-25 10:00:00\)"):
            tx.when(START - timedelta(seconds=1), not_before=START, what="the call rang")
