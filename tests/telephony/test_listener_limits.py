"""The JSON-lines listener, on real sockets: one client's bad line never costs another's
good lines; connections are limited in number and closed when silent."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Call
from hotline.telephony import jsonl as jsonl_module
from hotline.telephony.call_events import CallEvent
from hotline.telephony.jsonl import JsonlListener
from tests.support import START


def ring(key: str) -> bytes:
    return json.dumps({"event": "ring", "call_id": key, "number": "13800138000",
                       "at": "2026-11-25T09:59:00+08:00"}).encode() + b"\n"


def keys(desk: Desk) -> set[str]:
    with Session(desk.engine) as s:
        return set(s.exec(select(Call.call_key)).all())


async def _until(check: object, what: str) -> None:
    """Wait for a condition the listener reaches by itself (bounded, so a bug fails)."""
    for _ in range(500):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def _replies(reader: asyncio.StreamReader) -> list[dict[str, object]]:
    data = await asyncio.wait_for(reader.read(), 30)
    return [json.loads(line) for line in data.splitlines()]


def test_a_line_raising_anything_fails_alone_in_a_shared_batch(
        feed_desk: Desk, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    real_parse, real_apply = jsonl_module.parse_line, jsonl_module.apply_call_events
    batches: list[list[str]] = []

    def parse(text: str, *a: object, **kw: object) -> CallEvent:
        if "parse-bomb" in text:
            raise RuntimeError("a parser bug")
        return real_parse(text, *a, **kw)  # type: ignore[arg-type]

    def apply(desk: Desk, events: Sequence[CallEvent], **kw: object) -> object:
        batches.append([e.call_key for e in events])
        if any(e.call_key == "hold" for e in events):
            release.wait(30)  # the writer is busy: what arrives meanwhile makes one batch
        if any(e.call_key == "apply-bomb" for e in events):
            raise ValueError("an applying bug")
        return real_apply(desk, events, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl_module, "parse_line", parse)
    monkeypatch.setattr(jsonl_module, "apply_call_events", apply)

    async def scenario() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        listener = JsonlListener(feed_desk)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            ra, wa = await asyncio.open_connection("127.0.0.1", port)
            rb, wb = await asyncio.open_connection("127.0.0.1", port)
            wa.write(ring("hold"))
            await wa.drain()
            await _until(lambda: batches, "the first batch started")
            wa.write(ring("a1") + ring("parse-bomb") + ring("apply-bomb") + ring("a2"))
            wb.write(ring("b1") + b"not json\n" + ring("b2"))
            await wa.drain()
            await wb.drain()
            queue = listener._queue
            assert queue is not None
            await _until(lambda: queue.qsize() == 7, "all lines queued")
            release.set()
            wa.write_eof()
            wb.write_eof()
            replies = await _replies(ra), await _replies(rb)
            wa.close()
            wb.close()
            await listener.close()
        return replies

    with caplog.at_level(logging.WARNING, logger="hotline.feed"):
        a, b = asyncio.run(scenario())
    # the seven lines after "hold" came as one batch, from both clients
    assert sorted(batches[1]) == ["a1", "a2", "apply-bomb", "b1", "b2"]
    assert [(r["line"], r["ok"]) for r in a] == [
        (1, True), (2, True), (3, False), (4, False), (5, True)]
    assert "RuntimeError: a parser bug" in str(a[2]["error"])
    assert "ValueError: an applying bug" in str(a[3]["error"])
    assert [(r["line"], r["ok"]) for r in b] == [(1, True), (2, False), (3, True)]
    assert keys(feed_desk) == {"hold", "a1", "a2", "b1", "b2"}
    assert "a parser bug" in caplog.text  # and the log says what happened


def test_connections_over_the_limit_are_turned_away(
        feed_desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        listener = JsonlListener(feed_desk, max_connections=2)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            first = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
            await _until(lambda: listener.connections == 2, "two connections open")
            r3, w3 = await asyncio.open_connection("127.0.0.1", port)
            turned_away = await _replies(r3)  # answered, then closed
            w3.close()
            assert listener.connections == 2 and listener.refused == 1
            # one leaves: a newcomer gets in and is served
            _r1, w1 = first[0]
            w1.close()
            await _until(lambda: listener.connections == 1, "a connection closed")
            r4, w4 = await asyncio.open_connection("127.0.0.1", port)
            w4.write(ring("late"))
            w4.write_eof()
            served = await _replies(r4)
            w4.close()
            first[1][1].close()
            await listener.close()
        return turned_away, served

    with caplog.at_level(logging.WARNING, logger="hotline.feed"):
        turned_away, served = asyncio.run(scenario())
    assert len(turned_away) == 1 and turned_away[0]["ok"] is False
    assert "too many connections" in str(turned_away[0]["error"])
    assert served == [{"ok": True, "line": 1, "outcome": "applied", "call": served[0]["call"]}]
    assert "refused: 2 connections are open" in caplog.text
    assert keys(feed_desk) == {"late"}


def test_silent_connections_are_closed(feed_desk: Desk,
                                       caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[bytes, list[dict[str, object]], int]:
        listener = JsonlListener(feed_desk, idle_timeout=0.2)
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            # half-open: connects, says nothing, never closes
            r1, w1 = await asyncio.open_connection("127.0.0.1", port)
            silent = await asyncio.wait_for(r1.read(), 30)  # the listener closes it
            # one line, then silence: the line is answered, then the connection closed
            r2, w2 = await asyncio.open_connection("127.0.0.1", port)
            w2.write(ring("once"))
            await w2.drain()
            replies = await _replies(r2)
            # half a line, then silence
            r3, w3 = await asyncio.open_connection("127.0.0.1", port)
            w3.write(b'{"event": "ring", "call_')
            await w3.drain()
            await asyncio.wait_for(r3.read(), 30)
            for w in (w1, w2, w3):
                w.close()
            await _until(lambda: listener.connections == 0, "every connection closed")
            await listener.close()
        return silent, replies, listener.timed_out

    with caplog.at_level(logging.WARNING, logger="hotline.feed"):
        silent, replies, timed_out = asyncio.run(scenario())
    assert silent == b""
    assert [(r["line"], r["ok"]) for r in replies] == [(1, True)]
    assert timed_out == 3
    assert "nothing received for 0.2 s; closed" in caplog.text
    assert keys(feed_desk) == {"once"}


def test_the_listener_states_its_limits(feed_desk: Desk,
                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hotline.feed"):
        JsonlListener(feed_desk).log_limits()
        JsonlListener(feed_desk, max_connections=5, idle_timeout=12.5).log_limits()
    assert caplog.messages == [
        "at most 64 connections at once (--max-connections); a connection silent for 300 s "
        "is closed (--idle-timeout)",
        "at most 5 connections at once (--max-connections); a connection silent for 12.5 s "
        "is closed (--idle-timeout)"]


@pytest.mark.parametrize(("argv", "says"), [
    (["--listen", "127.0.0.1:5039", "--max-connections", "0"], "whole number from 1"),
    (["--listen", "127.0.0.1:5039", "--idle-timeout", "never"], "number of seconds"),
    (["--jsonl", "-", "--max-connections", "5"], "go with --listen"),
])
def test_listener_options_are_checked(argv: list[str], says: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_DB", str(tmp_path / "desk.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    assert run(["feed", *argv], clock=FixedClock(START)) == 2
    assert says in capsys.readouterr().err
