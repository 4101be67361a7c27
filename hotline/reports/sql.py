"""Portable SQL pieces for the figures (SQLite and PostgreSQL).

Durations are computed in the database: ``seconds_between(later, earlier)``
is ``julianday`` arithmetic on SQLite and ``EXTRACT(EPOCH …)`` on
PostgreSQL. Periods are unions of ``[start, end)`` intervals (one per shift
when a report covers one shift of each day), written as a balanced tree of
``OR`` so that a year of shifts stays far from SQLite's expression-depth
limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hotline.models import UTCDateTime

Interval = tuple[datetime, datetime]


class seconds_between(FunctionElement[float]):
    """``later − earlier`` in seconds, as a float (NULL if either is NULL)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"((julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)})) * 86400.0)")


@compiles(seconds_between)
def _seconds_default(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
            f"{compiler.process(earlier, **kw)})) AS DOUBLE PRECISION)")


class floor_int(FunctionElement[int]):
    """The integer part of a non-negative number."""

    type = sa.Integer()
    inherit_cache = True
    name = "floor_int"


@compiles(floor_int, "sqlite")
def _floor_sqlite(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS INTEGER)"


@compiles(floor_int)
def _floor_default(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST(FLOOR({compiler.process(value, **kw)}) AS INTEGER)"


def utc(value: datetime) -> sa.BindParameter[datetime]:
    """A datetime parameter stored the way the columns store it."""
    return sa.literal(value, UTCDateTime())


def within(column: Any, intervals: Sequence[Interval]) -> sa.ColumnElement[bool]:
    """``column`` falls in one of the ``[start, end)`` intervals."""
    if not intervals:
        return sa.false()
    parts = [sa.and_(column >= utc(a), column < utc(b)) for a, b in intervals]
    while len(parts) > 1:
        parts = [sa.or_(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def count_if(condition: Any) -> sa.ColumnElement[int]:
    """How many rows of the group meet ``condition`` (0, never NULL)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
