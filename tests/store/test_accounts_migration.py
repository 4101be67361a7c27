"""0015_accounts: up and down on SQLite and PostgreSQL, keeping the engineers."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from hotline.store.engine import make_engine
from hotline.store.schema import alembic_config, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_accounts_migration_up_and_down(url: str) -> None:
    engine = make_engine(url)
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0013_missed_calls")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO engineer (login, name, role, active) "
                             "VALUES ('lina', '李娜', 'engineer', true)"))
    command.upgrade(cfg, "0015_accounts")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT login, secret_hash, failed_signins, locked_at "
                                   "FROM engineer")).one()
    assert tuple(row) == ("lina", None, 0, None)  # no secret yet: cannot sign in
    command.downgrade(cfg, "0013_missed_calls")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("engineer")}
    assert "secret_hash" not in columns and "locked_at" not in columns
    upgrade(engine)
    engine.dispose()
