"""The audit trail's hash chain: every event carries its predecessor's hash and its own.

An event's ``hash`` is the SHA-256 (lower-case hex) of its *canonical form*,
which contains the ``prev_hash`` it links to; the first event links to
:data:`GENESIS`. Changing, removing or replacing an event therefore breaks
the link of the event after it, and ``hotline audit --verify`` finds it.

The canonical form of an event, exactly (bytes)::

    b"hotline-event/1\\n"
    then, for each of prev_hash, at, recorded_at, actor, kind, call_id,
    ticket_id, escalation_id, data, in that order:
        "~"                          if the value is NULL,
        "<n>:<bytes>,"               otherwise (a netstring: n is the number of
                                     bytes in decimal, the bytes are UTF-8)

Times are written in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always four
digits of year and six of microseconds); ids in decimal; ``data`` is the
column's text exactly as stored (the event's JSON). Nothing else of the row
(its ``id`` included) is hashed: the chain, not the id, orders the events, and
ids may have gaps (a transaction that failed used them).

The chain stays linear while many seats write at once: the first time a
transaction writes events it takes the append lock (PostgreSQL: a
transaction-level advisory lock; SQLite: the database's write lock, ``BEGIN
IMMEDIATE`` if no write began yet) and reads the tail under it; the lock is
held until the transaction ends, so no other transaction appends meanwhile.
Every later event of the transaction links to the one before it in memory: one
tail read per transaction, however many events it writes. A unique index on
``prev_hash`` refuses a fork should anything get around that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from hotline.store.models import Event

#: What the first event links to.
GENESIS = "0" * 64
#: The fields hashed, in order (after ``prev_hash``).
FIELDS = ("at", "recorded_at", "actor", "kind", "call_id", "ticket_id", "escalation_id", "data")
_HEADER = b"hotline-event/1\n"
#: The advisory lock's first key on PostgreSQL ("hotline" in ASCII, cut to 31 bits); the
#: second key is a hash of the schema, so that desks in different schemas do not wait
#: for each other.
PG_LOCK_KEY = 0x686F746C
_TAIL = "event_chain_tail"
_EVENT = cast(sa.Table, Event.__table__)  # type: ignore[attr-defined]


def _time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _field(value: Any) -> bytes:
    if value is None:
        return b"~"
    if isinstance(value, str):
        raw = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, datetime):
        raw = _time(value).encode("ascii")
    elif isinstance(value, bool):  # never stored, but never hashed as "True" either
        raw = b"1" if value else b"0"
    else:
        raw = str(value).encode("utf-8", "surrogatepass")
    return b"%d:%b," % (len(raw), raw)


def canonical(prev_hash: str, row: Any) -> bytes:
    """The bytes hashed for an event (``row``: a mapping or an object with the columns)."""
    if isinstance(row, dict):
        values = [row.get(name) for name in FIELDS]
    else:
        values = [getattr(row, name) for name in FIELDS]
    return _HEADER + _field(prev_hash) + b"".join(map(_field, values))


def event_hash(prev_hash: str, row: Any) -> str:
    """The hash of an event linking to ``prev_hash``."""
    return hashlib.sha256(canonical(prev_hash, row)).hexdigest()


# --- appending ----------------------------------------------------------------------------


def take_append_lock(conn: sa.Connection) -> None:
    """Hold the right to append events until the transaction ends (see the module)."""
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                     {"key": PG_LOCK_KEY})
    elif name == "sqlite":
        raw: Any = conn.connection.dbapi_connection
        # in a transaction means a write already ran in it, so the write lock is held
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_tail(conn: sa.Connection) -> str:
    """The hash of the newest event (:data:`GENESIS` when there is none)."""
    last = conn.execute(sa.select(_EVENT.c.hash).order_by(_EVENT.c.id.desc()).limit(1)).first()
    if last is None:
        return GENESIS
    return str(last[0]) if last[0] else GENESIS


def _tail(session: Session) -> str:
    tail = session.info.get(_TAIL)
    if tail is None:
        conn = session.connection()
        take_append_lock(conn)
        tail = read_tail(conn)
    return str(tail)


def chain_rows(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Link event rows about to be inserted, in this order, right now, by ``session``.

    The rows must be inserted next, in the same order, before any other event.
    """
    tail = _tail(session) if rows else None
    for row in rows:
        assert tail is not None
        row["prev_hash"] = tail
        row["hash"] = tail = event_hash(tail, row)
    if rows:
        session.info[_TAIL] = tail
    return rows


def _link_pending_events(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: link the new events it will insert, in the order they were added."""
    pending = [obj for obj in session.new if isinstance(obj, Event) and obj.hash is None]
    if not pending:
        return
    pending.sort(key=lambda obj: sa.inspect(obj).insert_order)
    tail = _tail(session)
    for ev in pending:
        ev.prev_hash = tail
        ev.hash = tail = event_hash(tail, ev)
    session.info[_TAIL] = tail


def _forget_tail(session: Session, transaction: SessionTransaction) -> None:
    """The tail read under a lock is good only in the transaction that holds the lock."""
    if transaction.parent is None:
        session.info.pop(_TAIL, None)


sa_event.listen(Session, "before_flush", _link_pending_events)
sa_event.listen(Session, "after_transaction_end", _forget_tail)


# --- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first event where the chain does not hold."""

    event_id: int
    at: datetime | None
    #: ``changed`` (its content does not give its hash), ``missing`` (it does not link to
    #: the event before it: an event between them was removed or replaced) or ``unlinked``
    #: (it carries no hash at all: written around the desk).
    what: str
    #: The id of the event before it in the table (None for the first).
    previous_id: int | None = None


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken: Break | None
    last_id: int | None
    last_hash: str
    #: Whether the hash asked for (``expect``) was found in the chain (None: none asked for).
    anchor_found: bool | None = None


_COLUMNS = [_EVENT.c.id, _EVENT.c.prev_hash, _EVENT.c.hash, *(_EVENT.c[f] for f in FIELDS)]


def _check(rows: Iterable[Any], prev_hash: str, previous_id: int | None
           ) -> Iterator[tuple[Any, Break | None]]:
    for row in rows:
        if not row.hash or not row.prev_hash:
            yield row, Break(row.id, row.at, "unlinked", previous_id)
            return
        if event_hash(row.prev_hash, row) != row.hash:
            yield row, Break(row.id, row.at, "changed", previous_id)
            return
        if row.prev_hash != prev_hash:
            yield row, Break(row.id, row.at, "missing", previous_id)
            return
        yield row, None
        prev_hash, previous_id = row.hash, row.id


def verify_chain(engine: Engine, *, expect: str | None = None,
                 batch: int = 5000) -> ChainReport:
    """Recompute the whole chain in id order; the first break, if any."""
    count = 0
    last_id: int | None = None
    last_hash = GENESIS
    found = None if expect is None else False
    expect = expect.strip().lower() if expect else None
    with engine.connect() as conn:
        while True:
            query = sa.select(*_COLUMNS).order_by(_EVENT.c.id).limit(batch)
            if last_id is not None:
                query = query.where(_EVENT.c.id > last_id)
            rows = conn.execute(query).all()
            if not rows:
                break
            for row, broken in _check(rows, last_hash, last_id):
                if broken is not None:
                    return ChainReport(count, broken, last_id, last_hash, found)
                count += 1
                last_id, last_hash = row.id, row.hash
                if expect is not None and row.hash == expect:
                    found = True
    return ChainReport(count, None, last_id, last_hash, found)


def check_tail(engine: Engine, links: int = 20) -> Break | None:
    """Check only the newest ``links`` events (cheap: what the desk does as it opens)."""
    with engine.connect() as conn:
        rows: Sequence[Any] = conn.execute(
            sa.select(*_COLUMNS).order_by(_EVENT.c.id.desc()).limit(links + 1)).all()
    rows = list(reversed(rows))
    if not rows:
        return None
    first = rows[0]
    if len(rows) <= links:  # the whole table: the first event links to the genesis
        start, previous_id, body = GENESIS, None, rows
    else:
        start, previous_id, body = first.hash, first.id, rows[1:]
    for _row, broken in _check(body, start, previous_id):
        if broken is not None:
            return broken
    return None
