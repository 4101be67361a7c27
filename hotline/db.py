"""Database engine, migrations and the change watcher.

SQLite (the default, one file in the user's data folder) runs in WAL mode
with a busy timeout so that several processes on one machine can share it;
PostgreSQL (``postgresql+psycopg://…``) serves seats on several machines.
Migrations (Alembic, in ``hotline/migrations``) are applied on every start.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from hotline.errors import StorageError
from hotline.i18n import _

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _set_wal(engine: Engine) -> None:
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar()
        if mode and str(mode).lower() not in ("wal", "memory"):
            raise StorageError(
                _("The database {url} cannot use write-ahead logging (journal mode {mode}).")
                .format(url=engine.url, mode=mode))


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``; for a SQLite file, create its folder and check it opens.

    Raises :class:`StorageError` with a message naming the path and the cause.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StorageError(_("{url!r} is not a database URL.").format(url=url)) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:")
        uri = str(parsed.query.get("uri", "")).lower() == "true"
        if not in_memory and not uri:
            path = Path(database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(_("Cannot create the folder {path}: {error}.").format(
                    path=path.parent, error=exc.strerror or exc)) from exc
            if path.is_dir():
                raise StorageError(_("{path} is a folder, not a database file.").format(path=path))
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if in_memory:
            kwargs["poolclass"] = StaticPool
        engine = sa.create_engine(parsed, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        try:
            _set_wal(engine)
        except sa.exc.OperationalError as exc:
            raise StorageError(_describe_sqlite_error(database, exc)) from exc
        except sa.exc.DatabaseError as exc:
            raise StorageError(_describe_sqlite_error(database, exc)) from exc
        return engine
    try:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
        with engine.connect():
            pass
    except sa.exc.NoSuchModuleError as exc:
        raise StorageError(_("Unsupported database URL {url}: use sqlite:///FILE or "
                             "postgresql+psycopg://…").format(url=url)) from exc
    except sa.exc.OperationalError as exc:
        raise StorageError(_("Cannot connect to the database {url}: {error}").format(
            url=parsed.render_as_string(hide_password=True),
            error=str(exc.orig).strip().splitlines()[0] if exc.orig else exc)) from exc
    return engine


def _describe_sqlite_error(database: str, exc: sa.exc.DBAPIError) -> str:
    orig = exc.orig
    text = str(orig) if orig is not None else str(exc)
    if isinstance(orig, sqlite3.DatabaseError) and "not a database" in text:
        return _("{path} is not a hotline database, or it is damaged ({error}). "
                 "Move it aside or choose another file with --db.").format(
                     path=database, error=text)
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return _("Cannot open or write the database {path}: {error}. Check the folder's "
                 "permissions or choose another file with --db.").format(path=database, error=text)
    return _("The database {path} cannot be used: {error}.").format(path=database, error=text)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revisions(engine: Engine) -> set[str]:
    """The schema versions recorded in the database (empty for a new database)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return {str(v) for v in conn.exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalars()}


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def head_revisions(engine: Engine | None = None) -> set[str]:
    """The newest schema versions this program knows, read from the migration files.

    Read without loading the migration tool, which start-up only needs when
    the database is behind.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = _REVISION.search(text)
        down = _DOWN.search(text)
        if rev is None or down is None:
            continue
        revisions.add(rev.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


def current_revision(engine: Engine) -> str | None:
    """The schema version(s) of the database, as one string (None when empty)."""
    revs = current_revisions(engine)
    return ",".join(sorted(revs)) if revs else None


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest version; returns True if anything was applied."""
    if current_revisions(engine) == head_revisions(engine):
        return False
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "heads")
    except sa.exc.OperationalError as exc:
        raise StorageError(_("Cannot update the database schema: {error}").format(
            error=str(exc.orig or exc).strip())) from exc
    except sa.exc.DatabaseError as exc:
        raise StorageError(_describe_sqlite_error(str(engine.url.database), exc)) from exc
    return True


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    A database that refuses the work (read-only, locked too long, gone, full)
    raises :class:`StorageError` saying so; nothing of the unit is kept.
    Integrity errors pass through: callers use them to detect races.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            raise
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            session.rollback()
            raise StorageError(storage_message(exc)) from exc
        except BaseException:
            session.rollback()
            raise


def storage_message(exc: sa.exc.DBAPIError) -> str:
    """A person's explanation of a database refusal; always says nothing was saved."""
    text = str(exc.orig or exc).strip().splitlines()[0]
    if "locked" in text or "busy" in text:
        return _("The database is busy (another program holds it); nothing was saved. "
                 "Try again in a moment.")
    if "readonly" in text or "read-only" in text:
        return _("The database is read-only here; nothing was saved ({error}).").format(
            error=text)
    return _("The database refused the change; nothing was saved ({error}).").format(
        error=text)


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
