"""The database schema's version: migrations (Alembic, in ``hotline/store/migrations``).

Applied on every start; ``hotline db upgrade`` applies them without opening the desk.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hotline.errors import StorageError
from hotline.i18n import _
from hotline.store.engine import describe_sqlite_error

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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


def may_change_schema(engine: Engine) -> bool:
    """Whether this connection's database role may migrate the schema.

    Always on SQLite. On PostgreSQL: the role owns the tables (is a member of the
    owner's role), or, in an empty schema, may create tables in it. A seat role
    (``hotline db grants``) may not: the owner runs ``hotline db upgrade``.
    """
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        owner = conn.exec_driver_sql(
            "SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c "
            "WHERE c.oid = to_regclass('alembic_version')").first()
        if owner is not None:
            return bool(owner[0])
        return bool(conn.exec_driver_sql(
            "SELECT has_schema_privilege(current_schema(), 'CREATE')").scalar())


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest version; returns True if anything was applied.

    A role that may not change the schema (a seat's, on PostgreSQL) never tries:
    it is told to have the owner run ``hotline db upgrade``.
    """
    current = current_revisions(engine)
    heads = head_revisions(engine)
    if current == heads:
        return False
    if not may_change_schema(engine):
        raise StorageError(_(
            "The database schema is at {current}; this version of hotline needs {head}. "
            "This database role may not change the schema: run hotline db upgrade as "
            "the database's owner.").format(current=",".join(sorted(current)) or _("empty"),
                                           head=",".join(sorted(heads))))
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "heads")
    except sa.exc.OperationalError as exc:
        raise StorageError(_("Cannot update the database schema: {error}").format(
            error=str(exc.orig or exc).strip())) from exc
    except sa.exc.DatabaseError as exc:
        raise StorageError(describe_sqlite_error(str(engine.url.database), exc)) from exc
    return True
