"""A desk on SQLite and on PostgreSQL, for what a feed writes (each test runs on both)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from tests.support import build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feed.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def feed_desk(db_url: str, clock: FixedClock) -> Iterator[Desk]:
    desk = build_desk(make_settings(db_url), clock)
    yield desk
    desk.engine.dispose()


@pytest.fixture(autouse=True)
def _feed_log() -> Iterator[None]:
    """``hotline feed`` points the feed's log at the standard error of its run; put it back
    (each test sees the log through pytest, not through a stream of an earlier test)."""
    logger = logging.getLogger("hotline.feed")
    saved = logger.handlers[:], logger.propagate, logger.level
    logger.handlers[:] = []
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
    yield
    logger.handlers[:], logger.propagate = saved[0], saved[1]
    logger.setLevel(saved[2])
