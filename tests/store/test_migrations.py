"""Migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import hotline.store.models  # noqa: F401
from hotline.store.engine import make_engine
from hotline.store.schema import alembic_config, current_revisions, head_revisions, upgrade


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    return list(diff)


def test_sqlite_schema_matches_the_models() -> None:
    assert _diff("sqlite://") == []


def test_postgresql_schema_matches_the_models(pg_url: str) -> None:
    assert _diff(pg_url) == []


def test_upgrade_is_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert upgrade(engine) is True
    assert upgrade(engine) is False
    assert current_revisions(engine) == head_revisions(engine)


def test_the_start_up_check_knows_the_same_heads_as_the_migration_tool() -> None:
    from alembic.script import ScriptDirectory

    engine = make_engine("sqlite://")
    tool = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    assert head_revisions() == tool
