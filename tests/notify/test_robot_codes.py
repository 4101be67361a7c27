"""A robot's own error code: a refusal that can never succeed fails at once with its reason;
a rate limit is tried again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Intake
from hotline.notify.channels import DeliveryError, send
from hotline.notify.sender import run_round
from hotline.notify.setup import load_setup
from hotline.store.models import Notification
from hotline.supervision.rota import rota_for
from tests.notify.servers import http_server
from tests.notify.test_channels import MSG, NOW, channel, secret
from tests.support import build_desk, make_settings


def robot(tmp_path: Path, kind: str, base: str) -> dict[str, Any]:
    if kind == "wecom":
        return {"type": "wecom", "url": base + "/cgi-bin/webhook/send",
                "key_file": secret(tmp_path, "k", "wx-key")}
    if kind == "dingtalk":
        return {"type": "dingtalk", "url": base + "/robot/send",
                "token_file": secret(tmp_path, "t", "ding-token"),
                "secret_file": secret(tmp_path, "s", "SECxyz")}
    return {"type": "feishu", "url": base + "/open-apis/bot/v2/hook",
            "token_file": secret(tmp_path, "t", "hook-uuid"),
            "secret_file": secret(tmp_path, "s", "fs-secret")}


CASES = [
    # robot, answer, permanent, the reason shown
    ("wecom", '{"errcode":93000,"errmsg":"invalid webhook url"}', True, "invalid webhook"),
    ("wecom", '{"errcode":45009,"errmsg":"api freq out of limit"}', False, "rate limited"),
    ("dingtalk", '{"errcode":310000,"errmsg":"sign not match"}', True, "signature does not"),
    ("dingtalk", '{"errcode":310000,"errmsg":"keywords not in content"}', True,
     "the keyword is missing"),
    ("dingtalk", '{"errcode":300005,"errmsg":"token is not exist"}', True,
     "token does not exist"),
    ("dingtalk", '{"errcode":400013,"errmsg":"group is disbanded"}', True, "disbanded"),
    ("dingtalk", '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}',
     False, "rate limited"),
    ("dingtalk", '{"errcode":410100,"errmsg":"send too fast"}', False, "rate limited"),
    ("feishu", '{"code":19021,"msg":"sign match fail or timestamp is not within one hour '
               'from current time","data":{}}', True, "signature does not match"),
    ("feishu", '{"code":19024,"msg":"Key Words Not Found","data":{}}', True, "keyword"),
    ("feishu", '{"code":19022,"msg":"Ip Not Allowed","data":{}}', True, "IP address"),
    ("feishu", '{"code":19001,"msg":"param invalid: incoming webhook access token invalid",'
               '"data":{}}', True, "hook id is not valid"),
    ("feishu", '{"code":11232,"msg":"frequency limited psm","data":{}}', False,
     "rate limited"),
    # a code not known to be final is tried again
    ("wecom", '{"errcode":-1,"errmsg":"system busy"}', False, "system busy"),
    ("feishu", '{"code":9999,"msg":"something new"}', False, "something new"),
]


@pytest.mark.parametrize(("kind", "answer", "permanent", "why"), CASES)
def test_each_robot_code_says_whether_a_retry_can_help(
        tmp_path: Path, kind: str, answer: str, permanent: bool, why: str) -> None:
    with http_server() as (base, rec):
        rec.answers = [(200, answer)]
        ch = channel(tmp_path, kind, robot(tmp_path, kind, base))
        with pytest.raises(DeliveryError) as err:
            send(ch, MSG, NOW)
    text = str(err.value)
    assert err.value.permanent is permanent, text
    assert why in text and "HTTP 200" in text  # the reason, then the server's own words
    for secret_value in ("wx-key", "ding-token", "SECxyz", "hook-uuid", "fs-secret"):
        assert secret_value not in text


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def test_a_final_refusal_fails_at_once_and_a_rate_limit_is_retried(
        url: str, clock: FixedClock, tmp_path: Path) -> None:
    desk = build_desk(make_settings(url), clock)
    try:
        with http_server() as (base, rec):
            setup = load_setup({"channels": {"ding": robot(tmp_path, "dingtalk", base)},
                                "rules": [{"to": ["desk"], "channels": ["ding"]}]})
            desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                 description="late"))
            rec.answers = [(200, '{"errcode":130101,"errmsg":"send too fast"}')]
            result = run_round(desk, setup, rota_for(desk.settings))
            assert (result.retried, result.failed) == (1, 0)
            clock.advance(minutes=1)
            rec.answers = [(200, '{"errcode":310000,"errmsg":"keywords not in content"}')]
            result = run_round(desk, setup, rota_for(desk.settings))
            assert (result.retried, result.failed) == (0, 1)  # not two hours later
        with Session(desk.engine) as s:
            [n] = s.exec(select(Notification)).all()
        assert n.state == "failed" and n.attempts == 2
        assert n.last_error is not None and n.last_error.startswith(
            "refused by the robot's security settings")
    finally:
        desk.engine.dispose()
