"""Many seats on one PostgreSQL database: how soon each sees the others' changes, at what cost.

Run from the repository root (PostgreSQL at --server, trust authentication)::

    uv run python benchmarks/bench_seats.py [--seats 50] [--procs 5] [--rate 10]
        [--answerers 25] [--talk 1.5] [--seconds 60] [--warmup 10]
        [--pgbouncer {no,poll,listen}] [--own-listener]

It creates a database of its own (``hotline_seats_<pid>``, dropped at the end
unless ``--keep``) with the demo directory, and starts:

* ``--procs`` processes holding ``--seats`` headless seats between them (several
  per process, one thread each). A seat is what a ``hotline`` dashboard is without
  the screen: a :class:`hotline.desk.Desk` on an engine of its own (the desk's
  ``db_pool``, one connection kept), a :class:`hotline.store.changes.ChangeWatcher`
  asked every half second as the dashboard asks it (on PostgreSQL the watchers of
  one process share one ``LISTEN`` connection), and, when it says "changed", the
  dashboard's snapshot read (:func:`hotline.views.dashboard.load_snapshot`);
* a phone system (one more process) ringing ``--rate`` calls a second from the
  directory's numbers and unknown mobiles (:meth:`Desk.ring`, source ``jsonl``, as
  a JSON-lines feed records them);
* ``--answerers`` of the seats answer the oldest ringing calls they see
  (:meth:`Desk.answer`; losing a race is counted) and log each as a ticket
  ``--talk`` seconds later (:meth:`Desk.log_call`).

Measured over ``--seconds`` after ``--warmup``:

* visibility: from a change's commit (the time its operation returned) to the
  first snapshot of each *other* seat that shows it — a ring (the call is
  listed), an answer (listed as answered, or gone), a log (gone from the
  calls); p50, p95 and max over every (change, other seat) pair, for the
  seats' changes (answers and logs) and for the rings;
* database connections: every 2 s, the server's backends on the database by
  ``application_name`` (``seats-pN`` per process, ``seats-ring`` for the phone
  system; behind PgBouncer every server backend of the database but the phone
  system's), per seat: mean and max;
* the server's CPU per seat: user+system time of those backends from
  ``/proc/PID/stat``, sampled every 2 s (a backend that ends loses its last
  interval), as a percentage of one core;
* the desk's CPU per seat: each seat process's own CPU time over the window.

``--own-listener`` gives each seat a listening connection of its own, as when
every seat runs on its own machine (and counts two connections).

``--pgbouncer poll|listen`` starts PgBouncer (``pool_mode = transaction``) on a
free port of 127.0.0.1 and points the seats at it with ``db_pooler = true``:
``poll`` — the watchers look twice a second through the pooler; ``listen`` —
they listen on the server itself (``db_listen``). The phone system always
writes to the server directly.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import queue as queue_mod
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PREFIX = "seats-"
RING_APP = "seats-ring"
WATCH_INTERVAL = 0.5  # as screens/app.py asks its watcher


# --- helpers --------------------------------------------------------------------------


def with_app(url: str, app: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}application_name={app}"


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def settings_for(url: str, *, pooler: bool = False, listen: str | None = None):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from hotline.config import Settings
    from hotline.paths import shipped_data_dir

    return Settings(db_url=url, tz=ZoneInfo("Asia/Shanghai"), lang="en",
                    policy_dirs=(shipped_data_dir() / "policies",), calendar_files=(),
                    login=None, db_pooler=pooler, db_listen=listen)


def open_seat(settings: Any, actor: str):  # type: ignore[no-untyped-def]
    from hotline.clock import SystemClock
    from hotline.desk.operations import Desk
    from hotline.sla import SlaEngine
    from hotline.store.engine import make_engine

    engine = make_engine(settings.db_url, pool=settings.db_pool, pooler=settings.db_pooler)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    return Desk(engine, SystemClock(), settings, sla, actor, role="manager")


# --- a seat ---------------------------------------------------------------------------


@dataclass
class SeatLog:
    seat: int
    commits: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, call, t)
    seen: list[tuple[str, int, float]] = field(default_factory=list)
    loads: int = 0
    load_s: float = 0.0
    lost_races: int = 0
    errors: list[str] = field(default_factory=list)


def run_seat(index: int, settings: Any, answerers: int, talk: float, ready: Any, go: Any,
             stop: Any, log: SeatLog) -> None:
    from hotline.desk.intake import Intake
    from hotline.errors import Conflict, HotlineError
    from hotline.views.dashboard import load_snapshot

    desk = open_seat(settings, f"eng{index:02d}")
    watcher = desk.watch_changes()
    rng = random.Random(index)
    known: dict[int, str] = {}  # call id -> last state seen ("ringing" / "answered")
    mine: tuple[int, str, float] | None = None  # answered: (call, number, log at)
    watcher.changed()
    load_snapshot(desk.engine, desk.now(), desk.settings.tz)  # the dashboard's first frame
    ready.release()
    go.wait()
    next_tick = time.monotonic() + rng.random() * WATCH_INTERVAL
    try:
        while not stop.is_set():
            delay = next_tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_tick += WATCH_INTERVAL
            try:
                changed = watcher.changed()
            except Exception:
                changed = True
            if changed:
                t0 = time.perf_counter()
                snap = load_snapshot(desk.engine, desk.now(), desk.settings.tz)
                log.load_s += time.perf_counter() - t0
                log.loads += 1
                now = time.time()
                listed = {c.call_id: c for c in snap.calls}
                for cid, row in listed.items():
                    before = known.get(cid)
                    if before is None:
                        log.seen.append(("ring", cid, now))
                    if row.state == "answered" and before != "answered":
                        log.seen.append(("answer", cid, now))
                    known[cid] = row.state
                for cid in [c for c in known if c not in listed]:
                    if known[cid] != "answered":  # answered and logged between two looks
                        log.seen.append(("answer", cid, now))
                    log.seen.append(("log", cid, now))
                    del known[cid]
            else:
                snap = None
            if index >= answerers:
                continue
            if mine is not None and time.monotonic() >= mine[2]:
                cid, number, _at = mine
                try:
                    desk.log_call(Intake(number=number, kind="consultation", level=None,
                                         description="Asked about the bill"), cid)
                    log.commits.append(("log", cid, time.time()))
                except HotlineError as exc:
                    log.errors.append(f"log: {exc}")
                mine = None
            if mine is None and snap is not None:
                # as a phone system's queue offers each call to one agent: this seat's
                # share of the calls, or any call left ringing for three seconds
                ringing = [c for c in snap.calls if c.state == "ringing"]
                waited = snap.taken_at.timestamp() - 3.0
                ringing = ([c for c in ringing if c.call_id % answerers == index]
                           or [c for c in ringing if c.offered_at.timestamp() < waited])
                if ringing:
                    pick = rng.choice(ringing[:3])
                    try:
                        desk.answer(pick.call_id)
                        log.commits.append(("answer", pick.call_id, time.time()))
                        mine = (pick.call_id, pick.number, time.monotonic() + talk)
                    except Conflict:
                        log.lost_races += 1
                    except HotlineError as exc:
                        log.errors.append(f"answer: {exc}")
    finally:
        watcher.close()
        desk.engine.dispose()


def seat_process(proc: int, seats: list[int], url: str, pooler: bool, listen: str | None,
                 own_listener: bool, answerers: int, talk: float, start_evt: Any, stop_evt: Any,
                 window: Any, out: Any) -> None:
    def settings_of(i: int) -> Any:
        # one application_name per process: its seats share one listening connection;
        # with --own-listener one per seat, as when each seat runs on its own machine
        app = f"{PREFIX}s{i}" if own_listener else f"{PREFIX}p{proc}"
        return settings_for(with_app(url, app), pooler=pooler,
                            listen=with_app(listen, app) if listen else None)

    stop, go, ready = threading.Event(), threading.Event(), threading.Semaphore(0)
    logs = [SeatLog(i) for i in seats]
    threads = [threading.Thread(target=run_seat, args=(i, settings_of(i), answerers, talk,
                                                       ready, go, stop, logs[k]), daemon=True)
               for k, i in enumerate(seats)]
    for t in threads:
        t.start()
    for _ in threads:
        ready.acquire()
    out.put(("ready", proc))
    start_evt.wait()
    go.set()
    # the desk's CPU over the measuring window only
    window[0].wait()
    cpu0 = time.process_time()
    window[1].wait()
    cpu = time.process_time() - cpu0
    stop_evt.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    out.put((proc, len(seats), cpu, logs))


def ringer_process(url: str, rate: float, start_evt: Any, stop_evt: Any, out: Any) -> None:
    """The phone system: ``rate`` calls a second, from two threads (each call is one
    transaction that waits for the audit chain's lock: one thread falls behind when
    the machine is busy)."""
    from hotline import demo

    settings = settings_for(with_app(url, RING_APP))
    desks = [open_seat(settings, "pbx") for _ in range(2)]
    known, unknown, _service = demo.simulator_numbers(desks[0])
    numbers = [n for n in known if n] + list(unknown)
    commits: list[tuple[str, int, float]] = []
    out.put(("ready", "ring"))
    start_evt.wait()
    cpu0 = time.process_time()

    def ring(k: int) -> None:
        rng = random.Random(7 + k)
        n = 0
        t_next = time.monotonic() + k / rate
        while not stop_evt.is_set():
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t_next += 2.0 / rate
            n += 1
            result = desks[k].ring(rng.choice(numbers), call_key=f"bench-{k}-{n}",
                                   source="jsonl")
            commits.append(("ring", result.call_id, time.time()))

    threads = [threading.Thread(target=ring, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("ring", time.process_time() - cpu0, commits))
    for d in desks:
        d.engine.dispose()


# --- the server side ------------------------------------------------------------------


def backend_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


@dataclass
class Sampler:
    admin: sa.Engine
    dbname: str
    via_pooler: bool
    samples: list[dict[str, int]] = field(default_factory=list)
    cpu_first: dict[int, float] = field(default_factory=dict)
    cpu_last: dict[int, float] = field(default_factory=dict)
    measuring: bool = False

    def sample(self) -> None:
        with self.admin.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT pid, application_name, query FROM pg_stat_activity "
                "WHERE datname = :db AND backend_type = 'client backend'"),
                {"db": self.dbname}).all()
        counts: dict[str, int] = {}
        for pid, app, query in rows:
            if app == RING_APP:
                continue
            if not self.via_pooler and not (app or "").startswith(PREFIX):
                continue
            key = "listen" if (query or "").startswith("LISTEN") else "other"
            counts[key] = counts.get(key, 0) + 1
            counts["total"] = counts.get("total", 0) + 1
            if self.measuring:
                cpu = backend_cpu(pid)
                if cpu is not None:
                    self.cpu_first.setdefault(pid, cpu)
                    self.cpu_last[pid] = cpu
        if self.measuring:
            self.samples.append(counts)

    def start(self) -> None:
        """The window opens: backends seen now count from here, later ones from zero."""
        self.measuring = True
        self.sample()

    def server_cpu(self) -> float:
        return sum(self.cpu_last[p] - self.cpu_first[p] for p in self.cpu_last)


def start_pgbouncer(dbname: str, host: str, port: int, workdir: Path) -> tuple[Any, int]:
    exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    listen_port = free_port()
    (workdir / "users.txt").write_text('"postgres" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(f"""[databases]
{dbname} = host={host} port={port} dbname={dbname} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / 'users.txt'}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {workdir / 'pgbouncer.log'}
pidfile = {workdir / 'pgbouncer.pid'}
""")
    cmd = [exe, str(ini)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: as the server's user
        os.chmod(workdir, 0o755)
        shutil.chown(workdir, "postgres")
        for f in workdir.iterdir():
            shutil.chown(f, "postgres")
        cmd = [exe, "-u", "postgres", str(ini)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", listen_port)) == 0:
                return proc, listen_port
        if proc.poll() is not None:
            raise SystemExit(f"pgbouncer did not start: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        time.sleep(0.1)
    raise SystemExit("pgbouncer did not open its port in 10 s")


# --- the run --------------------------------------------------------------------------


def prepare(url: str) -> None:
    from hotline import demo
    from hotline.store.schema import upgrade

    desk = open_seat(settings_for(url), "setup")
    upgrade(desk.engine)
    demo.load_directory(desk)
    desk.engine.dispose()


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: none"
    return (f"{name}: n={len(values)} p50={pct(values, 0.5) * 1000:.0f} ms "
            f"p95={pct(values, 0.95) * 1000:.0f} ms max={max(values) * 1000:.0f} ms "
            f"mean={statistics.fmean(values) * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    p.add_argument("--seats", type=int, default=50)
    p.add_argument("--procs", type=int, default=0, help="seat processes (default: 2 × cores)")
    p.add_argument("--rate", type=float, default=10.0, help="calls ringing per second")
    p.add_argument("--answerers", type=int, default=25)
    p.add_argument("--talk", type=float, default=1.5, help="seconds from answer to log")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--pgbouncer", choices=("no", "poll", "listen"), default="no")
    p.add_argument("--own-listener", action="store_true",
                   help="each seat listens on a connection of its own (one seat per machine)")
    p.add_argument("--keep", action="store_true", help="keep the database")
    args = p.parse_args(argv)
    procs = args.procs or min(args.seats, 2 * (os.cpu_count() or 1))

    server = sa.engine.make_url(args.server)
    dbname = f"hotline_seats_{os.getpid()}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             pool_size=1)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{dbname}"')
        max_conn = conn.exec_driver_sql("SHOW max_connections").scalar()
        in_use = conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity "
                                      "WHERE backend_type = 'client backend'").scalar()
    direct = server.set(database=dbname).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="bench-seats-"))
    bouncer = None
    try:
        prepare(direct)
        seat_url, pooler, listen = direct, False, None
        if args.pgbouncer != "no":
            bouncer, bport = start_pgbouncer(dbname, server.host or "127.0.0.1",
                                             server.port or 5432, workdir)
            seat_url = server.set(host="127.0.0.1", port=bport, database=dbname) \
                .render_as_string(hide_password=False)
            pooler = True
            listen = direct if args.pgbouncer == "listen" else None
        print(f"seats {args.seats} in {procs} processes, {args.answerers} answering "
              f"(talk {args.talk} s), calls ring at {args.rate}/s; warm-up {args.warmup} s, "
              f"measured {args.seconds} s; pgbouncer: {args.pgbouncer}; "
              f"listening: {'one per seat' if args.own_listener else 'one per process'}; "
              f"server max_connections {max_conn} ({in_use} in use before the run); "
              f"nproc {os.cpu_count()}", flush=True)
        print(f"load average at start: {loadavg()}", flush=True)

        ctx = mp.get_context("spawn")
        start_evt, stop_evt = ctx.Event(), ctx.Event()
        window = (ctx.Event(), ctx.Event())
        out: Any = ctx.Queue()
        groups = [list(range(args.seats))[k::procs] for k in range(procs)]
        workers = [ctx.Process(target=seat_process, args=(k, g, seat_url, pooler, listen,
                                                          args.own_listener, args.answerers,
                                                          args.talk,
                                                          start_evt, stop_evt, window, out))
                   for k, g in enumerate(groups) if g]
        ringer = ctx.Process(target=ringer_process, args=(direct, args.rate, start_evt,
                                                          stop_evt, out))
        for w in [*workers, ringer]:
            w.start()
        ready = 0
        while ready < len(workers) + 1:  # every seat has read its first snapshot
            msg = out.get(timeout=600)
            assert msg[0] == "ready", msg
            ready += 1
        sampler = Sampler(admin, dbname, pooler)
        start_evt.set()
        t_start = time.time()
        end_warm = time.monotonic() + args.warmup
        while time.monotonic() < end_warm:
            sampler.sample()
            time.sleep(2)
        window[0].set()
        sampler.start()
        w_from = time.time()
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            time.sleep(min(2.0, max(0.0, end - time.monotonic())))
            sampler.sample()
        window[1].set()
        w_to = time.time()
        server_cpu = sampler.server_cpu()
        time.sleep(3)  # what was committed last gets seen
        stop_evt.set()
        results: list[Any] = []
        deadline = time.monotonic() + 120
        while len(results) < len(workers) + 1 and time.monotonic() < deadline:
            with contextlib.suppress(queue_mod.Empty):
                results.append(out.get(timeout=5))
        for w in [*workers, ringer]:
            w.join(timeout=10)
        load_end = loadavg()
    finally:
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait(timeout=10)
        if not args.keep:
            time.sleep(1)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    commits: dict[tuple[str, int], tuple[float, int]] = {}
    logs: list[SeatLog] = []
    desk_cpu = 0.0
    ring_cpu = 0.0
    for r in results:
        if r[0] == "ring":
            ring_cpu = r[1]
            for kind, cid, t in r[2]:
                commits[(kind, cid)] = (t, -1)
        else:
            desk_cpu += r[2]
            logs.extend(r[3])
    for lg in logs:
        for kind, cid, t in lg.commits:
            commits[(kind, cid)] = (t, lg.seat)
    seats_lat: list[float] = []
    ring_lat: list[float] = []
    expected = {"seat": 0, "ring": 0}
    seen_pairs = {"seat": 0, "ring": 0}
    for (kind, _cid), (t, _who) in commits.items():
        if w_from <= t <= w_to:
            group = "ring" if kind == "ring" else "seat"
            expected[group] += args.seats - (0 if kind == "ring" else 1)
    for lg in logs:
        for kind, cid, t_seen in lg.seen:
            commit = commits.get((kind, cid))
            if commit is None:
                continue
            t, who = commit
            if who == lg.seat or not (w_from <= t <= w_to):
                continue
            group = "ring" if kind == "ring" else "seat"
            # a snapshot taken while the commit was returning may show it a hair early
            (ring_lat if group == "ring" else seats_lat).append(max(0.0, t_seen - t))
            seen_pairs[group] += 1
    window_s = w_to - w_from
    n_commits = {k: sum(1 for (kind, _c), (t, _w) in commits.items()
                        if kind == k and w_from <= t <= w_to) for k in ("ring", "answer", "log")}
    print(f"run {time.strftime('%H:%M:%S', time.gmtime(t_start))}–"
          f"{time.strftime('%H:%M:%S', time.gmtime(w_to))} UTC; measured window {window_s:.1f} s")
    print(f"committed in the window: {n_commits['ring']} rings, {n_commits['answer']} answers, "
          f"{n_commits['log']} logs; lost answer races {sum(lg.lost_races for lg in logs)}; "
          f"errors {sum(len(lg.errors) for lg in logs)}")
    for lg in logs:
        for e in lg.errors[:2]:
            print(f"  seat {lg.seat}: {e}")
    print("visible at every other seat (commit → that seat's snapshot shows it):")
    print("  " + summary("seats' changes (answer, log)", seats_lat)
          + f"; seen {seen_pairs['seat']} of {expected['seat']} (change, seat) pairs")
    print("  " + summary("rings (phone system)", ring_lat)
          + f"; seen {seen_pairs['ring']} of {expected['ring']}")
    loads = sum(lg.loads for lg in logs)
    load_s = sum(lg.load_s for lg in logs)
    print(f"snapshot reads: {loads} ({loads / max(1.0, time.time() - t_start):.0f}/s over the "
          f"whole run), mean {load_s / max(1, loads) * 1000:.1f} ms each")
    totals = [s.get("total", 0) for s in sampler.samples]
    listens = [s.get("listen", 0) for s in sampler.samples]
    if totals:
        print(f"server connections of the seats: mean {statistics.fmean(totals):.1f}, "
              f"max {max(totals)} (LISTEN: max {max(listens)}); per seat: mean "
              f"{statistics.fmean(totals) / args.seats:.2f}, max {max(totals) / args.seats:.2f}")
    print(f"server CPU (the seats' backends): {server_cpu:.1f} s in {window_s:.0f} s = "
          f"{server_cpu / window_s * 100:.1f} % of a core; per seat "
          f"{server_cpu / window_s / args.seats * 100:.2f} %")
    print(f"desk CPU (seat processes): {desk_cpu:.1f} s = {desk_cpu / window_s * 100:.1f} % of "
          f"a core; per seat {desk_cpu / window_s / args.seats * 100:.2f} %; "
          f"phone system {ring_cpu / max(1.0, w_to - t_start) * 100:.1f} %")
    print(f"load average at end: {load_end}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
