"""Many call events in one transaction: exactly what one event at a time would have left.

The JSON-lines feed, the listener and the queue_log import write batches of
events (group commit). These tests pin that a batch is only a faster way of
writing the same thing: the same calls, event rows (in the same order), kept
PBX events and outcomes as applying the events one by one, whatever the
batch boundaries; that a bad event or a call changed meanwhile never takes
the good events of its batch with it; and that the cached directory answers
exactly as the directory does.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.demo import load_directory
from hotline.desk.operations import Desk
from hotline.directory.callers import match_number
from hotline.errors import Conflict, InputError
from hotline.store.engine import session_scope
from hotline.store.models import Call, Contact, ContactNumber, Contract, Customer, Engineer
from hotline.telephony import call_events as calls_module
from hotline.telephony.call_events import (
    APPLIED,
    RECORDED,
    UNCHANGED,
    Applied,
    CallEvent,
    apply_call_event,
    apply_call_events,
    close_lost_calls,
)
from hotline.telephony.caller_cache import CallerCache
from tests.support import START, build_desk, make_settings

AGENTS = [("PJSIP/8001", "Zhang Wei"), ("PJSIP/8002", "Li Na"), ("PJSIP/8009", "Nobody"),
          ("Local/8003@agents", "Wang Wu")]


def prepare(desk: Desk) -> list[str]:
    """The demo directory, engineers with agents, and numbers that make matching hard."""
    load_directory(desk)
    with session_scope(desk.engine) as s:
        for login, agent in (("zhangwei", "PJSIP/8001"), ("lina", "pjsip/8002"),
                             ("chenhao", "Wang Wu")):
            engineer = s.exec(select(Engineer).where(Engineer.login == login)).one()
            engineer.agent = agent
            s.add(engineer)
        old = Customer(code="OLD", name="Old customer", city="珠海")
        s.add(old)
        s.flush()
        assert old.id is not None
        # a contract that ended on 2026-11-24: calls before and after match differently
        s.add(Contract(code="OLD-1", customer_id=old.id, grade="A", policy="standard",
                       valid_from=date(2025, 1, 1), valid_to=date(2026, 11, 24)))
        for name in ("Shared one", "Shared two"):  # one number, two contacts
            contact = Contact(customer_id=old.id, name=name)
            s.add(contact)
            s.flush()
            assert contact.id is not None
            s.add(ContactNumber(contact_id=contact.id, e164="+8613911112222", kind="mobile"))
    with Session(desk.engine) as s:
        known = list(s.exec(select(ContactNumber.e164)).all())
    return [*known, "13911112222", "13800138000", "+86 755 8376 5432"]


def generate(rng: random.Random, known: list[str], n_calls: int) -> list[CallEvent | str]:
    """Call events as a PBX bridge delivers them (and, as strings, what seats do meanwhile)."""
    timed: list[tuple[float, CallEvent | str]] = []
    t0 = (START - timedelta(hours=3)).timestamp()

    def at(t: float) -> datetime:
        return datetime.fromtimestamp(t, START.tzinfo)

    for i in range(n_calls):
        t = t0 + i * rng.uniform(5, 40)
        key = f"1795000000.{i}"
        number = rng.choice([*known, "13700000000", "", "anonymous", f"1390000{i:04d}"])
        queue = rng.choice(["support", "support", "vip", None])
        agent, alias = rng.choice(AGENTS)
        wait = rng.randint(1, 60)

        def ev(kind: str, when: float, key: str = key, **kw: Any) -> CallEvent:
            return CallEvent(kind=kind, call_key=key, at=at(when), source="ami", **kw)

        ring = ev("ring", t, number=number, queue=queue)
        answer = ev("answer", t + wait, agent=agent, agent_aliases=(alias,), queue=queue,
                    wait_s=float(wait))
        abandon = ev("abandon", t + wait, wait_s=float(wait), detail="left the queue: timeout")
        hangup = ev("hangup", t + wait + rng.randint(10, 600))
        story = rng.choice(["answered", "answered", "abandoned", "ringing_hangup",
                            "answer_first", "abandon_first", "hangup_first", "ghost",
                            "contradiction", "other_agent", "requeue", "still_ringing"])
        if story == "answered":
            seq = [ring, answer, hangup]
        elif story == "abandoned":
            seq = [ring, abandon, hangup]
        elif story == "ringing_hangup":
            seq = [ring, ev("hangup", t + wait)]
        elif story == "answer_first":
            seq = [answer, ring, hangup]
        elif story == "abandon_first":
            seq = [abandon, ring]
        elif story == "hangup_first":
            seq = [ev("hangup", t + wait), ring]
        elif story == "ghost":
            seq = [ev("hangup", t)]
        elif story == "contradiction":
            seq = [ring, abandon, ev("answer", t + wait + 1, agent=agent)]
        elif story == "other_agent":
            seq = [ring, answer, ev("answer", t + wait, agent="PJSIP/8002")]
        elif story == "requeue":  # transferred into another queue after the answer
            seq = [ring, answer, ev("ring", t + wait + 30, number=number, queue="billing"),
                   ev("answer", t + wait + 40, agent="PJSIP/8001", queue="billing"),
                   ev("ring", t + wait + 30, number=number, queue="billing")]
        else:
            seq = [ring]
        for n, e in enumerate(seq):  # delivered in this order, close together
            timed.append((t + n * 0.01 + (wait if seq[0] is not ring else 0), e))
        if rng.random() < 0.1:  # a seat does something meanwhile
            timed.append((t + rng.uniform(0, 60), rng.choice(["answer", "evaluate", "lost"])))
    timed.sort(key=lambda x: x[0])
    out = [e for _t, e in timed]
    for _n in range(n_calls // 5):  # lines sent again, any time later
        i = rng.randrange(len(out))
        if isinstance(out[i], CallEvent):
            out.insert(rng.randrange(i, len(out)) + 1, out[i])
    out.append(CallEvent(kind="ring", call_key="from-the-future", number="13800138000",
                         at=START + timedelta(hours=1)))  # refused: in the future
    out.append(CallEvent(kind="ring", call_key=" ", number="1", at=START))  # refused: no id
    return out


def seat_action(desk: Desk, what: str) -> None:
    if what == "answer":
        call_id = desk.oldest_ringing()
        if call_id is not None:
            with contextlib.suppress(Conflict):
                desk.answer(call_id, by="lina")
    elif what == "evaluate":
        desk.evaluate()  # raises unanswered-call escalations (escalated_at, no new version)
    else:
        close_lost_calls(desk, "ami", set(), desk.now() - timedelta(minutes=30))


def outcome(result: Applied | InputError) -> object:
    return ("refused", str(result)) if isinstance(result, InputError) else result


def dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the call events and the seats wrote, in id order."""
    tables = ("call", "event", "pbx_event", "escalation")
    with desk.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY id")]
                for t in tables}


def one_at_a_time(desk: Desk, stream: list[CallEvent | str]) -> list[object]:
    results: list[object] = []
    for item in stream:
        if isinstance(item, str):
            seat_action(desk, item)
            continue
        try:
            results.append(apply_call_event(desk, item))
        except InputError as exc:
            results.append(("refused", str(exc)))
    return results


def in_batches(desk: Desk, stream: list[CallEvent | str], rng: random.Random,
               lookups: CallerCache | None) -> list[object]:
    results: list[object] = []
    pending: list[CallEvent] = []

    def flush() -> None:
        results.extend(outcome(r) for r in apply_call_events(desk, pending, lookups=lookups))
        pending.clear()

    for item in stream:
        if isinstance(item, str):
            flush()  # a seat acts between two batches
            seat_action(desk, item)
            continue
        pending.append(item)
        if len(pending) >= rng.choice([1, 2, 7, 50, 500]):
            flush()
    flush()
    return results


@pytest.fixture(params=["sqlite", "postgresql"])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'batched.db'}"
        return
    first = request.getfixturevalue("pg_url")
    # a second schema: the fixture gives one; make another beside it
    base, _sep, options = first.partition("?options=-csearch_path%3D")
    schema = options + "_b"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield first, f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("whole_directory", [False, True])
def test_batches_leave_exactly_what_one_event_at_a_time_leaves(
        two_urls: tuple[str, str], seed: int, whole_directory: bool) -> None:
    clocks = FixedClock(START), FixedClock(START)
    single, batched = (build_desk(make_settings(url), clock)
                       for url, clock in zip(two_urls, clocks, strict=True))
    try:
        known = prepare(single)
        prepare(batched)
        rng = random.Random(seed)
        stream = generate(rng, known, 150)
        expected = one_at_a_time(single, stream)
        lookups = CallerCache(batched, whole_directory=whole_directory) if whole_directory else None
        got = in_batches(batched, stream, random.Random(seed), lookups)
        assert got == expected
        kinds = {o.outcome for o in expected if isinstance(o, Applied)}
        assert kinds == {"applied", "created", "unchanged", "recorded"}  # the mix is real
        assert dump(batched) == dump(single)
    finally:
        single.engine.dispose()
        batched.engine.dispose()


def ring(key: str, number: str = "13800138000", **kw: Any) -> CallEvent:
    return CallEvent(kind="ring", call_key=key, number=number, at=START - timedelta(minutes=5),
                     source="jsonl", **kw)


def test_an_event_that_fails_does_not_take_the_others_of_its_batch(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    real = CallerCache.answer_clock
    tried: list[str] = []

    def clock_for(self: CallerCache, caller: Any, offered_at: datetime) -> Any:
        tried.append("x")
        if offered_at == START - timedelta(minutes=5, seconds=1):
            raise InputError("Policy broken has no answer target in seconds or minutes.")
        return real(self, caller, offered_at)

    monkeypatch.setattr(CallerCache, "answer_clock", clock_for)
    bad = CallEvent(kind="ring", call_key="bad", number="13800138001", source="jsonl",
                    at=START - timedelta(minutes=5, seconds=1))
    results = apply_call_events(desk, [ring("a"), bad, ring("b"), ring("a")])
    assert [outcome(r) for r in results][1] == (
        "refused", "Policy broken has no answer target in seconds or minutes.")
    assert [(r.outcome, r.call_id is not None) for r in results
            if isinstance(r, Applied)] == [(APPLIED, True), (APPLIED, True), (UNCHANGED, True)]
    with Session(desk.engine) as s:
        assert sorted(s.exec(select(Call.call_key)).all()) == ["a", "b"]
    assert len(tried) > 3  # the batch was tried whole, then one event at a time


def test_an_event_refused_before_writing_does_not_undo_its_batch(desk: Desk,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    alone: list[object] = []
    real = calls_module._apply_alone
    monkeypatch.setattr(calls_module, "_apply_alone",
                        lambda *a: alone.append(a) or real(*a))  # type: ignore[func-returns-value]
    future = CallEvent(kind="ring", call_key="f", number="1", at=START + timedelta(hours=1))
    results = apply_call_events(desk, [ring("a"), future, ring("b")])
    assert isinstance(results[1], InputError) and "in the future" in str(results[1])
    assert [r.outcome for r in results if isinstance(r, Applied)] == [APPLIED, APPLIED]
    assert alone == []  # checked before the transaction: the batch still went in whole


def test_a_call_a_seat_changed_meanwhile_is_judged_again(tmp_path: Path, clock: FixedClock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL lets a seat change a call while a batch works on it: the batch notices."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    feed, seat = build_desk(make_settings(url), clock), build_desk(make_settings(url), clock)
    try:
        with session_scope(seat.engine) as s:
            s.add(Engineer(login="lina", name="李娜", agent="PJSIP/8002"))
        apply_call_event(feed, ring("r1"))
        apply_call_event(feed, ring("r2"))
        call_id = seat.oldest_ringing()
        # as on PostgreSQL: no write lock up front, and a seat answers r1 right after the
        # batch has read it
        monkeypatch.setattr(calls_module, "_begin", lambda conn: None)
        real_load = calls_module.Batch.load
        seats_done: list[int] = []

        def load(self: calls_module.Batch, *a: Any, **kw: Any) -> None:
            real_load(self, *a, **kw)
            if not seats_done and call_id is not None:
                seats_done.append(seat.answer(call_id, at=START - timedelta(minutes=4)))

        monkeypatch.setattr(calls_module.Batch, "load", load)
        alone: list[str] = []
        real_alone = calls_module._apply_alone
        monkeypatch.setattr(calls_module, "_apply_alone",
                            lambda d, ev, *a: alone.append(ev.call_key) or real_alone(d, ev, *a))
        answer = CallEvent(kind="answer", call_key="r1", at=START - timedelta(minutes=3),
                           agent="PJSIP/8001", source="jsonl")
        hangup = CallEvent(kind="hangup", call_key="r2", at=START - timedelta(minutes=3),
                           source="jsonl")
        results = apply_call_events(feed, [answer, hangup])
        assert seats_done and alone == ["r1", "r2"]  # the batch noticed, and fell back
        assert [r.outcome for r in results if isinstance(r, Applied)] == [RECORDED, APPLIED]
        with Session(feed.engine) as s:
            r1 = s.exec(select(Call).where(Call.call_key == "r1")).one()
            r2 = s.exec(select(Call).where(Call.call_key == "r2")).one()
        assert (r1.state, r1.answered_by, r1.version) == ("answered", "zhangwei", 2)
        assert r2.state == "abandoned"
    finally:
        feed.engine.dispose()
        seat.engine.dispose()


def test_the_remembered_directory_answers_as_the_directory(desk: Desk) -> None:
    numbers = prepare(desk)
    lookups = CallerCache(desk, whole_directory=True)
    days = [date(2025, 6, 1), date(2026, 11, 24), date(2026, 11, 25), date(2030, 1, 1)]
    with Session(desk.engine) as s:
        lookups.prefetch(s, numbers[:3])
        for raw in [*numbers, "13700000000", "", "+8613911112222"]:
            parsed = lookups.parse(raw)
            e164 = parsed.e164 if parsed else None
            for day in days:
                assert lookups.caller(s, e164, day) == match_number(s, e164, day), (raw, day)
        shared = lookups.caller(s, "+8613911112222", date(2026, 11, 24))
        assert shared.candidates == 2 and shared.grade == "A"
        assert lookups.caller(s, "+8613911112222", date(2026, 11, 25)).contract_id is None


def test_agents_are_read_once_and_an_active_engineer_is_preferred(desk: Desk) -> None:
    with session_scope(desk.engine) as s:
        s.add(Engineer(login="old", name="Old", agent="SIP/7001", active=False))
        s.add(Engineer(login="zhangwei", name="张伟", agent="PJSIP/8001"))
        s.add(Engineer(login="lina", name="李娜", agent="Local/8002@agents"))
        s.add(Engineer(login="noagent", name="No agent"))
    lookups = CallerCache(desk)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(desk.engine, "before_cursor_execute", seen)
    asked = [["pjsip/8001"], ["local/8002@AGENTS"], [" Local/8002@agents ", "x"], ["SIP/9"],
             [], ["", "  "], ["SIP/9", "PJSIP/8001"], ["LOCAL/8002@AGENTS", "PJSIP/8001"],
             ["sip/7001"]]
    try:
        with Session(desk.engine) as s:
            got = [lookups.engineer(s, names) for names in asked]
    finally:
        sa.event.remove(desk.engine, "before_cursor_execute", seen)
    assert len(statements) == 1  # every agent read at once
    assert got == ["zhangwei", "lina", "lina", None, None, None, "zhangwei", "zhangwei", "old"]
    # an active engineer with an inactive one's agent (case aside) is the one chosen, from
    # the next batch on (a batch's lookups keep what they read)
    with session_scope(desk.engine) as s:
        s.add(Engineer(login="new", name="New", agent="Sip/7001"))
    with Session(desk.engine) as s:
        assert lookups.engineer(s, ["SIP/7001"]) == "old"  # this batch's lookups: as read
        assert lookups.renewed().engineer(s, ["SIP/7001"]) == "new"  # the next batch's


def test_a_batch_on_sqlite_holds_the_write_lock_and_syncs_its_commit(tmp_path: Path,
                                                                     clock: FixedClock) -> None:
    """What a batch reads cannot change before it writes; once committed, it is on disk."""
    import sqlite3

    path = tmp_path / "desk.db"
    desk = build_desk(make_settings(f"sqlite:///{path}"), clock)
    other = sqlite3.connect(path, timeout=0.1)
    try:
        with desk.write() as tx:
            batch = calls_module.Batch(tx, CallerCache(desk))
            assert batch.conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO customer (code, name) VALUES ('X', 'x')")
        other.execute("INSERT INTO customer (code, name) VALUES ('X', 'x')")  # free again
        other.commit()
    finally:
        other.close()
        desk.engine.dispose()


def test_a_batch_on_postgresql_plans_each_lookup_for_its_keys(pg_url: str,
                                                              clock: FixedClock) -> None:
    """A plan cached while the call table was small must not scan it whole ever after."""
    desk = build_desk(make_settings(pg_url), clock)
    try:
        with desk.write() as tx:
            batch = calls_module.Batch(tx, CallerCache(desk))
            assert batch.conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == (
                "force_custom_plan")
        with desk.engine.connect() as conn:  # for the batch's transaction only
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    finally:
        desk.engine.dispose()
