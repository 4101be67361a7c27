"""Fuzz every time, date, period and limit parser of the command line, and the policy reader.

Each parser gets ``--count`` generated inputs (default 100,000): random text, mutations
of valid values (valid policy files for the reader) and hostile shapes (years 0 and
9999, twenty-digit numbers, non-ASCII digits, megabyte strings, arrays nested thousands
deep). A parser may accept an input or refuse it with the project's own error; anything
else is counted as unexpected and the first few are printed. Exit code 1 if any.

    uv run python benchmarks/fuzz_sla_inputs.py --count 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.cli.report import _days
from hotline.cli.sla import _event, _level
from hotline.errors import HotlineError
from hotline.paths import shipped_data_dir
from hotline.reports.periods import parse_month, parse_quarter, parse_year
from hotline.sla import SlaEngine
from hotline.sla.limits import parse_limit
from hotline.sla.policy_file import read_policy_text
from hotline.timefmt import parse_date, parse_time

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
OPENED = datetime(2026, 11, 25, 22, 0, tzinfo=TZ)
POLICY_DIR = shipped_data_dir() / "policies"
ENGINE = SlaEngine.load([POLICY_DIR], [], TZ)
GD = ENGINE.policy("guangdong-transmission")
POLICY_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(POLICY_DIR.glob("*.toml"))]

ALPHABET = ("0123456789" * 4 + "-:/ T Z+.Qq年月日时分工作日个天小时"
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "²³¹⁰٠١٢٣٤٥६७٨٩０１２３\t\n\r\x00\x0b\u200b\ufeff\u3000!@#$%^&*()[]{}\"'=,;_~`\\|<>?")


# -- generators ----------------------------------------------------------------------------

def random_text(r: random.Random) -> str:
    n = r.choice((0, 1, 2, 3, 5, 8, 12, 16, 20, 30, 40, 80))
    return "".join(r.choice(ALPHABET) for _ in range(n))


def mutate(r: random.Random, text: str, ops: int | None = None) -> str:
    """1–3 edits: replace, insert, delete, repeat a slice, or splice in a hostile token."""
    for _ in range(ops or r.randint(1, 3)):
        i = r.randint(0, len(text))
        j = min(len(text), i + r.randint(0, 8))
        op = r.randrange(5)
        if op == 0 and text:
            text = text[:i] + r.choice(ALPHABET) + text[i + 1:]
        elif op == 1:
            text = text[:i] + r.choice(ALPHABET) + text[i:]
        elif op == 2:
            text = text[:i] + text[j:]
        elif op == 3:
            text = text[:i] + text[i:j] * r.randint(2, 50) + text[j:]
        else:
            text = text[:i] + r.choice(HOSTILE_TOKENS) + text[j:]
    return text


HOSTILE_TOKENS = ("0", "00", "0000", "9999", "99999", "99999999999999999999", "-1", "+99:99",
                  "1" * 400, "9" * 5000, "0001", "10000", "²", "٣", "２", "nan", "inf", "\x00",
                  "T", "Z", "Q0", "Q5", ":60", "24", "25:61", "-00:00", " ", "\n", "=", ":")

HOSTILE_TEXTS = ("0001-01-01 00:00", "9999-12-31 23:59", "0000-01", "9999-12", "0000-Q1",
                 "9999Q4", "0000", "9999", "1999-12-31T23:59:59+08:00", "2099-01-01",
                 "2098-12-31T23:59-12:00", "2026-02-30", "2026-11-25T24:00", "24:00", "23:60",
                 "99:99", "99999999999999999999d", "100000 working days", "0 working days",
                 "0d0h0min0s", "367d", "251 working days", "٢٠٢٦-١١-٢٥", "２０２６-１１",
                 "x" * 1_000_000, "9" * 10_000, "2026-11-25 22:00" + "\x00" * 100,
                 "2026-11-25T22:00:00.9999999999999+08:00", "-2026-11-25", "+2026-11-25",
                 "2026-W48-3", "2026-330", "20261125T2200", "2026/11/25 22:00", "now" * 1000)


def from_valid(valid: tuple[str, ...]) -> Callable[[random.Random], str]:
    def gen(r: random.Random) -> str:
        kind = r.randrange(10)
        if kind < 3:
            return random_text(r)
        if kind < 8:
            return mutate(r, r.choice(valid))
        if kind == 8:
            return r.choice(HOSTILE_TEXTS)
        return r.choice(valid) + r.choice(HOSTILE_TOKENS) * r.randint(1, 3)
    return gen


TIMES = ("now", "22:40", "01:10:05", "2026-11-25 22:00", "2026-11-25T22:00:00+08:00",
         "2026-11-25T14:00Z", "2026/11/25 22:00", "2000-01-01 00:00", "2098-12-31 23:59:59")
DATES = ("2026-11-25", "2000-01-01", "2098-12-31", "2026-02-28", "2024-02-29")
MONTHS = ("2026-11", "2026-1", "2000-01", "2098-12")
QUARTERS = ("2026-Q4", "2026Q1", "2026-q2", "2098-Q4")
YEARS = ("2026", "2000", "2098", " 2027 ")
EVENTS = ("depart=22:40", "onsite_arrival=2026-11-26 01:00", "pause:restore=23:00",
          "resume=2026-11-26T01:00", "level_set:2=23:30", "acknowledge:restore:tier:1=04:10",
          "callback_promised:1=22:30", "restore=2026-11-26T03:40+08:00", "closed=05:00")
LEVELS = ("1", "2", "4", " 3 ")
LIMITS = ("30s", "30min", "4h", "1h30min", "3d", "2 working days", "1 working day", "5wd",
          "3个工作日", "366d", "250 working days", "8784h")


BAD_NUMBERS = ("9" * 400, "-" + "9" * 400, "1e400", "nan", "inf", "0", "99999999999999999999",
               "1_000_000_000_000_000", "0x7fffffffffffffff")
BAD_SHARES = ("1.5", "0", "-1", "nan", "inf", "1e308", "true", '"0.8"')


def policy_gen(r: random.Random) -> bytes:
    kind = r.randrange(10)
    if kind < 2:
        n = r.choice((0, 10, 100, 1000))
        return bytes(r.randrange(256) for _ in range(n))
    if kind < 7:
        return mutate(r, r.choice(POLICY_TEXTS), r.randint(1, 4)).encode("utf-8", "replace")
    shapes: list[Callable[[], str]] = [
        lambda: "a = " + "[" * r.randint(10, 5000) + "]" * r.randint(0, 5000),
        lambda: "a = " + "{b = " * r.randint(10, 3000) + "1" + "}" * r.randint(0, 3000),
        lambda: "[" + ".".join("t" for _ in range(r.randint(10, 3000))) + "]\n",
        lambda: r.choice(POLICY_TEXTS).replace('"48h"', '"99999999999999999999d"'),
        lambda: r.choice(POLICY_TEXTS).replace('"1 working day"', '"100000 working days"'),
        lambda: r.choice(POLICY_TEXTS).replace("warn_share = 0.8",
                                               "warn_share = " + r.choice(BAD_SHARES)),
        lambda: r.choice(POLICY_TEXTS) + "\n[targets.loop]\nstart = \"depart\"\n"
                                         "stop = \"depart\"\nlimit = \"1h\"\n",
        lambda: r.choice(POLICY_TEXTS) + "\n[[assurance]]\nname = \"x\"\nstart = 0001-01-01\n"
                                         "end = 9999-12-31\nfactor = 0.5\n",
        lambda: "x = \"" + "y" * r.choice((1000, 1_000_001)) + "\"",
        lambda: POLICY_TEXTS[1].replace("points = -5", "points = " + r.choice(BAD_NUMBERS)),
        lambda: POLICY_TEXTS[1] + "\n[[scoring.period]]\nid = \"fuzz\"\nmetric = \"m\"\n"
                                  "points = -1\nbelow = " + r.choice(BAD_NUMBERS) + "\n",
    ]
    return r.choice(shapes)().encode("utf-8", "replace")


# -- the parsers, each with the errors it may raise ------------------------------------------

def _report(month: str | None = None, quarter: str | None = None, frm: str | None = None,
            to: str | None = None) -> object:
    return _days(argparse.Namespace(month=month, quarter=quarter, date_from=frm, date_to=to))


@dataclass
class Target:
    name: str
    run: Callable[[object], object]
    gen: Callable[[random.Random], object]
    expected: tuple[type[BaseException], ...] = (HotlineError,)
    accepted: int = 0
    refused: int = 0
    unexpected: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)


def targets() -> list[Target]:
    return [
        Target("parse_time (--at, --opened, ring --at)",
               lambda t: parse_time(str(t), TZ, NOW), from_valid(TIMES)),
        Target("parse_time after --opened (--event, --at)",
               lambda t: parse_time(str(t), TZ, NOW, after=OPENED), from_valid(TIMES)),
        Target("parse_date (--from, --to, shift --date)", lambda t: parse_date(str(t)),
               from_valid(DATES)),
        Target("parse_month (--month)", lambda t: parse_month(str(t)), from_valid(MONTHS)),
        Target("parse_quarter (--quarter)", lambda t: parse_quarter(str(t)),
               from_valid(QUARTERS)),
        Target("parse_year (YYYY)", lambda t: parse_year(str(t)), from_valid(YEARS)),
        Target("report --from/--to", lambda t: _report(frm=str(t), to="2026-11-30"),
               from_valid(DATES)),
        Target("sla explain --event", lambda t: _event(str(t), GD, TZ, NOW, OPENED),
               from_valid(EVENTS)),
        Target("sla explain --level", lambda t: _level(str(t), GD, "fault"),
               from_valid(LEVELS)),
        Target("parse_limit (policy limits)", lambda t: parse_limit(t), from_valid(LIMITS),
               expected=(ValueError,)),
        Target("policy TOML reader", lambda b: read_policy_text(
            b if isinstance(b, bytes) else str(b).encode(), Path("fuzz.toml"), TZ),
               policy_gen),
    ]


def fuzz(target: Target, count: int, seed: int) -> None:
    r = random.Random(f"{seed}:{target.name}")
    start = time.perf_counter()
    for _ in range(count):
        value = target.gen(r)
        try:
            target.run(value)
        except target.expected:
            target.refused += 1
        except Exception:  # counting what should never happen
            target.unexpected += 1
            if len(target.examples) < 3:
                shown = repr(value)[:120]
                target.examples.append(f"{shown}\n{traceback.format_exc(limit=3)}")
        else:
            target.accepted += 1
    target.seconds = time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000, help="inputs per parser")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="only parsers whose name contains this")
    args = ap.parse_args(argv)
    chosen = [t for t in targets() if not args.only or args.only in t.name]
    sys.setrecursionlimit(1000)
    print(f"{args.count:,} inputs per parser, seed {args.seed}")
    print(f"{'parser':44} {'inputs':>9} {'accepted':>9} {'refused':>9} {'unexpected':>10} "
          f"{'seconds':>8} {'inputs/s':>9}")
    total_unexpected = 0
    for target in chosen:
        fuzz(target, args.count, args.seed)
        total_unexpected += target.unexpected
        rate = args.count / target.seconds if target.seconds else 0.0
        print(f"{target.name:44} {args.count:>9,} {target.accepted:>9,} {target.refused:>9,} "
              f"{target.unexpected:>10,} {target.seconds:>8.1f} {rate:>9,.0f}", flush=True)
        for ex in target.examples:
            print("  unexpected:", ex)
    total = args.count * len(chosen)
    print(f"total: {total:,} inputs, {total_unexpected:,} unexpected exceptions")
    return 1 if total_unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())
