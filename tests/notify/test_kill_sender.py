"""A sender killed by SIGKILL mid-batch and started again delivers every message once.

A real ``hotline notify run`` process delivers to a local server that counts what
it receives by idempotency key; the server holds the third request until the
process is killed. Started again (``--once``, after the lease has run out), a
sender delivers the rest: every message's key arrives, each message is marked
sent once, and the only message sent twice is the one in flight at the kill,
under the same key (so its receiver can drop the repeat).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Intake
from hotline.store.models import Event, Notification
from tests.notify.servers import http_server
from tests.support import START, build_desk, make_settings

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 6


def _sender(db: str, config: Path, now: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOTLINE_DB": db, "HOTLINE_CONFIG": str(config),
           "HOTLINE_NOW": now, "HOTLINE_CLOCK": "running", "HOTLINE_LANG": "en",
           "HOTLINE_TZ": "Asia/Shanghai"}
    return subprocess.Popen([sys.executable, "-c", "from hotline.cli.main import main; main()",
                             "notify", "run", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def test_a_sender_killed_mid_batch_loses_none_and_repeats_none_but_its_last(
        tmp_path: Path, db: str) -> None:
    desk = build_desk(make_settings(db), FixedClock(START))
    for i in range(MESSAGES):
        desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                             description=f"complaint {i}"))
    desk.engine.dispose()
    with http_server() as (base, rec):
        config = tmp_path / "config.toml"
        config.write_text(f"""
[notify]
lease = 60
[notify.channels.hook]
type = "webhook"
url = "{base}/hook"
[[notify.rules]]
events = ["complaint"]
to = ["desk"]
channels = ["hook"]
""", encoding="utf-8")
        rec.hold_after = 3
        first = _sender(db, config, START.isoformat())
        try:
            assert rec.arrived.wait(60), first.stderr.read1() if first.stderr else b""
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        assert first.returncode == -signal.SIGKILL
        rec.hold_after = None
        rec.release.set()
        with Session(desk.engine) as s:
            states = Counter(n.state for n in s.exec(select(Notification)).all())
        assert states == Counter({"sent": 2, "pending": MESSAGES - 2})
        later = (START + timedelta(minutes=5)).isoformat()  # the dead sender's lease is over
        second = _sender(db, config, later, "--once")
        _out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()
    keys = Counter(p.headers["Idempotency-Key"] for p in rec.posts)
    with Session(desk.engine) as s:
        rows = s.exec(select(Notification)).all()
        sent_events = s.exec(select(Event).where(Event.kind == "notification_sent")).all()
    assert {n.key for n in rows} == set(keys)
    assert len(keys) == MESSAGES
    assert all(n.state == "sent" for n in rows)
    assert len(sent_events) == MESSAGES  # each marked sent once
    repeated = [k for k, n in keys.items() if n > 1]
    assert len(repeated) <= 1 and all(keys[k] == 2 for k in repeated)
    desk.engine.dispose()
