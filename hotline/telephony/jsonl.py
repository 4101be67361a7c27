"""Call events as JSON lines: from a file, standard input or a localhost socket.

One object per line::

    {"event": "ring", "call_id": "1732500000.17", "number": "13800138000",
     "at": "2026-11-25T10:00:00+08:00", "queue": "support"}
    {"event": "answer", "call_id": "1732500000.17", "at": "…", "agent": "PJSIP/8001"}

``event`` is ring, answer, abandon or hangup; ``call_id`` and ``at`` are
required; ``number`` is required for a ring (it may be empty for a caller
who withheld it); ``agent`` and ``queue`` are optional, as is ``wait``
(seconds the caller had waited, for an answer or abandon that may arrive
before its ring). A time without an offset is the desk's local time. Other
keys are ignored. A line that is not such an object is reported with its
line number and skipped; the other lines go in.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.desk.operations import Desk
from hotline.errors import InputError, StorageError
from hotline.i18n import _
from hotline.store.limits import check_text
from hotline.telephony.call_events import (
    EARLIEST,
    KINDS,
    LATEST,
    MAX_AGENT,
    MAX_CALL_KEY,
    MAX_NUMBER,
    MAX_QUEUE,
    MAX_WAIT_S,
    RECORDED,
    Applied,
    CallEvent,
    apply_call_events,
    check_time,
)
from hotline.telephony.caller_cache import CallerCache

log = logging.getLogger("hotline.feed")

#: A longer line is refused without being parsed (a runaway writer, a binary file).
MAX_LINE = 16_384
#: Lines applied in one transaction, at most (a file; a live feed: what has arrived).
BATCH = 500
#: Connections the listener keeps open at once, at most (then it turns new ones away).
MAX_CONNECTIONS = 64
#: Seconds a listener's connection may stay silent before it is closed.
IDLE_TIMEOUT_S = 300.0


#: Digits a JSON number may have (a call id or a wait has far fewer; Python refuses
#: to read an integer of more than 4,300 digits).
MAX_DIGITS = 40


def _refuse_constant(name: str) -> object:
    raise InputError(_("{name} is not a JSON number the desk takes").format(name=name))


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise InputError(_("a number with more than {n} digits").format(n=MAX_DIGITS))
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_DIGITS + 10:
        raise InputError(_("a number with more than {n} digits").format(n=MAX_DIGITS))
    value = float(text)
    if not math.isfinite(value):
        raise InputError(_("a number too large for the desk ({text})").format(text=text[:20]))
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj: dict[str, object] = {}
    for key, value in pairs:
        if key in obj:
            raise InputError(_("the key {key!r} appears twice").format(key=key[:40]))
        obj[key] = value
    return obj


def _load(text: str) -> object:
    """JSON as the desk takes it: no repeated key, no huge number, no deep nesting."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_int=_parse_int,
                          parse_float=_parse_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(_("not JSON ({error})").format(error=exc.msg)) from None
    except RecursionError:
        raise InputError(_("the JSON is nested too deeply")) from None


def parse_line(text: str, tz: ZoneInfo, *, source: str = "jsonl",
               lineno: int | None = None) -> CallEvent:
    """One line to a :class:`CallEvent`; raises :class:`InputError` saying what is wrong
    (beginning ``line N:`` when ``lineno`` is given).

    Whatever the line holds, nothing else is raised: a repeated key, a huge
    number, deep nesting, a time out of range, NUL or a lone surrogate in a
    field are each refused with a message.
    """
    if lineno is None:
        return _parse_line(text, tz, source)
    try:
        return _parse_line(text, tz, source)
    except InputError as exc:
        raise InputError(_("line {n}: ").format(n=lineno) + str(exc)) from None


def _parse_line(text: str, tz: ZoneInfo, source: str) -> CallEvent:
    if len(text) > MAX_LINE:
        raise InputError(_("the line is longer than {n} characters").format(n=MAX_LINE))
    obj = _load(text)
    if not isinstance(obj, dict):
        raise InputError(_("expected one JSON object per line"))
    kind = obj.get("event")
    if kind is None:
        raise InputError(_("\"event\" is missing"))
    if not isinstance(kind, str) or kind not in KINDS:
        raise InputError(_("\"event\" is {value}; expected one of {kinds}").format(
            value=_shown(kind), kinds=", ".join(KINDS)))
    call_id = _text(obj, "call_id", required=True, limit=MAX_CALL_KEY)
    assert call_id is not None
    if not call_id.strip():
        raise InputError(_("\"call_id\" is empty"))
    number = _text(obj, "number", required=kind == "ring", limit=MAX_NUMBER)
    at_text = _text(obj, "at", required=True)
    assert at_text is not None
    at = _parse_at(at_text, tz)
    wait = obj.get("wait")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int | float)
                             or not 0 <= wait < MAX_WAIT_S):
        raise InputError(_("\"wait\" must be a number of seconds (0 to {n})").format(
            n=MAX_WAIT_S))
    return CallEvent(kind=kind, call_key=call_id.strip(), at=at, source=source, number=number,
                     agent=_text(obj, "agent", limit=MAX_AGENT) or None,
                     queue=_text(obj, "queue", limit=MAX_QUEUE) or None,
                     wait_s=float(wait) if wait is not None else None)


def _shown(value: object) -> str:
    """A value as a message may quote it: short, and printable whatever it holds."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _text(obj: dict[str, object], name: str, *, required: bool = False,
          limit: int | None = None) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(_("\"{name}\" is missing").format(name=name))
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(_("\"{name}\" must be a string").format(name=name))
    text = str(value)
    try:
        check_text(f'"{name}"', text.strip(), limit)
    except InputError as exc:
        raise InputError(str(exc).rstrip(".")) from None
    return text


def _parse_at(text: str, tz: ZoneInfo) -> datetime:
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(s)
    except ValueError:
        raise InputError(_("\"at\" is {value}, not an ISO-8601 time").format(
            value=_shown(text))) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    try:
        check_time(value)
    except InputError:
        raise InputError(_("\"at\" is {value}, not a possible call time (expected between "
                           "{first} and {last})").format(value=_shown(text),
                                                         first=EARLIEST.year,
                                                         last=LATEST.year - 1)) from None
    return value


@dataclass
class FeedTally:
    """What a batch of lines did."""

    lines: int = 0
    blank: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    bad: list[tuple[int, str]] = field(default_factory=list)

    def count(self, result: Applied) -> None:
        self.by_outcome[result.outcome] = self.by_outcome.get(result.outcome, 0) + 1

    @property
    def applied(self) -> int:
        return sum(self.by_outcome.values())


def apply_batch(desk: Desk, lines: Sequence[tuple[int, str]], tally: FeedTally, *,
                source: str = "jsonl", lookups: CallerCache | None = None) -> list[Applied | None]:
    """Parse and apply numbered lines in one transaction; what each did, in order.

    A bad line (or an event the desk refuses) is logged with its number and
    skipped (None); a blank line is None too. The tally and the log change
    only once the batch is committed. A database that refuses the write
    raises :class:`StorageError` and nothing of the batch is saved: the caller
    decides whether to retry (a feed must not lose an event it was given).
    """
    tz = desk.settings.tz
    parsed: list[CallEvent | InputError | None] = []
    for _lineno, text in lines:
        stripped = text.strip()
        if not stripped:
            parsed.append(None)
            continue
        try:
            parsed.append(parse_line(stripped, tz, source=source))
        except InputError as exc:
            parsed.append(exc)
        except Exception as exc:  # a line never takes the others down with it
            log.exception(_("cannot read a line"))
            parsed.append(_unexpected(exc))
    events = [p for p in parsed if isinstance(p, CallEvent)]
    applied = iter(_apply_each_alone_if_needed(desk, events, lookups) if events else [])
    results: list[Applied | None] = []
    for (lineno, _text), item in zip(lines, parsed, strict=True):
        tally.lines += 1
        outcome = next(applied) if isinstance(item, CallEvent) else item
        if outcome is None:
            tally.blank += 1
        elif isinstance(outcome, InputError):
            message = str(outcome)
            tally.bad.append((lineno, message))
            log.warning(_("line {n}: {error} (skipped)").format(n=lineno,
                                                               error=message.rstrip(".")))
            outcome = None
        else:
            assert isinstance(item, CallEvent)
            tally.count(outcome)
            level = logging.WARNING if outcome.outcome == RECORDED else logging.INFO
            if log.isEnabledFor(level):
                log.log(level, _("line {n}: {kind} {call}: {note}").format(
                    n=lineno, kind=item.kind, call=item.call_key,
                    note=outcome.note or outcome.outcome))
        results.append(outcome)
    return results


def _unexpected(exc: BaseException) -> InputError:
    return InputError(_("the desk could not take this line ({error})").format(
        error=f"{type(exc).__name__}: {exc}"[:200]))


def _apply_each_alone_if_needed(desk: Desk, events: list[CallEvent],
                                lookups: CallerCache | None) -> list[Applied | InputError]:
    """The events of a batch applied together; if that fails in a way no event explains
    (anything but the database refusing the write), each one alone, so that the one
    that fails is refused by itself and the others still go in."""
    try:
        return apply_call_events(desk, events, lookups=lookups)
    except StorageError:
        raise
    except Exception:
        log.exception(_("a batch of {n} lines failed; applying them one at a time").format(
            n=len(events)))
    results: list[Applied | InputError] = []
    for ev in events:
        try:
            results.extend(apply_call_events(desk, [ev], lookups=lookups))
        except StorageError:
            raise
        except Exception as exc:
            results.append(_unexpected(exc))
    return results


def apply_line(desk: Desk, text: str, lineno: int, tally: FeedTally, *,
               source: str = "jsonl") -> Applied | None:
    """Parse and apply one line (see :func:`apply_batch`)."""
    return apply_batch(desk, [(lineno, text)], tally, source=source)[0]


def apply_lines(desk: Desk, lines: Iterable[str], *, source: str = "jsonl",
                on_line: Callable[[Applied | None], None] | None = None) -> FeedTally:
    """Every line of a file, :data:`BATCH` lines per transaction."""
    tally = FeedTally()
    lookups = CallerCache(desk, whole_directory=True)
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        for result in apply_batch(desk, batch, tally, source=source, lookups=lookups):
            if on_line is not None:
                on_line(result)
        batch.clear()

    for lineno, text in enumerate(lines, start=1):
        batch.append((lineno, text))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return tally


# --- a localhost socket -----------------------------------------------------------


def check_listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` on a loopback address (the listener has no authentication)."""
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(_("--listen wants HOST:PORT, e.g. 127.0.0.1:5039 (got {value!r}).")
                         .format(value=text))
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InputError(_("--listen only accepts a loopback address such as 127.0.0.1: the "
                           "listener has no authentication (got {host}).").format(host=host))
    return host, int(port_text)


class JsonlListener:
    """Accepts JSON-lines connections on localhost; answers each line with one JSON line.

    The reply is ``{"ok": true, "line": N, "outcome": …, "call": ID}`` once the
    event is committed, or ``{"ok": false, "line": N, "error": …}``: a sender
    knows what the desk has confirmed. Replies come in the order of the lines.

    A connection's lines are read on while earlier ones wait for their answer
    (at most :attr:`IN_FLIGHT` of them). One writer applies the lines of every
    connection in the order they arrived, in a worker thread (the database
    calls block): each time, everything that has arrived since its last
    commit, in one transaction (group commit). A lone line is written at once,
    without waiting for company; a burst takes few transactions.
    """

    #: Lines of one connection waiting for their answer, at most (then reading pauses).
    IN_FLIGHT = 2 * BATCH

    def __init__(self, desk: Desk, on_applied: Callable[[], None] | None = None, *,
                 max_connections: int = MAX_CONNECTIONS,
                 idle_timeout: float = IDLE_TIMEOUT_S) -> None:
        self.desk = desk
        self.tally = FeedTally()
        self.on_applied = on_applied
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.connections = 0  # open now
        self.refused = 0  # turned away: too many open
        self.timed_out = 0  # closed for saying nothing
        self._queue: asyncio.Queue[_Submitted | None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._lookups = CallerCache(desk)

    def log_limits(self) -> None:
        """Say in the log how many connections it keeps and when it closes a silent one."""
        log.info(_("at most {n} connections at once (--max-connections); a connection silent "
                   "for {s:g} s is closed (--idle-timeout)").format(
                       n=self.max_connections, s=self.idle_timeout))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if self.connections >= self.max_connections:
            self.refused += 1
            log.warning(_("connection from {peer} refused: {n} connections are open, the "
                          "most allowed").format(peer=peer, n=self.connections))
            with contextlib.suppress(ConnectionError):
                self._reply(writer, {"ok": False, "error": _(
                    "too many connections ({n} open); try again later").format(
                        n=self.connections), "retry": True})
                await writer.drain()
            writer.close()
            return
        self.connections += 1
        try:
            await self._handle(reader, writer, peer)
        finally:
            self.connections -= 1

    async def _read_line(self, reader: asyncio.StreamReader) -> bytes:
        """The next line; raises TimeoutError after :attr:`idle_timeout` without one."""
        return await asyncio.wait_for(reader.readuntil(b"\n"), self.idle_timeout)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      peer: object) -> None:
        log.info(_("connection from {peer}").format(peer=peer))
        replies: asyncio.Queue[_Reply | None] = asyncio.Queue(maxsize=self.IN_FLIGHT)
        sender = asyncio.create_task(self._send(writer, replies))
        lineno = 0
        try:
            while True:
                try:
                    raw = await self._read_line(reader)
                except TimeoutError:
                    self.timed_out += 1
                    log.warning(_("connection from {peer}: nothing received for {s:g} s; "
                                  "closed").format(peer=peer, s=self.idle_timeout))
                    break
                except asyncio.IncompleteReadError as exc:
                    raw = exc.partial
                    if not raw:
                        break
                except asyncio.LimitOverrunError:
                    lineno += 1
                    try:
                        await self._skip_long_line(reader)
                    except TimeoutError:
                        self.timed_out += 1
                        break
                    await replies.put({"ok": False, "line": lineno, "error": _(
                        "the line is longer than {n} characters").format(n=MAX_LINE)})
                    continue
                lineno += 1
                text = raw.decode("utf-8", errors="replace")
                if text.strip():
                    await replies.put(self._submit(text, lineno))
        except ConnectionError:
            pass
        finally:
            await replies.put(None)
            await sender
            writer.close()
            log.info(_("connection from {peer} closed").format(peer=peer))

    async def _send(self, writer: asyncio.StreamWriter,
                    replies: asyncio.Queue[_Reply | None]) -> None:
        """Answer the connection's lines in order, each once it is decided."""
        gone = False
        while True:
            item = await replies.get()
            if item is None:
                return
            reply = await item if isinstance(item, asyncio.Future) else item
            if gone:
                continue  # the sender left: its lines are still applied, unanswered
            try:
                self._reply(writer, reply)
                if replies.empty():
                    await writer.drain()
            except ConnectionError:
                gone = True

    def _submit(self, text: str, lineno: int) -> asyncio.Future[dict[str, object]]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._writer is None:
            self._queue = asyncio.Queue()
            self._writer = loop.create_task(self._write_loop(self._queue))
        future: asyncio.Future[dict[str, object]] = loop.create_future()
        self._queue.put_nowait(_Submitted(lineno, text, future))
        return future

    async def _write_loop(self, queue: asyncio.Queue[_Submitted | None]) -> None:
        while True:
            first = await queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < BATCH and not queue.empty():
                item = queue.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                answers = await asyncio.to_thread(self._apply_batch, batch)
            except Exception as exc:  # never leave a sender without an answer
                log.exception(_("cannot apply lines: {error}").format(error=exc))
                answers = [{"ok": False, "line": item.lineno, "error": str(exc), "retry": True}
                           for item in batch]
            for item, answer in zip(batch, answers, strict=True):
                if answer.get("ok") and self.on_applied is not None:
                    self.on_applied()
                if not item.future.done():
                    item.future.set_result(answer)
            if stop:
                return

    def _apply_batch(self, batch: list[_Submitted]) -> list[dict[str, object]]:
        lines = [(item.lineno, item.text) for item in batch]
        bad_before = len(self.tally.bad)
        try:
            self._lookups = self._lookups.renewed()  # the directory as it is now
            results = apply_batch(self.desk, lines, self.tally, source="jsonl",
                                  lookups=self._lookups)
        except StorageError as exc:
            # not confirmed: the sender is told, and may send them again
            return [{"ok": False, "line": n, "error": str(exc), "retry": True} for n, _t in lines]
        errors = iter(self.tally.bad[bad_before:])
        answers: list[dict[str, object]] = []
        for (lineno, _text), result in zip(lines, results, strict=True):
            if result is None:
                answers.append({"ok": False, "line": lineno, "error": next(errors)[1]})
            else:
                answers.append({"ok": True, "line": lineno, "outcome": result.outcome,
                                "call": result.call_id})
        return answers

    async def close(self) -> None:
        """Apply and answer what has arrived, then stop the writer."""
        if self._queue is not None and self._writer is not None:
            self._queue.put_nowait(None)
            await self._writer
            self._queue = self._writer = None

    async def _skip_long_line(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                await self._read_line(reader)
                return
            except asyncio.LimitOverrunError as exc:
                await asyncio.wait_for(reader.readexactly(exc.consumed), self.idle_timeout)
            except asyncio.IncompleteReadError:
                return

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, obj: dict[str, object]) -> None:
        writer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8", "backslashreplace")
                     + b"\n")


@dataclass(frozen=True)
class _Submitted:
    lineno: int
    text: str
    future: asyncio.Future[dict[str, object]]


#: An answer known at once (a line too long), or one to wait for.
_Reply = dict[str, object] | asyncio.Future[dict[str, object]]
