"""Escalation and penalty keys in one format, and databases keyed the old way carried over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.store.engine import session_scope
from hotline.store.models import Escalation, Penalty, Ticket
from hotline.store.schema import alembic_config, upgrade
from tests.support import build_desk, make_settings


def _breached_fault(desk: Desk, clock: FixedClock) -> int:
    """A level-1 fault left alone for a day: warnings, breaches, level upgrades, penalties."""
    from hotline import demo

    demo.load_directory(desk)
    ticket = desk.log_call(Intake(number="13902251234", kind="fault", level=1,
                                  description="transmission down"))
    desk.ring("13800138000")
    clock.advance(timedelta(hours=26))
    while desk.evaluate():
        pass
    return ticket


def _keys(desk: Desk) -> tuple[list[str], list[str]]:
    with Session(desk.engine) as s:
        return (sorted(s.exec(select(Escalation.key)).all()),
                sorted(s.exec(select(Penalty.key)).all()))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def test_every_key_names_its_ticket_or_call(desk: Desk, clock: FixedClock) -> None:
    ticket = _breached_fault(desk, clock)
    escalations, penalties = _keys(desk)
    assert escalations and penalties
    assert all(k.startswith(f"ticket:{ticket}:") or k.startswith("call:")
               for k in escalations), escalations
    assert any(k.startswith("call:") and k.endswith(":answer") for k in escalations)
    assert all(k.startswith(f"ticket:{ticket}:") for k in penalties), penalties


def test_old_keys_are_rewritten_and_nothing_is_raised_twice(url: str, clock: FixedClock) -> None:
    desk = build_desk(make_settings(url), clock)
    try:
        _breached_fault(desk, clock)
        new_format = _keys(desk)
        # back to the schema before: the keys as that version wrote them
        command.downgrade(alembic_config(desk.engine), "0010_caller_calls")
        escalations, penalties = _keys(desk)
        assert any(k.startswith("t") and not k.startswith("ticket:") for k in escalations)
        assert all(not k.startswith("ticket:") for k in escalations + penalties)
        upgrade(desk.engine)
        assert _keys(desk) == new_format
        # evaluating the ticket again finds every item already raised under its new key
        with session_scope(desk.engine) as s:
            s.execute(sa.update(Ticket).values(next_check_at=clock.now()))
        assert desk.evaluate() == 1  # the ticket, evaluated: nothing raised
        assert _keys(desk) == new_format
    finally:
        desk.engine.dispose()
