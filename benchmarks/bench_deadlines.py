"""Deadlines of every target of 100,000 tickets: the engine against a day-by-day loop.

Run from the repository root::

    uv run python benchmarks/bench_deadlines.py [--tickets 100000] [--seed 7]

Three measurements, in one run, on the same generated tickets:

1. **Deadlines** — every ticket target's due time: limit lookup plus
   ``SlaEngine.due`` (working days are a table lookup), against the same
   limits with a plain day-by-day loop over ``holidays.China`` for working
   days. Both must give identical due times; the script checks this.
2. The same, restricted to working-day targets (where the loop does its work).
3. **Evaluations** — ``SlaEngine.evaluate`` of every ticket with a few
   events each (the whole replay: clocks, escalations, penalties).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.sla import Limit, SlaEngine, SlaEvent, TicketFacts  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
# policy: (levels, regions, conditions)
POLICIES: dict[str, tuple[list[int], list[str | None], list[str]]] = {
    "standard": ([1, 2, 3], [None], ["onsite"]),
    "guangdong-transmission": ([1, 2, 3, 4], [None, "广州", "佛山", "Foshan", "韶关", "湛江"],
                               ["onsite", "nms_crash"]),
    "fire-maintenance": ([1, 2, 3], [None], ["local", "remote", "manufacturer", "impaired"]),
}
# Events that start a target's clock other than the opening, and how long after it.
START_EVENTS = {"remote_requested": 10, "dispatched": 40, "depart": 30, "restore": 180,
                "resolve": 600, "callback_promised": 5}


def make_tickets(n: int, seed: int) -> list[TicketFacts]:
    rnd = random.Random(seed)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=2 * 365).total_seconds())   # 2026 and (unconfirmed) 2027
    out = []
    for _ in range(n):
        name = rnd.choice(list(POLICIES))
        levels, regions, condition_names = POLICIES[name]
        kind = rnd.choices(["fault", "consultation", "complaint"], [8, 3, 1])[0]
        conditions = frozenset(c for c in condition_names if rnd.random() < 0.3)
        out.append(TicketFacts(
            policy=name, grade=rnd.choice("ABC"),
            level=rnd.choice(levels) if kind == "fault" else None,
            kind=kind, region=rnd.choice(regions),
            opened_at=first + timedelta(seconds=rnd.randrange(span)), conditions=conditions))
    return out


def target_starts(engine: SlaEngine, facts: TicketFacts) -> list[tuple[str, datetime]]:
    """Each ticket target of the ticket's policy, with the moment its clock starts."""
    policy = engine.policy(facts.policy)
    out = []
    for spec in policy.targets:
        if spec.scope != "ticket":
            continue
        first = spec.start[0]
        start = facts.opened_at + timedelta(minutes=START_EVENTS.get(first, 0))
        out.append((spec.name, start))
    return out


def deadlines_engine(engine: SlaEngine, work: list[tuple[Limit, datetime]]) -> list[datetime]:
    return [engine.due(limit, start) for limit, start in work]


class DayByDay:
    """The plain way: step one day at a time, asking ``holidays`` each day."""

    def __init__(self) -> None:
        self.cn = holidays.China(years=range(2025, 2030))

    def due(self, limit: Limit, start: datetime) -> datetime:
        if limit.duration is not None:
            return start + limit.duration
        assert limit.working_days is not None
        day = start.astimezone(TZ).date()
        left = limit.working_days
        while left:
            day += timedelta(days=1)
            if self.cn.is_working_day(day):
                left -= 1
        return datetime.combine(day + timedelta(days=1), dtime(0), TZ).astimezone(UTC)


def deadlines_loop(loop: DayByDay, work: list[tuple[Limit, datetime]]) -> list[datetime]:
    return [loop.due(limit, start) for limit, start in work]


def resolve_limits(engine: SlaEngine, targets: list[tuple[TicketFacts, str, datetime]]
                   ) -> list[tuple[Limit, datetime]]:
    out = []
    for facts, name, start in targets:
        limit = engine.limit(facts.policy, name, grade=facts.grade, level=facts.level,
                             kind=facts.kind, region=facts.region, conditions=facts.conditions)
        if limit is not None:
            out.append((limit, start))
    return out


def events_for(facts: TicketFacts, rnd: random.Random) -> list[SlaEvent]:
    t = facts.opened_at
    evs = [SlaEvent("callback_promised", t + timedelta(minutes=2))]
    if rnd.random() < 0.8:
        evs.append(SlaEvent("callback_made", t + timedelta(minutes=rnd.randrange(10, 40))))
    if facts.kind == "fault":
        evs.append(SlaEvent("remote_requested", t + timedelta(minutes=10)))
        evs.append(SlaEvent("remote_response", t + timedelta(minutes=rnd.randrange(15, 90))))
        if rnd.random() < 0.5:
            evs.append(SlaEvent("restore", t + timedelta(hours=rnd.randrange(1, 30))))
    elif facts.kind == "consultation" and rnd.random() < 0.7:
        evs.append(SlaEvent("consultation_answered", t + timedelta(hours=rnd.randrange(1, 40))))
    # The supervisor acknowledges whatever is open now and then.
    evs.extend(SlaEvent("acknowledge", t + timedelta(hours=h)) for h in (8, 20, 33, 50, 66))
    return evs


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    engine = SlaEngine.load([ROOT / "data" / "policies"], [], TZ)
    tickets = make_tickets(args.tickets, args.seed)
    targets = [(f, name, start) for f in tickets for name, start in target_starts(engine, f)]
    loop = DayByDay()

    work, t_limits = timed(resolve_limits, engine, targets)
    # Warm both sides (tables built, package data loaded, caches filled) before timing.
    deadlines_engine(engine, work[:5000])
    deadlines_loop(loop, work[:5000])

    ours, t_engine = timed(deadlines_engine, engine, work)
    theirs, t_loop = timed(deadlines_loop, loop, work)
    mismatches = sum(1 for a, b in zip(ours, theirs, strict=True) if a != b)

    wd = [(lim, s) for lim, s in work if lim.working_days is not None]
    _r1, t_wd_engine = timed(deadlines_engine, engine, wd)
    _r2, t_wd_loop = timed(deadlines_loop, loop, wd)
    mean_n = sum(lim.working_days or 0 for lim, _s in wd) / max(1, len(wd))

    rnd = random.Random(args.seed)
    long_wd = [(Limit.days_working(rnd.randint(10, 30)), s) for _lim, s in wd]
    long_ours, t_long_engine = timed(deadlines_engine, engine, long_wd)
    long_theirs, t_long_loop = timed(deadlines_loop, loop, long_wd)
    mismatches += sum(1 for a, b in zip(long_ours, long_theirs, strict=True) if a != b)

    histories = [(f, events_for(f, rnd), f.opened_at + timedelta(days=3)) for f in tickets]
    evaluations, t_eval = timed(lambda: [engine.evaluate(f, e, at) for f, e, at in histories])
    clocks = sum(len(r.targets) for r in evaluations)
    steps = sum(len(r.escalations) for r in evaluations)
    penalties = sum(len(r.penalties) for r in evaluations)

    n = len(tickets)

    def row(label: str, seconds: float, count: int) -> str:
        return f"   {label:<18}{seconds:8.3f} s  {seconds / max(1, count) * 1e6:7.2f} µs each"

    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()},"
          f" holidays {holidays.__version__}, {date.today().isoformat()}")
    print(f"tickets: {n:,}; ticket targets: {len(targets):,}; with a limit for the ticket: "
          f"{len(work):,} (working-day: {len(wd):,}); limit lookup {t_limits:.3f} s")
    print()
    print(f"1. due time of every target with a limit ({len(work):,})")
    print(row("engine", t_engine, len(work)))
    print(row("day-by-day loop", t_loop, len(work)))
    print(f"   ratio {t_loop / t_engine:.1f}x; identical results: "
          f"{'yes' if mismatches == 0 else f'NO, {mismatches} differ'}")
    print(f"2. working-day targets only ({len(wd):,}, mean N = {mean_n:.1f})")
    print(row("engine", t_wd_engine, len(wd)))
    print(row("day-by-day loop", t_wd_loop, len(wd)))
    print(f"   ratio {t_wd_loop / t_wd_engine:.1f}x")
    print(f"3. the same starts with N = 10..30 working days ({len(long_wd):,})")
    print(row("engine", t_long_engine, len(long_wd)))
    print(row("day-by-day loop", t_long_loop, len(long_wd)))
    print(f"   ratio {t_long_loop / t_long_engine:.1f}x")
    print(f"4. full evaluation of every ticket, 3 days after opening ({n:,})")
    print(row("engine.evaluate", t_eval, n)
          + f"  ({clocks:,} clocks, {steps:,} escalation steps, {penalties:,} penalties)")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
