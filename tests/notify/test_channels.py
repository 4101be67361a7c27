"""Each channel end to end against a local server: its real payload and signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from hotline.errors import ConfigError
from hotline.notify.channels import DeliveryError, Outgoing, message_id, send
from hotline.notify.setup import Channel, load_setup
from tests.notify.servers import http_server, smtp_server

NOW = datetime(2026, 11, 25, 2, 0, 0, tzinfo=UTC)
MSG = Outgoing("m7:robot:desk", "[261125-0001] 投诉", "What: complaint\nTicket: 261125-0001",
               "", "complaint")


def secret(tmp_path: Path, name: str, value: str, mode: int = 0o600) -> str:
    path = tmp_path / name
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


def channel(tmp_path: Path, name: str, table: dict[str, Any]) -> Channel:
    return load_setup({"channels": {name: table}}).channels[name]


# --- e-mail ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # it is TLS
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls_with_a_login(tmp_path: Path, security: str) -> None:
    with smtp_server(security=security, cert_dir=tmp_path,
                     login=("desk@example.com", "s3cret-pw")) as (port, box, cafile):
        ch = channel(tmp_path, "mail", {
            "type": "smtp", "host": "127.0.0.1", "port": port, "security": security,
            "username": "desk@example.com",
            "password_file": secret(tmp_path, "pw", "s3cret-pw"),
            "from": "desk@example.com", "cafile": cafile})
        answer = send(ch, Outgoing("m1:mail:wangqiang", "[261125-0001] 新的一级故障",
                                   "What: New level-1 fault", "wq@example.com", "level1_fault"),
                      NOW)
    assert answer.startswith("250")
    assert box.logins == [("desk@example.com", "s3cret-pw")]
    sender, rcpts, raw = box.messages[0]
    assert (sender, rcpts) == ("desk@example.com", ["wq@example.com"])
    mail = message_from_bytes(raw)
    assert mail["Message-ID"] == message_id("m1:mail:wangqiang")
    assert mail["X-Hotline-Key"] == "m1:mail:wangqiang"
    assert "一级故障" in str(mail.get("Subject", "")) or "=?utf-8?" in str(mail["Subject"])


def test_mail_with_a_wrong_password_is_refused_without_showing_it(tmp_path: Path) -> None:
    with smtp_server(security="starttls", cert_dir=tmp_path,
                     login=("desk@example.com", "right")) as (port, box, cafile):
        ch = channel(tmp_path, "mail", {
            "type": "smtp", "host": "127.0.0.1", "port": port, "username": "desk@example.com",
            "password_file": secret(tmp_path, "pw", "wrong-pw-xyz"),
            "from": "desk@example.com", "cafile": cafile})
        with pytest.raises(DeliveryError) as err:
            send(ch, Outgoing("k", "s", "t", "wq@example.com"), NOW)
    assert "wrong-pw-xyz" not in str(err.value)
    assert box.messages == []


def test_mail_to_an_untrusted_certificate_is_not_sent(tmp_path: Path) -> None:
    with smtp_server(security="starttls", cert_dir=tmp_path, login=None) as (port, box, _ca):
        ch = channel(tmp_path, "mail", {"type": "smtp", "host": "127.0.0.1", "port": port,
                                        "from": "desk@example.com"})
        with pytest.raises(DeliveryError, match=r"SSL|certificate"):
            send(ch, Outgoing("k", "s", "t", "wq@example.com"), NOW)
    assert box.messages == []


# --- HTTP channels -------------------------------------------------------------------------


def test_webhook_posts_json_with_the_idempotency_key_and_token(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        ch = channel(tmp_path, "hook", {"type": "webhook", "url": base + "/hook",
                                        "token_file": secret(tmp_path, "t", "tok-123")})
        answer = send(ch, Outgoing("m2:hook:desk", "subject", "text", "wangqiang,lina",
                                   "tier"), NOW)
    post = rec.posts[0]
    assert answer.startswith("HTTP 200")
    assert post.path == "/hook"
    assert post.headers["Idempotency-Key"] == "m2:hook:desk"
    assert post.headers["Authorization"] == "Bearer tok-123"
    assert post.json == {"key": "m2:hook:desk", "kind": "tier", "subject": "subject",
                         "text": "text", "recipients": ["wangqiang", "lina"],
                         "at": NOW.isoformat()}


def test_wecom_robot_gets_its_key_and_mentions(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        ch = channel(tmp_path, "wx", {"type": "wecom", "url": base + "/cgi-bin/webhook/send",
                                      "key_file": secret(tmp_path, "k", "wx-key")})
        send(ch, Outgoing("k", "Subject", "Body", "WangQiang,LiNa"), NOW)
    post = rec.posts[0]
    assert post.path == "/cgi-bin/webhook/send" and post.query == {"key": ["wx-key"]}
    assert post.json == {"msgtype": "text", "text": {
        "content": "Subject\nBody", "mentioned_list": ["WangQiang", "LiNa"]}}


def test_dingtalk_robot_signs_each_post_and_keeps_its_keyword(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        ch = channel(tmp_path, "ding", {
            "type": "dingtalk", "url": base + "/robot/send", "keyword": "告警",
            "token_file": secret(tmp_path, "t", "ding-token"),
            "secret_file": secret(tmp_path, "s", "SECxyz")})
        send(ch, Outgoing("k", "Subject", "Body", "13800000001"), NOW)
    post = rec.posts[0]
    ts = post.query["timestamp"][0]
    assert ts == str(int(NOW.timestamp() * 1000))
    expected = base64.b64encode(hmac.new(b"SECxyz", f"{ts}\nSECxyz".encode(),
                                         hashlib.sha256).digest()).decode()
    assert post.query["sign"] == [expected]  # parse_qs undoes the URL quoting
    assert post.query["access_token"] == ["ding-token"]
    body = post.json
    assert body["msgtype"] == "text"
    assert body["text"]["content"].startswith("告警 Subject\nBody")
    assert "@13800000001" in body["text"]["content"]
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}


def test_feishu_bot_signs_with_its_own_scheme(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        ch = channel(tmp_path, "fs", {
            "type": "feishu", "url": base + "/open-apis/bot/v2/hook",
            "token_file": secret(tmp_path, "t", "hook-uuid"),
            "secret_file": secret(tmp_path, "s", "fs-secret")})
        send(ch, Outgoing("k", "Subject", "Body", "ou_123"), NOW)
    post = rec.posts[0]
    assert post.path == "/open-apis/bot/v2/hook/hook-uuid"
    body = post.json
    ts = body["timestamp"]
    assert ts == str(int(NOW.timestamp()))
    key = f"{ts}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text"
    assert body["content"]["text"] == 'Subject\nBody\n<at user_id="ou_123"></at>'


def test_sms_gateway_fills_its_template(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        ch = channel(tmp_path, "sms", {
            "type": "sms", "url": base + "/sms/send",
            "headers": {"X-Api-Key": "{apikey}"},
            "body": '{"mobile": "{phone}", "content": "{text}", "ref": "{key}"}',
            "key_file": secret(tmp_path, "k", "gw-key")})
        send(ch, Outgoing("m3:sms:wq", 'Title "quoted"', "line1\nline2", "13800000001"), NOW)
    post = rec.posts[0]
    assert post.headers["X-Api-Key"] == "gw-key"
    assert post.json == {"mobile": "13800000001", "content": 'Title "quoted" line1\nline2',
                         "ref": "m3:sms:wq"}


def test_a_robot_error_code_is_a_failure_with_its_answer(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        rec.answers = [(200, '{"errcode":310000,"errmsg":"keywords not in content"}')]
        ch = channel(tmp_path, "ding", {"type": "dingtalk", "url": base + "/robot/send",
                                        "token_file": secret(tmp_path, "t", "tok-secret")})
        with pytest.raises(DeliveryError, match="keywords not in content") as err:
            send(ch, MSG, NOW)
    assert "tok-secret" not in str(err.value)


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (400, True)])
def test_http_errors_say_whether_a_retry_can_help(tmp_path: Path, status: int,
                                                  permanent: bool) -> None:
    with http_server() as (base, rec):
        rec.answers = [(status, json.dumps({"error": "nope"}))]
        ch = channel(tmp_path, "hook", {"type": "webhook", "url": base + "/h"})
        with pytest.raises(DeliveryError) as err:
            send(ch, MSG, NOW)
    assert err.value.permanent is permanent
    assert f"HTTP {status}" in str(err.value)


def test_a_server_that_is_not_there_is_a_failure_to_retry(tmp_path: Path) -> None:
    from tests.notify.servers import free_port

    ch = channel(tmp_path, "hook", {"type": "webhook",
                                    "url": f"http://127.0.0.1:{free_port()}/h"})
    with pytest.raises(DeliveryError) as err:
        send(ch, MSG, NOW)
    assert not err.value.permanent


# --- secrets ------------------------------------------------------------------------------


def test_a_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = secret(tmp_path, "k", "wx-key", mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_setup({"channels": {"wx": {"type": "wecom", "url": "http://127.0.0.1:1/",
                                        "key_file": path}}})


def test_a_secret_never_shows_in_the_channel_repr(tmp_path: Path) -> None:
    ch = channel(tmp_path, "wx", {"type": "wecom", "url": "http://127.0.0.1:1/",
                                  "key_file": secret(tmp_path, "k", "wx-key-xyz")})
    assert "wx-key-xyz" not in repr(ch)


def test_a_server_echoing_a_secret_does_not_get_it_shown(tmp_path: Path) -> None:
    with http_server() as (base, rec):
        rec.answers = [(200, '{"errcode":0,"errmsg":"ok for key wx-key-echo"}')]
        ch = channel(tmp_path, "wx", {"type": "wecom", "url": base + "/wx",
                                      "key_file": secret(tmp_path, "k", "wx-key-echo")})
        answer = send(ch, MSG, NOW)
    assert "wx-key-echo" not in answer and "ok for key ***" in answer
