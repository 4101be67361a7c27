"""The Asterisk feed against a fake AMI server on 127.0.0.1 speaking the real protocol."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.engine import session_scope
from hotline.store.models import Call, Engineer, Event, PbxFeed
from hotline.telephony.ami import (
    AmiFeed,
    AmiSettings,
    MalformedFrame,
    backoff_delays,
    parse_frame,
    render_action,
)
from hotline.telephony.feed_reporter import FeedReporter
from tests.support import START, build_desk, make_settings

BANNER = b"Asterisk Call Manager/5.0.1\r\n"
SECRET = "s3cr3t-AMI"


def frame(**fields: str) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in fields.items()) + b"\r\n"


class FakeAmi:
    """A small AMI server: banner, Login, Ping, QueueStatus, and events the test sends."""

    def __init__(self, *, secret: str = SECRET, banner: bytes = BANNER) -> None:
        self.secret = secret
        self.banner = banner
        self.waiting: list[dict[str, str]] = []  # QueueEntry rows for the next QueueStatus
        self.actions: list[dict[str, str]] = []
        self.logins = 0
        self.answer_pings = True
        self.writer: asyncio.StreamWriter | None = None
        self.logged_in = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    def drop(self) -> None:
        """The PBX restarts: the connection goes away without a word."""
        self.logged_in.clear()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def send(self, data: bytes) -> None:
        assert self.writer is not None, "no client connected"
        self.writer.write(data)

    def event(self, **fields: str) -> None:
        self.send(frame(**fields))

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(self.banner)
        self.writer = writer
        try:
            while True:
                lines: list[str] = []
                while True:
                    raw = await reader.readline()
                    if not raw:
                        return
                    line = raw.decode().rstrip("\r\n")
                    if not line:
                        break
                    lines.append(line)
                action = {k.lower(): v.strip() for k, _s, v in
                          (line.partition(":") for line in lines)}
                self.actions.append(action)
                await self._answer(action, writer)
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _answer(self, action: dict[str, str], writer: asyncio.StreamWriter) -> None:
        name = action.get("action", "").lower()
        aid = action.get("actionid", "")
        if name == "login":
            self.logins += 1
            if action.get("username") == "hotline" and action.get("secret") == self.secret:
                writer.write(frame(Response="Success", ActionID=aid,
                                   Message="Authentication accepted"))
                writer.write(frame(Event="FullyBooted", Privilege="system,all",
                                   Status="Fully Booted"))
                self.logged_in.set()
            else:
                writer.write(frame(Response="Error", ActionID=aid,
                                   Message="Authentication failed"))
        elif name == "ping":
            if self.answer_pings:
                writer.write(frame(Response="Success", ActionID=aid, Ping="Pong",
                                   Timestamp="1795572000.000000"))
        elif name == "queuestatus":
            writer.write(frame(Response="Success", ActionID=aid,
                               EventList="start", Message="Queue status will follow"))
            for entry in self.waiting:
                writer.write(frame(Event="QueueEntry", ActionID=aid, **entry))
            writer.write(frame(Event="QueueStatusComplete", ActionID=aid, EventList="Complete",
                               ListItems=str(len(self.waiting))))
        await writer.drain()


def join(uid: str, number: str, queue: str = "support") -> dict[str, str]:
    return {"Event": "QueueCallerJoin", "Privilege": "agent,all", "Channel": f"PJSIP/trunk-{uid}",
            "ChannelState": "6", "ChannelStateDesc": "Up", "CallerIDNum": number,
            "CallerIDName": "<unknown>", "ConnectedLineNum": "<unknown>", "Language": "zh",
            "AccountCode": "", "Context": "from-trunk", "Exten": "4008001234", "Priority": "3",
            "Uniqueid": uid, "Linkedid": uid, "Queue": queue, "Position": "1", "Count": "1"}


def connect(uid: str, interface: str, member: str, hold: str = "7") -> dict[str, str]:
    return {"Event": "AgentConnect", "Privilege": "agent,all", "Channel": f"PJSIP/trunk-{uid}",
            "CallerIDNum": "13800138000", "Uniqueid": uid, "Linkedid": uid,
            "DestChannel": f"{interface}-00000021", "DestUniqueid": f"{uid}9",
            "DestLinkedid": uid, "Queue": "support", "MemberName": member,
            "Interface": interface, "HoldTime": hold, "RingTime": "3"}


def abandon(uid: str, hold: str = "25") -> dict[str, str]:
    return {"Event": "QueueCallerAbandon", "Privilege": "agent,all", "Uniqueid": uid,
            "Linkedid": uid, "Queue": "support", "Position": "1", "OriginalPosition": "1",
            "HoldTime": hold}


def leave(uid: str) -> dict[str, str]:
    return {"Event": "QueueCallerLeave", "Privilege": "agent,all", "Uniqueid": uid,
            "Linkedid": uid, "Queue": "support", "Position": "1", "Count": "0"}


def hangup(uid: str, linked: str | None = None) -> dict[str, str]:
    return {"Event": "Hangup", "Privilege": "call,all", "Channel": f"PJSIP/x-{uid}",
            "Uniqueid": uid, "Linkedid": linked or uid, "Cause": "16",
            "Cause-txt": "Normal Clearing"}


@pytest.fixture
def file_desk(tmp_path: Path, clock: FixedClock) -> Iterator[Desk]:
    """A desk on a SQLite file: the feed writes from a worker thread, the test reads."""
    d = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}"), clock)
    with session_scope(d.engine) as s:
        s.add(Engineer(login="zhangwei", name="张伟", agent="PJSIP/8001"))
    yield d
    d.engine.dispose()


def settings(port: int, **kw: float) -> AmiSettings:
    values = {"connect_timeout": 2.0, "ping_interval": 5.0, "backoff_initial": 0.05,
              "backoff_max": 0.2, "leave_grace": 0.1, "heartbeat_s": 0.1}
    values.update(kw)
    return AmiSettings(host="127.0.0.1", port=port, user="hotline", secret=SECRET,
                       **values)  # type: ignore[arg-type]


async def until(check: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    """Wait for the feed (in its worker thread) to have written what ``check`` reads."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await asyncio.to_thread(check):
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def state_of(desk: Desk, key: str) -> str | None:
    with Session(desk.engine) as s:
        return s.exec(select(Call.state).where(Call.call_key == key)).first()


def feed_row(desk: Desk) -> PbxFeed | None:
    with Session(desk.engine) as s:
        return s.exec(select(PbxFeed)).first()


@asynccontextmanager
async def running(desk: Desk, ami: FakeAmi, **kw: float) -> AsyncIterator[AmiFeed]:
    reporter = FeedReporter(desk, "ami test", "ami")
    feed = AmiFeed(desk, settings(ami.port, **kw), reporter)
    task = asyncio.create_task(feed.run())
    try:
        yield feed
    finally:
        feed.stop.set()
        feed.result = await asyncio.wait_for(task, 5)  # type: ignore[attr-defined]


def test_frames_are_parsed_and_rendered() -> None:
    f = parse_frame(["Event: Hangup", "Uniqueid: 17.1", "Cause-txt: Normal: Clearing",
                     "ChanVariable: a=1", "ChanVariable: b=2"])
    assert f == {"event": "Hangup", "uniqueid": "17.1", "cause-txt": "Normal: Clearing",
                 "chanvariable": "a=1"}
    for bad in (["Event: X", "no colon here"], ["Queue: support"], [": empty key"]):
        with pytest.raises(MalformedFrame):
            parse_frame(bad)
    assert render_action({"Action": "Ping"}) == b"Action: Ping\r\n\r\n"
    with pytest.raises(Exception, match="line breaks"):
        render_action({"Action": "Login", "Secret": "a\r\nAction: Originate"})


def test_backoff_doubles_up_to_its_ceiling() -> None:
    delays = backoff_delays(1.0, 60.0)
    got = [delays() for _ in range(9)]
    for value, base in zip(got, [1, 2, 4, 8, 16, 32, 60, 60, 60], strict=True):
        assert base * 0.8 <= value <= base * 1.2


def test_the_feed_follows_queue_events_into_the_desk(file_desk: Desk,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hotline.feed")

    async def scenario() -> None:
        ami = FakeAmi()
        await ami.start()
        async with running(file_desk, ami) as feed:
            await asyncio.wait_for(ami.logged_in.wait(), 5)
            await until(lambda: (r := feed_row(file_desk)) and r.state == "connected",
                        "connected")
            ami.event(**join("1795572000.11", "13902251234"))
            ami.event(**connect("1795572000.11", "PJSIP/8001", "Zhang Wei"))
            ami.event(**hangup("1795572000.119", linked="1795572000.11"))  # the agent's leg
            ami.event(**join("1795572000.12", "13800138000"))
            # a malformed frame: logged and skipped; the connection stays up
            ami.send(b"Event: QueueCallerJoin\r\nthis line has no colon\r\n\r\n")
            ami.send(b"Response\r\n\r\n")
            ami.event(**abandon("1795572000.12"))
            ami.event(**hangup("1795572000.12"))
            ami.event(**hangup("1795571999.5"))  # an internal call: not a desk call
            ami.event(**join("1795572000.13", "<unknown>"))
            await until(lambda: state_of(file_desk, "1795572000.13") == "ringing", "third call")
            await until(lambda: state_of(file_desk, "1795572000.12") == "abandoned", "abandon")
            assert feed.connections == 1
            await until(lambda: (r := feed_row(file_desk)) and r.events >= 5, "heartbeat")
        await ami.stop()
        assert feed.result == 0  # type: ignore[attr-defined]
        assert feed.malformed == 2

    asyncio.run(scenario())
    with Session(file_desk.engine) as s:
        got = {c.call_key: c for c in s.exec(select(Call)).all()}
        kinds = [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()]  # type: ignore[arg-type]
    assert set(got) == {"1795572000.11", "1795572000.12", "1795572000.13"}
    assert got["1795572000.11"].state == "answered"
    assert got["1795572000.11"].answered_by == "zhangwei"
    assert got["1795572000.11"].ended_at is None  # the agent's leg hanging up is not the call
    assert got["1795572000.11"].number_e164 == "+8613902251234"
    assert got["1795572000.13"].number_raw == ""
    assert kinds[0] == "pbx_feed_connecting" and kinds[-1] == "pbx_feed_stopped"
    assert "pbx_event_unmatched" not in kinds
    row = feed_row(file_desk)
    assert row is not None and row.state == "stopped"
    log_text = caplog.text
    assert "malformed AMI frame skipped" in log_text and "no colon" in log_text
    assert SECRET not in log_text


def test_the_feed_reconnects_when_the_pbx_restarts(file_desk: Desk, clock: FixedClock) -> None:
    async def scenario() -> None:
        ami = FakeAmi()
        await ami.start()
        port = ami.port
        async with running(file_desk, ami) as feed:
            await asyncio.wait_for(ami.logged_in.wait(), 5)
            ami.event(**join("1795572000.21", "13800138000"))  # will be lost in the restart
            ami.event(**join("1795572000.22", "13800138001"))  # still waiting afterwards
            await until(lambda: state_of(file_desk, "1795572000.22") == "ringing", "rung")
            clock.advance(seconds=20)
            await ami.stop()  # the PBX goes down: connection refused for a while
            await until(lambda: (r := feed_row(file_desk)) and r.state == "reconnecting",
                        "reconnecting")
            row = feed_row(file_desk)
            assert row is not None and row.detail
            await asyncio.sleep(0.3)  # several refused attempts
            clock.advance(seconds=20)
            ami.waiting = [
                {"Queue": "support", "Position": "1", "Uniqueid": "1795572000.22",
                 "CallerIDNum": "13800138001", "Wait": "40"},
                {"Queue": "support", "Position": "2", "Uniqueid": "1795572030.23",
                 "CallerIDNum": "13800138002", "Wait": "10"},  # joined while we were away
            ]
            await ami.start(port)
            await until(lambda: state_of(file_desk, "1795572030.23") == "ringing",
                        "the caller who joined while the feed was away")
            await until(lambda: state_of(file_desk, "1795572000.21") == "ended", "lost call")
            assert state_of(file_desk, "1795572000.22") == "ringing"
            assert feed.connections == 2 and ami.logins == 2
            row = feed_row(file_desk)
            assert row is not None and row.state == "connected"
        await ami.stop()

    asyncio.run(scenario())
    with Session(file_desk.engine) as s:
        kinds = [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()]  # type: ignore[arg-type]
        late = s.exec(select(Call).where(Call.call_key == "1795572030.23")).one()
    assert kinds.count("pbx_feed_reconnecting") == 1 and kinds.count("pbx_feed_connected") == 2
    assert "call_lost" in kinds
    assert (clock.now() - late.offered_at).total_seconds() == 10


def test_a_caller_who_leaves_the_queue_unanswered_is_abandoned(file_desk: Desk) -> None:
    async def scenario() -> None:
        ami = FakeAmi()
        await ami.start()
        async with running(file_desk, ami):
            await asyncio.wait_for(ami.logged_in.wait(), 5)
            ami.event(**join("1795572000.31", "13800138000"))
            ami.event(**join("1795572000.32", "13800138001"))
            ami.event(**leave("1795572000.31"))  # EXITWITHTIMEOUT: no event of its own
            ami.event(**leave("1795572000.32"))  # answered: AgentConnect follows the leave
            ami.event(**connect("1795572000.32", "PJSIP/8001", "Zhang Wei"))
            await until(lambda: state_of(file_desk, "1795572000.31") == "abandoned", "left")
            await until(lambda: state_of(file_desk, "1795572000.32") == "answered", "answered")
            await asyncio.sleep(0.3)  # past the grace time: the answered call stays answered
            assert state_of(file_desk, "1795572000.32") == "answered"
        await ami.stop()

    asyncio.run(scenario())


def test_a_silent_pbx_is_pinged_then_dropped(file_desk: Desk) -> None:
    async def scenario() -> None:
        ami = FakeAmi()
        await ami.start()
        # A second is long enough for the fake PBX's pong even on a busy machine (half a
        # second was not, now and then).
        async with running(file_desk, ami, ping_interval=1.0) as feed:
            await asyncio.wait_for(ami.logged_in.wait(), 5)
            # a second ping on the same connection: the first pong kept it up
            await until(lambda: sum(a.get("action") == "Ping" for a in ami.actions) >= 2,
                        "two pings", timeout=10)
            assert feed.connections == 1 and ami.logins == 1
            ami.answer_pings = False
            await until(lambda: feed.connections >= 2, "a new connection", timeout=15)
        await ami.stop()

    asyncio.run(scenario())


def test_a_wrong_secret_stops_the_feed_with_a_clear_message(
        file_desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> int:
        ami = FakeAmi(secret="the-real-one")
        await ami.start()
        feed = AmiFeed(file_desk, settings(ami.port), FeedReporter(file_desk, "ami t", "ami"))
        code = await asyncio.wait_for(feed.run(), 5)
        await ami.stop()
        assert ami.logins == 1  # not retried: a wrong secret stays wrong
        return code

    assert asyncio.run(scenario()) == 1
    row = feed_row(file_desk)
    assert row is not None and row.state == "failed"
    assert "refused the login of user hotline: Authentication failed" in row.detail
    assert SECRET not in caplog.text and SECRET not in row.detail


@pytest.mark.parametrize("banner", [b"HTTP/1.1 400 Bad Request\r\n", b"SSH-2.0-OpenSSH_9.2\r\n"])
def test_something_else_on_the_port_is_named(file_desk: Desk, banner: bytes) -> None:
    async def scenario() -> None:
        ami = FakeAmi(banner=banner)
        await ami.start()
        async with running(file_desk, ami):
            await until(lambda: (r := feed_row(file_desk)) and r.state == "reconnecting",
                        "reconnecting")
        await ami.stop()

    asyncio.run(scenario())
    row = feed_row(file_desk)
    assert row is not None
    with Session(file_desk.engine) as s:
        ev = s.exec(select(Event).where(Event.kind == "pbx_feed_reconnecting")).first()
    assert ev is not None and "is not an Asterisk manager interface" in ev.data


def test_an_unreachable_pbx_is_retried_and_shown(file_desk: Desk) -> None:
    async def scenario() -> None:
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()  # nothing listens there now
        ami = FakeAmi()
        ami.port = port
        async with running(file_desk, ami):
            await until(lambda: (r := feed_row(file_desk)) and r.state == "reconnecting"
                        and "cannot reach" in r.detail, "reconnecting")

    asyncio.run(scenario())


# --- the command line ------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("HOTLINE_DB", str(tmp_path / "desk.db"))
    return tmp_path


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


@pytest.mark.parametrize(("argv", "says"), [
    (["feed", "--ami", "pbx:5038", "--secret-file", "x"], "--ami needs --user"),
    (["feed", "--ami", "pbx:5038", "--user", "hotline"], "--secret-file"),
    (["feed", "--ami", "pbx:70000", "--user", "u", "--secret-file", "x"], "not HOST:PORT"),
    (["feed", "--jsonl", "-", "--user", "u"], "go with --ami"),
    (["feed", "--ami", "pbx", "--jsonl", "-"], "not allowed with"),
    (["feed"], "one of the arguments"),
    (["feed", "--ami", "pbx", "--user", "u", "--secret", "s3cr3t"], "never given on the"),
    (["feed", "--ami", "pbx", "--user", "u", "--password=s3cr3t"], "never given on the"),
])
def test_feed_arguments_are_checked(env: Path, argv: list[str], says: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "s3cr3t" not in err


def test_the_secret_file_is_checked(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = env / "nope"
    assert cli("feed", "--ami", "pbx", "--user", "u", "--secret-file", str(missing)) == 2
    assert "does not exist" in capsys.readouterr().err
    empty = env / "empty"
    empty.write_text("\n")
    assert cli("feed", "--ami", "pbx", "--user", "u", "--secret-file", str(empty)) == 2
    assert "is empty" in capsys.readouterr().err


def test_feed_command_with_a_wrong_secret_exits_1(env: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    loop = asyncio.new_event_loop()
    ami = FakeAmi(secret="the-real-one")
    loop.run_until_complete(ami.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    secret = env / "ami.secret"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o644)
    try:
        code = cli("feed", "--ami", f"127.0.0.1:{ami.port}", "--user", "hotline",
                   "--secret-file", str(secret))
    finally:
        asyncio.run_coroutine_threadsafe(ami.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    captured = capsys.readouterr()
    assert code == 1
    assert "Authentication failed" in captured.err
    assert "other users can read" in captured.err  # chmod 644: warned
    assert SECRET not in captured.err + captured.out
    assert ami.actions[0]["secret"] == SECRET  # the PBX did get it


def test_an_event_the_database_refused_is_applied_when_it_is_back(
        file_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.errors import StorageError
    from hotline.telephony import ami as ami_module

    real = ami_module.apply_call_event
    refused: list[str] = []

    def flaky(d: Desk, e: object) -> object:
        if not refused:
            refused.append("once")
            raise StorageError("The database is busy; nothing was saved.")
        return real(d, e)  # type: ignore[arg-type]

    monkeypatch.setattr(ami_module, "apply_call_event", flaky)

    async def scenario() -> None:
        ami = FakeAmi()
        await ami.start()
        async with running(file_desk, ami):
            await asyncio.wait_for(ami.logged_in.wait(), 5)
            ami.event(**join("1795572000.41", "13800138000"))
            ami.event(**abandon("1795572000.41"))
            await until(lambda: state_of(file_desk, "1795572000.41") == "abandoned",
                        "applied in order after the refusal")
        await ami.stop()

    asyncio.run(scenario())
    assert refused == ["once"]
