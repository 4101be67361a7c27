"""Call events from a phone system, applied to the desk.

A phone system (Asterisk's manager interface, a JSON-lines feed, a script)
reports four things about a call: it joined the queue (``ring``), an agent
took it (``answer``), the caller gave up (``abandon``) or a channel hung up
(``hangup``). :func:`apply_call_event` applies one of them in one
transaction, together with the event that records it;
:func:`apply_call_events` applies many in one transaction (group commit),
each exactly as if it had been applied alone, in order.

Rules, so that a feed can be replayed, restarted or delivered out of order:

* The same event applied twice changes nothing.
* An answer or abandon for a call the desk has not seen ring creates the
  call (its offer time is worked back from the wait, when the PBX says it);
  the ring arriving afterwards fills in the caller's number.
* A hang-up for an unknown call id cannot be placed (answered? abandoned?), so
  it is kept in :class:`~hotline.store.models.PbxEvent`; if the ring arrives later,
  the call is created and ended by it. An event contradicting what the desk
  knows (an answer for an abandoned call) is kept there too. Nothing is
  dropped silently.
* A hang-up after the answer does not end the call for the desk: the
  engineer who answered still logs it (``ended_at`` records the hang-up).
* The PBX's agent (interface or member name) is mapped to an engineer by
  ``Engineer.agent``; an agent nobody has claimed is kept as given.

How a batch is applied (:class:`Batch`): the calls its events name are read
in one query at the start, under the write lock on SQLite (``BEGIN
IMMEDIATE``: nobody else writes until the batch commits); each event then
changes those calls in memory and queues its event rows, and at the end the
new calls, the changed columns of known calls, the kept PBX events and the
event rows are written with a few bulk statements. A known call is written
only if its ``version`` is still the one read (on PostgreSQL a seat may have
changed it meanwhile); if not, or if any event of the batch fails, the batch
is rolled back and its events applied one at a time, each against what is
in the database then, so one bad event never takes good ones with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.desk import call_states, missed_calls
from hotline.desk.call_states import CallState, HangUp, Move
from hotline.desk.calls import PBX_ACTOR
from hotline.errors import InputError, StorageError
from hotline.i18n import _
from hotline.opening_hours import OpeningHours
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.audit_chain import chain_rows
from hotline.store.limits import check_text, column_limit
from hotline.store.models import Call, Event, PbxEvent
from hotline.store.transaction import FUTURE_TOLERANCE, Transaction
from hotline.telephony.caller_cache import CallerCache
from hotline.timefmt import MAX_YEAR, MIN_YEAR

KINDS = ("ring", "answer", "abandon", "hangup")

APPLIED = "applied"  # the call changed as the event says
CREATED = "created"  # the event created a call the desk had not seen ring
UNCHANGED = "unchanged"  # already known: nothing to do (a repeat, a normal trailing hang-up)
RECORDED = "recorded"  # kept in pbx_event: unknown call id, or a contradiction
OUTCOMES = (APPLIED, CREATED, UNCHANGED, RECORDED)

#: How long a ring may follow the call's end and still be the same offer.
_SAME_OFFER = timedelta(seconds=2)


@dataclass(frozen=True)
class CallEvent:
    """One thing a phone system says about a call."""

    kind: str  # ring | answer | abandon | hangup
    call_key: str  # the PBX's call id (Asterisk: the caller channel's Uniqueid)
    at: datetime
    source: str = "jsonl"
    number: str | None = None  # the caller id, as the PBX gave it
    agent: str | None = None  # who answered: interface, agent or member name
    agent_aliases: tuple[str, ...] = ()  # other names of the same agent (AMI MemberName)
    queue: str | None = None
    wait_s: float | None = None  # how long the caller had waited (answer, abandon)
    detail: str = ""  # why, in the PBX's words (e.g. "left the queue: timeout")
    extra: dict[str, str] = field(default_factory=dict)  # kept in the event's data


@dataclass(frozen=True)
class Applied:
    outcome: str  # one of OUTCOMES
    call_id: int | None
    note: str = ""  # what happened, for the feed's log


#: The earliest and latest event time a feed may give (epoch 0, year 1 or 9999 are a
#: broken clock or a broken writer, never a call): the years every typed time takes.
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC)
#: The longest wait a PBX may report (a week: longer is a broken counter).
MAX_WAIT_S = 7 * 86400


#: What the calls and kept events store of an event, at most (the columns' lengths).
#: (A call id leaves room for the ``#n`` of a caller's later offer in another queue.)
MAX_CALL_KEY = column_limit(Call, "call_key") - 10
MAX_NUMBER = column_limit(Call, "number_raw")
MAX_QUEUE = min(column_limit(Call, "queue"), column_limit(PbxEvent, "queue"))
MAX_AGENT = column_limit(PbxEvent, "agent")
MAX_DETAIL = column_limit(PbxEvent, "detail")


def check_time(at: datetime) -> datetime:
    """An event's time as aware UTC, if it can be a call's; raises InputError."""
    if at.tzinfo is None:
        raise InputError(_("The event's time has no time zone."))
    try:
        utc = at.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InputError(_("The event's time {time} is not a possible call time (expected "
                           "between {first} and {last}).").format(
            time=at.isoformat(), first=EARLIEST.year, last=LATEST.year - 1))
    return utc


def validate(ev: CallEvent, now: datetime, tz: ZoneInfo) -> datetime:
    """Check an event's fields; returns its time as aware UTC. Raises InputError.

    Every text is checked against the length of the column that stores it, and
    for characters no database takes (NUL, a lone surrogate), before anything
    is written: a bad event is refused alone, never failing its batch.
    """
    if ev.kind not in KINDS:
        raise InputError(_("Unknown call event {kind!r}: expected ring, answer, abandon or "
                           "hangup.").format(kind=ev.kind[:40]))
    check_text(_("The call id"), ev.call_key)
    key = ev.call_key.strip()
    if not key:
        raise InputError(_("The call id is empty."))
    if len(key) > MAX_CALL_KEY:
        raise InputError(_("A call id may have at most {n} characters.").format(
            n=MAX_CALL_KEY))
    if ev.number is not None:
        check_text(_("The caller number"), ev.number)
        if len(ev.number.strip()) > MAX_NUMBER:
            raise InputError(_("A caller number may have at most {n} characters.").format(
                n=MAX_NUMBER))
    for agent in (ev.agent, *ev.agent_aliases):
        if agent is not None:
            check_text(_("The agent name"), agent)
            if len(agent) > MAX_AGENT:
                raise InputError(_("An agent name may have at most {n} characters.").format(
                    n=MAX_AGENT))
    if ev.queue is not None:
        check_text(_("The queue name"), ev.queue)
        if len(ev.queue) > MAX_QUEUE:
            raise InputError(_("A queue name may have at most {n} characters.").format(
                n=MAX_QUEUE))
    check_text(_("The detail"), ev.detail, MAX_DETAIL)
    for name, value in ev.extra.items():
        check_text(_("The detail"), f"{name}{value}", MAX_DETAIL)
    at = check_time(ev.at)
    if at > now + FUTURE_TOLERANCE:
        raise InputError(_("The event's time {time} is in the future (the desk's clock says "
                           "{now}).").format(time=_local(at, tz), now=_local(now, tz)))
    if ev.wait_s is not None and not (0 <= ev.wait_s < MAX_WAIT_S):
        raise InputError(_("A waiting time of {wait} seconds is not possible.").format(
            wait=ev.wait_s))
    if ev.wait_s is not None and at - timedelta(seconds=ev.wait_s) < EARLIEST:
        raise InputError(_("The event's time {time} is not a possible call time (expected "
                           "between {first} and {last}).").format(
            time=ev.at.isoformat(), first=EARLIEST.year, last=LATEST.year - 1))
    return at


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z")



# --- applying events: one, or many in one transaction -------------------------------

#: Attempts at one event whose call another process changed while it was applied.
_ATTEMPTS = 5


class _Raced(Exception):
    """A call (or kept event) changed in the database while the batch was being applied."""

    def __init__(self, what: object) -> None:
        super().__init__(str(what))


def apply_call_event(seat: Seat, ev: CallEvent, *, lookups: CallerCache | None = None
                     ) -> Applied:
    """Apply one call event in one transaction (see the module's rules).

    Raises :class:`InputError` for an event that cannot be meant (unknown
    kind, empty call id, a time in the future) and changes nothing then.
    """
    at = validate(ev, seat.now(), seat.settings.tz)
    return _apply_alone(seat, ev, at, lookups or CallerCache(seat))


def apply_call_events(seat: Seat, events: Sequence[CallEvent], *,
                      lookups: CallerCache | None = None) -> list[Applied | InputError]:
    """Apply ``events`` in order, in one transaction; what each did, or why it was refused.

    Each event is applied exactly as :func:`apply_call_event` would have
    applied it after the ones before it, and gets its own event row. When
    this returns, every event it reports applied is committed. If one event
    fails (or a call changed meanwhile), the batch is rolled back and the
    events are applied one at a time instead. A database that refuses the
    write raises :class:`StorageError`: the events are not confirmed, and
    applying them again is safe (one already saved changes nothing).
    """
    lookups = lookups or CallerCache(seat)
    now, tz = seat.now(), seat.settings.tz
    results: list[Applied | InputError | None] = [None] * len(events)
    todo: list[tuple[int, CallEvent, datetime]] = []
    for i, ev in enumerate(events):
        try:
            todo.append((i, ev, validate(ev, now, tz)))
        except InputError as exc:
            results[i] = exc
    done: list[Applied] | None = None
    if len(todo) > 1:
        try:
            done = _apply_batch(seat, [(ev, at) for _i, ev, at in todo], lookups)
        except StorageError:
            raise
        except Exception:  # any failure: the events go in one at a time
            done = None
    if done is not None:
        for (i, _ev, _at), applied in zip(todo, done, strict=True):
            results[i] = applied
    else:
        for i, ev, at in todo:
            try:
                results[i] = _apply_alone(seat, ev, at, lookups)
            except InputError as exc:
                results[i] = exc
    return [r for r in results if r is not None]


def feed_actor(seat: Seat) -> str:
    """Who a feed's events name: its service account, else the fixed ``pbx``."""
    return seat.feed_actor or PBX_ACTOR


def _apply_alone(seat: Seat, ev: CallEvent, at: datetime, lookups: CallerCache) -> Applied:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return _apply_batch(seat, [(ev, at)], lookups)[0]
        except (sa.exc.IntegrityError, _Raced) as exc:
            # another process created the same call, or changed it, a moment ago:
            # apply again on top of what it wrote
            if attempt == _ATTEMPTS:
                if isinstance(exc, _Raced):
                    raise StorageError(_("The call changed in the database while the event "
                                         "was applied; nothing was saved. Try again.")) from exc
                raise
    raise AssertionError("unreachable")


def _apply_batch(seat: Seat, items: list[tuple[CallEvent, datetime]],
                 lookups: CallerCache) -> list[Applied]:
    with seat.write(actor=feed_actor(seat)) as tx:
        b = Batch(tx, lookups, seat.sla, seat.settings.hours)
        b.load([ev.call_key.strip() for ev, _at in items],
               rings=[ev.call_key.strip() for ev, _at in items if ev.kind == "ring"])
        b.prefetch_callers(ev.number for ev, _at in items if ev.number)
        b.load_ledger(_ledger_key(ev, ev.call_key.strip(), at) for ev, at in items
                      if ev.kind != "ring")
        pending = [_apply(b, ev, at) for ev, at in items]
        b.write()
    return [Applied(r.outcome, r.call.id if r.call is not None else None, r.note)
            for r in pending]


# --- a batch: calls in memory, written in bulk -----------------------------------------

_CALL = cast(sa.Table, Call.__table__)  # type: ignore[attr-defined]
_PBX = cast(sa.Table, PbxEvent.__table__)  # type: ignore[attr-defined]
_EVENT = cast(sa.Table, Event.__table__)  # type: ignore[attr-defined]
#: Keys per ``IN (…)`` list when a batch reads its calls (short enough that PostgreSQL
#: looks them up by index even in a table it has not analysed yet).
_CHUNK = 100


@dataclass(eq=False, slots=True)
class CallRow:
    """A call as the events of a batch see and change it.

    Either read at the start of the batch (``loaded_version`` is its version
    then; ``changed`` names the columns to write) or created by the batch
    (``id`` is None until it is written).
    """

    call_key: str
    source: str
    queue: str | None
    number_raw: str
    number_e164: str | None
    number_kind: str | None
    contact_id: int | None
    customer_id: int | None
    contract_id: int | None
    state: str
    offered_at: datetime
    answer_due_at: datetime
    answer_warn_at: datetime
    answered_at: datetime | None = None
    answered_by: str | None = None
    ended_at: datetime | None = None
    version: int = 1
    id: int | None = None
    loaded_version: int | None = None
    changed: set[str] = field(default_factory=set)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.changed.update(values)

    def bump(self) -> None:
        """One more change of the call (``version``, which seats compare)."""
        self.version += 1
        self.changed.add("version")


#: The columns a batch reads and may write (never ``ticket_id`` nor ``escalated_at``).
_COLUMNS = ("id", "call_key", "source", "queue", "number_raw", "number_e164", "number_kind",
            "contact_id", "customer_id", "contract_id", "state", "offered_at", "answer_due_at",
            "answer_warn_at", "answered_at", "answered_by", "ended_at", "version")


@dataclass(eq=False, slots=True)
class _NewPbx:
    row: dict[str, Any]
    call: CallRow | None


@dataclass(eq=False, slots=True)
class _Kept:
    """A hang-up kept for a call id the desk had not seen, not yet given to a call."""

    at: datetime
    source: str
    db_id: int | None = None  # already in the database
    new: _NewPbx | None = None  # recorded by this batch


@dataclass(eq=False, slots=True)
class _Result:
    outcome: str
    call: CallRow | None
    note: str


def _begin(conn: sa.Connection) -> None:
    """Start a batch's transaction as the database needs it.

    SQLite: take the write lock now (``BEGIN IMMEDIATE``, waiting up to the
    busy timeout), so that what the batch reads stays true until it commits
    and the commit cannot fail because another connection wrote after the
    batch's first read; and sync the log to disk at each commit
    (``synchronous = FULL``; the desk's default, NORMAL, may lose the last
    commits to a power cut): a feed says an event is saved only once it is,
    and with a batch per commit that costs next to nothing.

    PostgreSQL: plan each look-up for the keys it has. psycopg prepares a
    statement run five times, and a plan cached while the table was small
    would scan the whole table ever after.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        return
    if conn.dialect.name != "sqlite":
        return
    raw: Any = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("PRAGMA synchronous = FULL")
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Batch:
    """The calls, kept PBX events and event rows of one transaction of call events."""

    def __init__(self, tx: Transaction, lookups: CallerCache,
                 sla: SlaEngine | None = None, hours: OpeningHours | None = None) -> None:
        self.tx = tx
        #: The policies: a hang-up before the answer opens a callback on their clock.
        self.sla = sla
        #: The desk's opening hours: a call that rings while it is closed is missed at once.
        self.hours = hours
        #: The events (by index) after which a missed call is opened or withdrawn.
        self.steps: dict[int, tuple[CallRow, missed_calls.Missed | missed_calls.Answered]] = {}
        self.s = tx.session
        self.lookups = lookups
        self.conn = self.s.connection()
        _begin(self.conn)
        self.calls: dict[str, CallRow | None] = {}  # by call key; None: not in the desk
        self.new_calls: list[CallRow] = []
        self.events: list[tuple[dict[str, Any], CallRow | None]] = []
        self.pbx: list[_NewPbx] = []
        self.ledger: set[str] = set()  # keys of the PBX events kept (before, or by this batch)
        self.ledger_read: set[str] = set()  # keys looked up in the database
        self.kept: dict[str, list[_Kept]] = {}  # by call key
        self.claimed: list[tuple[int, CallRow]] = []  # kept hang-ups (in the db) now placed

    # --- reading ------------------------------------------------------------------

    def load(self, keys: Iterable[str], *, rings: Iterable[str] = ()) -> None:
        """Read the calls ``keys`` name, and the kept hang-ups a ring of ``rings`` may place."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self.calls]
        cols = [_CALL.c[name] for name in _COLUMNS]
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            for key in chunk:
                self.calls[key] = None
            for row in self.conn.execute(sa.select(*cols).where(_CALL.c.call_key.in_(chunk))):
                self.calls[row.call_key] = CallRow(**row._asdict(), loaded_version=row.version)
        ring_keys = [k for k in dict.fromkeys(rings) if k not in self.kept]
        for i in range(0, len(ring_keys), _CHUNK):
            chunk = ring_keys[i:i + _CHUNK]
            for key in chunk:
                self.kept[key] = []
            for row in self.conn.execute(self._kept_query().where(_PBX.c.call_key.in_(chunk))):
                self.kept[row.call_key].append(_Kept(row.at, row.source, db_id=row.id))

    @staticmethod
    def _kept_query() -> sa.Select[Any]:
        return (sa.select(_PBX.c.id, _PBX.c.call_key, _PBX.c.at, _PBX.c.source)
                .where(_PBX.c.call_id.is_(None), _PBX.c.reason == "unknown_call",
                       _PBX.c.kind == "hangup")
                .order_by(_PBX.c.at, _PBX.c.id))

    def prefetch_callers(self, numbers: Iterable[str]) -> None:
        """Read who the callers of these numbers are, in a few queries."""
        parsed = (self.lookups.parse(n.strip()) for n in numbers)
        self.lookups.prefetch(self.s, [p.e164 for p in parsed if p is not None])

    def find(self, key: str) -> CallRow | None:
        if key not in self.calls:
            self.load([key])
        return self.calls[key]

    def kept_hangups(self, key: str) -> list[_Kept]:
        if key not in self.kept:
            self.kept[key] = [_Kept(row.at, row.source, db_id=row.id) for row in
                              self.conn.execute(self._kept_query().where(
                                  _PBX.c.call_key == key))]
        return self.kept[key]

    def load_ledger(self, ledger_keys: Iterable[str]) -> None:
        """Read which of these PBX events are kept already (see :meth:`recorded`)."""
        wanted = [k for k in dict.fromkeys(ledger_keys) if k not in self.ledger_read]
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            self.ledger_read.update(chunk)
            self.ledger.update(self.conn.execute(
                sa.select(_PBX.c.key).where(_PBX.c.key.in_(chunk))).scalars())

    def recorded(self, ledger_key: str) -> bool:
        """Whether a PBX event with this key is kept already (by this batch or before)."""
        if ledger_key not in self.ledger_read:
            self.load_ledger([ledger_key])
        return ledger_key in self.ledger

    # --- changing -----------------------------------------------------------------

    def new_call(self, *, key: str, source: str, number: str, queue: str | None,
                 offered_at: datetime) -> CallRow:
        """A ringing call, matched to its caller, with its answer clock; written at the end."""
        call = CallRow(call_key=key, source=source, queue=queue, state=CallState.RINGING,
                       offered_at=offered_at, **caller_fields(self, number, offered_at))
        self.calls[key] = call
        self.new_calls.append(call)
        return call

    def event(self, kind: str, at: datetime, call: CallRow | None, *, actor: str | None,
              **data: Any) -> None:
        """The event recording a change (written with the calls at the end)."""
        self.events.append((self.tx.event_row(kind, at, actor=actor, **data), call))
        if call is None:
            return
        # what the call was then (a later event of the batch may still change it)
        if kind == "call_abandoned":
            self.steps[len(self.events) - 1] = (call, missed_calls.Missed(
                0, call.number_raw, call.number_e164, call.contact_id, call.customer_id,
                call.contract_id, call.offered_at, at))
        elif kind == "call_answered":
            self.steps[len(self.events) - 1] = (call, missed_calls.Answered(
                0, call.number_e164, at))
        elif (kind == "call_rang" and self.hours is not None and self.sla is not None
              and call.state == CallState.RINGING and not data.get("inferred")
              and missed_calls.is_closed(self.sla, self.hours, at)):
            self.steps[len(self.events) - 1] = (call, missed_calls.Missed(
                0, call.number_raw, call.number_e164, call.contact_id, call.customer_id,
                call.contract_id, call.offered_at, at))

    def keep(self, row: dict[str, Any], call: CallRow | None) -> _NewPbx:
        new = _NewPbx(row, call)
        self.pbx.append(new)
        self.ledger.add(row["key"])
        self.ledger_read.add(row["key"])
        return new

    def claim(self, kept: _Kept, call: CallRow) -> None:
        """A kept hang-up now belongs to ``call``."""
        if kept.new is not None:
            kept.new.call = call
        else:
            assert kept.db_id is not None
            self.claimed.append((kept.db_id, call))

    # --- writing ------------------------------------------------------------------

    def write(self) -> None:
        """Write what the batch did: a few statements, whatever its size.

        Raises :class:`_Raced` if a known call or kept event changed since it was read.
        """
        conn = self.conn
        changed: dict[tuple[str, ...], list[CallRow]] = {}  # by the columns changed
        for call in self.calls.values():
            if call is not None and call.loaded_version is not None and call.changed:
                changed.setdefault(tuple(sorted(call.changed)), []).append(call)
        for names, calls in changed.items():
            stmt = sa.update(_CALL).where(
                _CALL.c.id == sa.bindparam("w_id"), _CALL.c.version == sa.bindparam("w_version")
            ).values({name: sa.bindparam(f"v_{name}") for name in names})
            params = [{"w_id": call.id, "w_version": call.loaded_version,
                       **{f"v_{name}": getattr(call, name) for name in names}} for call in calls]
            # one statement for all, if the driver counts the rows of many; else one each
            groups = [params] if conn.dialect.supports_sane_multi_rowcount else [
                [p] for p in params]
            for group in groups:
                if conn.execute(stmt, group).rowcount != len(group):
                    raise _Raced(names)
        if self.new_calls:
            self._insert_calls()
        for pbx_id, call in self.claimed:
            result = conn.execute(sa.update(_PBX).where(
                _PBX.c.id == pbx_id, _PBX.c.call_id.is_(None)).values(call_id=call.id))
            if result.rowcount != 1:
                raise _Raced(call.call_key)
        if self.pbx:
            conn.execute(sa.insert(_PBX), [
                {**new.row, "call_id": new.call.id if new.call is not None else None}
                for new in self.pbx])
        if self.events:
            reads: list[missed_calls.BatchReads] = []
            conn.execute(sa.insert(_EVENT), chain_rows(self.s, self._event_rows(reads)))
            for read in reads:
                missed_calls.insert_new_items(self.tx, read)

    def _event_rows(self, reads: list[missed_calls.BatchReads]) -> list[dict[str, Any]]:
        """The batch's event rows, each followed by those of the missed call it opened or
        withdrew (:mod:`hotline.desk.missed_calls`), as if applied one at a time; what the
        missed calls read is added to ``reads`` (their new items are inserted after)."""
        rows: list[dict[str, Any]] = []
        if not self.steps or self.sla is None:
            return [{**row, "call_id": call.id} if call is not None else row
                    for row, call in self.events]

        def emit(kind: str, at: datetime, /, **kw: Any) -> None:
            rows.append(self.tx.event_row(kind, at, **kw))

        # the calls answered by this batch, by number, until their answer comes
        answered_later: dict[str | None, set[int]] = {}
        for answered, step in self.steps.values():
            if isinstance(step, missed_calls.Answered) and answered.id is not None:
                answered_later.setdefault(step.number_e164, set()).add(answered.id)
        # the answers the numbers of the batch's missed calls had since the earliest of them
        missed = [step for _call, step in self.steps.values()
                  if isinstance(step, missed_calls.Missed) and step.number_e164]
        answers: dict[str, list[tuple[int, datetime]]] = {}
        if missed:
            numbers = sorted({m.number_e164 for m in missed if m.number_e164})
            since = min(m.offered_at for m in missed)
            for i in range(0, len(numbers), _CHUNK):
                for call_id, number, at in self.conn.execute(
                        sa.select(_CALL.c.id, _CALL.c.number_e164, _CALL.c.answered_at).where(
                            _CALL.c.number_e164.in_(numbers[i:i + _CHUNK]),
                            _CALL.c.answered_at >= since)):
                    answers.setdefault(number, []).append((call_id, at))

        def answered_since(number: str, since: datetime) -> bool:
            later = answered_later.get(number, set())
            return any(at >= since and call_id not in later
                       for call_id, at in answers.get(number, ()))
        steps: dict[int, missed_calls.Missed | missed_calls.Answered] = {}
        for i, (of, step) in self.steps.items():
            assert of.id is not None
            steps[i] = replace(step, call_id=of.id)
        # the open items, contracts and escalations the steps need, read once
        read = missed_calls.read_for_batch(self.tx, list(steps.values()), answered_since,
                                           chunk=_CHUNK)
        reads.append(read)
        for i, (row, call) in enumerate(self.events):
            rows.append({**row, "call_id": call.id} if call is not None else row)
            found = steps.get(i)
            if found is None:
                continue
            if isinstance(found, missed_calls.Answered):
                answered_later.get(found.number_e164, set()).discard(found.call_id)
            missed_calls.after_calls(self.tx, self.sla, [found], emit=emit, batch=read,
                                     hours=self.hours)
        return rows


    def _insert_calls(self) -> None:
        """Insert the new calls (in the order they were created), learning their ids."""
        conn = self.conn
        rows = [{name: getattr(call, name) for name in _COLUMNS if name != "id"}
                for call in self.new_calls]
        if conn.dialect.name == "postgresql":
            # ids taken from the sequence up front, then one prepared INSERT for all rows
            # (a pipeline): much faster than a long INSERT … RETURNING through psycopg
            ids = sorted(conn.execute(
                sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(_CALL.name, "id")))
                .select_from(sa.func.generate_series(1, len(rows)))).scalars().all())
            for call, row, call_id in zip(self.new_calls, rows, ids, strict=True):
                call.id = row["id"] = call_id
            conn.execute(sa.insert(_CALL), rows)
            return
        # many rows per statement; the ids come back in no particular order
        by_key: dict[str, int] = dict(conn.execute(
            sa.insert(_CALL).returning(_CALL.c.call_key, _CALL.c.id), rows).all())
        for call in self.new_calls:
            call.id = by_key[call.call_key]


def caller_fields(b: Batch, number: str, offered_at: datetime) -> dict[str, Any]:
    """The caller's number as parsed, who it is, and the answer clock of a call offered then."""
    raw = number.strip()
    parsed = b.lookups.parse(raw)
    e164 = parsed.e164 if parsed else None
    caller = b.lookups.caller(b.s, e164, offered_at.astimezone(b.tx.tz).date())
    due, warn = b.lookups.answer_clock(caller, offered_at)
    return {"number_raw": raw, "number_e164": e164,
            "number_kind": parsed.kind if parsed else None, "contact_id": caller.contact_id,
            "customer_id": caller.customer_id, "contract_id": caller.contract_id,
            "answer_due_at": due, "answer_warn_at": warn}


# --- helpers -------------------------------------------------------------------


def _find(s: Session, key: str) -> Call | None:
    return s.exec(select(Call).where(Call.call_key == key)).first()


def is_unresolved(call: Call | CallRow) -> bool:
    """A call whose ending the desk never learnt (see :func:`close_lost_calls`)."""
    return call_states.is_lost(call)


def _data(ev: CallEvent, key: str, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"source": ev.source, "pbx_call_id": key}
    if ev.queue:
        data["queue"] = ev.queue
    if ev.agent:
        data["agent"] = ev.agent
    if ev.detail:
        data["detail"] = ev.detail
    data.update(ev.extra)
    data.update(more)
    return data


def _who(b: Batch, ev: CallEvent) -> str:
    names = [n for n in (ev.agent, *ev.agent_aliases) if n]
    login = b.lookups.engineer(b.s, names)
    if login:
        return login
    return (names[0].strip()[:64] if names else "") or _("unknown agent")


def _wait(since: datetime, until: datetime) -> float:
    return round((until - since).total_seconds(), 1)


def _record(b: Batch, ev: CallEvent, key: str, at: datetime, reason: str, detail: str,
            call: CallRow | None) -> _Result:
    """Keep an event that cannot be applied; a repeat of it changes nothing."""
    ledger_key = _ledger_key(ev, key, at)
    if b.recorded(ledger_key):
        return _Result(UNCHANGED, call, _("already recorded"))
    new = b.keep({"key": ledger_key, "source": ev.source, "kind": ev.kind, "call_key": key,
                  "at": at, "number": ev.number or None, "agent": ev.agent, "queue": ev.queue,
                  "reason": reason, "detail": detail[:500], "call_id": None,
                  "received_at": b.tx.now}, call)
    if reason == "unknown_call" and ev.kind == "hangup" and call is None:
        b.kept_hangups(key).append(_Kept(at, ev.source, new=new))
    b.event("pbx_event_unmatched", at, call, actor=b.tx.actor,
            **_data(ev, key, event=ev.kind, reason=reason, why=detail))
    return _Result(RECORDED, call, detail)


def _ledger_key(ev: CallEvent, key: str, at: datetime) -> str:
    """What makes a kept PBX event the same as another (see :class:`PbxEvent`)."""
    return "|".join((ev.source, ev.kind, key, at.isoformat(), ev.agent or ""))


def _requeue_key(b: Batch, key: str, queue: str) -> tuple[str, CallRow | None]:
    """The key of the same caller's next offer in another queue (``key#2``, ``key#3`` …)."""
    n = 2
    while True:
        candidate = f"{key}#{n}"
        found = b.find(candidate)
        if found is None or found.queue == queue or found.state == CallState.RINGING:
            return candidate, found
        n += 1


# --- the four events -------------------------------------------------------------


def _apply(b: Batch, ev: CallEvent, at: datetime) -> _Result:
    key = ev.call_key.strip()
    call = b.find(key)
    if ev.kind == "ring":
        return _ring(b, ev, key, at, call)
    if call is None:
        if ev.kind == "hangup":
            return _record(b, ev, key, at, "unknown_call",
                           _("hang-up for a call id the desk has not seen"), None)
        return _create_from_later_event(b, ev, key, at)
    if ev.kind == "answer":
        return _answer(b, ev, key, at, call)
    if ev.kind == "abandon":
        return _abandon(b, ev, key, at, call)
    return _hangup(b, ev, key, at, call)


def _ring(b: Batch, ev: CallEvent, key: str, at: datetime, call: CallRow | None) -> _Result:
    number = (ev.number or "").strip()
    if call is not None:
        moved = (ev.queue and call.queue and ev.queue != call.queue
                 and call.state != CallState.RINGING and at > call.offered_at + _SAME_OFFER)
        if moved:
            # the caller was transferred into another queue: a new offer
            assert ev.queue is not None
            key, call = _requeue_key(b, key, ev.queue)
        if call is not None:
            fill = not call.number_raw and bool(number)
            earlier = at < call.offered_at
            if fill or earlier:
                # a call created out of order (or rung again, earlier): the offer time is
                # the earliest ring, and its answer clock and waits run from there
                offered = min(at, call.offered_at)
                moved_from = call.offered_at
                # the ring is the event that names the queue: an answer that came first
                # may not have
                queue = {"queue": ev.queue} if ev.queue and not call.queue else {}
                call.set(offered_at=offered, **queue, **caller_fields(
                    b, number if fill else call.number_raw, offered))
                call.bump()
                more: dict[str, Any] = {"late": True}
                if earlier:
                    more["offer_moved_from"] = moved_from.isoformat()
                    if call.answered_at is not None:
                        more["wait_s"] = _wait(offered, call.answered_at)
                    elif call.ended_at is not None:
                        more["wait_s"] = _wait(offered, call.ended_at)
                b.event("call_rang", at, call, actor=b.tx.actor,
                        **_data(ev, key, number=number or call.number_raw, **more))
                if earlier:
                    return _Result(APPLIED, call, _("offer time moved back to the ring"))
                return _Result(APPLIED, call, _("caller's number filled in"))
            return _Result(UNCHANGED, call, _("already rang"))
    call = b.new_call(key=key, source=ev.source, number=number, queue=ev.queue, offered_at=at)
    b.event("call_rang", at, call, actor=b.tx.actor,
            **_data(ev, key, number=number, call_key=key))
    _apply_kept_hangup(b, call, key)
    return _Result(APPLIED, call, _("ringing"))


def _apply_kept_hangup(b: Batch, call: CallRow, key: str) -> None:
    """A hang-up that arrived before its ring ends the call it now belongs to."""
    kept = b.kept_hangups(key)
    if not kept:
        return
    first = min(kept, key=lambda k: k.at)
    kept.remove(first)
    when = max(first.at, call.offered_at)
    call.set(state=CallState.ABANDONED, ended_at=when)
    call.bump()
    b.claim(first, call)
    b.event("call_abandoned", when, call, actor=b.tx.actor, source=first.source,
            pbx_call_id=key, reason="hangup", late=True, wait_s=_wait(call.offered_at, when))


def _create_from_later_event(b: Batch, ev: CallEvent, key: str, at: datetime) -> _Result:
    """An answer or abandon for a call never seen ringing: the call happened, so create it."""
    offered = at - timedelta(seconds=ev.wait_s) if ev.wait_s is not None else at
    call = b.new_call(key=key, source=ev.source, number=ev.number or "", queue=ev.queue,
                      offered_at=offered)
    b.event("call_rang", offered, call, actor=b.tx.actor,
            **_data(ev, key, number=call.number_raw, call_key=key, inferred=True))
    wait = _wait(offered, at)
    if ev.kind == "answer":
        who = _who(b, ev)
        call.set(state=CallState.ANSWERED, answered_at=at, answered_by=who)
        b.event("call_answered", at, call, actor=who, **_data(ev, key, wait_s=wait))
    else:
        call.set(state=CallState.ABANDONED, ended_at=at)
        b.event("call_abandoned", at, call, actor=b.tx.actor, **_data(ev, key, wait_s=wait))
    return _Result(CREATED, call, _("created by an event that came before its ring"))


def _answer(b: Batch, ev: CallEvent, key: str, at: datetime, call: CallRow) -> _Result:
    who = _who(b, ev)
    move = call_states.answer(call, by_pbx=True)
    if move is Move.GO:
        when = max(at, call.offered_at)
        call.set(state=CallState.ANSWERED, answered_at=when, answered_by=who)
        call.bump()
        b.event("call_answered", when, call, actor=who,
                **_data(ev, key, wait_s=_wait(call.offered_at, when)))
        return _Result(APPLIED, call, _("answered by {who}").format(who=who))
    if move is Move.ALREADY:
        if (call.answered_by or "").lower() == who.lower():
            return _Result(UNCHANGED, call, _("already answered"))
        return _record(b, ev, key, at, "conflict",
                       _("the PBX connected {agent}, but {who} answered it at the desk").format(
                           agent=who, who=call.answered_by or "?"), call)
    return _record(b, ev, key, at, "conflict",
                   _("answer for a call that is {state}").format(state=call.state), call)


def _abandon(b: Batch, ev: CallEvent, key: str, at: datetime, call: CallRow) -> _Result:
    move = call_states.abandon(call, by_pbx=True)
    if move is Move.ALREADY:
        return _Result(UNCHANGED, call, _("already hung up"))
    if move is Move.GO:
        when = max(at, call.offered_at)
        call.set(state=CallState.ABANDONED, ended_at=when)
        call.bump()
        b.event("call_abandoned", when, call, actor=b.tx.actor,
                **_data(ev, key, wait_s=_wait(call.offered_at, when)))
        return _Result(APPLIED, call, _("the caller hung up"))
    return _record(b, ev, key, at, "conflict",
                   _("abandon for a call that is {state}").format(state=call.state), call)


def _hangup(b: Batch, ev: CallEvent, key: str, at: datetime, call: CallRow) -> _Result:
    meaning = call_states.hang_up(call)
    if meaning is HangUp.ABANDONED:
        hung = CallEvent(kind="abandon", call_key=key, at=at, source=ev.source, queue=ev.queue,
                         detail=ev.detail or "hangup", extra=ev.extra)
        return _abandon(b, hung, key, at, call)
    if meaning is HangUp.AFTER_ANSWER:
        when = max(at, call.answered_at or call.offered_at)
        call.set(ended_at=when)
        call.bump()
        b.event("call_hung_up", when, call, actor=b.tx.actor, **_data(ev, key))
        return _Result(APPLIED, call, _("hung up after the conversation"))
    return _Result(UNCHANGED, call, _("already ended"))


# --- a feed that lost track ------------------------------------------------------


def close_lost_calls(seat: Seat, source: str, still_waiting: set[str],
                     before: datetime) -> list[int]:
    """Calls of ``source`` still ringing for the desk that the PBX no longer has waiting.

    After the feed was disconnected (or the PBX restarted), the PBX's own list
    of waiting callers is the truth: a call the desk shows ringing since
    before ``before`` that is not in it ended while nobody was listening. It
    is neither answered nor abandoned as far as the desk can tell, so it is
    closed as *ended, ending unknown* (state ``ended``, no answer, no end
    time) and stops ringing on every seat. One transaction.
    """
    closed: list[int] = []
    with seat.write(actor=feed_actor(seat)) as tx:
        rows = tx.session.exec(select(Call).where(
            Call.state == CallState.RINGING, Call.source == source,
            col(Call.offered_at) < before).order_by(col(Call.id))).all()
        for call in rows:
            if call.call_key in still_waiting or not call_states.can_lose(call):
                continue
            assert call.id is not None
            if tx.update(sa.update(Call).where(col(Call.id) == call.id,
                                               col(Call.state) == CallState.RINGING)
                         .values(state=CallState.ENDED, version=Call.version + 1)) != 1:
                continue
            tx.record_event("call_lost", before, call_id=call.id, source=source,
                            pbx_call_id=call.call_key,
                            reason="no longer waiting in the PBX after the feed reconnected")
            closed.append(call.id)
    return closed


def known_call(seat: Seat, key: str) -> bool:
    """Whether the desk has a call with this PBX id (for filtering a PBX's hang-ups)."""
    with seat.read() as s:
        return _find(s, key) is not None
