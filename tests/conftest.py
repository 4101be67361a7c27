"""Shared fixtures: a fake clock, a desk on a SQLite file, an optional PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.i18n import set_language
from tests.support import START, TEST_ROLE, backend_url, build_desk, give_role, make_settings


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A file, not memory: the screens read the desk from worker threads, each on a
    # connection of its own. One in-memory connection shared by every thread let their
    # transactions interleave, and a screen test failed now and then.
    return make_settings(f"sqlite:///{tmp_path / 'desk.db'}")


@pytest.fixture
def desk(settings: Settings, clock: FixedClock):  # type: ignore[no-untyped-def]
    d = build_desk(settings, clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def demo_desk(desk):  # type: ignore[no-untyped-def]
    from hotline import demo

    demo.load_directory(desk)
    demo.give_demo_secrets(desk)
    # the demo roster has the desk's actor as a duty engineer; the tests on this desk
    # do a supervisor's work too (those about permissions give roles of their own)
    give_role(desk, desk.actor, TEST_ROLE)
    return desk


@pytest.fixture(params=["sqlite", "postgresql"])
def directory_desk(request: pytest.FixtureRequest, tmp_path: Path,
                   clock: FixedClock):  # type: ignore[no-untyped-def]
    """A desk with the demo directory, once on SQLite and once on PostgreSQL (skipped
    where no PostgreSQL is set)."""
    from hotline import demo

    d = build_desk(make_settings(backend_url(request, tmp_path)), clock)
    demo.load_directory(d)
    yield d
    d.engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL database, dropped afterwards."""
    base = os.environ.get("HOTLINE_TEST_PG_URL")
    if not base:
        pytest.skip("HOTLINE_TEST_PG_URL is not set (PostgreSQL tests run in CI)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
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
