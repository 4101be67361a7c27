"""Fill a database with a provincial desk's worth of history, for the benchmarks.

    uv run python benchmarks/generate.py --db /tmp/desk-big.db            # the default size
    uv run python benchmarks/generate.py --db /tmp/desk-small.db --open 100 --tickets 2000 \\
        --calls 20000 --ringing 20
    createdb -h 127.0.0.1 -U postgres desk10m
    uv run python benchmarks/generate.py --calls 10000000 --tickets 1000000 --years 10 \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/desk10m

Defaults: 1,000,000 calls over three years, 100,000 tickets across 200
contracts, 10,000 of them open, 200 calls ringing at ``--now``. Every ticket's
clocks, escalations and penalties come from the SLA engine, exactly as the
desk would have written them: a supervisor acknowledged every alert older
than two hours twelve minutes after it came (so a tier chain stops there, as
it does at the desk); the alerts of the last two hours are still
unacknowledged, with the re-alerts the desk records for them
(:mod:`hotline.desk.realerts`: one ``escalation_alert`` row, event and outbox
row per acknowledgement timeout). Every event is linked into the audit chain
as the desk links it (:mod:`hotline.store.audit_chain`), so ``hotline audit
--verify`` and ``hotline db check`` pass on the result.

Calls are written in time order (ids follow time, as at the desk). Rows go in
bulk: PostgreSQL's ``COPY`` (psycopg's ``cursor.copy``), SQLite's
``executemany``; progress is shown as it goes. A PostgreSQL database must be
empty (a fresh ``createdb``); a SQLite file is replaced. The same seed gives
the same database.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.desk.clocks import Plan, plan_rows  # noqa: E402
from hotline.desk.escalation_raising import SYSTEM, engine_key, subject_key  # noqa: E402
from hotline.desk.outbox import REALERT  # noqa: E402
from hotline.desk.realerts import ack_timeout  # noqa: E402
from hotline.paths import shipped_data_dir  # noqa: E402
from hotline.sla import SlaEngine, SlaEvent, TicketFacts  # noqa: E402
from hotline.sla.results import Evaluation  # noqa: E402
from hotline.store.audit_chain import GENESIS  # noqa: E402
from hotline.store.engine import make_engine  # noqa: E402
from hotline.store.schema import upgrade  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")  # UTC+8 all year: a local day starts at 16:00 UTC
CITIES = ["广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "江门", "湛江", "茂名",
          "汕头", "梅州", "韶关", "清远", "肇庆", "揭阳"]
AREA = {"广州": "020", "深圳": "0755", "东莞": "0769", "佛山": "0757", "珠海": "0756",
        "中山": "0760", "惠州": "0752", "江门": "0750", "湛江": "0759", "茂名": "0668",
        "汕头": "0754", "梅州": "0753", "韶关": "0751", "清远": "0763", "肇庆": "0758",
        "揭阳": "0663"}
POLICIES = [("guangdong-transmission", 0.4), ("standard", 0.45), ("fire-maintenance", 0.15)]
#: Calls by hour of day: quiet at night, busy 9–11 and 14–17.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 10, 6, 8, 11, 11, 10, 8, 5, 4, 3, 2, 2, 1]
HOUR_CUM = list(accumulate(HOUR_WEIGHTS))
#: Rows buffered before they are written; calls between commits.
BATCH = 50_000
COMMIT_EVERY = 500_000
#: SQLite's page cache while generating, in KiB.
SQLITE_CACHE_KB = 512 * 1024
#: Tickets sent to the replaying processes at a time.
CHUNK = 2_000
#: Alerts older than this were acknowledged (ACK_AFTER after they came); newer ones wait.
ACK_OLDER_THAN = timedelta(hours=2)
ACK_AFTER = timedelta(minutes=12)
SUPERVISOR = "sup0"
#: The replay's stride: far enough to pass a ticket's deadlines in a few evaluations, near
#: enough that an alert's chain runs for at most this long before it is acknowledged.
STRIDE = timedelta(days=1)
#: The start of an event's canonical form (hotline.store.audit_chain).
_CHAIN_HEADER = b"hotline-event/1\n"

#: The columns written, per table, in the order the rows are tuples of.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": ("id", "number", "kind", "level", "initial_level", "status", "policy", "grade",
               "region", "conditions", "customer_id", "contact_id", "contract_id",
               "caller_number", "caller_name", "equipment", "site", "description",
               "opened_at", "opened_by", "assigned_to", "closed_at", "next_check_at",
               "next_due_at", "next_clock", "version"),
    "call": ("id", "call_key", "source", "queue", "number_raw", "number_e164", "number_kind",
             "contact_id", "customer_id", "contract_id", "state", "offered_at",
             "answer_due_at", "answer_warn_at", "answered_at", "answered_by", "ended_at",
             "escalated_at", "ticket_id", "version"),
    "clock": ("id", "ticket_id", "key", "target", "level", "limit_text", "state",
              "started_at", "due_at", "warn_at", "met_at", "breached_at", "paused_at",
              "paused_s"),
    "escalation": ("id", "key", "kind", "tier", "call_id", "ticket_id", "clock_id",
                   "raised_at", "due_at", "from_level", "to_level", "reason",
                   "acknowledged_at", "acknowledged_by", "note", "assigned_to"),
    "penalty": ("id", "key", "rule", "points", "at", "ticket_id", "contract_id",
                "description"),
    "escalation_alert": ("id", "escalation_id", "n", "at"),
    "event": ("id", "at", "recorded_at", "actor", "kind", "call_id", "ticket_id",
              "escalation_id", "data", "prev_hash", "hash"),
    "outbox": ("id", "key", "kind", "tier", "at", "recorded_at", "escalation_id",
               "ticket_id", "call_id", "data", "routed_at", "message_key"),
}
#: The columns holding times, by position (the generator's tables' other columns hold
#: text, whole numbers and NULLs only, which SQLite takes as they are).
_TIME_COLUMNS = {table: [i for i, c in enumerate(columns) if c == "at" or c.endswith("_at")]
                 for table, columns in COLUMNS.items()}
#: Written in this order, so that every foreign key finds its row.
ORDER = ("ticket", "call", "clock", "escalation", "penalty", "escalation_alert", "event",
         "outbox")


# --- writing rows in bulk ------------------------------------------------------------------


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (value.replace("\\", "\\\\").replace("\t", "\\t")
                     .replace("\n", "\\n").replace("\r", "\\r"))
        return value
    return str(value)


def _sqlite_value(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is datetime and value.tzinfo is UTC:
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, datetime):  # as SQLAlchemy stores them: naive UTC, microseconds
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(
            sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _drop_sqlite_indexes(conn: sa.Connection) -> list[str]:
    """Drop the indexes of the tables written in bulk; the statements that make them again.

    Unique ones stay: they are constraints, and the event table's trigger that keeps
    the chain linear looks up ``prev_hash`` through its index.

    An index built once the rows are in is built from sorted rows; kept while they go
    in, every row's entries go into it one by one, in no order (an event's time, its
    ``prev_hash``), and that grew to be most of the time writing a hundred thousand
    tickets. Made again with the very statements they were made with, so the schema
    is the same as a desk's.
    """
    marks = ", ".join("?" for _ in ORDER)
    raw: Any = conn.connection.dbapi_connection
    rows = raw.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                       f"sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' "
                       f"AND tbl_name IN ({marks}) ORDER BY name",
                       ORDER).fetchall()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.commit()
    # the foreign keys are checked at the end, all at once (_check_sqlite_keys): checked
    # row by row, a row of a table that others refer to looks for the rows referring to
    # it, through the indexes just dropped
    raw.execute("PRAGMA foreign_keys = OFF")
    return [sql for _name, sql in rows]


def _check_sqlite_keys(conn: sa.Connection) -> None:
    """Every foreign key finds its row (SQLite's own check, as the desk's would have)."""
    raw: Any = conn.connection.dbapi_connection
    broken = raw.execute("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise SystemExit(f"generated rows whose foreign key finds no row: {broken}")
    raw.execute("PRAGMA foreign_keys = ON")


class Sink:
    """Rows buffered per table and written in bulk, in :data:`ORDER`."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in ORDER}
        self.pending = 0
        self.written: dict[str, int] = dict.fromkeys(ORDER, 0)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)
        self.pending += 1

    def flush_if_full(self) -> None:
        """Write out once enough rows wait (between calls: a call, its ticket and the
        ticket's rows go in the same batch, so every foreign key finds its row)."""
        if self.pending >= BATCH:
            self.flush()

    def commit(self) -> None:
        self.flush()
        self.conn.commit()
        raw: Any = self.conn.connection.dbapi_connection
        raw.commit()

    def flush(self) -> None:
        for table in ORDER:
            rows = self.rows[table]
            if rows:
                self.write(table, COLUMNS[table], rows)
                self.written[table] += len(rows)
                rows.clear()
        self.pending = 0

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
              ) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        raw: Any = self.conn.connection.dbapi_connection
        if self.pg:
            text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
            with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
                cp.write(text.encode("utf-8"))
        else:
            marks = ", ".join("?" for _ in columns)
            times = _TIME_COLUMNS.get(table)
            if times is None:
                values = [tuple(map(_sqlite_value, row)) for row in rows]
            else:  # only the times need changing: the rest is text, numbers and NULLs
                values = []
                for row in rows:
                    out = list(row)
                    for i in times:
                        if (v := out[i]) is not None:
                            out[i] = _sqlite_value(v)
                    values.append(out)
            raw.cursor().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                                     values)


def _netstring(value: object) -> bytes:
    """A field of an event's canonical form (:mod:`hotline.store.audit_chain`)."""
    if value is None:
        return b"~"
    raw = (value if isinstance(value, str) else str(value)).encode("utf-8", "surrogatepass")
    return b"%d:%b," % (len(raw), raw)


def link_hash(prev_hash: str, at: datetime, actor: str, kind: str, call_id: int | None,
              ticket_id: int | None, escalation_id: int | None, data: str) -> str:
    """:func:`hotline.store.audit_chain.event_hash` of a generated event (recorded when it
    happened), without the general path's per-field dispatch: the chain is hashed event by
    event in one process, so this is a good part of the generator's time."""
    stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    when = b"%d:%b," % (len(stamp) + 1, stamp.encode("ascii") + b"Z")
    return hashlib.sha256(b"".join((
        _CHAIN_HEADER, _netstring(prev_hash), when, when, _netstring(actor), _netstring(kind),
        _netstring(call_id), _netstring(ticket_id), _netstring(escalation_id),
        _netstring(data)))).hexdigest()


class Chain:
    """The audit chain's links, computed as the desk computes them, in id order."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.tail = GENESIS
        self.next_id = 1

    def event(self, kind: str, at: datetime, actor: str, /, *, call_id: int | None = None,
              ticket_id: int | None = None, escalation_id: int | None = None,
              **data: object) -> None:
        text = json.dumps(data, ensure_ascii=False, default=str)
        digest = link_hash(self.tail, at, actor, kind, call_id, ticket_id, escalation_id, text)
        self.sink.add("event", (self.next_id, at, at, actor, kind, call_id, ticket_id,
                                escalation_id, text, self.tail, digest))
        self.tail = digest
        self.next_id += 1


@dataclass
class Ids:
    """The next id of each table written with explicit ids."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDER, 1))

    def take(self, table: str) -> int:
        n = self.next[table]
        self.next[table] = n + 1
        return n


# --- a ticket's life, as the SLA engine sees it ---------------------------------------------


def settle(sla: SlaEngine, facts: TicketFacts, events: list[SlaEvent], now: datetime
           ) -> tuple[Evaluation, list[tuple[str, datetime]]]:
    """The evaluation at ``now`` once every alert older than :data:`ACK_OLDER_THAN` was
    acknowledged :data:`ACK_AFTER` after it came; the acknowledgements (key, when).

    An unacknowledged tier alert re-alerts every acknowledgement timeout for ever, so an
    old ticket evaluated at ``now`` before its alerts are acknowledged replays months of
    re-alerts. Instead the replay walks forward from one change to the next, acknowledging
    each alert as it comes: a handful of short evaluations per ticket.
    """
    ack_before = now - ACK_OLDER_THAN
    acks: list[tuple[str, datetime]] = []
    t = min(max([facts.opened_at, *(e.at for e in events)]) + STRIDE, now)
    while True:
        evaluation = sla.evaluate(facts, events, t)
        late = [st for st in evaluation.escalations
                if st.tier is not None and st.acknowledged_at is None and st.at < ack_before]
        if late:  # the earliest first: acknowledging it stops its chain's later alerts
            first = min(late, key=lambda st: st.at)
            ack_at = first.at + ACK_AFTER
            events.append(SlaEvent(name="acknowledge", at=ack_at, key=first.key))
            acks.append((first.key, ack_at))
            t = max(t, min(ack_at, now))  # replayed up to the acknowledgement at least
            continue
        if t >= now:
            return evaluation, acks
        nxt = evaluation.next_change_at
        t = now if nxt is None else min(now, max(nxt + timedelta(seconds=1), t + STRIDE))


@dataclass
class Job:
    """A ticket drawn and waiting for its replay (:func:`replay`)."""

    ticket_id: int
    call_id: int
    opened: datetime
    customer: int
    contact: int
    caller: str
    policy: str
    kind: str
    level: int | None
    number_text: str
    history: list[tuple[str, datetime]]
    facts: TicketFacts
    engineer: str


Replayed = tuple[Plan, list[tuple[str, datetime]]]


def replay(sla: SlaEngine, job: Job, now: datetime) -> Replayed:
    """The ticket's rows as the SLA engine plans them at ``now``, and its acknowledgements."""
    events = [SlaEvent(name={"ticket_closed": "closed"}.get(w, w), at=at)
              for w, at in job.history]
    evaluation, acks = settle(sla, job.facts, events, now)
    return plan_rows(evaluation), acks


#: The SLA engine and ``now`` of a replaying process (set before it is forked).
_WORKER: tuple[SlaEngine, datetime] | None = None


def _replay_in_worker(job: Job) -> Replayed:
    assert _WORKER is not None
    return replay(_WORKER[0], job, _WORKER[1])


#: A call's row and its ticket's draws (None: a call without a ticket).
Entry = tuple[tuple[Any, ...], Job | None]
#: The same, with the ticket's replay.
Replayed_entry = tuple[tuple[Any, ...], Job | None, Replayed | None]


class Replayer:
    """Calls and their tickets, handed on in order once the tickets are replayed.

    In this process (``workers`` 0), or by ``workers`` forked processes, a chunk of
    tickets at a time, while this process writes the chunk before: the rows and the
    audit chain are made here, in call order, either way.
    """

    def __init__(self, sla: SlaEngine, now: datetime, workers: int,
                 done: Callable[[list[Replayed_entry]], None]) -> None:
        global _WORKER
        self.sla, self.now, self.done = sla, now, done
        self.entries: list[Entry] = []
        self.tickets = 0
        self.waiting: deque[tuple[list[Entry], Any]] = deque()
        self.pool: Any = None
        self.workers = workers
        if workers > 0:
            _WORKER = (sla, now)
            self.pool = multiprocessing.get_context("fork").Pool(workers)

    def add(self, call: tuple[Any, ...], job: Job | None) -> None:
        self.entries.append((call, job))
        if job is not None:
            self.tickets += 1
            if self.tickets >= CHUNK:
                self.send()

    def send(self) -> None:
        """Send the calls added so far; hand back the oldest chunk when two more wait."""
        entries, self.entries, self.tickets = self.entries, [], 0
        jobs = [job for _, job in entries if job is not None]
        if self.pool is None:
            self._done(entries, [replay(self.sla, job, self.now) for job in jobs])
            return
        size = max(1, len(jobs) // (4 * self.workers))
        self.waiting.append((entries, self.pool.map_async(_replay_in_worker, jobs,
                                                          chunksize=size)))
        while len(self.waiting) > 2:
            self._take()

    def drain(self) -> None:
        """Everything added so far handed on."""
        self.send()
        while self.waiting:
            self._take()

    def _take(self) -> None:
        entries, result = self.waiting.popleft()
        self._done(entries, result.get())

    def _done(self, entries: list[Entry], replayed: list[Replayed]) -> None:
        results = iter(replayed)
        self.done([(call, job, None if job is None else next(results))
                   for call, job in entries])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


@dataclass
class Directory:
    contracts: dict[int, dict[str, Any]]
    numbers: list[tuple[str, int, int]]


def write_directory(conn: sa.Connection, sink: Sink, rng: random.Random, n_contracts: int
                    ) -> Directory:
    engineers = [(f"eng{i:02d}", f"工程师{i:02d}", "engineer", f"D{i}", f"PJSIP/80{i:02d}")
                 for i in range(16)] + [
        (f"sup{i}", f"值班长{i}", "supervisor", None, None) for i in range(3)] + [
        ("mgr", "经理", "manager", None, None)]
    sink.write("engineer", ("login", "name", "role", "seat", "agent", "active"),
               [(*e, True) for e in engineers])
    customers: list[tuple[Any, ...]] = []
    contracts: list[tuple[Any, ...]] = []
    sites: list[tuple[Any, ...]] = []
    contacts: list[tuple[Any, ...]] = []
    numbers_rows: list[tuple[Any, ...]] = []
    numbers: list[tuple[str, int, int]] = []
    by_id: dict[int, dict[str, Any]] = {}
    for i in range(n_contracts):
        city = CITIES[i % len(CITIES)]
        policy = rng.choices([p for p, _ in POLICIES], [w for _, w in POLICIES])[0]
        grade = rng.choice("AABBC")
        customers.append((i + 1, f"C{i:04d}", f"{city}客户{i:04d}", city))
        contracts.append((i + 1, f"K-{i:04d}", i + 1, "维保合同", grade, policy, city,
                          date(2016, 1, 1), date(2027, 12, 31)))
        by_id[i + 1] = {"policy": policy, "grade": grade, "region": city}
        sites.append((i + 1, i + 1, "机房", city, AREA[city], None))
        for _ in range(2):
            cid = len(contacts) + 1
            contacts.append((cid, i + 1, i + 1, f"联系人{cid:04d}", None, None))
            mobile = f"+86139{rng.randrange(10**8):08d}"
            numbers_rows.append((cid, cid, mobile, None, "mobile", None))
            numbers.append((mobile, cid, i + 1))
    sink.write("customer", ("id", "code", "name", "city"), customers)
    sink.write("contract", ("id", "code", "customer_id", "title", "grade", "policy", "region",
                            "valid_from", "valid_to"), contracts)
    sink.write("site", ("id", "customer_id", "name", "city", "area_code", "address"), sites)
    sink.write("contact", ("id", "customer_id", "site_id", "name", "title", "email"),
               contacts)
    sink.write("contactnumber", ("id", "contact_id", "e164", "extension", "kind", "label"),
               numbers_rows)
    sink.write("meta", ("key", "value"), [("demo_offered", "declined")])
    return Directory(by_id, numbers)


@dataclass
class TicketMaker:
    sla: SlaEngine
    rng: random.Random
    now: datetime
    sink: Sink
    chain: Chain
    ids: Ids
    directory: Directory
    per_day: dict[str, int] = field(default_factory=dict)
    timeouts: dict[str, timedelta] = field(default_factory=dict)
    open_count: int = 0

    def prepare(self, ticket_id: int, call_id: int, opened: datetime, customer: int,
                contact: int, number: str, is_open: bool) -> Job:
        """A ticket's draws (every random choice it takes, in the order they were always
        taken); its replay through the SLA engine comes after, perhaps in another process."""
        rng, now = self.rng, self.now
        contract = self.directory.contracts[customer]
        policy = str(contract["policy"])
        kind = rng.choices(["fault", "consultation", "complaint"], [70, 26, 4])[0]
        levels = self.sla.policy(policy).levels
        level = rng.choices(list(levels), [1, 4, 10, 6][:len(levels)])[0] if (
            kind == "fault") else None
        day = opened.astimezone(TZ).strftime("%y%m%d")
        self.per_day[day] = self.per_day.get(day, 0) + 1
        history: list[tuple[str, datetime]] = []
        if kind == "fault":
            restore_after = timedelta(minutes=rng.uniform(20, 240) if level == 1
                                      else rng.uniform(60, 60 * 48))
            t = opened
            if not is_open or rng.random() < 0.3:
                t = opened + restore_after
                history.append(("restore", t))
            if not is_open:
                t = t + timedelta(hours=rng.uniform(1, 72))
                history.append(("resolve", t))
                history.append(("handling_form", t + timedelta(hours=rng.uniform(1, 40))))
                history.append(("ticket_closed", t + timedelta(hours=41)))
        elif not is_open:
            what = "consultation_answered" if kind == "consultation" else "complaint_answered"
            t = opened + timedelta(hours=rng.uniform(0.2, 20))
            history.append((what, t))
            history.append(("ticket_closed", t + timedelta(minutes=5)))
        history = [h for h in history if h[1] <= now]
        closed = any(w == "ticket_closed" for w, _ in history)
        self.open_count += not closed
        facts = TicketFacts(policy=policy, grade=str(contract["grade"]), level=level,
                            kind=kind, region=str(contract["region"]), opened_at=opened)
        # drawn after the replay until the replay moved out: it takes no random number,
        # so the sequence (and the database a seed gives) is the same
        engineer = f"eng{rng.randrange(16):02d}"
        return Job(ticket_id, call_id, opened, customer, contact, number, policy, kind,
                   level, f"{day}-{self.per_day[day]:04d}", history, facts, engineer)

    def finish(self, job: Job, plan: Plan, acks: list[tuple[str, datetime]]) -> None:
        """The ticket's rows and events, once its replay is back (in ticket order)."""
        contract = self.directory.contracts[job.customer]
        history, ticket_id, engineer = job.history, job.ticket_id, job.engineer
        kinds = {w for w, _ in history}
        closed = "ticket_closed" in kinds
        status = ("closed" if closed else "resolved" if "resolve" in kinds
                  else "restored" if "restore" in kinds else "open")
        nxt = plan.next_deadline()
        self.sink.add("ticket", (
            ticket_id, job.number_text, job.kind, plan.level, job.level, status,
            job.policy, contract["grade"], contract["region"], "", job.customer, job.contact,
            job.customer, job.caller, None, None, None, "生成的工单 generated ticket",
            job.opened, engineer, None,
            max(at for w, at in history if w == "ticket_closed") if closed else None,
            None if closed else plan.next_check_at,
            None if closed or nxt is None else nxt.due_at,
            None if closed or nxt is None else nxt.key, 1))
        # the ticket's own events, then the escalations' (each with its acknowledgement)
        self.chain.event("ticket_opened", job.opened, engineer, call_id=job.call_id,
                         ticket_id=ticket_id, kind=job.kind, level=job.level)
        for w, at in history:
            self.chain.event(w, at, engineer, ticket_id=ticket_id)
        self._rows(ticket_id, job.customer, plan, dict(acks), job.policy)

    def _rows(self, ticket_id: int, contract_id: int, plan: Plan, acks: dict[str, datetime],
              policy: str) -> None:
        now, sink, ids = self.now, self.sink, self.ids
        clock_ids: dict[str, int] = {}
        for c in plan.clocks:
            clock_ids[c.key] = cid = ids.take("clock")
            sink.add("clock", (cid, ticket_id, c.key, c.target, c.level, c.limit_text, c.state,
                               c.started_at, c.due_at, c.warn_at, c.met_at, c.breached_at,
                               None, c.paused_s))
        if policy not in self.timeouts:
            self.timeouts[policy] = ack_timeout(self.sla, policy)
        timeout = self.timeouts[policy]
        for e in plan.escalations:
            if e.at > now:
                continue
            eid = ids.take("escalation")
            key = subject_key(e.key, ticket_id=ticket_id)
            acked_at = acks.get(e.key) or (e.acknowledged_at if e.tier is not None else None)
            if acked_at is None and e.at < now - ACK_OLDER_THAN:
                acked_at = e.at + ACK_AFTER
            if acked_at is not None and acked_at > now:
                acked_at = None
            sink.add("escalation", (
                eid, key, e.kind, e.tier, None, ticket_id, clock_ids.get(e.clock_key or ""),
                e.at, e.due, e.from_level, e.to_level, e.reason, acked_at,
                SUPERVISOR if acked_at else None, None, None))
            self.chain.event("escalation_raised", e.at, SYSTEM, ticket_id=ticket_id,
                             escalation_id=eid, kind=e.kind)
            self.outbox(f"escalation:{eid}", e.kind, e.at, tier=e.tier, escalation_id=eid,
                        ticket_id=ticket_id)
            if acked_at is not None:
                self.chain.event("escalation_acknowledged", acked_at, SUPERVISOR,
                                 ticket_id=ticket_id, escalation_id=eid,
                                 key=engine_key(key), note="")
            elif e.kind != "tier":
                # what hotline.desk.realerts records while it stays unacknowledged
                for n in range(1, int((now - e.at) / timeout) + 1):
                    at = e.at + timeout * n
                    sink.add("escalation_alert", (ids.take("escalation_alert"), eid, n, at))
                    self.chain.event("escalation_realerted", at, SYSTEM, escalation_id=eid,
                                     n=n, minutes=int((at - e.at).total_seconds() // 60))
                    self.outbox(f"escalation:{eid}:alert:{n}", REALERT, at,
                                escalation_id=eid, n=n)
        for p in plan.penalties:
            if p.at <= now:
                sink.add("penalty", (ids.take("penalty"), subject_key(p.key, ticket_id=ticket_id),
                                     p.rule, p.points, p.at, ticket_id, contract_id,
                                     p.description))

    def outbox(self, key: str, kind: str, at: datetime, /, *, tier: str | None = None,
               escalation_id: int | None = None, ticket_id: int | None = None,
               **data: object) -> None:
        """An outbox row, routed by the sender a few seconds after it was written."""
        self.sink.add("outbox", (
            self.ids.take("outbox"), key, kind, tier, at, at, escalation_id, ticket_id, None,
            json.dumps(data, ensure_ascii=False, default=str), at + timedelta(seconds=2),
            None))


# --- the whole history -----------------------------------------------------------------


class Progress:
    def __init__(self, total: int, what: str) -> None:
        self.total, self.what = max(total, 1), what
        self.t0 = self.last = time.perf_counter()

    def show(self, done: int, extra: str = "", *, final: bool = False) -> None:
        t = time.perf_counter()
        if not final and t - self.last < 2:
            return
        self.last = t
        rate = done / max(t - self.t0, 1e-9)
        end = "\n" if final or not sys.stderr.isatty() else "\r"
        print(f"  {self.what}: {done:,}/{self.total:,} ({100 * done / self.total:4.1f} %, "
              f"{rate:,.0f}/s, {t - self.t0:.0f} s){extra}   ", end=end, file=sys.stderr,
              flush=True)


def day_offsets(rng: random.Random, count: int, limit: int) -> list[int]:
    """``count`` seconds into a local day (by :data:`HOUR_WEIGHTS`), all below ``limit``."""
    total = HOUR_CUM[-1]
    out: list[int] = []
    while len(out) < count:
        hour = bisect.bisect_right(HOUR_CUM, rng.random() * total)
        s = hour * 3600 + rng.randrange(3600)
        if s < limit:
            out.append(s)
    out.sort()
    return out


def choose_open(rng: random.Random, tickets: int, n_open: int) -> tuple[int, set[int]]:
    """The newest tickets are open (from this index on), and a few stuck old ones."""
    n_open = min(n_open, tickets)
    newest = int(n_open * 0.97)
    first_new = tickets - newest
    stuck = set(rng.sample(range(first_new), min(first_new, n_open - newest)))
    return first_new, stuck


def generate(url: str, *, calls: int, years: float, tickets: int, n_open: int,
             contracts: int, ringing: int, now: datetime, seed: int, workers: int = 0,
             out: Any = sys.stdout) -> dict[str, int]:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    sla = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)
    t0 = time.perf_counter()
    written: dict[str, int]
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM call")).scalar():
            raise SystemExit(f"{url}: the database holds calls already; give an empty one")
        if conn.dialect.name == "sqlite":
            # the indexes of a few million rows stay in memory as they grow (SQLite's
            # default cache is 2 MB); this connection only
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
        indexes = _drop_sqlite_indexes(conn) if conn.dialect.name == "sqlite" else []
        sink = Sink(conn)
        directory = write_directory(conn, sink, rng, contracts)
        sink.commit()
        print(f"directory: {contracts} customers and contracts, {2 * contracts} contacts "
              f"({time.perf_counter() - t0:.1f} s)", file=out, flush=True)

        ids = Ids()
        chain = Chain(sink)
        maker = TicketMaker(sla, rng, now, sink, chain, ids, directory)
        n_hist = max(0, calls - ringing)
        tickets = min(tickets, n_hist)
        first_new, stuck = choose_open(rng, tickets, n_open)
        span_s = int(years * 365 * 86400)
        end = int(now.timestamp()) - 300  # nothing in the last five minutes but the ringing
        start = end - span_s
        day0 = (start + 8 * 3600) // 86400 * 86400 - 8 * 3600  # local midnight
        n_days = (end - day0) // 86400 + 1
        progress = Progress(n_hist, "calls")
        t1 = time.perf_counter()
        made, need = 0, tickets
        call_id = 0

        def write(entries: list[Replayed_entry]) -> None:
            nonlocal made
            for call, job, replayed in entries:
                if job is not None:
                    assert replayed is not None
                    maker.finish(job, *replayed)
                    made += 1
                sink.add("call", call)
                if call[0] % COMMIT_EVERY == 0:
                    sink.commit()
                else:
                    sink.flush_if_full()
            progress.show(entries[-1][0][0] if entries else 0, f", {made:,} tickets")

        replayer = Replayer(sla, now, workers, write)
        try:
            for d in range(n_days):
                base = day0 + d * 86400
                lo = max(0, start - base)
                count = (n_hist * (d + 1)) // n_days - (n_hist * d) // n_days
                offsets = day_offsets(rng, count, min(86400, end - base))
                if lo:
                    offsets = [max(s, lo) for s in offsets]
                for s in offsets:
                    call_id += 1
                    offered = datetime.fromtimestamp(base + s, UTC)
                    remaining = n_hist - call_id + 1
                    is_ticket = need > 0 and rng.random() * remaining < need
                    if is_ticket or rng.random() < 0.75:
                        number, contact, customer = rng.choice(directory.numbers)
                    else:
                        number, contact, customer = (f"+86138{rng.randrange(10**8):08d}",
                                                     None, None)
                    wait = min(rng.expovariate(1 / 11), 600)
                    if not is_ticket and rng.random() < 0.06:
                        state, answered_at, answered_by = "abandoned", None, None
                        ended_at = offered + timedelta(
                            seconds=min(rng.expovariate(1 / 25), 300))
                    else:
                        state = "ended"
                        answered_at = offered + timedelta(seconds=wait)
                        answered_by = f"eng{rng.randrange(16):02d}"
                        ended_at = answered_at + timedelta(seconds=rng.randrange(60, 900))
                    ticket_id, job = None, None
                    if is_ticket:
                        need -= 1
                        ticket_id = ids.take("ticket")
                        k = ticket_id - 1
                        assert answered_at is not None and contact is not None
                        assert customer is not None
                        job = maker.prepare(ticket_id, call_id, answered_at, customer, contact,
                                            number, k >= first_new or k in stuck)
                    replayer.add((
                        call_id, f"gen-{call_id}", "queue_log", "hotline", number, number,
                        "mobile", contact, customer, customer, state, offered,
                        offered + timedelta(seconds=30), offered + timedelta(seconds=24),
                        answered_at, answered_by, ended_at, None, ticket_id, 1), job)
            replayer.drain()
        finally:
            replayer.close()
        for i in range(ringing):
            number, contact, customer = rng.choice(directory.numbers)
            offered = now - timedelta(seconds=rng.uniform(0, 25))
            call_id += 1
            sink.add("call", (
                call_id, f"ring-{i}", "ami", "hotline", number, number, "mobile", contact,
                customer, customer, "ringing", offered, offered + timedelta(seconds=30),
                offered + timedelta(seconds=24), None, None, None, None, None, 1))
        sink.flush()
        progress.show(n_hist, f", {made:,} tickets", final=True)
        if conn.dialect.name == "postgresql":
            for table in (*ORDER, "customer", "contract", "site", "contact", "contactnumber",
                          "engineer"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table}\"), false)")
        sink.commit()
        written = dict(sink.written)
        print(f"calls: {call_id:,}, tickets: {made:,} ({maker.open_count:,} open), "
              f"events: {written['event']:,}, escalations: {written['escalation']:,} "
              f"({time.perf_counter() - t1:.1f} s)", file=out, flush=True)
        t2 = time.perf_counter()
        for sql in indexes:
            conn.exec_driver_sql(sql)
        if indexes:
            sink.commit()
            _check_sqlite_keys(conn)
            print(f"indexes: {len(indexes)} built, foreign keys checked "
                  f"({time.perf_counter() - t2:.1f} s)",
                  file=out, flush=True)
            t2 = time.perf_counter()
        if conn.dialect.name == "postgresql":
            raw: Any = conn.connection.dbapi_connection
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE")
            raw.autocommit = False
        else:
            conn.exec_driver_sql("ANALYZE")
            sink.commit()
        print(f"analyze: {time.perf_counter() - t2:.1f} s", file=out, flush=True)
    engine.dispose()
    print(f"done in {time.perf_counter() - t0:.1f} s: "
          f"{sa.make_url(url).render_as_string(hide_password=True)}", file=out, flush=True)
    return written


#: The secret of every account of a generated desk (benchmarks sign in with it; the
#: generated desk is a benchmark's, never a real one).
BENCH_SECRET = "bench-secret"


def give_accounts(url: str, now: datetime) -> int:
    """The generated handlers' accounts: ``mgr`` the first manager, then each supervisor
    and engineer given :data:`BENCH_SECRET` by that manager, through the accounts core
    (real scrypt hashes at the desk's cost, an audit event each). Returns how many."""
    from hotline.accounts.accounts import create_first_manager, needs_first_manager, set_secret
    from hotline.clock import FixedClock
    from hotline.config import load_settings
    from hotline.desk.operations import open_desk

    desk = open_desk(load_settings(db=url, environ={}), FixedClock(now), migrate=False)
    try:
        if not needs_first_manager(desk):
            return 0
        create_first_manager(desk, "mgr", "经理", BENCH_SECRET)
        desk.actor, desk.role, desk.signed_in = "mgr", "manager", True
        others = [f"sup{i}" for i in range(3)] + [f"eng{i:02d}" for i in range(16)]
        for login in others:
            set_secret(desk, login, BENCH_SECRET)
        return 1 + len(others)
    finally:
        desk.engine.dispose()


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file path or database URL")
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--years", type=float, default=3.0)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--contracts", type=int, default=200)
    ap.add_argument("--ringing", type=int, default=200)
    ap.add_argument("--now", default="2026-11-25T10:00:00+08:00")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=max(0, (os.cpu_count() or 1) - 1),
                    help="processes replaying tickets through the SLA engine beside this "
                         "one (0: this one alone; default: one fewer than the CPUs)")
    ap.add_argument("--accounts", action=argparse.BooleanOptionalAction, default=True,
                    help=f"give the handlers accounts with the secret {BENCH_SECRET!r} "
                         "(mgr the manager; default on)")
    args = ap.parse_args(None if argv is None else list(argv))
    now = datetime.fromisoformat(args.now).astimezone(UTC)
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    generate(url, calls=args.calls, years=args.years, tickets=args.tickets,
             n_open=args.open, contracts=args.contracts, ringing=args.ringing, now=now,
             seed=args.seed, workers=max(0, args.workers))
    if args.accounts:
        t0 = time.perf_counter()
        n = give_accounts(url, now)
        print(f"accounts: {n} with the secret {BENCH_SECRET!r} "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
