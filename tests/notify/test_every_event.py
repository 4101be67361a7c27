"""Every event kind, on every channel, against local servers: the real payloads and signatures.

Fifteen hours of a desk — a level-1 and a level-2 fault, a complaint, a call
missed and one left ringing, escalations acknowledged now and then — raise
each kind of notification. A sender round after each look of the monitor
delivers them on e-mail (STARTTLS and a login), a webhook, WeCom, DingTalk,
Feishu and an SMS gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.notify.contacts import set_contact
from hotline.notify.sender import run_round
from hotline.notify.setup import EVENTS, load_setup
from hotline.store.models import Escalation, Notification
from hotline.supervision.crew import set_crew
from hotline.supervision.rota import rota_for
from tests.notify.servers import http_server, smtp_server
from tests.notify.test_channels import secret

#: What the message of each kind says (English desk).
SAYS = {
    "unanswered_call": "not answered in time",
    "callback_overdue": "Callback overdue",
    "warning": "near its limit",
    "breach": "breached",
    "level_up": "Level raised L",
    "tier": "Escalated to ",
    "complaint": "Complaint",
    "realert": "Still not acknowledged",
    "level1_fault": "New level-1 fault",
    "follow_up": "but not followed up for",
}


def fifteen_hours(desk: Desk, clock: FixedClock, deliver: Callable[[], object]) -> None:
    desk.log_call(Intake(number="0755-83765432", kind="fault", level=1,
                         description="ring down", site="福田传输机房"))
    desk.log_call(Intake(number="020-38881234", kind="fault", level=2, description="card"))
    desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                         description="late"))
    missed = desk.ring("13592801234").call_id
    clock.advance(seconds=5)
    desk.abandon(missed)
    desk.ring("13829901234")
    for step in range(45):
        clock.advance(minutes=20)
        desk.evaluate()
        deliver()
        if step % 6 == 5:
            with Session(desk.engine) as s:
                ids = [e.id for e in s.exec(select(Escalation).where(
                    col(Escalation.acknowledged_at).is_(None))).all() if e.id is not None]
            if ids:
                desk.acknowledge(ids)


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
def test_every_event_kind_reaches_every_channel(demo_desk: Desk, clock: FixedClock,
                                                tmp_path: Path) -> None:
    set_crew(demo_desk, rota_for(demo_desk.settings).at(clock.now()),
             supervisor="wangqiang", engineers=["zhangwei"])
    set_contact(demo_desk, "wangqiang", email="wq@example.com", phone="13800000001",
                mention="WangQiang")
    with http_server() as (base, rec), smtp_server(
            security="starttls", cert_dir=tmp_path,
            login=("desk@example.com", "pw")) as (port, box, cafile):
        setup = load_setup({
            "follow_up": 1800,
            "channels": {
                "mail": {"type": "smtp", "host": "127.0.0.1", "port": port,
                         "username": "desk@example.com", "cafile": cafile,
                         "password_file": secret(tmp_path, "pw", "pw"),
                         "from": "desk@example.com", "to": "noc@example.com"},
                "hook": {"type": "webhook", "url": base + "/hook"},
                "wx": {"type": "wecom", "url": base + "/wx",
                       "key_file": secret(tmp_path, "wx", "WXKEY")},
                "ding": {"type": "dingtalk", "url": base + "/ding", "keyword": "告警",
                         "token_file": secret(tmp_path, "dt", "DTOKEN"),
                         "secret_file": secret(tmp_path, "ds", "SECding")},
                "fs": {"type": "feishu", "url": base + "/fs",
                       "token_file": secret(tmp_path, "ft", "hook-id"),
                       "secret_file": secret(tmp_path, "fsec", "fs-secret")},
                "sms": {"type": "sms", "url": base + "/sms", "to": "13900000000",
                        "body": '{"mobile": "{phone}", "content": "{text}"}'},
            },
            "rules": [{"to": ["desk", "supervisor"],
                       "channels": ["mail", "hook", "wx", "ding", "fs", "sms"]}]})
        rota = rota_for(demo_desk.settings)
        results = []
        fifteen_hours(demo_desk, clock,
                      lambda: results.append(run_round(demo_desk, setup, rota)))
    with Session(demo_desk.engine) as s:
        rows = s.exec(select(Notification)).all()
    assert {n.state for n in rows} == {"sent"}, [n.last_error for n in rows]
    assert sum(r.failed + r.retried for r in results) == 0
    by_path = Counter(p.path for p in rec.posts)
    hooks = [p.json for p in rec.posts if p.path == "/hook"]
    messages = len(hooks)
    # every kind told, each in the words of its kind
    assert {h["kind"] for h in hooks} == set(EVENTS)
    for h in hooks:
        assert SAYS[h["kind"]] in h["subject"] + h["text"]
        assert "F3" in h["text"] or "/ (search)" in h["text"] or "answers" in h["text"]
    # one post per message to each robot, one SMS per message to the desk at least
    assert by_path["/wx"] == by_path["/ding"] == by_path["/fs/hook-id"] == messages
    assert by_path["/sms"] >= messages
    for post in rec.posts:
        if post.path == "/ding":
            ts = post.query["timestamp"][0]
            assert post.query["sign"] == [base64.b64encode(hmac.new(
                b"SECding", f"{ts}\nSECding".encode(), hashlib.sha256).digest()).decode()]
            assert post.json["text"]["content"].startswith("告警 ")
        elif post.path == "/fs/hook-id":
            body = post.json
            key = f"{body['timestamp']}\nfs-secret".encode()
            assert body["sign"] == base64.b64encode(
                hmac.new(key, b"", hashlib.sha256).digest()).decode()
            assert body["msg_type"] == "text" and body["content"]["text"]
        elif post.path == "/wx":
            assert post.query == {"key": ["WXKEY"]} and post.json["msgtype"] == "text"
    # e-mail: one to the desk for each message, plus the supervisor's while on duty
    to_desk = [raw for _f, rcpts, raw in box.messages if rcpts == ["noc@example.com"]]
    assert len(to_desk) == messages
    # (a long subject is folded on the wire; compared unfolded)
    subjects = {" ".join(str(make_header(decode_header(message_from_bytes(raw)["Subject"])))
                         .split()) for raw in to_desk}
    assert subjects == {" ".join(h["subject"].split()) for h in hooks}
    assert any(rcpts == ["wq@example.com"] for _f, rcpts, _raw in box.messages)
