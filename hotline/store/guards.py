"""The database's own guards of the event table, checked and restored.

The desk never changes or removes an event, and the database refuses it too:

* SQLite: triggers refuse ``UPDATE`` and ``DELETE`` of an event, and an
  ``INSERT`` that would replace one (``INSERT OR REPLACE`` deletes the old row
  without firing the delete trigger) or that carries no link of the hash chain.
* PostgreSQL: a row trigger refuses ``UPDATE`` and ``DELETE``, a statement
  trigger refuses ``TRUNCATE`` (also ``TRUNCATE … CASCADE`` from another
  table), and a check refuses an event without its links. The owner of the
  tables can still disable triggers: seats connect as a role that owns nothing
  (``hotline db grants``).

A trigger dropped or disabled by hand would go unnoticed, so ``hotline db
check`` lists what is missing and ``hotline db upgrade`` puts it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from hotline.i18n import N_

_APPEND_ONLY = "events are append-only"


@dataclass(frozen=True)
class Guard:
    name: str
    #: What it refuses, in words (translated when shown).
    refuses: str
    #: The statements creating it (after dropping what stands in its place).
    create: tuple[str, ...]
    drop: tuple[str, ...]


_SQLITE = (
    Guard("event_no_update", N_("changing an event (UPDATE)"),
          ("CREATE TRIGGER event_no_update BEFORE UPDATE ON event "
           f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",),
          ("DROP TRIGGER IF EXISTS event_no_update",)),
    Guard("event_no_delete", N_("removing an event (DELETE)"),
          ("CREATE TRIGGER event_no_delete BEFORE DELETE ON event "
           f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",),
          ("DROP TRIGGER IF EXISTS event_no_delete",)),
    Guard("event_no_replace", N_("replacing an event (INSERT OR REPLACE) or adding one "
                                 "outside the chain"),
          ("CREATE TRIGGER event_no_replace BEFORE INSERT ON event "
           "WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL "
           "OR EXISTS (SELECT 1 FROM event WHERE id = NEW.id) "
           "OR EXISTS (SELECT 1 FROM event WHERE prev_hash = NEW.prev_hash) "
           f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}: an event is never replaced, "
           "and each new one links to the last'); END",),
          ("DROP TRIGGER IF EXISTS event_no_replace",)),
)

_PG_FUNCTION = ("CREATE OR REPLACE FUNCTION hotline_event_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END; $$ LANGUAGE plpgsql")

_POSTGRESQL = (
    Guard("event_append_only", N_("changing or removing an event (UPDATE, DELETE)"),
          (_PG_FUNCTION,
           "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
           "FOR EACH ROW EXECUTE FUNCTION hotline_event_append_only()"),
          ("DROP TRIGGER IF EXISTS event_append_only ON event",)),
    Guard("event_no_truncate", N_("emptying the event table (TRUNCATE)"),
          (_PG_FUNCTION,
           "CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event "
           "FOR EACH STATEMENT EXECUTE FUNCTION hotline_event_append_only()"),
          ("DROP TRIGGER IF EXISTS event_no_truncate ON event",)),
    Guard("event_linked", N_("adding an event outside the chain"),
          ("ALTER TABLE event ADD CONSTRAINT event_linked "
           "CHECK (hash IS NOT NULL AND prev_hash IS NOT NULL)",),
          ("ALTER TABLE event DROP CONSTRAINT IF EXISTS event_linked",)),
)


def guards_of(dialect: str) -> tuple[Guard, ...]:
    return _SQLITE if dialect == "sqlite" else _POSTGRESQL if dialect == "postgresql" else ()


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().lower()


def broken_guards(conn: sa.Connection) -> list[tuple[Guard, str]]:
    """The guards missing, disabled or changed, each with ``missing``, ``disabled`` or
    ``changed``."""
    name = conn.dialect.name
    out: list[tuple[Guard, str]] = []
    if name == "sqlite":
        found = {str(n): str(sql or "") for n, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'")}
        for guard in _SQLITE:
            if guard.name not in found:
                out.append((guard, "missing"))
            elif _normal(found[guard.name]) != _normal(guard.create[0]):
                out.append((guard, "changed"))
        return out
    if name != "postgresql":
        return out
    triggers = {str(n): str(e) for n, e in conn.exec_driver_sql(
        "SELECT tgname, tgenabled FROM pg_trigger "
        "WHERE tgrelid = to_regclass('event') AND NOT tgisinternal")}
    checks = {str(n) for (n,) in conn.exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass('event') "
        "AND contype = 'c' AND convalidated")}
    body = conn.exec_driver_sql(
        "SELECT prosrc FROM pg_proc WHERE proname = 'hotline_event_append_only' "
        "AND pronamespace = current_schema()::regnamespace").scalar()
    function_ok = body is not None and "raise exception" in str(body).lower()
    for guard in _POSTGRESQL:
        if guard.name == "event_linked":
            if guard.name not in checks:
                out.append((guard, "missing"))
        elif guard.name not in triggers:
            out.append((guard, "missing"))
        elif triggers[guard.name] == "D":
            out.append((guard, "disabled"))
        elif not function_ok:
            out.append((guard, "changed"))
    return out


def restore_guards(conn: sa.Connection) -> list[Guard]:
    """Put back every guard :func:`broken_guards` finds; the guards restored."""
    restored = []
    for guard, _state in broken_guards(conn):
        for sql in (*guard.drop, *guard.create):
            conn.exec_driver_sql(sql)
        restored.append(guard)
    return restored


def install_guards(conn: sa.Connection) -> None:
    """Create every guard, replacing those of the same name (the schema's migration)."""
    for guard in guards_of(conn.dialect.name):
        for sql in (*guard.drop, *guard.create):
            conn.exec_driver_sql(sql)
