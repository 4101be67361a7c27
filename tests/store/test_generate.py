"""The benchmarks' generator: the shape asked for, an intact audit chain, a desk that goes on.

The generated history must be what the desk itself would have stored, so the
desk's own checks (``hotline audit --verify``, ``hotline db check``) pass on it
and the desk can write after it (ids and chain continue).
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.store.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield tmp_path


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {
            "calls": conn.execute(sa.text("SELECT count(*) FROM call")).scalar_one(),
            "ringing": conn.execute(sa.text(
                "SELECT count(*) FROM call WHERE state = 'ringing'")).scalar_one(),
            "tickets": conn.execute(sa.text("SELECT count(*) FROM ticket")).scalar_one(),
            "open": conn.execute(sa.text(
                "SELECT count(*) FROM ticket WHERE status <> 'closed'")).scalar_one(),
            "linked": conn.execute(sa.text(
                "SELECT count(*) FROM call WHERE ticket_id IS NOT NULL")).scalar_one(),
            "unacked_old": conn.execute(sa.text(
                "SELECT count(*) FROM escalation WHERE acknowledged_at IS NULL "
                "AND raised_at < :t"), {"t": NOW.replace(hour=0)}).scalar_one(),
        }
    engine.dispose()
    return out


def _check(url: str, *, calls: int, tickets: int, n_open: int) -> None:
    gen = _generator()
    gen.generate(url, calls=calls, years=1.0, tickets=tickets, n_open=n_open, contracts=20,
                 ringing=5, now=NOW, seed=3, out=io.StringIO())
    counts = _counts(url)
    assert counts["calls"] == calls
    assert counts["ringing"] == 5
    assert counts["tickets"] == counts["linked"] == tickets
    assert counts["open"] == n_open
    # every alert older than two hours was acknowledged (no chain re-alerting for months)
    assert counts["unacked_old"] == 0
    clock = FixedClock(NOW)
    assert run(["--db", url, "audit", "--verify"], clock=clock) == 0
    assert run(["--db", url, "db", "check"], clock=clock) == 0
    # the desk goes on after the generated history: new ids, the chain continues
    assert run(["--db", url, "ring", "13380012345"], clock=clock) == 0
    assert run(["--db", url, "audit", "--verify"], clock=clock) == 0
    assert _counts(url)["calls"] == calls + 1


@pytest.mark.parametrize(("tickets", "n_open"), [(300, 120), (200, 190)])
def test_generated_sqlite_desk_has_the_shape_and_passes_the_checks(
        isolated: Path, tickets: int, n_open: int) -> None:
    _check(f"sqlite:///{isolated / 'gen.db'}", calls=3000, tickets=tickets, n_open=n_open)


def test_generated_postgresql_desk_has_the_shape_and_passes_the_checks(
        isolated: Path, pg_url: str) -> None:
    _check(pg_url, calls=3000, tickets=300, n_open=120)


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    gen = _generator()
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {table: [tuple(r) for r in conn.execute(sa.text(
                   f'SELECT * FROM "{table}" ORDER BY id')).all()]
               for table in gen.ORDER}
    engine.dispose()
    return out


def test_replaying_in_other_processes_writes_the_same_rows(isolated: Path) -> None:
    """Tickets replayed by forked processes give row for row the database replayed here."""
    gen = _generator()
    urls = [f"sqlite:///{isolated / f'gen{workers}.db'}" for workers in (0, 2)]
    for url, workers in zip(urls, (0, 2), strict=True):
        gen.generate(url, calls=3000, years=1.0, tickets=300, n_open=120, contracts=20,
                     ringing=5, now=NOW, seed=5, workers=workers, out=io.StringIO())
    here, there = (_rows(url) for url in urls)
    assert sum(len(rows) for rows in here.values()) > 3000
    assert here == there


def test_the_generators_hash_is_the_chains() -> None:
    """The generator's own hashing of an event is :func:`event_hash` of its row."""
    from hotline.store.audit_chain import GENESIS, event_hash

    gen = _generator()
    at = datetime(2026, 3, 1, 4, 5, 6, 789, tzinfo=UTC)
    cases = [("ticket_opened", 7, 3, None, '{"kind": "故障", "level": 2}'),
             ("escalation_acknowledged", None, 3, 11, '{"note": ""}'),
             ("restore", None, None, None, "{}")]
    prev = GENESIS
    for kind, call_id, ticket_id, escalation_id, data in cases:
        row = {"at": at, "recorded_at": at, "actor": "eng01", "kind": kind,
               "call_id": call_id, "ticket_id": ticket_id, "escalation_id": escalation_id,
               "data": data}
        digest = gen.link_hash(prev, at, "eng01", kind, call_id, ticket_id, escalation_id, data)
        assert digest == event_hash(prev, row)
        prev = digest


def test_the_generated_handlers_can_sign_in(isolated: Path) -> None:
    """The accounts given after generating: the manager and every handler sign in with
    the benchmarks' secret, and the chain still verifies."""
    from hotline.accounts.accounts import authenticate, needs_first_manager
    from hotline.config import load_settings
    from hotline.desk.operations import open_desk

    gen = _generator()
    url = f"sqlite:///{isolated / 'gen.db'}"
    gen.generate(url, calls=500, years=1.0, tickets=50, n_open=20, contracts=5,
                 ringing=2, now=NOW, seed=3, out=io.StringIO())
    assert gen.give_accounts(url, NOW) == 20
    desk = open_desk(load_settings(db=url, environ={}), FixedClock(NOW))
    assert not needs_first_manager(desk)
    assert authenticate(desk, "mgr", gen.BENCH_SECRET) == "manager"
    assert authenticate(desk, "sup0", gen.BENCH_SECRET) == "supervisor"
    assert authenticate(desk, "eng15", gen.BENCH_SECRET) == "engineer"
    desk.engine.dispose()
    assert gen.give_accounts(url, NOW) == 0  # given once
    assert run(["--db", url, "audit", "--verify"], clock=FixedClock(NOW)) == 0
