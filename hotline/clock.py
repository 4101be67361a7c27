"""The program's one source of "now".

Nothing in the program reads the wall clock directly: every operation takes
its time from a :class:`Clock` handed to it. The desk runs on
:class:`SystemClock`; tests and replays use :class:`FixedClock`, which only
moves when told to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests, demos and replays."""

    def __init__(self, at: datetime) -> None:
        self._now = as_utc(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = as_utc(at)

    def advance(self, delta: timedelta | None = None, /, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new now."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime.

    Naive values are taken to be UTC already: that is how SQLite hands back
    what we stored (it keeps no offset).
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class OffsetClock:
    """Real time, shifted so that it starts at a given moment (demos, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self._offset = as_utc(start) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def clock_from_env() -> FixedClock | OffsetClock | None:
    """The clock ``HOTLINE_NOW`` (ISO 8601) asks for, for tests and replays; else None.

    Stopped at that moment, or running on from it with ``HOTLINE_CLOCK=running``.
    Only the entry point calls this: everything below it is handed a clock.
    """
    import os

    value = os.environ.get("HOTLINE_NOW")
    if not value:
        return None
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("HOTLINE_NOW needs an offset, e.g. 2026-11-25T10:00:00+08:00")
    if os.environ.get("HOTLINE_CLOCK", "").lower() == "running":
        return OffsetClock(at)
    return FixedClock(at)
