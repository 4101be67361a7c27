"""Importing a year's queue_log: how long, and how long the second (idempotent) import takes.

Run from the repository root::

    uv run python benchmarks/bench_queue_log.py [--calls 100000] [--db URL] [--seed 7]

Generates a queue_log of ``--calls`` offered calls (about 80 % answered and
completed, 15 % abandoned or timed out, the rest without an ending, with
queue and member lines and RINGNOANSWERs between them), imports it into a new
SQLite file (with ``--db postgresql+psycopg://…``, a new schema there, dropped
afterwards), then imports it again.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.clock import FixedClock
from tests.support import build_desk, make_settings


def generate(path: Path, calls: int, seed: int) -> int:
    rng = random.Random(seed)
    t = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    lines = [f"{t}|NONE|NONE|NONE|QUEUESTART|"]
    for i in range(calls):
        t += rng.randint(20, 300)
        uid = f"{t}.{i}"
        number = f"139{rng.randint(0, 99_999_999):08d}"
        lines.append(f"{t}|{uid}|support|NONE|ENTERQUEUE||{number}|1")
        roll = rng.random()
        wait = rng.randint(1, 60)
        if rng.random() < 0.2:
            lines.append(f"{t + 1}|{uid}|support|PJSIP/8002|RINGNOANSWER|15000")
        if roll < 0.80:
            talk = rng.randint(30, 900)
            lines.append(f"{t + wait}|{uid}|support|PJSIP/8001|CONNECT|{wait}|{uid}9|3")
            lines.append(f"{t + wait + talk}|{uid}|support|PJSIP/8001|COMPLETECALLER|"
                         f"{wait}|{talk}|1")
        elif roll < 0.95:
            lines.append(f"{t + wait}|{uid}|support|NONE|ABANDON|1|1|{wait}")
        elif roll < 0.99:
            lines.append(f"{t + 300}|{uid}|support|NONE|EXITWITHTIMEOUT|1|1|300")
        if i % 500 == 0:
            lines.append(f"{t}|NONE|support|PJSIP/8002|PAUSE|lunch")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def main() -> None:
    from bench_ingest import fresh_database  # a new SQLite file, or a new PostgreSQL schema

    from hotline.telephony.queue_log import import_queue_log

    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.db, Path(tmp), "qlog") as url:
        log = Path(tmp) / "queue_log"
        n = generate(log, args.calls, args.seed)
        desk = build_desk(make_settings(url), FixedClock(datetime(2026, 11, 25, tzinfo=UTC)))
        print(f"queue_log: {n:,} lines, {args.calls:,} calls, {log.stat().st_size / 1e6:.1f} MB; "
              f"database {desk.engine.url.get_backend_name()}")
        for label in ("first import", "second import"):
            start = time.perf_counter()
            s = import_queue_log(desk, log)
            took = time.perf_counter() - start
            print(f"{label:<14} {took:7.1f} s  {s.offered / took:9,.0f} calls/s  "
                  f"new {s.new:,}  already {s.already:,}  no ending {len(s.no_ending):,}")
        desk.engine.dispose()


if __name__ == "__main__":
    main()
