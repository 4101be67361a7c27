"""The JSON-lines source: a file, standard input and a localhost socket; bad lines skipped."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.store.engine import make_engine
from hotline.store.models import Call, Event, PbxEvent, PbxFeed
from hotline.telephony.jsonl import JsonlListener, check_listen_address, parse_line
from tests.support import START, TZ

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    db = tmp_path / "desk.db"
    monkeypatch.setenv("HOTLINE_DB", str(db))
    return db


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


def snapshot(db: Path) -> dict[str, object]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        calls = {c.call_key: (c.state, c.number_e164, c.answered_by, c.offered_at)
                 for c in s.exec(select(Call)).all()}
        out = {"calls": calls,
               "events": s.exec(select(func.count()).select_from(Event)).one(),
               "kept": s.exec(select(func.count()).select_from(PbxEvent)).one()}
    engine.dispose()
    return out


def test_parse_a_good_line() -> None:
    e = parse_line('{"event": "answer", "call_id": "17.1", "at": "2026-11-25T10:00:00",'
                   ' "agent": "PJSIP/8001", "queue": "support", "wait": 12, "extra": 1}', TZ)
    assert (e.kind, e.call_key, e.agent, e.queue, e.wait_s) == (
        "answer", "17.1", "PJSIP/8001", "support", 12.0)
    assert e.at == START  # no offset: the desk's local time


@pytest.mark.parametrize(("line", "says"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "one JSON object"),
    ('{"call_id": "1", "at": "2026-11-25T10:00:00"}', '"event" is missing'),
    ('{"event": "RING", "call_id": "1", "at": "2026-11-25T10:00:00", "number": "1"}',
     "expected one of"),
    ('{"event": "ring", "at": "2026-11-25T10:00:00", "number": "1"}', '"call_id" is missing'),
    ('{"event": "ring", "call_id": "1", "at": "2026-11-25T10:00:00"}', '"number" is missing'),
    ('{"event": "hangup", "call_id": "1", "at": "25/11/2026"}', "not an ISO-8601 time"),
    ('{"event": "hangup", "call_id": {"a": 1}, "at": "2026-11-25T10:00:00"}', "must be a string"),
    ('{"event": "abandon", "call_id": "1", "at": "2026-11-25T10:00:00", "wait": "x"}',
     "number of seconds"),
    ('{"event": "hangup", "call_id": "1", "at": "2026-11-25T10:00:00", "agent": true}',
     "must be a string"),
])
def test_parse_a_bad_line_says_what_is_wrong(line: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        parse_line(line, TZ)
    assert says in str(info.value)


def test_feed_a_file_with_good_and_bad_lines(env: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    assert cli("feed", "--jsonl", str(FIXTURES / "calls.jsonl")) == 1  # some lines were bad
    captured = capsys.readouterr()
    for n in (4, 7, 8, 9, 10, 15, 17):
        assert f"line {n}:" in captured.err
    assert "line 4: not JSON" in captured.out
    assert "7 bad lines skipped" in captured.out
    assert "7 applied (1 created by an event that came before its ring), 1 already known, " \
           "1 kept for an unknown call id" in captured.out
    state = snapshot(env)
    calls = state["calls"]
    assert isinstance(calls, dict)
    assert calls["1764035400.101"][:3] == ("answered", "+8613902251234", "PJSIP/8001")
    assert calls["1764035460.102"][0] == "abandoned"
    assert calls["1764035580.104"][:2] == ("answered", "+8613900000000")  # answer came first
    assert set(calls) == {"1764035400.101", "1764035460.102", "1764035580.104"}
    assert state["kept"] == 1  # the hang-up of "never-rang"

    # the same file again: nothing changes
    assert cli("feed", "--jsonl", str(FIXTURES / "calls.jsonl")) == 1
    assert snapshot(env) == state


def test_feed_standard_input_is_a_live_feed(env: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        {"event": "ring", "call_id": "s1", "number": "13800138000",
         "at": "2026-11-25T09:59:00+08:00"},
        {"event": "ring", "call_id": "s2", "number": "13800138001",
         "at": "2026-11-25T09:59:30+08:00"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines) + "\n"))
    assert cli("feed", "--jsonl", "-", "--name", "pbx-bridge") == 0
    assert "standard input: 2 lines read" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{env}")
    with Session(engine) as s:
        feed = s.get(PbxFeed, "pbx-bridge")
        assert feed is not None and feed.state == "stopped" and feed.events == 2
        kinds = [e.kind for e in s.exec(select(Event).order_by(Event.id)).all()]  # type: ignore[arg-type]
    engine.dispose()
    assert kinds == ["pbx_feed_connected", "call_rang", "call_rang", "pbx_feed_stopped"]


@pytest.mark.parametrize("value", ["0.0.0.0:5039", "192.168.1.10:5039", "example.org:1",
                                   "127.0.0.1", "127.0.0.1:99999", ":5039"])
def test_the_listener_refuses_anything_but_a_loopback_address(value: str) -> None:
    with pytest.raises(InputError):
        check_listen_address(value)


def test_listen_option_refused_off_loopback(env: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert cli("feed", "--listen", "0.0.0.0:5039") == 2
    assert "loopback" in capsys.readouterr().err


def test_the_listener_confirms_each_line(desk: Desk, clock: FixedClock) -> None:
    assert check_listen_address("localhost:5039") == ("127.0.0.1", 5039)

    async def scenario() -> list[dict[str, object]]:
        listener = JsonlListener(desk)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b'{"event": "ring", "call_id": "l1", "number": "13800138000", '
                         b'"at": "2026-11-25T09:59:00+08:00"}\n')
            writer.write(b"garbage\n\n")
            writer.write(b'{"event": "ring", "call_id": "l1", "number": "13800138000", '
                         b'"at": "2026-11-25T09:59:00+08:00"}\n')
            writer.write(b"x" * 70_000 + b"\n")
            writer.write(b'{"event": "abandon", "call_id": "l1", '
                         b'"at": "2026-11-25T09:59:40+08:00"}')  # last line, no newline
            writer.write_eof()
            replies = [json.loads(line) for line in (await reader.read()).splitlines()]
            writer.close()
        return replies

    replies = asyncio.run(scenario())
    assert [(r["line"], r["ok"]) for r in replies] == [
        (1, True), (2, False), (4, True), (5, False), (6, True)]
    assert replies[0]["outcome"] == "applied" and replies[2]["outcome"] == "unchanged"
    assert "not JSON" in str(replies[1]["error"])
    assert "longer than" in str(replies[3]["error"])
    with Session(desk.engine) as s:
        assert s.exec(select(Call.state).where(Call.call_key == "l1")).one() == "abandoned"


def test_a_live_stream_keeps_a_line_the_database_refused(desk: Desk,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.cli.feed import run_jsonl_stream
    from hotline.errors import StorageError
    from hotline.telephony import jsonl as jsonl_module

    real = jsonl_module.apply_call_events
    calls: list[int] = []

    def flaky(d: Desk, events: list[object], **kw: object) -> object:
        calls.append(len(events))
        if len(calls) <= 2:
            raise StorageError("The database is busy (another program holds it); nothing "
                               "was saved.")
        return real(d, events, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl_module, "apply_call_events", flaky)
    monkeypatch.setattr("hotline.telephony.ami.backoff_delays",
                        lambda *_a: (lambda: 0.01))
    stream = io.StringIO(
        '{"event": "ring", "call_id": "r1", "number": "13800138000", '
        '"at": "2026-11-25T09:59:00+08:00"}\n'
        '{"event": "ring", "call_id": "r2", "number": "13800138001", '
        '"at": "2026-11-25T09:59:10+08:00"}\n')
    assert run_jsonl_stream(desk, stream) == 0
    assert len(calls) >= 3 and sum(calls[2:]) == 2  # refused twice, then each line once
    with Session(desk.engine) as s:
        assert sorted(s.exec(select(Call.call_key)).all()) == ["r1", "r2"]


def _ring_line(key: str, minute: int = 0) -> str:
    return json.dumps({"event": "ring", "call_id": key, "number": "13800138000",
                       "at": f"2026-11-25T09:{minute:02d}:00+08:00"})


@pytest.fixture
def file_desk(tmp_path: Path, clock: FixedClock):  # type: ignore[no-untyped-def]
    """A desk on a SQLite file: the tests below read it while another thread writes."""
    from tests.support import build_desk, make_settings

    d = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}"), clock)
    yield d
    d.engine.dispose()


def _has_call(desk: Desk, key: str) -> bool:
    with Session(desk.engine) as s:
        return s.exec(select(Call.id).where(Call.call_key == key)).first() is not None


def test_the_listener_answers_a_burst_in_order_each_line_once_committed(
        file_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.telephony import jsonl as jsonl_module

    batches: list[int] = []
    real = jsonl_module.apply_call_events

    def counted(d: Desk, events: list[object], **kw: object) -> object:
        batches.append(len(events))
        return real(d, events, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl_module, "apply_call_events", counted)
    lines = [_ring_line(f"b{i}") if i % 50 else "not json" for i in range(1, 401)]

    async def scenario() -> list[tuple[dict[str, object], bool]]:
        listener = JsonlListener(file_desk)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen: list[tuple[dict[str, object], bool]] = []
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write("".join(line + "\n" for line in lines).encode())
            writer.write_eof()
            while raw := await reader.readline():
                reply = json.loads(raw)
                # an "ok" is only sent once the event is in the database
                seen.append((reply, _has_call(file_desk, f"b{reply['line']}")))
            writer.close()
            await listener.close()
        return seen

    seen = asyncio.run(scenario())
    assert [r["line"] for r, _in_db in seen] == list(range(1, 401))
    assert [r["ok"] for r, _in_db in seen] == [i % 50 != 0 for i in range(1, 401)]
    assert all(in_db for r, in_db in seen if r["ok"])
    assert sum(batches) == 392 and len(batches) < 392 // 2  # grouped, not one by one


def test_a_lone_line_of_a_live_stream_is_written_at_once(file_desk: Desk) -> None:
    import os
    import threading
    import time

    from hotline.cli.feed import run_jsonl_stream
    from hotline.demo import load_directory

    read_fd, write_fd = os.pipe()
    codes: list[int] = []
    with os.fdopen(read_fd, encoding="utf-8") as stream, os.fdopen(write_fd, "w") as pipe:
        feed = threading.Thread(target=lambda: codes.append(run_jsonl_stream(file_desk, stream)))
        feed.start()
        for key in ("lone-1", "lone-2"):
            pipe.write(_ring_line(key) + "\n")
            pipe.flush()
            deadline = time.monotonic() + 2
            while not _has_call(file_desk, key):  # nothing more arrives: it is not held back
                assert time.monotonic() < deadline, f"{key} was not written while alone"
                time.sleep(0.01)
            if key == "lone-1":  # meanwhile the caller is added to the directory
                load_directory(file_desk)
        pipe.close()
        feed.join(10)
    assert codes == [0]
    with Session(file_desk.engine) as s:
        contacts = dict(s.exec(select(Call.call_key, Call.contact_id)).all())
    assert contacts["lone-1"] is None and contacts["lone-2"] is not None  # seen at once


def test_a_stream_in_a_hurry_is_written_in_few_transactions(desk: Desk,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    from hotline.cli.feed import run_jsonl_stream
    from hotline.telephony import jsonl as jsonl_module

    batches: list[int] = []
    real = jsonl_module.apply_call_events

    def counted(d: Desk, events: list[object], **kw: object) -> object:
        batches.append(len(events))
        return real(d, events, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl_module, "apply_call_events", counted)
    stream = io.StringIO("".join(_ring_line(f"h{i}", i % 60) + "\n" for i in range(2000)))
    assert run_jsonl_stream(desk, stream) == 0
    assert "2,000 lines read" in capsys.readouterr().out
    assert sum(batches) == 2000 and len(batches) < 1000
    with Session(desk.engine) as s:
        assert s.exec(select(func.count()).select_from(Call)).one() == 2000


def test_a_big_file_reports_its_bad_lines_by_number(env: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = {5: "{oops", 600: '{"event": "ring", "call_id": "x"}', 1100: "[]"}
    path = tmp_path / "big.jsonl"
    path.write_text("".join((bad.get(i) or _ring_line(f"f{i}", i % 60)) + "\n"
                            for i in range(1, 1201)))
    assert cli("feed", "--jsonl", str(path), "-q") == 1
    out = capsys.readouterr().out
    assert "1,200 lines read" in out and "3 bad lines skipped" in out
    assert "line 5: not JSON" in out and 'line 600: "number" is missing' in out
    assert "line 1100: expected one JSON object per line" in out
    assert len(snapshot(env)["calls"]) == 1197  # type: ignore[arg-type]
