"""Keystroke latency on the generated database, in a real terminal: key to changed screen.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db
    uv run python benchmarks/bench_keys.py --db /tmp/desk-big.db [--rounds 30]

The desk runs in tmux (120×35) on a copy of the database. For each action the
script sends the key and polls the screen (``capture-pane``, every millisecond,
both through one tmux control-mode client) until it shows the result: answer
(the intake form on the answered call), open intake (the form for a call
taken on a desk phone), open ticket (the ticket screen with its clocks),
search by number (the list for the caller's number, after its last digit).
Prints the median and the 95th percentile. Budget: p95 ≤ 50 ms. The polling
adds up to a millisecond, so the figures are upper bounds; the last line is the
same measure for a bare Textual app opening a second screen (the yardstick:
terminal, probe and a screen switch, nothing else).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tmux_probe import Pane, server, tmux  # noqa: E402

from hotline.store.engine import make_engine  # noqa: E402
from hotline.views.search import search_tickets  # noqa: E402

#: The secret of the account the benchmarks sign in with (on their copy of the database):
#: the generated desk's (benchmarks/generate.py gives it to every handler).
SECRET = "bench-secret"


def give_account(db_path: Path, login: str, now: str) -> None:
    """Make ``login`` the first manager of the copy at ``db_path``, with :data:`SECRET`.

    Every seat signs in (issue #14); a database generated without accounts
    (``--no-accounts``, or before they were given) asks for its first manager at the
    terminal before it opens. One with accounts is left as it is: its handlers'
    secret is :data:`SECRET` already.
    """
    from datetime import datetime

    from hotline.accounts.accounts import create_first_manager, needs_first_manager
    from hotline.clock import FixedClock
    from hotline.config import load_settings
    from hotline.desk.operations import open_desk

    desk = open_desk(load_settings(db=f"sqlite:///{db_path}", environ={}),
                     FixedClock(datetime.fromisoformat(now)))
    if needs_first_manager(desk):
        create_first_manager(desk, login, login, SECRET)
    desk.engine.dispose()


def sign_in(pane: Pane) -> None:
    """Type :data:`SECRET` into the sign-in dialog, and wait until it is gone."""
    pane.wait_for("your secret", timeout=30)
    time.sleep(0.3)
    pane.send(SECRET, "Enter")
    start = time.perf_counter()
    while "your secret" in pane.capture():
        if time.perf_counter() - start > 30:
            raise TimeoutError(f"the sign-in did not close:\n{pane.capture()}")
        time.sleep(0.05)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(pane: Pane, keys: list[str], shows: str, gone: str | None = None) -> float:
    """Seconds from sending ``keys`` until ``shows`` is on screen (and ``gone`` is not)."""
    start = time.perf_counter()
    pane.send(*keys)
    while True:
        screen = pane.capture()
        if shows in screen and (gone is None or gone not in screen):
            return time.perf_counter() - start
        if time.perf_counter() - start > 10:
            raise TimeoutError(f"{shows!r} did not appear:\n{screen}")
        time.sleep(0.001)


def settle(pane: Pane, shows: str) -> None:
    pane.wait_for(shows, timeout=10)
    time.sleep(0.3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--raw", action="store_true", help="also print every time, in order")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)")
        return 2
    times: dict[str, list[float]] = {"answer": [], "open intake": [], "open ticket": [],
                                     "search by number": [], "bare app, o": []}
    with tempfile.TemporaryDirectory() as tmp, server():
        copy = Path(tmp) / "desk.db"
        shutil.copyfile(args.db, copy)
        engine = make_engine(f"sqlite:///{copy}")
        numbers = ["".join(ch for ch in (h.caller or "") if ch.isdigit())
                   for h in search_tickets(engine, "state:active", limit=args.rounds)]
        engine.dispose()
        give_account(copy, "eng00", args.now)
        env = {"HOTLINE_NOW": args.now, "HOTLINE_LANG": "en", "XDG_CONFIG_HOME": tmp,
               "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
        command = f"{sys.executable} -m screens.main --db {copy} --as eng00"
        with tmux(command, env) as (pane, _):
            sign_in(pane)
            settle(pane, "Incoming calls ·")
            for i in range(args.rounds):
                times["answer"].append(timed(pane, ["a"], "Description"))
                pane.send("Escape")
                settle(pane, "Incoming calls ·")
                times["open intake"].append(timed(pane, ["n"], "New call (taken on a desk"))
                pane.send("Escape")
                settle(pane, "Incoming calls ·")
                pane.send("2")
                time.sleep(0.05)
                for _ in range(i % 5):
                    pane.send("Down")
                time.sleep(0.2)
                times["open ticket"].append(timed(pane, ["Enter"], "Next steps"))
                pane.send("Escape")
                settle(pane, "Incoming calls ·")
                number = numbers[i % len(numbers)]
                pane.send("/")
                settle(pane, "Recent tickets")
                pane.send(*number[:-1])
                time.sleep(0.4)
                times["search by number"].append(timed(
                    pane, [number[-1]], f"for “{number}”"))
                pane.send("Escape")
                settle(pane, "Incoming calls ·")
        bare = f"{sys.executable} {ROOT / 'benchmarks' / 'bare_clock_app.py'}"
        with tmux(bare, env) as (pane, _):
            settle(pane, "Incoming calls")
            for _ in range(args.rounds):
                times["bare app, o"].append(timed(pane, ["o"], "A second screen, opened"))
                pane.send("Escape")
                settle(pane, "Incoming calls")
    print(f"keystroke to changed screen, {args.rounds} rounds, tmux 120×35, on {args.db}")
    for name, values in times.items():
        ms = [v * 1000 for v in values]
        verdict = ("(yardstick)" if name.startswith("bare") else
                   f"{'ok' if p95(ms) <= 50 else 'OVER BUDGET'} (≤ 50 ms)")
        print(f"  {name:<18} median {statistics.median(ms):6.1f} ms   p95 {p95(ms):6.1f} ms"
              f"   {verdict}")
        if args.raw:
            print("    " + " ".join(f"{v:.0f}" for v in ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
