"""Noticing other seats' commits cheaply (see :class:`ChangeWatcher`)."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hotline.errors import StorageError

#: ``listen_url`` of a watcher that never listens: it polls (a pooler in transaction
#: mode cannot carry ``LISTEN``).
POLL = "poll"


class Listener:
    """One ``LISTEN`` connection shared by every watcher of a process on one database.

    Each notification drained from the socket adds one to :attr:`count`; a watcher
    remembers the count it last saw. Several seats in one process (or the dashboard
    and the directory screen of one seat) thus hold one listening connection, not
    one each. Thread-safe; a broken listener stays broken (:attr:`broken`) and is
    replaced by the next :func:`shared_listener` call.
    """

    #: Seconds between round trips on the listening connection (finds a dead link).
    probe_s = 30.0

    def __init__(self, url: str) -> None:
        self.url = url
        self.count = 0
        self.broken = False
        self.users = 0
        self._lock = threading.Lock()
        self._conn: Any = None
        self._next_probe = 0.0

    def start(self) -> None:
        import psycopg
        from psycopg import sql

        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
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
        self._conn = conn
        self._next_probe = time.monotonic() + self.probe_s

    @property
    def backend_pid(self) -> int | None:
        conn = self._conn
        return None if conn is None else int(conn.info.backend_pid)

    def poll(self, now: float) -> int:
        """Drain what arrived (never waits) and return :attr:`count`; raises if the link
        is gone (and the listener is then broken for every watcher)."""
        with self._lock:
            if self.broken or self._conn is None:
                raise StorageError("the listening connection is closed")
            try:
                conn = self._conn
                if now >= self._next_probe:
                    conn.execute("SELECT 1")
                    self._next_probe = now + self.probe_s
                pgconn = conn.pgconn
                pgconn.consume_input()
                while pgconn.notifies() is not None:
                    self.count += 1
                if conn.closed or pgconn.status != 0:  # 0 = CONNECTION_OK
                    raise StorageError("the listening connection is closed")
            except BaseException:
                self._break()
            else:
                return self.count
        _forget(self)  # outside the lock: release() takes the registry's lock first
        raise StorageError("the listening connection is closed")

    def _break(self) -> None:
        """Close the connection (with :attr:`_lock` held)."""
        self.broken = True
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken link may fail too
                conn.close()

    def release(self) -> None:
        """One watcher less; the last one closes the connection."""
        with _REGISTRY_LOCK, self._lock:
            self.users -= 1
            if self.users <= 0:
                self._break()
                _forget(self)


_REGISTRY: dict[str, Listener] = {}
_REGISTRY_LOCK = threading.RLock()


def _forget(listener: Listener) -> None:
    with _REGISTRY_LOCK:
        if _REGISTRY.get(listener.url) is listener:
            del _REGISTRY[listener.url]


def shared_listener(url: str) -> Listener:
    """The process's listener on ``url`` (a libpq URL), started if there is none yet;
    the caller owns one use of it (give it back with :meth:`Listener.release`)."""
    with _REGISTRY_LOCK:
        listener = _REGISTRY.get(url)
        if listener is None or listener.broken:
            listener = Listener(url)
            listener.start()
            _REGISTRY[url] = listener
        listener.users += 1
        return listener


def listen_url_of(engine: Engine, listen_url: str | None) -> str | None:
    """The libpq URL to listen on (None: poll): the engine's own, or ``listen_url``."""
    if listen_url == POLL:
        return None
    url = engine.url if not listen_url else sa.engine.make_url(listen_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeWatcher:
    """Tells cheaply whether anyone (any process, any machine) committed since the last look.

    SQLite: ``PRAGMA data_version`` on a connection of its own — it changes
    when another connection commits. PostgreSQL: ``LISTEN`` on the channel
    that the ``event`` and ``pbx_feed`` triggers notify when a transaction
    commits (migration 0006), on one connection per process and database
    (:class:`Listener`, shared by every watcher there); checking for a
    notification reads the socket without blocking. If that connection is
    lost, the watcher polls (the newest event id and feed heartbeat, on a
    connection borrowed from the engine's pool for the look) and tries to
    listen again every :attr:`relisten_s` seconds. Whenever it cannot tell (an
    error, a reconnection), it says "changed": a reload too many is harmless,
    a missed one is not.

    ``listen_url``: where to listen (None: the engine's database; a pooler in
    transaction mode in front of the engine needs the server's own address
    here), or :data:`POLL` to never listen and look every time instead.
    """

    #: Seconds between attempts to listen again after the connection was lost.
    relisten_s = 5.0

    def __init__(self, engine: Engine, *, listen_url: str | None = None) -> None:
        self._engine = engine
        self._conn: sa.Connection | None = None
        self._last: Any = None
        self._listen: Listener | None = None
        self._seen = 0
        self._next_listen = 0.0
        self._postgres = engine.dialect.name == "postgresql"
        self._listen_url = listen_url_of(engine, listen_url) if self._postgres else None

    @property
    def listening(self) -> bool:
        """True while PostgreSQL notifications arrive (False: polling, or SQLite)."""
        return self._listen is not None

    @property
    def listener(self) -> Listener | None:
        return self._listen

    def _value(self) -> Any:
        if self._engine.dialect.name == "sqlite":
            # the counter belongs to the connection: the same one, every time
            if self._conn is None:
                self._conn = self._engine.connect()
            return self._conn.exec_driver_sql("PRAGMA data_version").scalar()
        # borrowed for the look only: a seat keeps no connection of its own for this
        with self._engine.connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT (SELECT max(id) FROM event), (SELECT max(heartbeat_at) FROM pbx_feed)"
            ).one()
            conn.commit()
        return tuple(value)

    def changed(self) -> bool:
        if self._listen_url is not None:
            now = time.monotonic()
            if self._listen is None and now >= self._next_listen:
                try:
                    self._listen = shared_listener(self._listen_url)
                    self._seen = self._listen.poll(now)
                except Exception:  # the server is away: poll, try again later
                    self._stop_listening()
                    self._next_listen = now + self.relisten_s
                else:
                    return True  # while nobody listened, anything may have happened
            if self._listen is not None:
                try:
                    count = self._listen.poll(now)
                except Exception:
                    self._stop_listening()
                    self._next_listen = now + self.relisten_s
                    return True
                got, self._seen = count != self._seen, count
                return got
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

    def _stop_listening(self) -> None:
        listener, self._listen = self._listen, None
        if listener is not None:
            listener.release()

    def close_poller(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        self._stop_listening()
        self.close_poller()
