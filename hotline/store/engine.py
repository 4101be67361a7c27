"""Database engines and units of work.

SQLite (the default, one file in the user's data folder) runs in WAL mode
with a busy timeout so that several processes on one machine can share it;
PostgreSQL (``postgresql+psycopg://…``) serves seats on several machines.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from hotline.config import DEFAULT_POOL
from hotline.errors import StorageError
from hotline.i18n import _

#: How long a write waits for another program's lock on a SQLite file before it is
#: refused ("The database is busy…; nothing was saved"). The screens run writes in
#: worker threads: the wait never holds the screen.
BUSY_TIMEOUT_MS = 10_000
#: Connections a seat may open beyond its pool at one moment (closed after use).
POOL_OVERFLOW = 10


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    return on_connect


def _set_wal(engine: Engine) -> None:
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar()
        if mode and str(mode).lower() not in ("wal", "memory"):
            raise StorageError(
                _("The database {url} cannot use write-ahead logging (journal mode {mode}).")
                .format(url=engine.url, mode=mode))


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, pool: int = DEFAULT_POOL,
                pooler: bool = False) -> Engine:
    """Build an engine for ``url``; for a SQLite file, create its folder and check it opens.

    ``busy_timeout_ms``: how long a SQLite write waits for another program's lock.
    ``pool``: PostgreSQL connections kept open between uses; more are opened while
    several threads of the seat read or write at once, and closed when they are done
    (the server's ``max_connections`` is shared by every seat). ``pooler``: the URL leads
    to a pooler in transaction mode (PgBouncer): statements are never prepared on the
    server, since the next transaction may run on another server connection.
    Raises :class:`StorageError` with a message naming the path and the cause.
    """
    # every event written through any engine is linked into the audit chain as it is
    # flushed (the hook is registered when that module is first imported)
    import hotline.store.audit_chain  # noqa: F401

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
        sa.event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        try:
            _set_wal(engine)
        except sa.exc.OperationalError as exc:
            raise StorageError(describe_sqlite_error(database, exc)) from exc
        except sa.exc.DatabaseError as exc:
            raise StorageError(describe_sqlite_error(database, exc)) from exc
        return engine
    try:
        connect_args: dict[str, Any] = {"prepare_threshold": None} if pooler else {}
        engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=max(1, pool),
                                  max_overflow=POOL_OVERFLOW, connect_args=connect_args)
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


def describe_sqlite_error(database: str, exc: sa.exc.DBAPIError) -> str:
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


