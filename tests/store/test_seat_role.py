"""PostgreSQL deployment: an owner migrates, seats connect as a role that owns nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.errors import InputError, StorageError
from hotline.store.audit_chain import verify_chain
from hotline.store.roles import check_role_name, seat_grants
from tests.support import build_desk, make_settings


@pytest.fixture
def seat_role(pg_url: str) -> Iterator[tuple[str, str]]:
    """A login role for the seats (dropped afterwards) and its URL; the schema migrated."""
    role = f"seat_{uuid.uuid4().hex[:10]}"
    owner = sa.create_engine(pg_url)
    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'seat-secret'")
    url = sa.engine.make_url(pg_url).set(username=role, password="seat-secret")
    try:
        yield role, url.render_as_string(hide_password=False)
    finally:
        with owner.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        owner.dispose()


def test_a_seat_role_uses_the_desk_but_cannot_rewrite_the_trail(
        pg_url: str, seat_role: tuple[str, str], clock: FixedClock) -> None:
    from hotline.cli.main import run

    role, seat_url = seat_role
    owner_desk = build_desk(make_settings(pg_url), clock)  # the owner migrates
    demo.load_directory(owner_desk)
    owner_desk.engine.dispose()
    assert run(["--db", pg_url, "db", "grants", role, "--apply"], clock=clock) == 0

    seat = build_desk(make_settings(seat_url), clock, "lina")  # no migration needed
    try:
        call = seat.ring("0757-83301234").call_id
        seat.answer(call)
        ticket = seat.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                      description="光路中断 optical path down"), call)
        assert ticket > 0
        for sql in ("TRUNCATE event", "TRUNCATE call CASCADE", "DROP TABLE event CASCADE",
                    "UPDATE event SET actor = 'mallory'", "DELETE FROM event",
                    "ALTER TABLE event DISABLE TRIGGER event_append_only",
                    "DROP TRIGGER event_no_truncate ON event",
                    "CREATE TABLE mine (id int)"):
            with pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"), \
                    seat.engine.begin() as conn:
                conn.exec_driver_sql(sql)
        assert verify_chain(seat.engine).broken is None
    finally:
        seat.engine.dispose()


def test_a_seat_role_never_migrates(pg_url: str, seat_role: tuple[str, str],
                                    clock: FixedClock) -> None:
    from alembic import command

    from hotline.store.engine import make_engine
    from hotline.store.schema import alembic_config

    role, seat_url = seat_role
    owner = make_engine(pg_url)
    command.upgrade(alembic_config(owner), "0013_missed_calls")  # an older schema
    with owner.begin() as conn:
        for sql in seat_grants(conn, role):
            conn.exec_driver_sql(sql)
    owner.dispose()
    with pytest.raises(StorageError, match="run hotline db upgrade as the database's owner"):
        build_desk(make_settings(seat_url), clock)


@pytest.mark.parametrize("name", ["", " ", "a\x00b", "x" * 64, "\ud800"])
def test_a_role_name_postgresql_cannot_hold_is_refused(name: str) -> None:
    with pytest.raises(InputError):
        check_role_name(name)
