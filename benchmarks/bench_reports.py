"""A month's and a year's full report on the generated database.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db
    cp /tmp/desk-big.db /tmp/desk-rep.db
    uv run python benchmarks/bench_reports.py --db /tmp/desk-rep.db --migrate
    uv run python benchmarks/bench_reports.py --db /tmp/desk-rep.db --queries 5

Times the report the manager asks for (every figure, overall and for each of
the 200 contracts, with the policies' period rules), from the database to its
JSON, the same code ``hotline report`` runs; then the whole command as a
separate process. Budgets: a month at most 1 s, a year at most 5 s.

The reports need the indexes of migration 0008. A database behind the
program's schema is refused (the command run last would migrate it, so the
figures before it would be measured without the indexes): ``--migrate``
brings it up to date first and says how long that took. ``--queries N`` lists
each report's N slowest queries. ``--db`` also takes a PostgreSQL URL:

    createdb -h 127.0.0.1 -U postgres desk10m
    uv run python benchmarks/generate.py --calls 10000000 --tickets 1000000 --years 10 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/desk10m
    uv run python benchmarks/bench_reports.py --start \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/desk10m

``--start`` first times what a seat does as it starts, the desk's own code: open
the desk (schema check, policies), read the dashboard's snapshot (calls, open
work, escalations, KPIs, feeds, notices: ``load_snapshot`` and what the app reads
with it) the first time and then again (median), and the first evaluation of
what fell due (which writes what it raises, as a seat would).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from hotline.paths import shipped_data_dir  # noqa: E402
from hotline.reports import periods  # noqa: E402
from hotline.reports.figures import build_report  # noqa: E402
from hotline.reports.render import report_json  # noqa: E402
from hotline.sla import SlaEngine  # noqa: E402
from hotline.store.engine import make_engine  # noqa: E402
from hotline.store.schema import current_revisions, head_revisions, upgrade  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


class QueryLog:
    """Wall time of each statement the engine runs (from execute to the next one)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.entries: list[tuple[float, str]] = []
        self.on = False
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, *_args: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.entries.append((time.perf_counter() - conn.info["bench_t0"], statement))


def measure_start(url: str, now: datetime, runs: int) -> None:
    """The desk's start: open, first snapshot, later snapshots, first evaluation."""
    from hotline.clock import FixedClock
    from hotline.config import load_settings
    from hotline.desk.operations import open_desk
    from hotline.views.dashboard import load_snapshot
    from hotline.views.feeds import load_feed_statuses
    from hotline.views.notifications import failing_since

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(db=url, tz="Asia/Shanghai", lang="en", login="eng00",
                                 environ={"XDG_CONFIG_HOME": tmp})
        start = time.perf_counter()
        desk = open_desk(settings, FixedClock(now))
        opened = time.perf_counter() - start

        def read() -> tuple[float, int, int]:
            t0 = time.perf_counter()
            snap = load_snapshot(desk.engine, desk.now(), desk.settings.tz)
            load_feed_statuses(desk.engine)
            failing_since(desk.engine, desk.now())
            return time.perf_counter() - t0, len(snap.calls), snap.work_total

        first, calls, work = read()
        again = [read()[0] for _ in range(runs)]
        start = time.perf_counter()
        raised = desk.evaluate()
        evaluated = time.perf_counter() - start
        desk.engine.dispose()
    print(f"start: open the desk {opened:.2f} s   first snapshot {first:.2f} s "
          f"({calls} calls shown, {work:,} open work items)   snapshot again "
          f"{statistics.median(again):.2f} s (median of {runs})   first evaluation "
          f"{evaluated:.2f} s ({raised} raised)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file or database URL")
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--migrate", action="store_true",
                    help="bring the schema up to date first (timed)")
    ap.add_argument("--queries", type=int, default=0, metavar="N",
                    help="list each report's N slowest queries (last run)")
    ap.add_argument("--start", action="store_true",
                    help="first time the desk's start (open, snapshot, evaluation)")
    args = ap.parse_args()
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    engine = make_engine(url)
    current, heads = current_revisions(engine), head_revisions(engine)
    if current != heads:
        if not args.migrate:
            print(f"{args.db}: schema {sorted(current)}, the program's is {sorted(heads)}; "
                  "run with --migrate (or `hotline db upgrade`) first", file=sys.stderr)
            return 2
        start = time.perf_counter()
        upgrade(engine)
        print(f"migrated {sorted(current)} -> {sorted(heads)} in "
              f"{time.perf_counter() - start:.1f} s")
    sla = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
    now = datetime.fromisoformat(args.now)
    if args.start:
        measure_start(url, now, args.runs)
    log = QueryLog(engine)
    cases = [
        ("month 2026-10", periods.month(2026, 10, TZ), 1.0,
         ["--month", "2026-10"]),
        ("year 2025", periods.days(date(2025, 1, 1), date(2025, 12, 31), TZ), 5.0,
         ["--from", "2025-01-01", "--to", "2025-12-31"]),
    ]
    print(f"reports on {args.db} ({engine.dialect.name}; every figure, overall and per "
          f"contract; median of {args.runs})")
    for name, period, budget, cli_args in cases:
        times = []
        offered = 0
        for run in range(args.runs):
            log.entries.clear()
            log.on = run == args.runs - 1
            start = time.perf_counter()
            report = build_report(engine, sla, period, now)
            data = report_json(report)
            json.dumps(data, ensure_ascii=False)
            times.append(time.perf_counter() - start)
            log.on = False
            offered = data["calls"]["offered"]
        t = statistics.median(times)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "screens.main", "--db", args.db, "report",
                            *cli_args, "--format", "json", "-o", f"{tmp}/r.json"],
                           check=True, cwd=ROOT, env={"HOTLINE_NOW": args.now,
                                                      "XDG_CONFIG_HOME": tmp,
                                                      "PATH": "/usr/bin:/bin"})
            whole = time.perf_counter() - start
        print(f"  {name:<14} {offered:>9,} calls offered   report {t:6.2f} s "
              f"(runs {min(times):.2f}–{max(times):.2f}; "
              f"{'ok' if t <= budget else 'OVER BUDGET'}, budget ≤ {budget:.0f} s)   "
              f"whole command {whole:5.2f} s")
        if args.queries:
            spent = sum(dt for dt, _ in log.entries)
            print(f"    {len(log.entries)} queries, {spent:.2f} s in the database; slowest:")
            for dt, statement in sorted(log.entries, reverse=True)[:args.queries]:
                print(f"    {dt:6.3f} s  {' '.join(statement.split())[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
