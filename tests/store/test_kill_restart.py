"""Kill the desk's process mid-session (SIGKILL) and start again: nothing confirmed is lost.

The desk runs for real in a pseudo-terminal, driven by keystrokes, on a
stopped clock (``HOTLINE_NOW``) so that remaining times can be compared
exactly before and after.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from sqlmodel import select as sql_select

from hotline.clock import FixedClock
from hotline.store.models import Escalation, SlaClock, Ticket
from hotline.views.dashboard import load_snapshot
from tests.support import START, TZ, build_desk, make_settings

NOW = "2026-11-25T10:00:00+08:00"


def _drain(fd: int, seconds: float) -> bytes:
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def _wait_for(predicate, timeout: float, fd: int) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        _drain(fd, 0.1)
        if predicate():
            return
    raise AssertionError("the desk did not get there in time")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_sigkill_mid_session_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    settings = make_settings(f"sqlite:///{db}")
    clock = FixedClock(START)
    seed = build_desk(settings, clock)
    from hotline import demo

    demo.load_directory(seed)
    demo.give_demo_secrets(seed)  # zhangwei signs in with the demo secret
    demo.record_offer(seed, accepted=True)
    seed.ring("13902251234", at=START - timedelta(seconds=40))  # escalated by the running desk
    seed.ring("0757-83301234", at=START - timedelta(seconds=10))
    seed.engine.dispose()

    env = dict(os.environ)
    env.update({
        "HOTLINE_DB": f"sqlite:///{db}", "HOTLINE_NOW": NOW, "HOTLINE_AS": "zhangwei",
        "HOTLINE_LANG": "en", "HOTLINE_TZ": "Asia/Shanghai", "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "COLUMNS": "120", "LINES": "35",
    })
    env.pop("HOTLINE_CONFIG", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 35, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "screens.main"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=Path(__file__).resolve().parents[2],
                            start_new_session=True)
    os.close(slave)
    try:
        screen = b""
        end = time.monotonic() + 30
        while "Incoming calls ·".encode() not in screen and time.monotonic() < end:
            screen += _drain(master, 0.2)
        assert "Incoming calls ·".encode() in screen, screen[-2000:]
        screen = b""
        os.write(master, f"{demo.DEMO_SECRET}\r".encode())  # --as zhangwei: the secret
        end = time.monotonic() + 30
        while b"signed in: zhangwei" not in screen and time.monotonic() < end:
            screen += _drain(master, 0.2)
        assert b"signed in: zhangwei" in screen, screen[-2000:]

        def keys(text: str | bytes) -> None:
            os.write(master, text.encode() if isinstance(text, str) else text)
            _drain(master, 0.3)

        keys("a")  # answer the oldest call; the intake opens on Kind
        _drain(master, 1.0)
        keys("f")
        keys("\t")
        keys("1")
        keys("\t")
        keys("OSN")
        keys("\t")
        keys("\t")
        keys("down")  # the description
        keys(b"\x02")  # Ctrl+B: save and promise a callback

        reader = build_desk(settings, FixedClock(START))

        def saved() -> bool:
            with Session(reader.engine) as s:
                return s.exec(sql_select(SlaClock).where(SlaClock.target == "callback")).first() \
                    is not None

        _wait_for(saved, 20, master)
        before = load_snapshot(reader.engine, FixedClock(START).now(), TZ)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        os.close(master)
    assert proc.returncode == -signal.SIGKILL

    after_desk = build_desk(settings, FixedClock(START))
    after = load_snapshot(after_desk.engine, FixedClock(START).now(), TZ)
    assert after == before
    with Session(after_desk.engine) as s:
        ticket = s.exec(sql_select(Ticket)).one()
        assert ticket.level == 1 and ticket.description == "down"
        callback = s.exec(sql_select(SlaClock).where(SlaClock.target == "callback")).one()
        assert callback.due_at - START == (callback.due_at - callback.started_at)
        assert len(s.exec(sql_select(Escalation)).all()) == len(before.escalations)
    assert before.calls and before.escalations and before.work
    # and the restarted desk shows the same remaining times on screen
    asyncio.run(_shows_the_same_remaining_times(after_desk, before))


async def _shows_the_same_remaining_times(desk, before) -> None:  # type: ignore[no-untyped-def]
    from hotline.timefmt import countdown
    from screens.app import HotlineApp
    from tests.screens.test_dashboard import rows, settle

    app = HotlineApp(desk, live=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert [r[0] for r in rows(app, "calls")] == [
            countdown(c.due_at - (c.answered_at or START)) for c in before.calls]
        assert [r[0] for r in rows(app, "work")] == [
            countdown(w.due_at - START) for w in before.work]
        assert len(rows(app, "escalations")) == len(before.escalations)
