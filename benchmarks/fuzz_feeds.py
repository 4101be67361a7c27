"""Fuzzing the phone-system feeds: every parser refuses bad input with the desk's own error.

Run from the repository root::

    uv run python benchmarks/fuzz_feeds.py [--count 100000] [--seed 7] [--sample 500]

For each parser (a JSON line, a queue_log line, an AMI frame) it generates
``--count`` inputs: random text, random bytes, mutations of valid lines
(characters inserted, deleted, replaced; fields cut, repeated, swapped) and
the hostile shapes a tester found (huge numbers, deep nesting, years 1 and
9999, epoch 0, lone surrogates, NUL bytes, over-long names, repeated keys,
negative and non-numeric waits). Each goes through the parser; one input in
``--sample`` also goes the whole way into a desk on a new SQLite file (the
JSON lines through ``apply_lines``, the queue_log lines through an import,
the AMI frames through the feed's event handling and ``apply_call_event``).

Anything raised other than :class:`~hotline.errors.InputError` is an
*unexpected exception*: the figures per parser count them (and show the
first few); the script exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.telephony.ami import AmiFeed, AmiSettings, MalformedFrame, parse_frame_bytes
from hotline.telephony.call_events import validate
from hotline.telephony.jsonl import apply_lines, parse_line
from hotline.telephony.queue_log import import_queue_log, parse_queue_log_line
from tests.support import START, TZ, build_desk, make_settings

T = int(START.timestamp()) - 3600  # valid lines: the hour before the desk's clock

# --- what valid input looks like ------------------------------------------------------


def valid_json(rng: random.Random) -> str:
    kind = rng.choice(["ring", "answer", "abandon", "hangup"])
    obj: dict[str, object] = {"event": kind, "call_id": f"{T}.{rng.randint(0, 999)}",
                              "at": f"2026-11-25T09:{rng.randint(0, 59):02d}:00+08:00"}
    if kind == "ring" or rng.random() < 0.3:
        obj["number"] = f"139{rng.randint(0, 99_999_999):08d}"
    if rng.random() < 0.5:
        obj["queue"] = rng.choice(["support", "vip", "night"])
    if kind == "answer":
        obj["agent"] = rng.choice(["PJSIP/8001", "PJSIP/8002", "Zhang Wei"])
    if kind in ("answer", "abandon") and rng.random() < 0.5:
        obj["wait"] = rng.randint(0, 120)
    return json.dumps(obj, ensure_ascii=rng.random() < 0.5)


def valid_queue_log(rng: random.Random) -> str:
    t = T + rng.randint(0, 3000)
    uid = f"{t}.{rng.randint(0, 999)}"
    wait = rng.randint(0, 60)
    return rng.choice([
        f"{t}|{uid}|support|NONE|ENTERQUEUE||139{rng.randint(0, 99_999_999):08d}|1",
        f"{t}|{uid}|support|PJSIP/8001|CONNECT|{wait}|{uid}9|3",
        f"{t}|{uid}|support|NONE|ABANDON|1|1|{wait}",
        f"{t}|{uid}|support|NONE|EXITWITHTIMEOUT|1|1|300",
        f"{t}|{uid}|support|NONE|EXITWITHKEY|5|1|1|{wait}",
        f"{t}|{uid}|support|PJSIP/8001|COMPLETECALLER|{wait}|{rng.randint(1, 900)}|1",
        f"{t}|{uid}|support|PJSIP/8001|TRANSFER|8002|default|{wait}|120|1",
        f"{t}|{uid}|support|PJSIP/8002|RINGNOANSWER|15000",
        f"{t}|NONE|support|PJSIP/8002|PAUSE|lunch",
    ])


def valid_ami(rng: random.Random) -> str:
    uid = f"{T}.{rng.randint(0, 999)}"
    lines = rng.choice([
        ["Event: QueueCallerJoin", "Queue: support", f"Uniqueid: {uid}",
         f"CallerIDNum: 139{rng.randint(0, 99_999_999):08d}", "Position: 1"],
        ["Event: AgentConnect", "Queue: support", f"Uniqueid: {uid}",
         "Interface: PJSIP/8001", "MemberName: Zhang Wei", f"HoldTime: {rng.randint(0, 90)}"],
        ["Event: QueueCallerAbandon", "Queue: support", f"Uniqueid: {uid}",
         f"HoldTime: {rng.randint(0, 90)}"],
        ["Event: Hangup", f"Uniqueid: {uid}", "Cause-txt: Normal Clearing"],
        ["Response: Success", "ActionID: hotline-ping", "Ping: Pong"],
    ])
    return "\r\n".join(lines) + "\r\n\r\n"


# --- how inputs go wrong ------------------------------------------------------------------

ODD = ["\x00", "\ud800", "\udfff", "\ufffd", "\u202e", "\r", "\n", "|", ":", '"', "\\", "{",
       "}", "[", "]", ",", "-", "1e999", "NaN", "Infinity", "9" * 50, "é", "中", "\U0001f4de"]


def mutate(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        i = rng.randint(0, len(chars))
        if op < 0.3 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op < 0.6:
            chars[i:i] = rng.choice([*ODD, chr(rng.randint(0, 0x10FFFF))])
        elif op < 0.8 and chars:
            chars[min(i, len(chars) - 1)] = chr(rng.randint(0, 0x2FF))
        else:
            j = rng.randint(0, len(chars))
            chars = chars[:min(i, j)] + chars[max(i, j):] + chars[min(i, j):max(i, j)]
    return "".join(chars)


def random_text(rng: random.Random) -> str:
    n = rng.choice([0, 1, 5, 30, 200])
    alphabet = rng.choice([None, '{}[]":,0123456789.eE-+ abtrunfl', "|0123456789ABCDENTRQ",
                           ": \r\nEventQuniqd"])
    if alphabet is None:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(n))
    return "".join(rng.choice(alphabet) for _ in range(n))


def random_bytes(rng: random.Random) -> str:
    return rng.randbytes(rng.choice([0, 1, 8, 64, 300])).decode("utf-8", errors="replace")


def hostile_json(rng: random.Random) -> str:
    at = '"2026-11-25T09:59:00+08:00"'
    return rng.choice([
        '{"event": "ring", "call_id": "h", "number": ' + "9" * rng.randint(30, 6000)
        + f', "at": {at}}}',
        "[" * rng.randint(100, 9000) + "]" * rng.randint(0, 9000),
        "{\"a\":" * rng.randint(100, 3000) + "1" + "}" * rng.randint(0, 3000),
        '{"event": "ring", "call_id": "h", "number": "1", "at": "0001-01-01T00:00:00"}',
        '{"event": "ring", "call_id": "h", "number": "1", "at": "9999-12-31T23:59:59-23:59"}',
        '{"event": "ring", "call_id": "h", "number": "1", "at": "1970-01-01T00:00:00Z"}',
        '{"event": "ring", "call_id": "\\ud800", "number": "1", ' + f'"at": {at}}}',
        '{"event": "ring", "call_id": "h", "number": "1\\u0000", ' + f'"at": {at}}}',
        '{"event": "ring", "call_id": "h", "number": "1", "queue": "'
        + "q" * rng.randint(61, 500) + f'", "at": {at}}}',
        '{"event": "ring", "call_id": "h", "number": "1", "event": "answer", ' + f'"at": {at}}}',
        '{"event": "answer", "call_id": "h", "wait": ' + rng.choice(
            ["-1", "1e999", "NaN", "Infinity", "1e308", "604800", '"x"', "true"])
        + f', "at": {at}}}',
        '{"event": "answer", "call_id": "' + "k" * rng.randint(100, 400) + f'", "at": {at}}}',
    ])


def hostile_queue_log(rng: random.Random) -> str:
    t = T
    return rng.choice([
        "0|h|support|NONE|ENTERQUEUE||13800138000|1",
        "-5|h|support|NONE|ENTERQUEUE||13800138000|1",
        "253402300800|h|support|NONE|ENTERQUEUE||13800138000|1",
        "1e400|h|support|NONE|ENTERQUEUE||13800138000|1",
        "nan|h|support|NONE|ENTERQUEUE||13800138000|1",
        f"{t}|h|support|PJSIP/8001|CONNECT|{rng.choice(['-3', 'x', 'nan', 'inf', '1e9'])}|h9|3",
        f"{t}|h|support|NONE|ABANDON|1|1|{rng.choice(['-3', 'x', 'nan', 'inf'])}",
        f"{t}|h|{'q' * rng.randint(61, 300)}|NONE|ENTERQUEUE||13800138000|1",
        f"{t}|{'k' * rng.randint(111, 300)}|support|NONE|ENTERQUEUE||1|1",
        f"{t}|h\x00|support|NONE|ENTERQUEUE||1|1",
        f"{t}|h|sup\ud800port|NONE|ENTERQUEUE||1|1",
        f"{t}|h|support|NONE|ENTERQUEUE||{'9' * rng.randint(65, 5000)}|1",
        "|" * rng.randint(0, 2000),
    ])


def hostile_ami(rng: random.Random) -> str:
    uid = f"{T}.1"
    return rng.choice([
        f"Event: QueueCallerJoin\r\nUniqueid: {uid}\r\nQueue: {'q' * rng.randint(61, 300)}\r\n",
        f"Event: QueueCallerJoin\r\nUniqueid: {uid}\x00\r\nCallerIDNum: 1\r\n",
        f"Event: AgentConnect\r\nUniqueid: {uid}\r\nHoldTime: "
        f"{rng.choice(['-1', 'nan', 'inf', '1e400', 'x'])}\r\nInterface: PJSIP/8001\r\n",
        f"Event: QueueCallerJoin\r\nUniqueid: {uid}\r\nCallerIDNum: {'9' * 5000}\r\n",
        f"Event: Hangup\r\nUniqueid: {'k' * rng.randint(111, 400)}\r\n",
        "Event: Hangup\r\n" + "X-Key: v\r\n" * rng.randint(300, 600),
        "Event: QueueCallerJoin\r\nUniqueid: \ud800\r\nQueue: support\r\n",
        "Response: Error\r\nMessage: " + "m" * 70_000 + "\r\n",
        ": no key\r\n" * rng.randint(1, 5),
        "Event: AgentConnect\r\n" + f"Uniqueid: {uid}\r\nInterface: " + "i" * 300 + "\r\n",
    ])


def inputs(valid: Callable[[random.Random], str], hostile: Callable[[random.Random], str],
           rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        roll = rng.random()
        if roll < 0.15:
            yield random_text(rng)
        elif roll < 0.30:
            yield random_bytes(rng)
        elif roll < 0.75:
            yield mutate(valid(rng), rng)
        elif roll < 0.90:
            yield hostile(rng)
        else:
            yield valid(rng)


# --- running them ----------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    inputs: int = 0
    accepted: int = 0
    refused: int = 0
    unexpected: int = 0
    ingested: int = 0
    ingest_unexpected: int = 0
    seconds: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def fail(self, text: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(f"{text[:120]!r}\n{traceback.format_exc(limit=3)}")


def _reason(exc: InputError) -> str:
    """The kind of refusal, without the value quoted (so that alike ones count together)."""
    text = exc.reason if isinstance(exc, MalformedFrame) else str(exc)
    text = re.sub(r"'.*?'", "'…'", text.split(" (")[0])
    return re.sub(r"(?<![\w-])\d[\d.:+T-]*", "N", text)[:70]


def fuzz_json(desk: Desk, texts: Iterator[str], sample: int) -> Figures:
    f = Figures("JSON line")
    batch: list[str] = []
    start = time.perf_counter()
    for text in texts:
        f.inputs += 1
        try:
            event = parse_line(text, TZ)
            validate(event, START, TZ)
            f.accepted += 1
        except InputError as exc:
            f.refused += 1
            f.reasons[_reason(exc)] += 1
        except Exception:
            f.unexpected += 1
            f.fail(text)
        if f.inputs % sample == 0:
            batch.append(text)
            if len(batch) >= 50:
                _ingest_json(desk, batch, f)
    _ingest_json(desk, batch, f)
    f.seconds = time.perf_counter() - start
    return f


def _ingest_json(desk: Desk, batch: list[str], f: Figures) -> None:
    if not batch:
        return
    try:
        apply_lines(desk, batch)
        f.ingested += len(batch)
    except Exception:
        f.ingest_unexpected += 1
        f.fail("\n".join(batch))
    batch.clear()


def fuzz_queue_log(desk: Desk, texts: Iterator[str], sample: int, folder: Path) -> Figures:
    f = Figures("queue_log line")
    batch: list[str] = []
    start = time.perf_counter()
    for text in texts:
        f.inputs += 1
        try:
            parse_queue_log_line(text, START)
            f.accepted += 1
        except InputError as exc:
            f.refused += 1
            f.reasons[_reason(exc)] += 1
        except Exception:
            f.unexpected += 1
            f.fail(text)
        if f.inputs % sample == 0:
            batch.append(text)
            if len(batch) >= 50:
                _ingest_queue_log(desk, batch, f, folder)
    _ingest_queue_log(desk, batch, f, folder)
    f.seconds = time.perf_counter() - start
    return f


def _ingest_queue_log(desk: Desk, batch: list[str], f: Figures, folder: Path) -> None:
    if not batch:
        return
    path = folder / f"queue_log.{f.ingested}"
    path.write_bytes(b"\n".join(t.replace("\n", " ").encode("utf-8", "surrogatepass")
                                for t in batch) + b"\n")
    try:
        import_queue_log(desk, path)
        f.ingested += len(batch)
    except Exception:
        f.ingest_unexpected += 1
        f.fail("\n".join(batch))
    batch.clear()


def fuzz_ami(desk: Desk, texts: Iterator[str], sample: int) -> Figures:
    f = Figures("AMI frame")
    feed = AmiFeed(desk, AmiSettings(host="127.0.0.1", port=5038, user="fuzz", secret="x"))
    start = time.perf_counter()
    for text in texts:
        f.inputs += 1
        try:
            frame = parse_frame_bytes(text.encode("utf-8", "surrogatepass"), 1)
            feed._dispatch(frame)  # what the feed makes of it: call events, or nothing
            while not feed.work.empty():
                work = feed.work.get_nowait()
                if work.event is not None:
                    validate(work.event, START, TZ)
                    if f.inputs % sample == 0:
                        feed._apply(work)  # the whole way: logged and skipped if refused
                        f.ingested += 1
            f.accepted += 1
        except InputError as exc:
            f.refused += 1
            f.reasons[_reason(exc)] += 1
        except Exception:
            f.unexpected += 1
            f.fail(text)
        finally:
            while not feed.work.empty():
                feed.work.get_nowait()
    f.seconds = time.perf_counter() - start
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="inputs per parser")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=500,
                        help="one input in this many also goes the whole way into a desk")
    args = parser.parse_args()
    logging.getLogger("hotline.feed").setLevel(logging.CRITICAL)  # skipped lines are counted
    sys.setrecursionlimit(1000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        desk = build_desk(make_settings(f"sqlite:///{folder / 'fuzz.db'}"), FixedClock(START))
        rng = random.Random(args.seed)
        results = [
            fuzz_json(desk, inputs(valid_json, hostile_json, rng, args.count), args.sample),
            fuzz_queue_log(desk, inputs(valid_queue_log, hostile_queue_log, rng, args.count),
                           args.sample, folder),
            fuzz_ami(desk, inputs(valid_ami, hostile_ami, rng, args.count), args.sample),
        ]
        desk.engine.dispose()
    print(f"seed {args.seed}, {args.count:,} inputs per parser, 1 in {args.sample} ingested "
          "into a SQLite desk")
    print(f"{'parser':<16}{'inputs':>10}{'accepted':>10}{'refused':>10}{'ingested':>10}"
          f"{'unexpected':>12}{'seconds':>9}")
    total = 0
    for f in results:
        bad = f.unexpected + f.ingest_unexpected
        total += bad
        print(f"{f.name:<16}{f.inputs:>10,}{f.accepted:>10,}{f.refused:>10,}{f.ingested:>10,}"
              f"{bad:>12,}{f.seconds:>9.1f}")
    for f in results:
        print(f"\n{f.name}: most common refusals")
        for reason, n in f.reasons.most_common(6):
            print(f"  {n:>8,}  {reason}")
        for example in f.examples:
            print(f"  UNEXPECTED: {example}")
    print(f"\nunexpected exceptions: {total}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
