"""Portable SQL pieces for the figures (SQLite and PostgreSQL).

Durations are computed in the database: ``seconds_between(later, earlier)``
is ``EXTRACT(EPOCH …)`` on PostgreSQL; on SQLite, whole seconds
(``unixepoch``) plus the stored microseconds, exact like PostgreSQL's — not
``julianday``, which keeps milliseconds only and whose difference is off by up
to ~1e-5 s, so that a 20-second wait came out as 20.0000122 s (in the wrong
bin of the answer-time chart, or a 5-second abandon counted as short).

Periods are unions of ``[start, end)`` intervals (one per shift when a report
covers one shift of each day). A union is tested as the period's whole range
first — a plain range on the column, so that the database reads only that part
of the column's index — and then as a balanced tree of ``CASE`` that compares a
value with the middle interval's start and goes on in one half only: about
log2(n) comparisons, however many shifts a year holds, and far from SQLite's
expression-depth limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hotline.store.models import UTCDateTime

Interval = tuple[datetime, datetime]


class seconds_between(FunctionElement[float]):
    """``later − earlier`` in seconds, as a float (NULL if either is NULL)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds of the first 19 characters
    # (given the fraction, SQLite would round to milliseconds: 04.999999 → 5 s), then the
    # fraction from the 20th character on ('.ffffff', or '' without one). unixepoch() needs
    # SQLite 3.38; older libraries get strftime('%s'), the same figure, slower.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    version = getattr(getattr(compiler.dialect, "dbapi", None), "sqlite_version_info", (0,))
    whole = ("unixepoch(substr({}, 1, 19))" if tuple(version) >= (3, 38)
             else "strftime('%s', substr({}, 1, 19))")
    return (f"(({whole.format(later)} - {whole.format(earlier)}) + "
            f"(substr({later}, 20) - substr({earlier}, 20)))")


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


_UTC = UTCDateTime()  # one instance: a year of shifts has thousands of parameters


def utc(value: datetime) -> sa.BindParameter[datetime]:
    """A datetime parameter stored the way the columns store it."""
    return sa.literal(value, _UTC)


def within(column: Any, intervals: Sequence[Interval]) -> sa.ColumnElement[bool]:
    """``column`` falls in one of the ``[start, end)`` intervals."""
    spans = merged(intervals)
    if not spans:
        return sa.false()
    whole = sa.and_(column >= utc(spans[0][0]), column < utc(spans[-1][1]))
    if len(spans) == 1:
        return whole
    return sa.and_(whole, _search(column, spans) == 1)


def merged(intervals: Sequence[Interval]) -> list[Interval]:
    """The same union as sorted, disjoint, non-adjacent intervals (empty ones dropped)."""
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[0] < i[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _search(column: Any, spans: Sequence[Interval]) -> sa.ColumnElement[int]:
    """1 if ``column`` (already inside the whole range) is in one of ``spans`` (sorted), else 0."""
    if len(spans) == 1:
        (a, b), = spans
        return sa.case((sa.and_(column >= utc(a), column < utc(b)), sa.literal_column("1")),
                       else_=sa.literal_column("0"))
    mid = len(spans) // 2
    return sa.case((column < utc(spans[mid][0]), _search(column, spans[:mid])),
                   else_=_search(column, spans[mid:]))


def label_of(column: Any, starts: Sequence[tuple[datetime, int]]) -> sa.ColumnElement[int]:
    """The label of the last of ``starts`` (``(start, label)``, ascending) that ``column`` has
    reached — for a value known to lie in one of disjoint intervals, that interval's label —
    by the same halving as :func:`within`."""
    if len(starts) == 1:
        return sa.literal_column(str(starts[0][1]))
    mid = len(starts) // 2
    return sa.case((column < utc(starts[mid][0]), label_of(column, starts[:mid])),
                   else_=label_of(column, starts[mid:]))


def bucket(column: Any, bounds: Sequence[datetime]) -> sa.ColumnElement[int]:
    """The number of ``bounds`` (ascending) that ``column`` has reached: which of the
    parts of a period between them the value falls in."""
    if not bounds:
        return sa.literal_column("0")
    return sa.case(*[(column < utc(b), sa.literal_column(str(i))) for i, b in enumerate(bounds)],
                   else_=sa.literal_column(str(len(bounds))))


def count_if(condition: Any) -> sa.ColumnElement[int]:
    """How many rows of the group meet ``condition`` (0, never NULL)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def nearest_rank_p90(value: Any) -> sa.ColumnElement[Any]:
    """PostgreSQL: the nearest-rank 90th percentile of ``value`` in each group, the first
    value whose position in the group's order reaches 90 % — the same value as the
    smallest one whose cumulative distribution reaches 0.9, by a sort per group."""
    return sa.func.percentile_disc(0.9).within_group(value)
