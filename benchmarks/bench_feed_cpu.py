"""Processor time of one JSON-lines feed, in-process: steadier than wall time on a busy machine.

    uv run python benchmarks/bench_feed_cpu.py --events 30000 [--profile OUT.prof]

Seeds a directory and a feed as ``bench_ingest.py`` does (seed 7), runs
``hotline feed --jsonl FILE`` in this process and prints its wall and
processor time (start included). ``--profile`` writes a cProfile dump too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_ingest

from hotline.cli.main import run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")  # no user config file
        os.environ["XDG_DATA_HOME"] = str(tmp / "data")
        for key in ("HOTLINE_DB", "HOTLINE_CONFIG", "HOTLINE_AS", "HOTLINE_NOW", "HOTLINE_TZ"):
            os.environ.pop(key, None)
        url = f"sqlite:///{tmp / 'desk.db'}"
        rng = random.Random(args.seed)
        directory = bench_ingest.seed_directory(url, rng)
        events = tmp / "events.jsonl"
        bench_ingest.generate_jsonl(events, args.events, directory, rng)
        argv = ["feed", "--jsonl", str(events), "-q", "--db", url]
        profiler = None
        if args.profile is not None:
            import cProfile

            profiler = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
            if profiler is not None:
                profiler.runcall(run, argv)
            else:
                run(argv)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profiler is not None:
            profiler.dump_stats(args.profile)
    n = args.events
    print(f"{n} events: wall {wall:.1f} s ({n / wall:,.0f} events/s), "
          f"CPU {cpu:.1f} s ({n / cpu:,.0f} events per CPU-second)")


if __name__ == "__main__":
    main()
