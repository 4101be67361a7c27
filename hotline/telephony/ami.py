"""Asterisk Manager Interface (AMI): a small reader of the wire protocol, and the feed.

Why not a client library: panoramisk 1.4 (the one maintained AMI client for
asyncio, last released 2021) connects and dispatches events on Python
3.11–3.13, but it drops a frame it cannot read without a word
(``Message.from_line`` returns None), never tells its caller that a login
was refused (``Manager.login`` only sets a flag), reconnects at a fixed
interval and decodes with ``errors="ignore"``. A duty engineer needs each of
those to be seen, so this module speaks the protocol itself; it is small:

* on connecting, the server sends one line ``Asterisk Call Manager/<version>``;
* after that both sides send *frames*: ``Key: Value`` lines (CR LF) ended by
  an empty line. The client's frames are actions (``Action: Login``); the
  server's are responses (``Response: Success``, matched by ``ActionID``) and
  events (``Event: QueueCallerJoin``).

The feed logs in, follows the queue events, pings the server, reconnects with
growing pauses when the connection drops, and on every (re)connection asks
for the queues' waiting callers (``QueueStatus``) so that calls that joined
or ended while it was away are put right.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from hotline.desk.operations import Desk
from hotline.errors import HotlineError, InputError, StorageError
from hotline.i18n import _
from hotline.store.limits import check_text
from hotline.telephony.call_events import (
    MAX_DETAIL,
    RECORDED,
    Applied,
    CallEvent,
    apply_call_event,
    close_lost_calls,
    known_call,
)
from hotline.telephony.feed_reporter import HEARTBEAT_S, FeedReporter

log = logging.getLogger("hotline.feed")

BANNER = "Asterisk Call Manager/"
#: A frame longer than this is not a frame (a runaway peer): skipped.
MAX_FRAME_LINES = 400
MAX_LINE = 65_536

Frame = dict[str, str]  # keys lower-cased; a repeated key keeps its first value


class AmiError(HotlineError):
    """The connection failed or broke: the feed tries again."""


class AmiLoginRefused(HotlineError):
    """The PBX refused the user name or secret: trying again will not help."""


class MalformedFrame(InputError):
    """A frame the desk cannot read: skipped, with the reason and where it began."""

    def __init__(self, reason: str, text: str, lineno: int | None = None) -> None:
        where = _("line {n}: ").format(n=lineno) if lineno is not None else ""
        super().__init__(where + reason)
        self.reason = reason
        self.text = text
        self.lineno = lineno


#: A key longer than this is not an AMI key.
MAX_KEY = 64


def parse_frame(lines: list[str], lineno: int | None = None) -> Frame:
    """``Key: Value`` lines to a frame; raises :class:`MalformedFrame` (an InputError).

    ``lineno`` is the connection's line number where the frame began, for the
    message. Whatever the lines hold, nothing else is raised.
    """
    frame: Frame = {}
    if len(lines) > MAX_FRAME_LINES:
        raise MalformedFrame(_("frame too long"), "\n".join(lines[:5]), lineno)
    for line in lines:
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key or " " in key or len(key) > MAX_KEY:
            raise MalformedFrame(_("a line without \"Key: Value\""), "\n".join(lines), lineno)
        try:
            check_text(key, f"{key}{value}")
        except InputError as exc:
            raise MalformedFrame(str(exc).rstrip("."), "\n".join(lines), lineno) from None
        frame.setdefault(key.lower(), value.strip())
    if "event" not in frame and "response" not in frame:
        raise MalformedFrame(_("neither an event nor a response"), "\n".join(lines), lineno)
    return frame


def parse_frame_bytes(data: bytes, lineno: int | None = None) -> Frame:
    """A frame as it comes off the wire (lines ended by CR LF), as :func:`parse_frame`."""
    text = data.decode("utf-8", errors="replace")
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    return parse_frame(lines, lineno)


def render_action(action: dict[str, str]) -> bytes:
    """An action frame; refuses values that would break the framing (CR, LF)."""
    out = []
    for key, value in action.items():
        if any(c in f"{key}{value}" for c in "\r\n"):
            raise InputError(_("AMI values cannot contain line breaks ({key}).").format(key=key))
        out.append(f"{key}: {value}\r\n")
    out.append("\r\n")
    return "".join(out).encode("utf-8")


class AmiConnection:
    """One TCP connection to an AMI server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 banner: str) -> None:
        self.reader = reader
        self.writer = writer
        self.banner = banner
        self.malformed = 0
        self.lineno = 1  # lines read on the connection (the banner is the first)

    @classmethod
    async def open(cls, host: str, port: int, timeout: float) -> AmiConnection:
        where = f"{host}:{port}"
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=MAX_LINE), timeout)
        except TimeoutError:
            raise AmiError(_("no answer from {where} within {s:g} s").format(
                where=where, s=timeout)) from None
        except OSError as exc:
            raise AmiError(_("cannot reach {where}: {error}").format(
                where=where, error=exc.strerror or exc)) from None
        try:
            line = await asyncio.wait_for(reader.readline(), timeout)
        except (TimeoutError, ValueError, ConnectionError):
            writer.close()
            raise AmiError(_("{where} did not greet as an Asterisk manager").format(
                where=where)) from None
        banner = line.decode("utf-8", errors="replace").strip()
        if not banner.startswith(BANNER):
            writer.close()
            raise AmiError(_("{where} is not an Asterisk manager interface (it said {text!r})")
                           .format(where=where, text=banner[:80]))
        return cls(reader, writer, banner)

    async def send(self, action: dict[str, str]) -> None:
        try:
            self.writer.write(render_action(action))
            await self.writer.drain()
        except ConnectionError as exc:
            raise AmiError(_("the connection broke while sending: {error}").format(
                error=exc)) from None

    async def read_frame(self) -> Frame | None:
        """The next frame, or None for a malformed one (logged and skipped).

        Raises :class:`AmiError` when the connection closes.
        """
        lines: list[str] = []
        too_long = False
        first = self.lineno + 1
        while True:
            try:
                raw = await self.reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                raise AmiError(_("the PBX closed the connection")) from None
            except asyncio.LimitOverrunError as exc:
                await self.reader.readexactly(exc.consumed)
                too_long = True
                continue
            except ConnectionError as exc:
                raise AmiError(_("the connection broke: {error}").format(error=exc)) from None
            self.lineno += 1
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line.strip():
                if lines or too_long:
                    break
                continue  # stray empty lines between frames
            if not lines:
                first = self.lineno
            if len(lines) < MAX_FRAME_LINES:
                lines.append(line)
            else:
                too_long = True
        try:
            if too_long:
                raise MalformedFrame(_("frame too long"), "\n".join(lines[:5]), first)
            return parse_frame(lines, first)
        except MalformedFrame as exc:
            self.malformed += 1
            log.warning(_("malformed AMI frame skipped (line {n}: {reason}): {text!r}").format(
                n=first, reason=exc.reason, text=exc.text[:300]))
            return None

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self.writer.wait_closed()


@dataclass
class AmiSettings:
    host: str
    port: int
    user: str
    secret: str = field(repr=False)  # never logged
    name: str = ""
    connect_timeout: float = 10.0
    #: Ping the server after this long without a frame; give up after twice as long.
    ping_interval: float = 20.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    #: A caller who left the queue is abandoned if no agent took them within this time.
    leave_grace: float = 3.0
    heartbeat_s: float = HEARTBEAT_S

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def backoff_delays(initial: float, maximum: float) -> Callable[[], float]:
    """Pauses between connection attempts: doubling from ``initial`` up to ``maximum``,
    each with ±20 % jitter so that several feeds do not hammer a restarting PBX together."""
    attempt = count()

    def next_delay() -> float:
        base = min(maximum, initial * (2 ** min(next(attempt), 20)))
        return base * random.uniform(0.8, 1.2)
    return next_delay


async def login(conn: AmiConnection, user: str, secret: str, timeout: float) -> None:
    """Send ``Action: Login`` and wait for its response. Raises on refusal or silence."""
    action_id = "hotline-login"
    await conn.send({"Action": "Login", "Username": user, "Secret": secret,
                     "Events": "on", "ActionID": action_id})

    async def wait_response() -> Frame:
        while True:
            frame = await conn.read_frame()
            if frame is not None and "response" in frame and frame.get("actionid") in (
                    action_id, None):
                return frame

    try:
        frame = await asyncio.wait_for(wait_response(), timeout)
    except TimeoutError:
        raise AmiError(_("no answer to the login within {s:g} s").format(s=timeout)) from None
    if frame["response"].lower() != "success":
        raise AmiLoginRefused(_("the PBX refused the login of user {user}: {message}").format(
            user=user, message=frame.get("message") or frame["response"]))


def _seconds(frame: Frame, *names: str) -> float | None:
    for name in names:
        value = frame.get(name)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _caller_id(frame: Frame) -> str:
    value = frame.get("calleridnum", "")
    return "" if value.lower() in ("<unknown>", "unknown", "") else value


@dataclass
class _Work:
    """One unit for the applying task: a call event, or something to run."""

    event: CallEvent | None = None
    only_if_ringing: bool = False  # a queue leave found unanswered after the grace time
    only_if_known: bool = False  # a Hangup: most channels are not desk calls
    job: Callable[[], object] | None = None


class AmiFeed:
    """Follows one Asterisk's queue events into the desk until stopped."""

    SOURCE = "ami"

    def __init__(self, desk: Desk, settings: AmiSettings, reporter: FeedReporter | None = None,
                 stop: asyncio.Event | None = None) -> None:
        self.desk = desk
        self.settings = settings
        self.reporter = reporter
        self.stop = stop or asyncio.Event()
        self.work: asyncio.Queue[_Work] = asyncio.Queue()
        self.tracked: set[str] = set()  # queue callers seen in this run
        self.answered: set[str] = set()
        self.left: dict[str, tuple[datetime, str | None]] = {}
        self.results: list[Applied] = []  # kept for tests and the final summary
        self.connections = 0
        self.malformed = 0
        self._qs_ids = count(1)
        self._status: dict[str, list[Frame]] = {}
        self._status_since = desk.now()

    # --- the state shown on every dashboard ---------------------------------------

    async def _state(self, state: str, detail: str = "") -> None:
        if self.reporter is None:
            return
        try:
            await asyncio.to_thread(self.reporter.set_state, state, detail)
        except HotlineError as exc:
            log.error(_("cannot record the feed's state: {error}").format(error=exc))

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            if self.reporter is not None:
                try:
                    await asyncio.to_thread(self.reporter.heartbeat)
                except HotlineError as exc:
                    log.error(_("cannot record the feed's heartbeat: {error}").format(
                        error=exc))

    # --- running --------------------------------------------------------------------

    async def run(self) -> int:
        """Until ``stop`` is set (exit code 0), or the login is refused (exit code 1)."""
        applier = asyncio.create_task(self._apply_loop())
        beats = asyncio.create_task(self._heartbeats())
        stopper = asyncio.create_task(self.stop.wait())
        code = 0
        try:
            await self._state("connecting")
            next_delay = backoff_delays(self.settings.backoff_initial, self.settings.backoff_max)
            while not self.stop.is_set():
                session = asyncio.create_task(self._one_connection())
                done, _pending = await asyncio.wait({session, stopper},
                                                    return_when=asyncio.FIRST_COMPLETED)
                if session not in done:
                    session.cancel()
                    # On 3.11 a cancel that lands as a read times out can be swallowed by
                    # wait_for, so the session may still end with its own error: we are
                    # stopping either way.
                    with contextlib.suppress(asyncio.CancelledError, AmiError, OSError):
                        await session
                    break
                try:
                    logged_in = session.result()
                except AmiLoginRefused as exc:
                    log.error(str(exc))
                    await self._state("failed", str(exc))
                    code = 1
                    break
                except AmiError as exc:
                    reason = str(exc)
                    logged_in = False
                else:
                    reason = _("the connection was closed")
                if logged_in:
                    next_delay = backoff_delays(self.settings.backoff_initial,
                                                self.settings.backoff_max)
                delay = next_delay()
                log.warning(_("{reason}; next try in {s:.0f} s").format(reason=reason,
                                                                        s=delay))
                await self._state("reconnecting", reason)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopper), delay)
            await self._drain()
            if code == 0:
                await self._state("stopped")
        finally:
            for task in (beats, applier, stopper):
                task.cancel()
            for task in (beats, applier, stopper):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return code

    async def _drain(self) -> None:
        """Apply what was received before stopping (a confirmed event is not lost)."""
        await self.work.join()

    async def _one_connection(self) -> bool:
        """Connect, log in, follow events until the connection ends (raises AmiError)."""
        s = self.settings
        conn = await AmiConnection.open(s.host, s.port, s.connect_timeout)
        logged_in = False
        try:
            await login(conn, s.user, s.secret, s.connect_timeout)
            logged_in = True
            self.connections += 1
            since = self.desk.now()
            log.info(_("connected to {where} ({banner}) as {user}").format(
                where=s.where, banner=conn.banner, user=s.user))
            await self._state("connected")
            qs_id = f"hotline-qs-{next(self._qs_ids)}"
            self._status[qs_id] = []
            self._status_since = since
            await conn.send({"Action": "QueueStatus", "ActionID": qs_id})
            await self._follow(conn)
        finally:
            self.malformed += conn.malformed
            conn.malformed = 0
            await conn.close()
        return logged_in

    async def _follow(self, conn: AmiConnection) -> None:
        pinged = False
        while True:
            timeout = self.settings.ping_interval
            try:
                frame = await asyncio.wait_for(conn.read_frame(), timeout)
            except TimeoutError:
                if pinged:
                    raise AmiError(_("the PBX stopped answering (no reply to a ping)")) from None
                await conn.send({"Action": "Ping", "ActionID": "hotline-ping"})
                pinged = True
                continue
            pinged = False
            if frame is not None:
                self._dispatch(frame)

    # --- events ---------------------------------------------------------------------

    def _dispatch(self, frame: Frame) -> None:
        name = frame.get("event", "").lower()
        if not name:
            self._response(frame)
            return
        action_id = frame.get("actionid", "")
        if action_id in self._status:
            self._status_frame(action_id, name, frame)
            return
        handler = {
            "queuecallerjoin": self._join, "join": self._join,
            "agentconnect": self._connect,
            "queuecallerabandon": self._abandon,
            "queuecallerleave": self._leave, "leave": self._leave,
            "hangup": self._hangup,
        }.get(name)
        if name == "shutdown":
            log.warning(_("the PBX is shutting down ({how})").format(
                how=frame.get("shutdown", "?")))
        if handler is not None:
            handler(frame)

    def _response(self, frame: Frame) -> None:
        action_id = frame.get("actionid", "")
        if action_id in self._status and frame.get("response", "").lower() != "success":
            log.warning(_("the PBX refused QueueStatus ({message}); calls that changed while "
                          "the feed was away are not checked").format(
                              message=frame.get("message", "")))
            del self._status[action_id]

    def _event(self, kind: str, frame: Frame, *, number: str | None = None,
               agent: str | None = None, agent_aliases: tuple[str, ...] = (),
               wait_s: float | None = None, detail: str = "") -> CallEvent | None:
        key = frame.get("uniqueid", "").strip()
        if not key:
            log.warning(_("{event} without a Uniqueid skipped").format(
                event=frame.get("event")))
            return None
        return CallEvent(kind=kind, call_key=key, at=self.desk.now(), source=self.SOURCE,
                         queue=frame.get("queue") or None, number=number, agent=agent,
                         agent_aliases=agent_aliases, wait_s=wait_s, detail=detail)

    def _put(self, work: _Work) -> None:
        self.work.put_nowait(work)

    def _join(self, frame: Frame) -> None:
        ev = self._event("ring", frame, number=_caller_id(frame))
        if ev is not None:
            self.tracked.add(ev.call_key)
            self._put(_Work(ev))

    def _connect(self, frame: Frame) -> None:
        interface = frame.get("interface") or frame.get("member") or frame.get("channel")
        member = frame.get("membername", "")
        ev = self._event("answer", frame, agent=interface or member or None,
                         agent_aliases=(member,) if member and interface else (),
                         wait_s=_seconds(frame, "holdtime"), number=_caller_id(frame) or None)
        if ev is not None:
            self.tracked.add(ev.call_key)
            self.answered.add(ev.call_key)
            self.left.pop(ev.call_key, None)
            self._put(_Work(ev))

    def _abandon(self, frame: Frame) -> None:
        ev = self._event("abandon", frame, wait_s=_seconds(frame, "holdtime"),
                         detail="QueueCallerAbandon")
        if ev is not None:
            self.left.pop(ev.call_key, None)
            self.tracked.add(ev.call_key)
            self._put(_Work(ev))

    def _leave(self, frame: Frame) -> None:
        """Left the queue: connected to an agent, abandoned, or gone out (timeout, empty
        queue, a key pressed). Only the last ends the offer unanswered, and Asterisk
        says so with no event of its own: wait a moment for an AgentConnect."""
        key = frame.get("uniqueid", "").strip()
        if not key or key in self.answered:
            return
        self.left[key] = (self.desk.now(), frame.get("queue") or None)
        asyncio.get_running_loop().call_later(self.settings.leave_grace, self._left_expired, key)

    def _left_expired(self, key: str) -> None:
        left = self.left.pop(key, None)
        if left is None or key in self.answered:
            return
        at, queue = left
        self._put(_Work(CallEvent(kind="abandon", call_key=key, at=at, source=self.SOURCE,
                                  queue=queue, detail=_("left the queue unanswered")),
                        only_if_ringing=True))

    def _hangup(self, frame: Frame) -> None:
        key = frame.get("uniqueid", "").strip()
        if not key:
            return
        left = self.left.pop(key, None)
        if left is not None and key not in self.answered:
            at, queue = left
            self._put(_Work(CallEvent(kind="abandon", call_key=key, at=at, source=self.SOURCE,
                                      queue=queue, detail=_("left the queue unanswered")),
                            only_if_ringing=True))
        # the PBX's reason, in its words: as much as the desk keeps of it
        ev = self._event("hangup", frame, detail=frame.get("cause-txt", "")[:MAX_DETAIL])
        if ev is not None:
            self._put(_Work(ev, only_if_known=key not in self.tracked))
            self.answered.discard(key)
            self.tracked.discard(key)

    # --- QueueStatus after each login ---------------------------------------------

    def _status_frame(self, action_id: str, name: str, frame: Frame) -> None:
        if name == "queueentry":
            self._status[action_id].append(frame)
            return
        if name != "queuestatuscomplete":
            return
        entries = self._status.pop(action_id)
        since = self._status_since
        now = self.desk.now()
        waiting: set[str] = set()
        for entry in entries:
            key = entry.get("uniqueid", "").strip()
            if not key:
                continue
            waiting.add(key)
            self.tracked.add(key)
            wait = _seconds(entry, "wait") or 0.0
            self._put(_Work(CallEvent(kind="ring", call_key=key, source=self.SOURCE,
                                      at=now - timedelta(seconds=wait),
                                      number=_caller_id(entry), queue=entry.get("queue"))))

        def reconcile() -> object:
            closed = close_lost_calls(self.desk, self.SOURCE, waiting, since)
            if closed:
                log.warning(_("{n} call(s) shown ringing are no longer waiting in the PBX: "
                              "closed as ended, ending unknown").format(n=len(closed)))
            return closed
        self._put(_Work(job=reconcile))
        log.info(_("the PBX has {n} caller(s) waiting").format(n=len(waiting)))

    # --- applying, in order, in a worker thread ----------------------------------

    async def _apply_loop(self) -> None:
        retry = backoff_delays(0.5, 30.0)
        while True:
            work = await self.work.get()
            try:
                while True:
                    try:
                        await asyncio.to_thread(self._apply, work)
                        retry = backoff_delays(0.5, 30.0)
                        break
                    except StorageError as exc:
                        delay = retry()
                        log.error(_("the database refused a call event ({error}); trying "
                                    "again in {s:.0f} s").format(error=exc, s=delay))
                        await asyncio.sleep(delay)
                    except Exception as exc:  # one event never stops the ones after it
                        log.exception(_("a call event could not be applied and was skipped "
                                        "({error})").format(error=f"{type(exc).__name__}: "
                                                                  f"{exc}"[:200]))
                        break
            finally:
                self.work.task_done()

    def _apply(self, work: _Work) -> None:
        if work.job is not None:
            work.job()
            return
        ev = work.event
        assert ev is not None
        if work.only_if_known and not known_call(self.desk, ev.call_key):
            return  # a channel that never queued: not a desk call
        if work.only_if_ringing and not _ringing(self.desk, ev.call_key):
            return
        try:
            result = apply_call_event(self.desk, ev)
        except InputError as exc:
            log.warning(_("{kind} {call} not applied: {error}").format(
                kind=ev.kind, call=ev.call_key, error=exc))
            return
        self.results.append(result)
        if self.reporter is not None:
            self.reporter.events += 1
        level = logging.WARNING if result.outcome == RECORDED else logging.INFO
        who = f" {ev.number}" if ev.kind == "ring" and ev.number else ""
        log.log(level, f"{ev.kind} {ev.call_key}{who}: {result.note or result.outcome}")


def _ringing(desk: Desk, key: str) -> bool:
    from sqlmodel import Session, select

    from hotline.desk.call_states import CallState
    from hotline.store.models import Call

    with Session(desk.engine) as s:
        state = s.exec(select(Call.state).where(Call.call_key == key)).first()
    return state == CallState.RINGING
