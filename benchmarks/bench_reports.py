"""A month's and a year's full report on the generated database.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db
    uv run python benchmarks/bench_reports.py --db /tmp/desk-big.db

Times the report the manager asks for (every figure, overall and for each of
the 200 contracts, with the policies' period rules), from the database to its
JSON, the same code ``hotline report`` runs; then the whole command as a
separate process. Budgets: a month at most 1 s, a year at most 5 s.
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
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.db import make_engine  # noqa: E402
from hotline.paths import shipped_data_dir  # noqa: E402
from hotline.reports import periods  # noqa: E402
from hotline.reports.figures import build_report  # noqa: E402
from hotline.reports.render import report_json  # noqa: E402
from hotline.sla import SlaEngine  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    engine = make_engine(url)
    sla = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
    now = datetime.fromisoformat(args.now)
    cases = [
        ("month 2026-10", periods.month(2026, 10, TZ), 1.0,
         ["--month", "2026-10"]),
        ("year 2025", periods.days(date(2025, 1, 1), date(2025, 12, 31), TZ), 5.0,
         ["--from", "2025-01-01", "--to", "2025-12-31"]),
    ]
    print(f"reports on {args.db} (every figure, overall and per contract; median of "
          f"{args.runs})")
    for name, period, budget, cli_args in cases:
        times = []
        offered = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            report = build_report(engine, sla, period, now)
            data = report_json(report)
            json.dumps(data, ensure_ascii=False)
            times.append(time.perf_counter() - start)
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
              f"({'ok' if t <= budget else 'OVER BUDGET'}, budget ≤ {budget:.0f} s)   "
              f"whole command {whole:5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
