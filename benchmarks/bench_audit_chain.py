"""What the audit chain costs where events are written in bulk, and how fast it is checked.

Run from the repository root::

    uv run python benchmarks/bench_audit_chain.py [--events 100000] [--batch 500] [--db URL]

Into a fresh database (a new SQLite file, or with ``--db postgresql+psycopg://…``
a new schema, dropped afterwards) it inserts ``--events`` event rows shaped like
a call feed's, ``--batch`` per transaction as a feed batch does, twice: as the
desk writes them now (each transaction takes the append lock and reads the tail
once, every row hashed, the unique ``prev_hash`` index and, on SQLite, the
insert trigger checking each row), and, for comparison, plain rows into a copy of
the table without the chain's index and insert guard (a second database). Then ``verify_chain``
reads them all back. Times are wall-clock on whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session

from hotline.store.audit_chain import chain_rows, event_hash, verify_chain
from hotline.store.engine import make_engine
from hotline.store.models import Event
from hotline.store.schema import upgrade

EVENT = cast(sa.Table, Event.__table__)  # type: ignore[attr-defined]


def rows(n: int, start: int) -> list[dict[str, Any]]:
    t0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    return [{"at": t0 + timedelta(seconds=start + i), "recorded_at": t0, "actor": "pbx",
             "kind": "call_answered", "call_id": None, "ticket_id": None, "escalation_id": None,
             "data": json.dumps({"agent": "SIP/8001", "wait_s": 12.5, "queue": "support",
                                 "source": "jsonl"})} for i in range(n)]


def timed(label: str, n: int, fn: Any) -> float:
    began = time.perf_counter()
    fn()
    took = time.perf_counter() - began
    print(f"  {label:<44} {took:7.2f} s  {n / took:>10,.0f} events/s  "
          f"{took / n * 1e6:6.1f} µs/event")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    n, batch = args.events, args.batch
    schemas: list[str] = []
    urls = []
    admin = sa.create_engine(args.db) if args.db else None
    for name in ("chain", "plain"):
        if admin is not None:
            schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            schemas.append(schema)
            sep = "&" if "?" in args.db else "?"
            urls.append(f"{args.db}{sep}options=-csearch_path%3D{schema}")
        else:
            urls.append(f"sqlite:///{tempfile.mkdtemp()}/{name}.db")
    engine, plain_engine = make_engine(urls[0]), make_engine(urls[1])
    try:
        upgrade(engine)
        upgrade(plain_engine)
        print(f"database {engine.dialect.name}; {n:,} events, {batch} per transaction")
        sample = rows(n, 0)
        timed("hashing alone (event_hash)", n,
              lambda: [event_hash("0" * 64, r) for r in sample])

        def chained() -> None:
            for i in range(0, n, batch):
                with Session(engine) as s:
                    s.connection().execute(sa.insert(EVENT), chain_rows(s, rows(batch, i)))
                    s.commit()

        with plain_engine.begin() as conn:  # the table as it was before the chain
            conn.exec_driver_sql("DROP INDEX ix_event_prev_hash")
            if plain_engine.dialect.name == "sqlite":
                conn.exec_driver_sql("DROP TRIGGER event_no_replace")
            else:
                conn.exec_driver_sql("ALTER TABLE event DROP CONSTRAINT event_linked")

        def plain() -> None:
            for i in range(0, n, batch):
                with plain_engine.begin() as conn:
                    conn.execute(sa.insert(EVENT), rows(batch, i))

        t_plain = timed("plain insert (no chain, for comparison)", n, plain)
        t_chain = timed("chained insert (lock, tail read, hash, guards)", n, chained)
        print(f"  chain's cost on the insert: {(t_chain - t_plain) / n * 1e6:+.1f} µs/event "
              f"({(t_chain / t_plain - 1) * 100:+.0f}%)")
        report = None

        def verify() -> None:
            nonlocal report
            report = verify_chain(engine)

        timed("hotline audit --verify (verify_chain)", n, verify)
        assert report is not None and report.broken is None and report.events == n, report
    finally:
        engine.dispose()
        plain_engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                for schema in schemas:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
