"""The audit trail's hash chain: exact form, linear under concurrent seats, tampering found."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.store.audit_chain import (
    GENESIS,
    canonical,
    check_tail,
    event_hash,
    verify_chain,
)
from hotline.store.guards import broken_guards, restore_guards
from hotline.telephony.call_events import CallEvent, apply_call_events
from tests.support import START, backend_url, build_desk, make_settings

ROW = {"at": datetime(2026, 11, 25, 2, 0, 0, 5, tzinfo=UTC),
       "recorded_at": datetime(2026, 11, 25, 2, 0, 1, tzinfo=UTC), "actor": "lina",
       "kind": "call_answered", "call_id": 12, "ticket_id": None, "escalation_id": None,
       "data": '{"wait_s": 3.5, "名": "陈"}'}


def test_the_canonical_form_is_exactly_the_documented_one() -> None:
    data = '{"wait_s": 3.5, "名": "陈"}'.encode()
    expected = (b"hotline-event/1\n" + b"64:" + b"0" * 64 + b","
                b"27:2026-11-25T02:00:00.000005Z,27:2026-11-25T02:00:01.000000Z,"
                b"4:lina,13:call_answered,2:12,~~" + str(len(data)).encode() + b":" + data + b",")
    assert canonical(GENESIS, ROW) == expected
    assert event_hash(GENESIS, ROW) == hashlib.sha256(expected).hexdigest()
    # NULL and an empty text differ; a time in another zone is the same instant
    assert event_hash(GENESIS, {**ROW, "ticket_id": None}) != event_hash(
        GENESIS, {**ROW, "ticket_id": ""})
    shanghai = ROW["at"].astimezone(START.tzinfo)  # type: ignore[union-attr]
    assert event_hash(GENESIS, {**ROW, "at": shanghai}) == event_hash(GENESIS, ROW)
    assert canonical(GENESIS, {**ROW, "at": datetime(1, 1, 1, tzinfo=UTC)}).count(
        b"0001-01-01T00:00:00.000000Z") == 1


texts = st.one_of(st.none(), st.text(max_size=30))


@settings(max_examples=200)
@given(a=st.lists(texts, min_size=4, max_size=4), b=st.lists(texts, min_size=4, max_size=4))
def test_different_contents_never_share_a_canonical_form(a: list[str | None],
                                                         b: list[str | None]) -> None:
    """Netstrings: no shifting of text between fields, no NULL posing as text (lone
    surrogates included)."""
    ra = {**ROW, "actor": a[0], "kind": a[1], "data": a[2], "call_id": a[3]}
    rb = {**ROW, "actor": b[0], "kind": b[1], "data": b[2], "call_id": b[3]}
    assert (canonical(GENESIS, ra) == canonical(GENESIS, rb)) == (a == b)


# --- on a database ----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_desk(request: pytest.FixtureRequest, tmp_path, clock: FixedClock  # type: ignore[no-untyped-def]
             ) -> Iterator[Desk]:
    url = backend_url(request, tmp_path)
    desk = build_desk(make_settings(url), clock)
    demo.load_directory(desk)
    try:
        yield desk
    finally:
        desk.engine.dispose()


def work(desk: Desk, clock: FixedClock) -> None:
    """A few minutes at the desk: rings, an answer, a ticket, a feed batch."""
    call = desk.ring("0757-83301234").call_id
    clock.advance(timedelta(seconds=20))
    desk.answer(call)
    desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                         description="光路中断 optical path down"), call)
    t0 = clock.now()
    clock.advance(timedelta(minutes=1))
    done = apply_call_events(desk, [
        CallEvent("ring", "pbx-1", t0, number="13380012345"),
        CallEvent("abandon", "pbx-1", t0 + timedelta(seconds=30), wait_s=30),
        CallEvent("ring", "pbx-2", t0 + timedelta(seconds=40), number="020-38881234"),
    ])
    assert not [r for r in done if isinstance(r, Exception)]
    desk.ring("020-38881234")


def run_sql(desk: Desk, *statements: str) -> None:
    with desk.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def event_ids(desk: Desk) -> list[int]:
    with desk.engine.connect() as conn:
        return [int(i) for i in conn.exec_driver_sql("SELECT id FROM event ORDER BY id")
                .scalars()]


def test_every_writer_links_its_events(any_desk: Desk, clock: FixedClock) -> None:
    work(any_desk, clock)
    report = verify_chain(any_desk.engine, batch=7)  # several pages
    assert report.broken is None
    assert report.events == len(event_ids(any_desk)) > 8
    assert check_tail(any_desk.engine) is None
    assert verify_chain(any_desk.engine, expect=report.last_hash).anchor_found is True
    assert verify_chain(any_desk.engine, expect="f" * 64).anchor_found is False


def test_seats_writing_at_once_keep_one_line(any_desk: Desk, clock: FixedClock) -> None:
    seats = [build_desk(any_desk.settings, clock, actor) for actor in ("lina", "wang", "zhao")]
    failures: list[BaseException] = []

    def ring_many(desk: Desk, n: int) -> None:
        try:
            for i in range(12):
                desk.ring(f"0757-8330{n}{i:03d}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=ring_many, args=(d, n)) for n, d in enumerate(seats)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in seats:
        d.engine.dispose()
    assert failures == []
    report = verify_chain(any_desk.engine)
    assert report.broken is None and report.events == len(event_ids(any_desk))


def test_sqlite_refuses_replace_and_verify_finds_what_gets_around_it(
        tmp_path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    desk = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}"), clock)
    demo.load_directory(desk)
    work(desk, clock)
    ids = event_ids(desk)
    victim = ids[3]
    replace = (f"INSERT OR REPLACE INTO event (id, at, recorded_at, actor, kind, data, prev_hash, "
               f"hash) SELECT id, at, recorded_at, 'mallory', kind, data, prev_hash, hash "
               f"FROM event WHERE id = {victim}")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        run_sql(desk, replace)
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        run_sql(desk, f"UPDATE event SET actor = 'mallory' WHERE id = {victim}")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        run_sql(desk, f"DELETE FROM event WHERE id = {victim}")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):  # SQLite's TRUNCATE
        run_sql(desk, "DELETE FROM event")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):  # outside the chain
        run_sql(desk, "INSERT INTO event (at, recorded_at, actor, kind, data) "
                      "VALUES ('2026-11-25 02:00:00', '2026-11-25 02:00:00', 'x', 'x', '{}')")
    assert verify_chain(desk.engine).broken is None

    # dropped triggers: each rewrite is found, at its id
    run_sql(desk, "DROP TRIGGER event_no_replace", "DROP TRIGGER event_no_update",
            "DROP TRIGGER event_no_delete")
    with desk.engine.connect() as conn:
        assert {g.name for g, state in broken_guards(conn) if state == "missing"} == {
            "event_no_replace", "event_no_update", "event_no_delete"}
    run_sql(desk, replace)
    broken = verify_chain(desk.engine).broken
    assert broken is not None and (broken.event_id, broken.what) == (victim, "changed")
    with desk.engine.begin() as conn:
        assert len(restore_guards(conn)) == 3
    with desk.engine.connect() as conn:
        assert broken_guards(conn) == []
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        run_sql(desk, replace)
    desk.engine.dispose()


def test_sqlite_update_and_delete_behind_a_dropped_trigger_are_found(
        tmp_path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    for tamper, expect in (("UPDATE event SET data = '{{}}' WHERE id = {victim}", "changed"),
                           ("DELETE FROM event WHERE id = {victim}", "missing")):
        desk = build_desk(make_settings(f"sqlite:///{tmp_path / f'{expect}.db'}"), clock)
        demo.load_directory(desk)
        work(desk, clock)
        ids = event_ids(desk)
        run_sql(desk, "DROP TRIGGER event_no_update", "DROP TRIGGER event_no_delete",
                tamper.format(victim=ids[5]))
        broken = verify_chain(desk.engine).broken
        assert broken is not None and broken.what == expect
        assert broken.event_id == (ids[5] if expect == "changed" else ids[6])
        assert broken.previous_id == ids[4]
        desk.engine.dispose()


def test_postgresql_refuses_truncate_and_verify_finds_an_owner_s_rewrite(
        pg_url: str, clock: FixedClock) -> None:
    desk = build_desk(make_settings(pg_url), clock)
    try:
        demo.load_directory(desk)
        work(desk, clock)
        ids = event_ids(desk)
        upsert = ("INSERT INTO event (id, at, recorded_at, actor, kind, data, prev_hash, hash) "
                  "SELECT id, at, recorded_at, 'mallory', kind, data, prev_hash, hash "
                  f"FROM event WHERE id = {ids[2]} ON CONFLICT (id) DO UPDATE "
                  "SET actor = excluded.actor")  # PostgreSQL's INSERT OR REPLACE
        for sql in ("TRUNCATE event", "TRUNCATE call CASCADE", upsert,
                    f"UPDATE event SET actor = 'mallory' WHERE id = {ids[2]}",
                    f"DELETE FROM event WHERE id = {ids[2]}"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                run_sql(desk, sql)
        assert event_ids(desk) == ids
        # the owner can disable the trigger: then verify finds the rewrite
        anchor = verify_chain(desk.engine).last_hash
        run_sql(desk, "ALTER TABLE event DISABLE TRIGGER event_append_only",
                f"UPDATE event SET data = '{{}}' WHERE id = {ids[5]}")
        broken = verify_chain(desk.engine).broken
        assert broken is not None and (broken.event_id, broken.what) == (ids[5], "changed")
        run_sql(desk, f"DELETE FROM event WHERE id = {ids[2]}")
        with desk.engine.connect() as conn:
            assert [(g.name, s) for g, s in broken_guards(conn)] == [
                ("event_append_only", "disabled")]
        broken = verify_chain(desk.engine).broken
        assert broken is not None and (broken.event_id, broken.what) == (ids[3], "missing")
        with desk.engine.begin() as conn:
            assert [g.name for g in restore_guards(conn)] == ["event_append_only"]
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            run_sql(desk, f"DELETE FROM event WHERE id = {ids[4]}")
        # a TRUNCATE behind a dropped trigger: only the anchor kept elsewhere shows it
        run_sql(desk, "DROP TRIGGER event_no_truncate ON event")
        with desk.engine.connect() as conn:
            assert [g.name for g, _s in broken_guards(conn)] == ["event_no_truncate"]
        run_sql(desk, "TRUNCATE event CASCADE")
        report = verify_chain(desk.engine, expect=anchor)
        assert (report.events, report.anchor_found) == (0, False)
    finally:
        desk.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_links_the_events_already_written(
        backend: str, tmp_path, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from hotline.store.engine import make_engine
    from hotline.store.schema import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite"
                         else request.getfixturevalue("pg_url"))
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0013_missed_calls")
    with engine.begin() as conn:
        for i in range(12):
            conn.exec_driver_sql(
                "INSERT INTO event (at, recorded_at, actor, kind, data) VALUES "
                f"('2026-11-25 02:00:0{i % 10}.000000', '2026-11-25 02:00:10.000000', "
                f"'lina', 'note', '{{\"n\": {i}}}')")
    assert upgrade(engine) is True
    report = verify_chain(engine)
    assert (report.events, report.broken) == (12, None)
    command.downgrade(cfg, "0013_missed_calls")
    with engine.connect() as conn:
        assert "hash" not in {c["name"] for c in sa.inspect(conn).get_columns("event")}
    upgrade(engine)
    assert verify_chain(engine).broken is None
    engine.dispose()

