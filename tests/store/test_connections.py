"""How many connections a seat holds on PostgreSQL, and the settings for a pooler."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.clock import FixedClock
from hotline.config import DEFAULT_POOL, load_settings
from hotline.errors import ConfigError
from hotline.store.changes import POLL, ChangeWatcher, listen_url_of
from hotline.store.engine import make_engine
from hotline.store.schema import upgrade
from tests.support import build_desk, make_settings


def wait_for(check: Callable[[], bool], timeout: float = 2.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "not seen in time"
        time.sleep(0.02)


def config(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    conf = tmp_path / "c.toml"
    conf.write_text(text)
    return load_settings(config=str(conf), environ={})


def test_a_seat_keeps_one_connection_and_listens_on_the_database(tmp_path: Path) -> None:
    s = config(tmp_path, 'db = "postgresql+psycopg://desk@db/hotline"\n')
    assert (s.db_pool, s.db_pooler, s.db_listen) == (DEFAULT_POOL, False, None) == (1, False, None)
    assert s.listen_url is None


def test_behind_a_pooler_the_seat_polls_or_listens_on_the_server(tmp_path: Path) -> None:
    s = config(tmp_path, 'db = "postgresql+psycopg://desk@127.0.0.1:6432/hotline"\n'
                         "db_pooler = true\ndb_pool = 2\n")
    assert (s.db_pool, s.db_pooler, s.listen_url) == (2, True, POLL)
    s = config(tmp_path, 'db = "postgresql+psycopg://desk@127.0.0.1:6432/hotline"\n'
                         'db_pooler = true\ndb_listen = "postgresql+psycopg://desk@db:5432/hotline"\n')
    assert s.listen_url == "postgresql+psycopg://desk@db:5432/hotline"
    s = config(tmp_path, 'db_listen = "poll"\n')
    assert s.listen_url == POLL


@pytest.mark.parametrize("text", [
    "db_pool = 0\n", "db_pool = 21\n", "db_pool = true\n", 'db_pool = "2"\n',
    'db_pooler = "yes"\n', 'db_listen = "mysql://x/y"\n', "db_listen = 5\n",
    'db_listen = "sometimes"\n',
])
def test_connection_settings_are_checked(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="db_"):
        config(tmp_path, text)


def test_the_listen_url_is_the_database_s_unless_told(tmp_path: Path) -> None:
    engine = sa.create_engine("postgresql+psycopg://desk:pw@db:5432/hotline")
    assert listen_url_of(engine, None) == "postgresql://desk:pw@db:5432/hotline"
    assert listen_url_of(engine, "postgresql+psycopg://desk@server:5432/hotline") == (
        "postgresql://desk@server:5432/hotline")
    assert listen_url_of(engine, POLL) is None


# --- PostgreSQL ---------------------------------------------------------------------


def backends(admin: sa.Engine, app: str) -> int:
    with admin.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"),
            {"app": app}).scalar_one())


def named(url: str, app: str) -> str:
    return f"{url}&application_name={app}" if "?" in url else f"{url}?application_name={app}"


def test_a_busy_seat_keeps_one_connection_open(pg_url: str) -> None:
    app = f"seat-{time.monotonic_ns()}"
    engine = make_engine(named(pg_url, app))
    admin = sa.create_engine(pg_url)
    try:
        barrier = threading.Barrier(4)

        def read() -> None:
            with engine.connect() as conn:
                barrier.wait(timeout=5)
                conn.exec_driver_sql("SELECT 1")
                barrier.wait(timeout=5)

        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        barrier.wait(timeout=5)
        assert backends(admin, app) == 3  # three threads at once: three connections
        barrier.wait(timeout=5)
        for t in threads:
            t.join()
        wait_for(lambda: backends(admin, app) == 1)  # then the pool keeps one
    finally:
        engine.dispose()
        admin.dispose()


def test_through_a_pooler_nothing_is_prepared_on_the_server(pg_url: str) -> None:
    engine = make_engine(pg_url, pooler=True)
    try:
        with engine.connect() as conn:
            for _ in range(10):  # psycopg prepares a statement on its 5th run by default
                conn.exec_driver_sql("SELECT 1").scalar()
            raw = conn.connection.dbapi_connection
            assert raw is not None and raw.prepare_threshold is None  # type: ignore[attr-defined]
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements").scalar() == 0
    finally:
        engine.dispose()
    plain = make_engine(pg_url)
    try:
        with plain.connect() as conn:
            for _ in range(10):
                conn.exec_driver_sql("SELECT 1").scalar()
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements").scalar() >= 1
    finally:
        plain.dispose()


def test_the_watchers_of_one_process_share_one_listening_connection(pg_url: str,
                                                                     clock: FixedClock) -> None:
    writer = build_desk(make_settings(pg_url), clock)
    engines = [make_engine(pg_url) for _ in range(3)]
    watchers = [ChangeWatcher(e) for e in engines]
    admin = sa.create_engine(pg_url)
    try:
        for w in watchers:
            assert w.changed() is True and w.listening
            assert w.changed() is False
        listeners = {id(w.listener) for w in watchers}
        assert len(listeners) == 1
        listener = watchers[0].listener
        assert listener is not None
        with admin.connect() as conn:
            listening = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
                "AND pid = :pid"), {"pid": listener.backend_pid}).scalar_one()
        assert listening == 1
        writer.ring("13800138000", call_key="shared-1")
        for w in watchers:  # each is told once, whoever drained the socket first
            wait_for(w.changed)
            assert w.changed() is False
        watchers[0].close()
        assert watchers[1].listening and listener.backend_pid is not None
        writer.ring("13800138001", call_key="shared-2")
        wait_for(watchers[2].changed)
        wait_for(watchers[1].changed)
        # the link is cut: every watcher says "changed", polls, and listens again
        with admin.begin() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                         {"pid": listener.backend_pid})
        for w in watchers[1:]:
            w.relisten_s = 0.1
            wait_for(w.changed)
            assert not w.listening
        time.sleep(0.15)
        for w in watchers[1:]:
            w.changed()
            assert w.listening
        assert watchers[1].listener is watchers[2].listener is not listener
        for w in watchers[1:]:
            w.close()
        assert watchers[1].listener is None
    finally:
        for w in watchers:
            w.close()
        for e in engines:
            e.dispose()
        writer.engine.dispose()
        admin.dispose()


def test_a_polling_watcher_holds_no_connection_between_looks(pg_url: str,
                                                              clock: FixedClock) -> None:
    writer = build_desk(make_settings(pg_url), clock)
    engine = make_engine(pg_url)
    watcher = ChangeWatcher(engine, listen_url=POLL)
    try:
        assert watcher.changed() is True
        assert not watcher.listening
        assert watcher.changed() is False
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        writer.ring("13800138000", call_key="poll-1")
        assert watcher.changed() is True
        assert watcher.changed() is False
        assert not watcher.listening
    finally:
        watcher.close()
        engine.dispose()
        writer.engine.dispose()


def test_a_seat_behind_a_pooler_polls_and_one_told_where_listens(pg_url: str,
                                                                 clock: FixedClock) -> None:
    behind = build_desk(make_settings(pg_url, db_pooler=True), clock)
    told = build_desk(make_settings(pg_url, db_pooler=True, db_listen=pg_url), clock)
    try:
        polling, listening = behind.watch_changes(), told.watch_changes()
        for w in (polling, listening):
            w.changed()
        assert not polling.listening and listening.listening
        polling.close()
        listening.close()
    finally:
        behind.engine.dispose()
        told.engine.dispose()


def test_the_pool_setting_reaches_the_engine(pg_url: str, clock: FixedClock,
                                            tmp_path: Path) -> None:
    from hotline.desk.operations import open_desk

    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    desk = open_desk(make_settings(pg_url, db_pool=3), clock, migrate=False)
    try:
        assert desk.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        desk.engine.dispose()
