"""Keystroke latency on the generated database: from the key to the changed screen.

    uv run python benchmarks/bench_keys.py --db /tmp/desk-big.db [--rounds 40]

Drives the real application (headless, 120×35) on a copy of the database and
times, for each action, from pressing the key to the moment the screen shows
the result: answer (the intake opens on the answered call), open ticket (the
ticket screen shows its clocks and timeline), open intake (the form for a new
call), search by number (the list shows the caller's tickets). Prints the
median and the 95th percentile. Budget: p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.clock import FixedClock  # noqa: E402
from hotline.config import load_settings  # noqa: E402
from hotline.desk import open_desk  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def until(pilot: object, done: Callable[[], bool], timeout: float = 10.0) -> None:
    start = time.perf_counter()
    while not done():
        await pilot.pause()  # type: ignore[attr-defined]
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the screen did not change")


async def measure(db: str, now: str, rounds: int) -> dict[str, list[float]]:
    from screens.app import HotlineApp
    from screens.intake import IntakeScreen
    from screens.search import SearchScreen
    from screens.ticket import TicketScreen
    from screens.widgets.live_table import LiveTable

    settings = load_settings(db=db, login="eng00", lang="en")
    desk = open_desk(settings, FixedClock(datetime.fromisoformat(now)))
    from hotline.search import search_tickets

    numbers = ["".join(ch for ch in (h.caller or "") if ch.isdigit())
               for h in search_tickets(desk.engine, "state:active", limit=rounds)]
    app = HotlineApp(desk, live=False)
    times: dict[str, list[float]] = {"answer": [], "open ticket": [], "open intake": [],
                                     "search by number": []}
    async with app.run_test(size=(120, 35)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        work = app.dashboard.query_one("#work", LiveTable)

        async def timed(name: str, action: Callable[[], Awaitable[None]],
                        done: Callable[[], bool], after: Callable[[], Awaitable[None]]) -> None:
            start = time.perf_counter()
            await action()
            await until(pilot, done)
            times[name].append(time.perf_counter() - start)
            await after()
            await app.workers.wait_for_complete()
            await pilot.pause()

        async def back() -> None:
            await pilot.press("escape")
            await pilot.pause()

        for i in range(rounds):
            await timed("answer", lambda: pilot.press("a"),
                        lambda: isinstance(app.screen, IntakeScreen), back)
            await timed("open intake", lambda: pilot.press("n"),
                        lambda: isinstance(app.screen, IntakeScreen), back)
            work.focus()
            work.move_cursor(row=i % max(1, work.row_count))
            await timed("open ticket", lambda: pilot.press("enter"),
                        lambda: isinstance(app.screen, TicketScreen)
                        and app.screen.view is not None, back)
            app.action_search()
            await until(pilot, lambda: isinstance(app.screen, SearchScreen))
            await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            number = numbers[i % len(numbers)]
            for ch in number[:-1]:
                await pilot.press(ch)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await timed("search by number", lambda: pilot.press(number[-1]),
                        lambda: screen.shown_query == number, back)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "desk.db"
        shutil.copyfile(args.db, copy)
        times = asyncio.run(measure(str(copy), args.now, args.rounds))
    print(f"keystroke to changed screen on {args.db} ({args.rounds} rounds, headless 120×35)")
    for name, values in times.items():
        ms = [v * 1000 for v in values]
        print(f"  {name:<18} median {statistics.median(ms):6.1f} ms   p95 {p95(ms):6.1f} ms"
              f"   {'ok' if p95(ms) <= 50 else 'OVER BUDGET'} (≤ 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
