"""``hotline audit --verify``, ``hotline db check`` and ``hotline db upgrade`` on a tampered
trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_desk_commands import cli, env  # noqa: F401  (the fixture)


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _ids(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM event ORDER BY id")]
    finally:
        conn.close()


def test_verify_reports_the_first_bad_id(env: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    for number in ("0757-83301234", "020-38881234", "13380012345"):
        assert cli("ring", number) == 0
    capsys.readouterr()
    assert cli("audit", "--verify") == 0
    out = capsys.readouterr().out
    n = len(_ids(env))
    assert f"{n} events, chain intact." in out
    anchor = out.split("hash ")[1].split()[0]
    assert cli("audit", "--verify", "--expect", anchor) == 0
    assert cli("db", "check") == 0
    capsys.readouterr()

    ids = _ids(env)
    _sql(env, "DROP TRIGGER event_no_delete", f"DELETE FROM event WHERE id = {ids[1]}")
    assert cli("audit", "--verify") == 1
    out = capsys.readouterr().out
    assert f"Audit chain broken at event #{ids[2]} (" in out
    assert f"(#{ids[0]}): an event between them was removed" in out
    assert "the 1 event before it is intact" in out
    assert cli("db", "check") == 1
    out = capsys.readouterr().out
    assert "Guard event_no_delete is missing" in out
    assert cli("db", "upgrade") == 0
    assert "Restored the guard event_no_delete" in capsys.readouterr().out
    assert cli("db", "upgrade") == 0
    assert "Restored" not in capsys.readouterr().out


def test_removing_the_newest_events_is_found_by_the_anchor(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert cli("ring", "0757-83301234") == 0
    assert cli("ring", "020-38881234") == 0
    capsys.readouterr()
    assert cli("audit", "--verify") == 0
    anchor = capsys.readouterr().out.split("hash ")[1].split()[0]
    _sql(env, "DROP TRIGGER event_no_delete", f"DELETE FROM event WHERE id = {_ids(env)[-1]}")
    assert cli("audit", "--verify") == 0  # what is left still links up
    capsys.readouterr()
    assert cli("audit", "--verify", "--expect", anchor) == 1
    assert "is not in the chain" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [("audit",), ("audit", "--verify", "261125-0001"),
                                  ("audit", "--verify", "--expect", "abc"),
                                  ("audit", "--verify", "--expect", "g" * 64),
                                  ("audit", "261125-0001", "--expect", "a" * 64),
                                  ("db", "grants", "seat")])
def test_bad_audit_and_db_usage_is_refused(env: Path, argv: tuple[str, ...],  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(*argv) == 2
    assert capsys.readouterr().err.strip()
