"""Import Asterisk's ``queue_log``: last year's calls, counted as the contract counts them.

Each line is ``epoch|callid|queue|agent|EVENT|data…``. What counts:

* each ``ENTERQUEUE`` is one offered call (``url|callerid|position``; older
  files and some converters write it without the URL field);
* ``CONNECT`` answers it, the caller's wait in its first data field;
* ``ABANDON``, ``EXITWITHTIMEOUT``, ``EXITEMPTY`` and ``EXITWITHKEY`` end it
  unanswered (abandoned, in the contract's sense);
* ``COMPLETEAGENT``, ``COMPLETECALLER`` and the transfers end an answered call;
* a call whose ending is not in the file (Asterisk stopped, the log was
  rotated) is neither answered nor abandoned: the summary lists it.

How the calls are stored: they are history, so none of them rings. An
answered call is stored *ended* (it is not waiting for anyone to log it), an
abandoned one *abandoned*, and one without an ending *ended* with no answer
and no end time ("ending unknown"), so that it counts as offered but neither
answered nor abandoned, and never reaches the escalation queue (which only
looks at ringing calls). If a later file (the next day's, after rotation)
holds the ending, importing it completes the call.

The call id is Asterisk's ``callid`` (the caller channel's Uniqueid, the same
id the AMI feed uses), so a call the live feed already recorded is not
counted twice; a caller who entered a second queue (a transfer) is a second
offer, ``callid#2``. Importing the same file twice adds nothing.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from hotline.desk.answer_target import DEFAULT_GRADE, DEFAULT_POLICY, answer_due
from hotline.desk.call_states import CallState
from hotline.errors import InputError
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.transaction import FUTURE_TOLERANCE
from hotline.telephony.call_events import (
    EARLIEST,
    LATEST,
    MAX_CALL_KEY,
    MAX_QUEUE,
    MAX_WAIT_S,
    Batch,
    CallRow,
    is_unresolved,
)
from hotline.telephony.caller_cache import CallerCache

SOURCE = "queue_log"
BATCH = 500
#: A call id leaves room for ``#n``, the same caller's later offers.
MAX_CALLID = MAX_CALL_KEY

ENTER = "ENTERQUEUE"
CONNECT = "CONNECT"
UNANSWERED = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
COMPLETE = ("COMPLETEAGENT", "COMPLETECALLER")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
#: Lines about the queue or its members, not about a call.
NOT_CALLS = frozenset({
    "QUEUESTART", "CONFIGRELOAD", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL",
    "UNPAUSEALL", "PENALTY", "AGENTLOGIN", "AGENTLOGOFF", "AGENTCALLBACKLOGIN",
    "AGENTCALLBACKLOGOFF", "MEMBER-PAUSE", "QUEUEEND",
})
#: Call lines that do not change whether the call was answered.
NEUTRAL = frozenset({"RINGNOANSWER", "RINGCANCELED", "AGENTDUMP", "SYSCOMPAT", "DID", "INFO",
                     "AGENTREJECTED"})


@dataclass
class QlCall:
    key: str
    callid: str
    queue: str
    number: str
    offered_at: datetime
    first_line: int
    entered: bool = True  # False when the file begins after its ENTERQUEUE
    answered_at: datetime | None = None
    agent: str | None = None
    ended_at: datetime | None = None
    outcome: str | None = None  # answered | abandoned | None (no ending in the file)
    how: str = ""  # the ending event


@dataclass
class ImportSummary:
    path: str
    lines: int = 0
    blank: int = 0
    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: Counter[str] = field(default_factory=Counter)
    begun_before: int = 0  # calls whose ENTERQUEUE is not in this file
    no_ending: list[QlCall] = field(default_factory=list)
    new: int = 0
    completed: int = 0  # calls from an earlier import whose ending this file held
    already: int = 0
    other_queues: int = 0
    not_calls: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason for _n, reason in self.skipped)


class _Skip(InputError):
    """A line (or what it says of its call) that cannot be used: skipped, with the reason."""


def _int(text: str) -> float | None:
    """A count of seconds, or None for an empty field; a negative or non-numeric one is
    refused (a wait the desk cannot believe must not quietly become "no wait")."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value < MAX_WAIT_S:
        raise _Skip(_("{text!r} is not a number of seconds").format(text=text[:30]))
    return value


@dataclass(frozen=True)
class QlLine:
    """One queue_log line, read: ``time|callid|queue|agent|EVENT|data…``."""

    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: list[str]


def parse_queue_log_line(text: str, now: datetime, lineno: int | None = None) -> QlLine:
    """One line to a :class:`QlLine`; raises :class:`InputError` saying what is wrong
    (beginning ``line N:`` when ``lineno`` is given).

    The fields the desk stores are checked as the database would (length, NUL,
    broken characters), so a bad line is skipped alone, before anything is written.
    """
    if lineno is None:
        return _parse_queue_log_line(text, now)
    try:
        return _parse_queue_log_line(text, now)
    except InputError as exc:
        raise InputError(_("line {n}: ").format(n=lineno) + str(exc)) from None


def _parse_queue_log_line(text: str, now: datetime) -> QlLine:
    if "\x00" in text or "\ufffd" in text:
        raise _Skip(_("not text (binary bytes or a broken character encoding)"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Skip(_("not text (binary bytes or a broken character encoding)")) from None
    parts = text.rstrip("\r\n").split("|")
    if len(parts) < 5:
        raise _Skip(_("not a queue_log line ({n} fields; expected "
                      "time|callid|queue|agent|event|…)").format(n=len(parts)))
    epoch, callid, queue, agent, event = (p.strip() for p in parts[:5])
    try:
        seconds = float(epoch) if epoch.isascii() else math.nan
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise _Skip(_("the time {text!r} is not a Unix time").format(text=epoch[:30]))
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise _Skip(_("the time {text!r} is not a possible call time (expected between "
                      "{first} and {last})").format(text=epoch[:30], first=EARLIEST.year,
                                                    last=LATEST.year - 1))
    at = datetime.fromtimestamp(seconds, UTC)
    if at > now + FUTURE_TOLERANCE:
        raise _Skip(_("the time {time} is in the future").format(
            time=at.isoformat(timespec="seconds")))
    if len(callid) > MAX_CALLID:
        raise _Skip(_("the call id is longer than {n} characters").format(n=MAX_CALLID))
    if len(queue) > MAX_QUEUE:
        raise _Skip(_("the queue name {name!r} is longer than {n} characters").format(
            name=queue[:20] + "…", n=MAX_QUEUE))
    return QlLine(at=at, callid=callid, queue=queue, agent=agent, event=event.upper(),
                  data=parts[5:])


def _field(data: list[str], i: int) -> str:
    return data[i].strip() if len(data) > i else ""


def enter_caller_id(data: list[str]) -> str:
    """The caller id of an ENTERQUEUE, with or without its URL field.

    ``url|callerid|position`` (current), ``url|callerid`` (old), and
    ``callerid|position`` (files written without the URL field).
    """
    fields = [d.strip() for d in data]
    while fields and fields[-1] == "" and len(fields) > 3:
        fields.pop()
    if len(fields) >= 3:
        return fields[1]
    if len(fields) == 2:
        first, second = fields
        if second.isdigit() and len(second) <= 3 and first and "/" not in first \
                and ":" not in first:
            return first  # "13800138000|1": a caller id and a position, no URL
        return second  # "url|13800138000" or "|13800138000"
    return fields[0] if fields else ""


class QueueLogReader:
    """Turns lines into calls; each finished call is handed to ``emit``."""

    def __init__(self, summary: ImportSummary, emit: Callable[[QlCall], None], *,
                 queue: str | None, now: datetime, answer_limit: timedelta) -> None:
        self.summary = summary
        self.emit = emit
        self.queue = queue
        self.now = now
        self.answer_limit = answer_limit
        self.open: dict[str, QlCall] = {}  # by callid: the call still in the queue/talking
        self.entries: Counter[str] = Counter()  # ENTERQUEUEs per callid

    def line(self, lineno: int, text: str) -> None:
        s = self.summary
        s.lines += 1
        if not text.strip():
            s.blank += 1
            return
        try:
            self._line(lineno, text)
        except InputError as exc:
            s.skipped.append((lineno, str(exc)))

    def _line(self, lineno: int, text: str) -> None:
        line = _parse_queue_log_line(text, self.now)
        at, callid, queue, agent, event, data = (line.at, line.callid, line.queue, line.agent,
                                                 line.event, line.data)
        if event in NOT_CALLS or (callid.upper() == "NONE" and event not in (ENTER, CONNECT)):
            self.summary.not_calls[event or "?"] += 1
            return
        if not event:
            raise _Skip(_("the event name is empty"))
        if not callid or callid.upper() == "NONE":
            raise _Skip(_("{event} without a call id").format(event=event))
        if self.queue is not None and queue != self.queue:
            self.summary.other_queues += 1
            return
        if event == ENTER:
            self._enter(lineno, at, callid, queue, data)
        elif event == CONNECT:
            self._connect(lineno, at, callid, queue, agent, data)
        elif event in UNANSWERED:
            wait = _field(data, 3 if event == "EXITWITHKEY" else 2)
            self._unanswered(lineno, at, callid, queue, event, _int(wait))
        elif event in COMPLETE or event in TRANSFERS:
            hold, talk = (_field(data, 0), _field(data, 1)) if event in COMPLETE else (
                _field(data, 2), _field(data, 3))
            self._complete(lineno, at, callid, queue, agent, event, _int(hold), _int(talk))
        elif event in NEUTRAL:
            self.summary.not_calls[event] += 1
        else:
            raise _Skip(_("unknown event {event!r}").format(event=event[:40]))

    # --- events ---------------------------------------------------------------------

    def _new(self, lineno: int, at: datetime, callid: str, queue: str, number: str,
             entered: bool) -> QlCall:
        self.entries[callid] += 1
        n = self.entries[callid]
        key = callid if n == 1 else f"{callid}#{n}"
        call = QlCall(key=key, callid=callid, queue=queue, number=number, offered_at=at,
                      first_line=lineno, entered=entered)
        self.open[callid] = call
        return call

    def _enter(self, lineno: int, at: datetime, callid: str, queue: str,
                data: list[str]) -> None:
        number = enter_caller_id(data)[:64]
        previous = self.open.get(callid)
        if (previous is not None and not previous.entered and previous.queue == queue
                and previous.answered_at is not None and at <= previous.answered_at):
            # the CONNECT came first in the file: this is its ENTERQUEUE, not a new offer
            previous.entered = True
            previous.number = number
            previous.offered_at = min(previous.offered_at, at)
            return
        if previous is not None:
            del self.open[callid]
            self._finish(previous)  # its ending was never written
        self._new(lineno, at, callid, queue, number, entered=True)

    def _fragment(self, lineno: int, at: datetime, callid: str, queue: str) -> QlCall:
        """The open call, or one begun before the file (its ENTERQUEUE is elsewhere)."""
        call = self.open.get(callid)
        if call is None:
            call = self._new(lineno, at, callid, queue, "", entered=False)
        return call

    def _connect(self, lineno: int, at: datetime, callid: str, queue: str, agent: str,
                 data: list[str]) -> None:
        wait = _int(_field(data, 0))
        existing = self.open.get(callid)
        if existing is not None and existing.outcome == "answered":
            raise _Skip(_("a second CONNECT for call {call}").format(call=callid))
        call = self._fragment(lineno, at, callid, queue)
        self._offer_from_wait(call, at, wait)
        call.answered_at = at
        call.agent = agent if agent and agent.upper() != "NONE" else None
        call.outcome = "answered"

    @staticmethod
    def _offer_from_wait(call: QlCall, at: datetime, wait: float | None) -> None:
        """The offer time of a call answered or left at ``at`` after ``wait`` seconds.

        Without its ENTERQUEUE, the wait says when it began. With it, a line
        stamped before the ENTERQUEUE (clocks of a PBX cluster, a reordered
        file) moves the offer back: to the wait the PBX reported, else to the
        line's own time; never forward.
        """
        began = at - timedelta(seconds=wait) if wait is not None else at
        if not call.entered:
            call.offered_at = began if wait is not None else call.offered_at
        elif at < call.offered_at:
            call.offered_at = min(call.offered_at, began)

    def _unanswered(self, lineno: int, at: datetime, callid: str, queue: str, event: str,
                    wait: float | None) -> None:
        existing = self.open.get(callid)
        if existing is not None and existing.outcome == "answered":
            raise _Skip(_("{event} after the call was answered").format(event=event))
        call = self._fragment(lineno, at, callid, queue)
        self._offer_from_wait(call, at, wait)
        call.outcome = "abandoned"
        call.ended_at = max(at, call.offered_at)
        call.how = event
        self._finish(self.open.pop(callid))

    def _complete(self, lineno: int, at: datetime, callid: str, queue: str, agent: str,
                  event: str, hold: float | None, talk: float | None) -> None:
        call = self.open.get(callid)
        if call is None or call.outcome != "answered":
            call = self._fragment(lineno, at, callid, queue)
            answered = at - timedelta(seconds=talk) if talk is not None else at
            if not call.entered:
                call.offered_at = answered - timedelta(seconds=hold or 0)
            call.answered_at = max(answered, call.offered_at)
            call.agent = agent if agent and agent.upper() != "NONE" else None
            call.outcome = "answered"
        call.ended_at = max(at, call.answered_at or at)
        call.how = event
        self._finish(self.open.pop(callid))

    def _finish(self, call: QlCall) -> None:
        s = self.summary
        s.offered += 1
        if not call.entered:
            s.begun_before += 1
        if call.outcome == "answered":
            s.answered += 1
            assert call.answered_at is not None
            if call.answered_at - call.offered_at <= self.answer_limit:
                s.answered_in_time += 1
        elif call.outcome == "abandoned":
            s.abandoned[call.how] += 1
        else:
            s.no_ending.append(call)
        self.emit(call)

    def end(self) -> None:
        """The file ended: what is still open has no ending in it."""
        for call in sorted(self.open.values(), key=lambda c: c.first_line):
            self._finish(call)
        self.open.clear()


class _Writer:
    """Writes finished calls in batches: one transaction per batch of calls and their events.

    New calls and their events go in with a few bulk statements (see
    :class:`~hotline.telephony.call_events.Batch`); callers, contracts and agents
    are looked up once per distinct value for the whole file.
    """

    def __init__(self, seat: Seat, summary: ImportSummary, path: Path) -> None:
        self.seat = seat
        self.summary = summary
        self.path = path
        self.pending: list[QlCall] = []
        self.lookups = CallerCache(seat, whole_directory=True)

    def add(self, call: QlCall) -> None:
        self.pending.append(call)
        if len(self.pending) >= BATCH:
            self.flush()

    def _who(self, b: Batch, agent: str | None) -> str | None:
        if not agent:
            return None
        return self.lookups.engineer(b.s, [agent]) or agent[:64]

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        new = completed = already = 0
        with self.seat.write() as tx:
            b = Batch(tx, self.lookups)
            b.load([qc.key for qc in batch])
            b.prefetch_callers(qc.number for qc in batch)
            for qc in batch:
                found = b.find(qc.key)
                if found is None:
                    self._new(b, qc)
                    new += 1
                elif self._update(b, found, qc):
                    completed += 1
                else:
                    already += 1
            b.write()
        self.summary.new += new
        self.summary.completed += completed
        self.summary.already += already

    def _data(self, qc: QlCall) -> dict[str, Any]:
        return {"source": SOURCE, "pbx_call_id": qc.callid, "queue": qc.queue,
                "file": self.path.name, "line": qc.first_line,
                "outcome": qc.outcome or "unknown", "ending": qc.how or None,
                "agent": qc.agent,
                "wait_s": round((qc.answered_at or qc.ended_at or qc.offered_at).timestamp()
                                - qc.offered_at.timestamp(), 1)}

    def _new(self, b: Batch, qc: QlCall) -> None:
        call = b.new_call(key=qc.key, source=SOURCE, number=qc.number, queue=qc.queue or None,
                          offered_at=qc.offered_at)
        # history: nothing rings (see the module's docstring)
        if qc.outcome == "answered":
            call.set(state=CallState.ENDED, answered_at=qc.answered_at,
                     answered_by=self._who(b, qc.agent), ended_at=qc.ended_at)
        elif qc.outcome == "abandoned":
            call.set(state=CallState.ABANDONED, ended_at=qc.ended_at)
        else:
            call.set(state=CallState.ENDED)
        b.event("call_imported", qc.offered_at, call, actor=None, **self._data(qc))

    def _update(self, b: Batch, call: CallRow, qc: QlCall) -> bool:
        """A call already in the desk: complete it if it had no ending, else leave it."""
        if is_unresolved(call) and qc.outcome is not None:
            call.set(state=CallState.ENDED if qc.outcome == "answered"
                     else CallState.ABANDONED,
                     answered_at=qc.answered_at, answered_by=self._who(b, qc.agent),
                     ended_at=qc.ended_at)
        elif (call.source == SOURCE and call.state == CallState.ENDED
              and call.answered_at is not None and call.ended_at is None
              and qc.ended_at is not None):
            call.set(ended_at=qc.ended_at)
        else:
            return False
        call.bump()
        b.event("call_import_completed", qc.ended_at or qc.answered_at or qc.offered_at, call,
                actor=None, **self._data(qc))
        return True


def _lines(f: BinaryIO) -> Iterator[tuple[int, str]]:
    for lineno, raw in enumerate(f, start=1):
        yield lineno, raw.decode("utf-8", errors="replace")


def import_queue_log(seat: Seat, path: Path, *, queue: str | None = None,
                     progress: Callable[[int, int, int], None] | None = None) -> ImportSummary:
    """Read ``path`` and write its calls; returns what was read, written and skipped."""
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise InputError(_("{path}: no such file.").format(path=path)) from None
    except IsADirectoryError:
        raise InputError(_("{path} is a folder, not a queue_log file.").format(
            path=path)) from None
    except OSError as exc:
        raise InputError(_("Cannot read {path}: {error}.").format(
            path=path, error=exc.strerror or exc)) from None
    summary = ImportSummary(path=str(path))
    writer = _Writer(seat, summary, path)
    now = seat.now()
    due, _warn = answer_due(seat.sla, DEFAULT_POLICY, DEFAULT_GRADE, now)
    reader = QueueLogReader(summary, writer.add, queue=queue, now=now, answer_limit=due - now)
    with f:
        total = os.fstat(f.fileno()).st_size
        for lineno, text in _lines(f):
            reader.line(lineno, text)
            if progress is not None and lineno % 2000 == 0:
                progress(f.tell(), total, lineno)
        reader.end()
        writer.flush()
        if progress is not None:
            progress(total, total, summary.lines)
    return summary
