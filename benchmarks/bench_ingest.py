"""Ingest at desk scale: 100,000 JSON-lines call events, and a queue_log of 100,000 lines.

Run from the repository root::

    uv run python benchmarks/bench_ingest.py [--events 100000] [--db URL] [--seed 7]

Generates, with a fixed seed:

* a directory (300 customers with contracts under the three shipped
  policies, 3,000 contacts with 4,500 numbers, 20 engineers with PBX agents);
* a JSON-lines file of ``--events`` call events as a phone system would send
  them, calls overlapping in time: ring → answer (an agent) → hang-up, ring →
  abandon, ring → hang-up while ringing, an answer or hang-up delivered before
  its ring, hang-ups for call ids that never rang, an answer for a call
  already abandoned (a contradiction), repeated lines, calls still ringing;
  callers from the directory, unknown mobiles and landlines, withheld and
  unreadable caller ids;
* an Asterisk queue_log of ``--events`` lines (the same mix as
  ``bench_queue_log.py``, with callers from the directory).

Each run goes into a fresh database holding only the directory (a new SQLite
file, or with ``--db postgresql+psycopg://…`` a new schema, dropped
afterwards) through the commands themselves, timed from the command's start
to its end: ``hotline feed --jsonl FILE -q``, the same file on standard input
(``hotline feed --jsonl - -q``, the live feed), the listener ``hotline feed
--listen`` runs (one client sending every line and counting the answers, each
sent once its line is committed), and ``hotline import queue-log FILE``.
Afterwards the script counts what is in the database (calls, events, kept PBX
events) against what the generator knows it sent, and exits 1 on any
difference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.phones import parse_number
from hotline.store.engine import make_engine
from hotline.store.models import (
    Call,
    Contact,
    ContactNumber,
    Contract,
    Customer,
    Engineer,
    Event,
    MissedCall,
    PbxEvent,
)
from hotline.store.schema import upgrade

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
POLICIES = ("standard", "guangdong-transmission", "fire-maintenance")
AREAS = ("020", "0755", "0769", "0757", "0756")
ENGINEERS = 20  # PJSIP/8001 … 8020 are claimed by engineers
AGENTS = [f"PJSIP/80{n:02d}" for n in range(1, 25)]  # 8021 … 8024 nobody claimed


# --- the directory ---------------------------------------------------------------


def seed_directory(url: str, rng: random.Random) -> list[str]:
    """Migrate a fresh database and fill its directory; returns the numbers as dialled."""
    engine = make_engine(url)
    upgrade(engine)
    dialled: list[str] = []
    customers: list[dict[str, object]] = []
    contracts: list[dict[str, object]] = []
    contacts: list[dict[str, object]] = []
    numbers: list[dict[str, object]] = []
    seen: set[str] = set()
    contact_id = 0
    for cid in range(1, 301):
        customers.append({"id": cid, "code": f"C{cid:04d}", "name": f"Customer {cid}",
                          "city": "广州"})
        contracts.append({"id": cid, "code": f"K{cid:04d}", "customer_id": cid,
                          "grade": rng.choice("ABC"), "policy": rng.choice(POLICIES),
                          "region": None, "valid_from": date(2026, 1, 1),
                          "valid_to": date(2027, 12, 31)})
        for _n in range(10):
            contact_id += 1
            contacts.append({"id": contact_id, "customer_id": cid,
                             "name": f"Contact {contact_id}"})
            for k in range(1 if contact_id % 2 else 2):
                while True:
                    if k == 0:
                        text = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
                    else:
                        area = rng.choice(AREAS)
                        text = f"{area}{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
                    if text in seen:
                        continue
                    try:
                        parsed = parse_number(text)
                    except Exception:
                        continue
                    seen.add(text)
                    break
                dialled.append(text)
                numbers.append({"contact_id": contact_id, "e164": parsed.e164,
                                "extension": parsed.extension, "kind": parsed.kind})
    engineers = [{"login": f"eng{n:02d}", "name": f"Engineer {n}", "role": "engineer",
                  "agent": AGENTS[n - 1], "active": True} for n in range(1, ENGINEERS + 1)]
    with engine.begin() as conn:
        for model, rows in ((Customer, customers), (Contract, contracts), (Contact, contacts),
                            (ContactNumber, numbers), (Engineer, engineers)):
            conn.execute(sa.insert(model.__table__), rows)  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("customer", "contract", "contact"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")
    engine.dispose()
    return dialled


def caller(rng: random.Random, directory: list[str]) -> str:
    roll = rng.random()
    if roll < 0.60:
        return rng.choice(directory)
    if roll < 0.88:
        return f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
    if roll < 0.94:
        return f"{rng.choice(AREAS)} {rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
    if roll < 0.98:
        return ""  # withheld
    return rng.choice(("anonymous", "unavailable", "+0000"))


# --- JSON lines ------------------------------------------------------------------


@dataclass
class Sent:
    lines: int = 0
    calls: int = 0  # call ids that end up as calls
    events: int = 0  # rows the desk writes in its event log
    kept: int = 0  # rows kept in pbx_event
    by_scenario: dict[str, int] = field(default_factory=dict)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, TZ).isoformat(timespec="seconds")


def generate_jsonl(path: Path, n_events: int, directory: list[str],
                   rng: random.Random) -> Sent:
    """Write ``n_events`` lines; returns what the desk must hold afterwards."""
    sent = Sent()
    stream: list[tuple[float, int, dict[str, object]]] = []  # (delivered, seq, line)
    seq = 0
    t = NOW.timestamp() - 5 * 86400
    last = NOW.timestamp() - 600  # every event happened at least 10 minutes ago

    def emit(delivered: float, obj: dict[str, object]) -> None:
        nonlocal seq
        seq += 1
        stream.append((delivered, seq, obj))

    scenarios = [("answered", 0.52), ("abandoned", 0.18), ("hung_up_ringing", 0.07),
                 ("answer_first", 0.05), ("hangup_first", 0.03), ("unknown_hangup", 0.02),
                 ("contradiction", 0.01), ("still_ringing", 0.02), ("with_repeat", 0.10)]
    names = [s for s, _w in scenarios]
    weights = [w for _s, w in scenarios]
    length = {"answered": 3, "abandoned": 2, "hung_up_ringing": 2, "answer_first": 3,
              "hangup_first": 2, "unknown_hangup": 1, "contradiction": 3, "still_ringing": 1,
              "with_repeat": 4}
    i = 0
    while sent.lines < n_events:
        i += 1
        t = min(t + rng.uniform(1, 7), last - 1200)
        key = f"{int(t)}.{i}"
        number = caller(rng, directory)
        queue = rng.choice(("support", "support", "support", "vip"))
        agent = rng.choice(AGENTS)
        wait = rng.randint(2, 50)
        talk = rng.randint(20, 900)
        scenario = rng.choices(names, weights)[0]
        if n_events - sent.lines < length[scenario]:
            scenario = "unknown_hangup"
        ring = {"event": "ring", "call_id": key, "number": number, "at": _iso(t),
                "queue": queue}
        answer = {"event": "answer", "call_id": key, "at": _iso(t + wait), "agent": agent,
                  "queue": queue, "wait": wait}
        hangup = {"event": "hangup", "call_id": key, "at": _iso(t + wait + talk)}
        abandon = {"event": "abandon", "call_id": key, "at": _iso(t + wait), "wait": wait}
        if scenario in ("answered", "with_repeat"):
            emit(t, ring)
            emit(t + wait, answer)
            emit(t + wait + talk, hangup)
            sent.calls += 1
            sent.events += 3  # rang, answered, hung up
            if scenario == "with_repeat":  # a bridge that re-sent a line after a timeout
                original = rng.choice((ring, answer, hangup))
                at = datetime.fromisoformat(str(original["at"])).timestamp()
                emit(at + 0.5, dict(original))
        elif scenario == "abandoned":
            emit(t, ring)
            emit(t + wait, abandon)
            sent.calls += 1
            sent.events += 2
        elif scenario == "hung_up_ringing":
            emit(t, ring)
            emit(t + wait, {"event": "hangup", "call_id": key, "at": _iso(t + wait)})
            sent.calls += 1
            sent.events += 2  # rang, abandoned
        elif scenario == "answer_first":  # the bridge delivered the answer before the ring
            emit(t + wait, ring)
            emit(t + wait - 0.1, answer)
            emit(t + wait + talk, hangup)
            sent.calls += 1
            # rang (inferred), answered, hung up; the late ring fills in a number
            sent.events += 3 + (1 if number else 0)
        elif scenario == "hangup_first":  # a hang-up overtook its ring
            emit(t + wait + 0.1, ring)
            emit(t + wait, {"event": "hangup", "call_id": key, "at": _iso(t + wait)})
            sent.calls += 1
            sent.kept += 1
            sent.events += 3  # kept (unmatched), rang, abandoned by the kept hang-up
        elif scenario == "unknown_hangup":
            emit(t, {"event": "hangup", "call_id": f"x{key}", "at": _iso(t)})
            sent.kept += 1
            sent.events += 1
        elif scenario == "contradiction":  # abandoned, then the PBX says it was answered
            emit(t, ring)
            emit(t + wait, abandon)
            emit(t + wait + 1, {**answer, "at": _iso(t + wait + 1)})
            sent.calls += 1
            sent.kept += 1
            sent.events += 3  # rang, abandoned, kept (unmatched)
        else:  # still ringing when the file ends
            ring["at"] = _iso(last + rng.uniform(0, 500))
            emit(last + 600, ring)
            sent.calls += 1
            sent.events += 1
        sent.lines += length[scenario]
        sent.by_scenario[scenario] = sent.by_scenario.get(scenario, 0) + 1
    stream.sort(key=lambda x: (x[0], x[1]))
    with path.open("w", encoding="utf-8") as f:
        for _d, _s, obj in stream:
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    assert len(stream) == n_events == sent.lines
    return sent


# --- queue_log -------------------------------------------------------------------


def generate_queue_log(path: Path, n_lines: int, directory: list[str],
                       rng: random.Random) -> int:
    """Write ``n_lines`` queue_log lines; returns how many calls they offer."""
    t = int(NOW.timestamp()) - 120 * 86400
    lines = [f"{t}|NONE|NONE|NONE|QUEUESTART|"]
    calls = 0
    i = 0
    while len(lines) < n_lines:
        i += 1
        t += rng.randint(20, 200)
        uid = f"{t}.{i}"
        number = caller(rng, directory).replace(" ", "")
        agent = rng.choice(AGENTS)
        room = n_lines - len(lines)
        roll = rng.random()
        wait = rng.randint(1, 60)
        lines.append(f"{t}|{uid}|support|NONE|ENTERQUEUE||{number}|1")
        calls += 1
        if room >= 4 and rng.random() < 0.2:
            lines.append(f"{t + 1}|{uid}|support|{rng.choice(AGENTS)}|RINGNOANSWER|15000")
            room -= 1
        if roll < 0.80 and room >= 3:
            talk = rng.randint(30, 900)
            lines.append(f"{t + wait}|{uid}|support|{agent}|CONNECT|{wait}|{uid}9|3")
            lines.append(f"{t + wait + talk}|{uid}|support|{agent}|COMPLETECALLER|"
                         f"{wait}|{talk}|1")
        elif roll < 0.95 and room >= 2:
            lines.append(f"{t + wait}|{uid}|support|NONE|ABANDON|1|1|{wait}")
        elif roll < 0.99 and room >= 2:
            lines.append(f"{t + 300}|{uid}|support|NONE|EXITWITHTIMEOUT|1|1|300")
        if i % 500 == 0 and len(lines) < n_lines:
            lines.append(f"{t}|NONE|support|{agent}|PAUSE|lunch")
    path.write_text("\n".join(lines) + "\n")
    assert len(lines) == n_lines
    return calls


# --- running the commands ----------------------------------------------------------


@contextlib.contextmanager
def fresh_database(base: str | None, tmp: Path, name: str) -> Iterator[str]:
    """A new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if base is None or not base.startswith("postgresql"):
        yield base or f"sqlite:///{tmp / (name + '.db')}"
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def command(argv: list[str], stdin: Path | None = None) -> tuple[int, float, str, int]:
    """Run ``hotline ARGV`` in this process: exit code, seconds, output, lines it logged."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    with contextlib.ExitStack() as stack:
        if stdin is not None:
            sys.stdin = stack.enter_context(stdin.open(encoding="utf-8"))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))  # the feed's log, a progress bar
        start = time.perf_counter()
        try:
            code = run(argv, clock=FixedClock(NOW))
        finally:
            sys.stdin = saved
        took = time.perf_counter() - start
    return code, took, out.getvalue(), len(err.getvalue().splitlines())


def listen(url: str, path: Path) -> tuple[float, int]:
    """Send every line to the listener ``hotline feed --listen`` runs, in one connection.

    The client writes as fast as the listener reads and counts the "ok"
    answers, each sent once its line is committed; timed until the last one.
    """
    from hotline.desk.operations import open_desk
    from hotline.telephony.jsonl import JsonlListener
    from tests.support import make_settings

    desk = open_desk(make_settings(url, tz=TZ, login=None), FixedClock(NOW))
    data = path.read_bytes()

    async def scenario() -> tuple[float, int]:
        listener = JsonlListener(desk)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            start = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)

            async def send() -> None:
                writer.write(data)
                await writer.drain()
                writer.write_eof()

            sending = asyncio.create_task(send())
            ok = 0
            while line := await reader.readline():
                ok += b'"ok": true' in line
            await sending
            took = time.perf_counter() - start
            writer.close()
            await listener.close()
        return took, ok

    logging.getLogger("hotline.feed").setLevel(logging.ERROR)
    try:
        return asyncio.run(scenario())
    finally:
        desk.engine.dispose()


def count(url: str) -> tuple[int, int, int]:
    """Rows in call, event (the call events: not those of the missed calls the hang-ups
    opened, which :func:`missed` counts) and pbx_event."""
    engine = make_engine(url)
    with engine.connect() as conn:
        got = tuple(int(conn.execute(sa.select(sa.func.count()).select_from(m.__table__)
                                     .where(*where)).scalar_one())  # type: ignore[attr-defined]
                    for m, where in ((Call, ()),
                                     (Event, (sa.not_(Event.kind.startswith("missed_call")),)),
                                     (PbxEvent, ())))
    engine.dispose()
    return got  # type: ignore[return-value]


def missed(url: str) -> tuple[int, int]:
    """Missed calls opened (callbacks owed to callers who hung up), and their events."""
    engine = make_engine(url)
    with engine.connect() as conn:
        items = conn.execute(sa.select(sa.func.count()).select_from(MissedCall)).scalar_one()
        events = conn.execute(sa.select(sa.func.count()).select_from(Event).where(
            Event.kind.startswith("missed_call"))).scalar_one()
    engine.dispose()
    return int(items), int(events)


def summary(out: str, lines: int = 3) -> str:
    kept = out.strip().splitlines()[:lines]
    return "".join(f"    | {line.strip()}\n" for line in kept).rstrip("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--db", default=None,
                    help="a PostgreSQL URL: each run gets a new schema there, dropped "
                         "afterwards (default: new SQLite files)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")  # no user config file
        os.environ["XDG_DATA_HOME"] = str(tmp / "data")
        for key in ("HOTLINE_DB", "HOTLINE_CONFIG", "HOTLINE_AS", "HOTLINE_NOW", "HOTLINE_TZ"):
            os.environ.pop(key, None)
        events_file = tmp / "events.jsonl"
        rng = random.Random(args.seed)
        sent: Sent | None = None
        for name, stdin in (("jsonl", False), ("stdin", True)):
            with fresh_database(args.db, tmp, name) as url:
                directory = seed_directory(url, random.Random(args.seed))
                if sent is None:
                    sent = generate_jsonl(events_file, args.events, directory, rng)
                    backend = sa.engine.make_url(url).get_backend_name()
                    print(f"database {backend}; directory {len(directory):,} numbers")
                    print(f"JSON lines: {sent.lines:,} events, {sent.calls:,} calls, "
                          f"{events_file.stat().st_size / 1e6:.1f} MB; "
                          + ", ".join(f"{k} {v:,}" for k, v in sent.by_scenario.items()))
                if stdin:
                    argv = ["feed", "--jsonl", "-", "-q", "--db", url]
                    label = "hotline feed --jsonl - < FILE"
                    extra = 2  # the live feed's "connected" and "stopped"
                else:
                    argv = ["feed", "--jsonl", str(events_file), "-q", "--db", url]
                    label = "hotline feed --jsonl FILE"
                    extra = 0
                code, took, out, logged = command(argv, events_file if stdin else None)
                calls, events, kept = count(url)
                expected = (sent.calls, sent.events + extra, sent.kept)
                ok = code == 0 and (calls, events, kept) == expected
                failures += not ok
                print(f"  {label:<30} {took:6.1f} s {sent.lines / took:8,.0f} events/s "
                      f"{sent.calls / took:7,.0f} calls/s  exit {code}, {logged:,} lines logged")
                print(summary(out, 2))
                print(f"    in the database: calls {calls:,} (expected {expected[0]:,}), events "
                      f"{events:,} ({expected[1]:,}), kept PBX events {kept:,} "
                      f"({expected[2]:,}): {'all there' if ok else 'MISMATCH'}")
                print("    missed calls to call back: {:,} ({:,} events)".format(*missed(url)))

        with fresh_database(args.db, tmp, "listen") as url:
            assert sent is not None
            seed_directory(url, random.Random(args.seed))
            took, answers = listen(url, events_file)
            calls, events, kept = count(url)
            ok = (answers == sent.lines and (calls, events, kept) ==
                  (sent.calls, sent.events, sent.kept))
            failures += not ok
            label = "listener (--listen), 1 client"
            print(f"  {label:<30} {took:6.1f} s {sent.lines / took:8,.0f} events/s "
                  f"{sent.calls / took:7,.0f} calls/s  {answers:,} lines confirmed")
            print(f"    in the database: calls {calls:,} (expected {sent.calls:,}), events "
                  f"{events:,} ({sent.events:,}), kept PBX events {kept:,} "
                  f"({sent.kept:,}): {'all there' if ok else 'MISMATCH'}")
            print("    missed calls to call back: {:,} ({:,} events)".format(*missed(url)))

        with fresh_database(args.db, tmp, "qlog") as url:
            directory = seed_directory(url, random.Random(args.seed))
            path = tmp / "queue_log"
            offered = generate_queue_log(path, args.events, directory, rng)
            print(f"queue_log: {args.events:,} lines, {offered:,} calls, "
                  f"{path.stat().st_size / 1e6:.1f} MB")
            code, took, out, _logged = command(["import", "queue-log", str(path), "--db", url])
            calls, events, kept = count(url)
            ok = code == 0 and (calls, events, kept) == (offered, offered, 0)
            failures += not ok
            label = "hotline import queue-log FILE"
            print(f"  {label:<30} {took:6.1f} s {args.events / took:8,.0f} events/s "
                  f"{offered / took:7,.0f} calls/s  exit {code}")
            print(summary(out, 5))
            print(f"    in the database: calls {calls:,} (expected {offered:,}), events "
                  f"{events:,} ({offered:,}): {'all there' if ok else 'MISMATCH'}")
    if failures:
        print(f"{failures} run(s) did not leave every event in the database")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
