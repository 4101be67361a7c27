"""On SQLite and PostgreSQL: the migration comes and goes, and senders never share a row."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from hotline.clock import FixedClock
from hotline.desk.operations import Intake
from hotline.notify.routing import route
from hotline.notify.sender import claim, run_round
from hotline.notify.setup import load_setup
from hotline.store.schema import alembic_config, upgrade
from hotline.supervision.rota import rota_for
from tests.notify.servers import http_server
from tests.support import build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_downgrade_drops_and_upgrade_adds_the_outbox(url: str, clock: FixedClock) -> None:
    desk = build_desk(make_settings(url), clock)
    try:
        desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                             description="late"))
        assert {"outbox", "notification"} <= _tables(desk.engine)
        command.downgrade(alembic_config(desk.engine), "0013_missed_calls")
        assert not {"outbox", "notification"} & _tables(desk.engine)
        columns = {c["name"] for c in sa.inspect(desk.engine).get_columns("engineer")}
        assert "notify_email" not in columns
        upgrade(desk.engine)
        desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                             description="late again"))
        with desk.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one() == 1
    finally:
        desk.engine.dispose()


def test_senders_claiming_at_once_never_take_the_same_message(
        url: str, clock: FixedClock, tmp_path: Path) -> None:
    desk = build_desk(make_settings(url), clock)
    setup = load_setup({"channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/"}},
                        "rules": [{"to": ["desk"], "channels": ["hook"]}]})
    try:
        for i in range(30):
            desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                 description=f"late {i}"))
        assert route(desk, setup, rota_for(desk.settings)) == 30
        taken: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(4)

        def sender(owner: str) -> None:
            start.wait()
            while batch := claim(desk, setup, owner, limit=3):
                with lock:
                    taken.extend(c.id for c in batch)

        threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        counts = Counter(taken)
        assert len(counts) == 30 and set(counts.values()) == {1}
    finally:
        desk.engine.dispose()


def test_a_round_delivers_on_either_database(url: str, clock: FixedClock) -> None:
    desk = build_desk(make_settings(url), clock)
    try:
        with http_server() as (base, rec):
            setup = load_setup({"channels": {"hook": {"type": "webhook", "url": base + "/h"}},
                                "rules": [{"to": ["desk"], "channels": ["hook"]}]})
            desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                 description="late"))
            result = run_round(desk, setup, rota_for(desk.settings))
        assert (result.routed, result.sent) == (1, 1)
        assert len(rec.posts) == 1
    finally:
        desk.engine.dispose()


def test_a_message_whose_lease_ran_out_mid_batch_is_left_to_its_new_sender(
        url: str, clock: FixedClock) -> None:
    """Seat A claims two messages, sends the first for longer than the lease; seat B takes
    the second meanwhile. A's renewal before the second send fails: only B sends it."""
    from hotline.notify.routing import route
    from hotline.notify.sender import RoundResult, claim, deliver

    desk = build_desk(make_settings(url), clock)
    try:
        with http_server() as (base, rec):
            setup = load_setup({"lease": 60, "channels": {
                "a": {"type": "webhook", "url": base + "/a"},
                "b": {"type": "webhook", "url": base + "/b"}},
                "rules": [{"to": ["desk"], "channels": ["a", "b"]}]})
            desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                 description="late"))
            route(desk, setup, rota_for(desk.settings))
            first, second = claim(desk, setup, "seat-a")
            result = RoundResult()
            deliver(desk, setup, "seat-a", first, result)
            clock.advance(seconds=61)  # the first send was slow: the batch's lease ran out
            [taken] = claim(desk, setup, "seat-b")
            assert taken.id == second.id
            deliver(desk, setup, "seat-a", second, result)  # too late: not A's any more
            assert result.sent == 1
            deliver(desk, setup, "seat-b", taken, result)
            assert result.sent == 2
        assert sorted(p.path for p in rec.posts) == ["/a", "/b"]
    finally:
        desk.engine.dispose()
