"""Idle cost and start time of the dashboard, in a real terminal, next to a bare Textual app.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db
    uv run python benchmarks/generate.py --db /tmp/desk-small.db --tickets 5000 --open 100 \\
        --calls 50000 --ringing 20
    uv run python benchmarks/bench_idle.py --small /tmp/desk-small.db --big /tmp/desk-big.db

Each program runs in its own tmux session at 120×35 for ``--minutes`` after a
warm-up; CPU time is read from /proc. The desk runs on the generated data's
clock (``HOTLINE_NOW`` with ``HOTLINE_CLOCK=running``), so its countdowns move
and its clocks fall due as they would at a real desk.
Budgets: 10,000 open tickets cost at most 1.5× what 100 cost, and at most 3%
of one core; start at most 1.3× the bare app's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tmux_probe import Pane, cpu_seconds, server, tmux

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


#: The secret of the generated desk's accounts (benchmarks/generate.py, ``--accounts``).
SECRET = "bench-secret"
#: What the sign-in dialog shows while it waits for the secret.
ASKS = "your secret"


def sign_in_if_asked(pane: Pane, ready: str) -> None:
    """Type :data:`SECRET` if the desk asks for it, then wait until ``ready`` shows.

    A generated desk has accounts (every seat signs in, issue #14); the bare app and a
    desk without accounts show ``ready`` at once.
    """
    start = time.perf_counter()
    while True:
        screen = pane.capture()
        if ASKS in screen:
            time.sleep(0.3)
            pane.send(SECRET, "Enter")
            while ASKS in pane.capture():
                if time.perf_counter() - start > 120:
                    raise TimeoutError(f"the sign-in did not close:\n{pane.capture()}")
                time.sleep(0.05)
            break
        if ready in screen:
            break
        if time.perf_counter() - start > 120:
            raise TimeoutError(f"neither {ready!r} nor the sign-in showed:\n{screen}")
        time.sleep(0.005)
    pane.wait_for(ready, timeout=120)


def desk_command(db: str) -> str:
    return f"{PY} -m screens.main --db {db} --as eng00"


def bare_command() -> str:
    return f"{PY} {ROOT / 'benchmarks' / 'bare_clock_app.py'}"


def env(now: str, config_home: str) -> dict[str, str]:
    return {"HOTLINE_NOW": now, "HOTLINE_CLOCK": "running", "HOTLINE_LANG": "en",
            "XDG_CONFIG_HOME": config_home, "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT)}


def idle(command: str, environ: dict[str, str], ready: str, warmup: float,
         seconds: float) -> float:
    """Percent of one core used while idle."""
    if seconds <= 0:
        return float("nan")
    with tmux(command, environ) as (pane, _):
        sign_in_if_asked(pane, ready)
        time.sleep(warmup)
        pids = pane.pids()
        before = cpu_seconds(pids)
        time.sleep(seconds)
        used = cpu_seconds(pane.pids()) - before
    return 100.0 * used / seconds


def start_once(command: str, environ: dict[str, str], ready: str,
               then: str | None = None) -> tuple[float, float | None]:
    """Seconds from the command to the first screen showing ``ready`` (and, if given,
    to the screen showing ``then``). A desk that asks for a secret first: its first
    screen is the sign-in, and ``then`` is timed from the command, typing included."""
    with tmux(command, environ) as (pane, started):
        first = -1.0
        while first < 0:
            screen = pane.capture()
            if ready in screen or ASKS in screen:
                first = time.perf_counter() - started
            elif time.perf_counter() - started > 120:
                raise TimeoutError(f"{ready!r} did not show:\n{screen}")
            else:
                time.sleep(0.005)
        sign_in_if_asked(pane, ready)
        full = None
        if then is not None:
            pane.wait_for(then, timeout=120, poll=0.005)
            full = time.perf_counter() - started
    return first, full


def start_times(big: str, environ: dict[str, str], runs: int) -> None:
    """Bare app and desk started in turn, ``runs`` times each (so a machine that slows
    down or speeds up meanwhile weighs on both alike); medians and the median ratio."""
    bare, desk, filled, ratios = [], [], [], []
    for _ in range(runs):
        b, _none = start_once(bare_command(), environ, "Incoming calls")
        d, f = start_once(desk_command(big), environ, "[1] Incoming calls",
                          then="Incoming calls ·")
        assert f is not None
        bare.append(b)
        desk.append(d)
        filled.append(f)
        ratios.append(d / b)
    med = statistics.median
    print(f"start, median of {runs} taken in turn: bare app to its screen {med(bare):.2f} s   "
          f"desk to its painted dashboard {med(desk):.2f} s, ratio {med(ratios):.2f}× "
          f"(budget ≤ 1.3×; ratios {min(ratios):.2f}–{max(ratios):.2f})")
    print(f"  the dashboard filled with the 10,000-open database's calls, work and "
          f"escalations: {med(filled):.2f} s after the command")


def copy_db(path: str, into: str) -> str:
    """Each run works on a copy, so runs do not change each other's data."""
    target = str(Path(into) / Path(path).name)
    shutil.copyfile(path, target)
    return target


def measure_idle(environ: dict[str, str], small: str, big: str, warmup: float,
                 seconds: float) -> None:
    bare_cpu = idle(bare_command(), environ, "Incoming calls", warmup, seconds)
    small_cpu = idle(desk_command(small), environ, "Incoming calls", warmup, seconds)
    big_cpu = idle(desk_command(big), environ, "Incoming calls", warmup, seconds)
    print(f"idle CPU, % of one core: bare clock app {bare_cpu:.2f}   "
          f"desk 100 open {small_cpu:.2f}   desk 10,000 open {big_cpu:.2f}")
    ratio = big_cpu / small_cpu if small_cpu else float("inf")
    print(f"  10,000 vs 100 open: {ratio:.2f}× (budget ≤ 1.5×)   "
          f"10,000 open: {big_cpu:.2f}% (budget ≤ 3%)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", required=True, help="database with 100 open tickets")
    ap.add_argument("--big", required=True, help="database with 10,000 open tickets")
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=5, help="start-time runs per program")
    ap.add_argument("--start-only", action="store_true", help="measure the start only")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)")
        return 2
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp, server():
        environ = env(args.now, tmp)
        os.makedirs(tmp + "/s")
        os.makedirs(tmp + "/b")
        small = copy_db(args.small, tmp + "/s")
        big = copy_db(args.big, tmp + "/b")
        print(f"machine: {os.cpu_count()} CPUs; idle window {seconds:.0f} s after "
              f"{args.warmup:.0f} s warm-up; terminal 120×35 (tmux)")
        if not args.start_only:
            measure_idle(environ, small, big, args.warmup, seconds)
        start_times(big, environ, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
