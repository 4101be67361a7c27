"""Noticing other seats' commits cheaply (see :class:`ChangeWatcher`)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hotline.errors import StorageError


class ChangeWatcher:
    """Tells cheaply whether anyone (any process, any machine) committed since the last look.

    SQLite: ``PRAGMA data_version`` on a connection of its own — it changes
    when another connection commits. PostgreSQL: ``LISTEN`` on a connection
    of its own, on the channel that the ``event`` and ``pbx_feed`` triggers
    notify when a transaction commits (migration 0006); checking for a
    notification reads the socket without blocking. If that connection is
    lost, the watcher polls (the newest event id and feed heartbeat) and
    tries to listen again every :attr:`relisten_s` seconds. Whenever it cannot
    tell (an error, a reconnection), it says "changed": a reload too many is
    harmless, a missed one is not.
    """

    #: Seconds between attempts to listen again after the connection was lost.
    relisten_s = 5.0
    #: Seconds between round trips on the listening connection (finds a dead link).
    probe_s = 30.0

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: sa.Connection | None = None
        self._last: Any = None
        self._listen: Any = None  # a psycopg connection, on PostgreSQL
        self._next_listen = 0.0
        self._next_probe = 0.0
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def listening(self) -> bool:
        """True while PostgreSQL notifications arrive (False: polling, or SQLite)."""
        return self._listen is not None

    def _value(self) -> Any:
        if self._conn is None:
            self._conn = self._engine.connect()
        if self._engine.dialect.name == "sqlite":
            return self._conn.exec_driver_sql("PRAGMA data_version").scalar()
        value = self._conn.exec_driver_sql(
            "SELECT (SELECT max(id) FROM event), (SELECT max(heartbeat_at) FROM pbx_feed)"
        ).one()
        self._conn.commit()
        return tuple(value)

    def changed(self) -> bool:
        if self._postgres:
            now = time.monotonic()
            if self._listen is None and now >= self._next_listen:
                try:
                    self._start_listening()
                except Exception:  # the server is away: poll, try again later
                    self._stop_listening()
                    self._next_listen = now + self.relisten_s
                else:
                    return True  # while nobody listened, anything may have happened
            if self._listen is not None:
                try:
                    return self._notified(now)
                except Exception:
                    self._stop_listening()
                    self._next_listen = now + self.relisten_s
                    return True
        return self._polled()

    def _polled(self) -> bool:
        try:
            value = self._value()
        except sa.exc.DBAPIError:
            self.close_poller()
            return True
        if value != self._last:
            self._last = value
            return True
        return False

    def _start_listening(self) -> None:
        import psycopg
        from psycopg import sql

        url = self._engine.url.set(drivername="postgresql")
        conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                               connect_timeout=5)
        try:
            schema = conn.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = 'event'::regclass").fetchone()
            if schema is None:
                raise StorageError("no event table")
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(f"hotline_{schema[0]}")))
        except BaseException:
            conn.close()
            raise
        self._listen = conn
        self._next_probe = time.monotonic() + self.probe_s

    def _notified(self, now: float) -> bool:
        """Whether a notification arrived; never waits. Raises if the link is gone."""
        conn = self._listen
        assert conn is not None
        if now >= self._next_probe:
            conn.execute("SELECT 1")
            self._next_probe = now + self.probe_s
        pgconn = conn.pgconn
        pgconn.consume_input()
        got = False
        while pgconn.notifies() is not None:
            got = True
        if conn.closed or pgconn.status != 0:  # 0 = CONNECTION_OK
            raise StorageError("the listening connection is closed")
        return got

    def _stop_listening(self) -> None:
        conn, self._listen = self._listen, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken link may fail too
                conn.close()

    def close_poller(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        self._stop_listening()
        self.close_poller()
