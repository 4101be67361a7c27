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
import ipaddress
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.desk import Desk
from hotline.errors import InputError, StorageError
from hotline.i18n import _
from hotline.telephony.calls import KINDS, RECORDED, Applied, CallEvent, apply_call_event

log = logging.getLogger("hotline.feed")

#: A longer line is refused without being parsed (a runaway writer, a binary file).
MAX_LINE = 16_384


def parse_line(text: str, tz: ZoneInfo, *, source: str = "jsonl") -> CallEvent:
    """One line to a :class:`CallEvent`; raises :class:`InputError` saying what is wrong."""
    if len(text) > MAX_LINE:
        raise InputError(_("the line is longer than {n} characters").format(n=MAX_LINE))
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_("not JSON ({error})").format(error=exc.msg)) from None
    if not isinstance(obj, dict):
        raise InputError(_("expected one JSON object per line"))
    kind = obj.get("event")
    if kind is None:
        raise InputError(_("\"event\" is missing"))
    if kind not in KINDS:
        raise InputError(_("\"event\" is {value!r}; expected one of {kinds}").format(
            value=kind, kinds=", ".join(KINDS)))
    call_id = _text(obj, "call_id", required=True)
    assert call_id is not None
    if not call_id.strip():
        raise InputError(_("\"call_id\" is empty"))
    number = _text(obj, "number", required=kind == "ring")
    at_text = _text(obj, "at", required=True)
    assert at_text is not None
    at = _parse_at(at_text, tz)
    wait = obj.get("wait")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int | float)):
        raise InputError(_("\"wait\" must be a number of seconds"))
    return CallEvent(kind=kind, call_key=call_id.strip(), at=at, source=source, number=number,
                     agent=_text(obj, "agent") or None, queue=_text(obj, "queue") or None,
                     wait_s=float(wait) if wait is not None else None)


def _text(obj: dict[str, object], name: str, *, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(_("\"{name}\" is missing").format(name=name))
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(_("\"{name}\" must be a string").format(name=name))
    return str(value)


def _parse_at(text: str, tz: ZoneInfo) -> datetime:
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(s)
    except ValueError:
        raise InputError(_("\"at\" is {value!r}, not an ISO-8601 time").format(
            value=text)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
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


def apply_line(desk: Desk, text: str, lineno: int, tally: FeedTally, *,
               source: str = "jsonl") -> Applied | None:
    """Parse and apply one line; a bad line is logged with its number and skipped.

    A database that refuses the write raises :class:`StorageError`: the caller
    decides whether to retry (a feed must not lose an event it was given).
    """
    tally.lines += 1
    stripped = text.strip()
    if not stripped:
        tally.blank += 1
        return None
    try:
        ev = parse_line(stripped, desk.settings.tz, source=source)
        result = apply_call_event(desk, ev)
    except StorageError:
        raise
    except InputError as exc:
        message = str(exc)
        tally.bad.append((lineno, message))
        log.warning(_("line {n}: {error} (skipped)").format(n=lineno, error=message.rstrip(".")))
        return None
    tally.count(result)
    level = logging.WARNING if result.outcome == RECORDED else logging.INFO
    log.log(level, _("line {n}: {kind} {call}: {note}").format(
        n=lineno, kind=ev.kind, call=ev.call_key, note=result.note or result.outcome))
    return result


def apply_lines(desk: Desk, lines: Iterable[str], *, source: str = "jsonl",
                on_line: Callable[[Applied | None], None] | None = None) -> FeedTally:
    tally = FeedTally()
    for lineno, text in enumerate(lines, start=1):
        result = apply_line(desk, text, lineno, tally, source=source)
        if on_line is not None:
            on_line(result)
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
    knows what the desk has confirmed. Lines are applied one at a time, in
    the order they arrive, in a worker thread (the database calls block).
    """

    def __init__(self, desk: Desk, on_applied: Callable[[], None] | None = None) -> None:
        self.desk = desk
        self.tally = FeedTally()
        self.on_applied = on_applied
        self._lock = asyncio.Lock()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        log.info(_("connection from {peer}").format(peer=peer))
        lineno = 0
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as exc:
                    raw = exc.partial
                    if not raw:
                        break
                except asyncio.LimitOverrunError:
                    lineno += 1
                    await self._skip_long_line(reader)
                    self._reply(writer, {"ok": False, "line": lineno, "error": _(
                        "the line is longer than {n} characters").format(n=MAX_LINE)})
                    continue
                lineno += 1
                text = raw.decode("utf-8", errors="replace")
                reply = await self._apply(text, lineno)
                if reply is not None:
                    self._reply(writer, reply)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            log.info(_("connection from {peer} closed").format(peer=peer))

    async def _skip_long_line(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                await reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await reader.readexactly(exc.consumed)
            except asyncio.IncompleteReadError:
                return

    async def _apply(self, text: str, lineno: int) -> dict[str, object] | None:
        if not text.strip():
            return None
        bad_before = len(self.tally.bad)
        async with self._lock:
            try:
                result = await asyncio.to_thread(apply_line, self.desk, text, lineno,
                                                 self.tally, source="jsonl")
            except StorageError as exc:
                # not confirmed: the sender is told, and may send it again
                return {"ok": False, "line": lineno, "error": str(exc), "retry": True}
        if result is None:
            error = self.tally.bad[-1][1] if len(self.tally.bad) > bad_before else ""
            return {"ok": False, "line": lineno, "error": error}
        if self.on_applied is not None:
            self.on_applied()
        return {"ok": True, "line": lineno, "outcome": result.outcome, "call": result.call_id}

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, obj: dict[str, object]) -> None:
        writer.write(json.dumps(obj, ensure_ascii=False).encode() + b"\n")
