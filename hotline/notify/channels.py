"""Delivering one message on one channel: e-mail, a JSON webhook, the robots, SMS.

Written with the standard library (``smtplib``, ``urllib``): each channel is
a few lines of payload, its base URL is configurable (tests and private
deployments point it at their own server), and what the server answered is
handed back to be shown. A failure is a :class:`DeliveryError` whose text
never contains a secret (see :func:`scrub`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from hotline.i18n import _
from hotline.notify.robot_codes import reason as robot_reason
from hotline.notify.robot_codes import robot_code
from hotline.notify.setup import Channel

#: At most this much of a server's answer is kept (and shown).
ANSWER_MAX = 300


@dataclass(frozen=True)
class Outgoing:
    """A message as a channel sends it."""

    key: str  # the idempotency key: the same on every attempt
    subject: str
    text: str
    #: Where to: an e-mail address or phone number; for a group channel the people to
    #: @-mention (comma-separated ids), or empty for the whole group.
    address: str
    kind: str = ""


class DeliveryError(Exception):
    """The server refused or could not be reached; ``permanent``: retrying will not help."""

    def __init__(self, text: str, *, permanent: bool = False) -> None:
        super().__init__(text)
        self.permanent = permanent


def scrub(text: str, channel: Channel) -> str:
    """``text`` with every secret of the channel blanked out, cut to :data:`ANSWER_MAX`."""
    for secret in channel.secrets.values():
        if secret:
            text = text.replace(secret, "***")
            text = text.replace(urllib.parse.quote(secret, safe=""), "***")
    text = "".join(c if c.isprintable() else " " for c in text)
    return text[:ANSWER_MAX]


def send(channel: Channel, msg: Outgoing, now: datetime) -> str:
    """Deliver ``msg``; returns what the server answered. Raises :class:`DeliveryError`."""
    try:
        return scrub(SENDERS[channel.type](channel, msg, now), channel)
    except DeliveryError as exc:
        raise DeliveryError(scrub(str(exc), channel), permanent=exc.permanent) from None
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise DeliveryError(scrub(_("{kind}: {error}").format(
            kind=type(exc).__name__, error=exc), channel)) from None


# --- e-mail -------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The e-mail's Message-ID: the same for every attempt at one message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@hotline>"


def _smtp(channel: Channel, msg: Outgoing, now: datetime) -> str:
    to = [a.strip() for a in msg.address.split(",") if a.strip()]
    if not to:
        raise DeliveryError(_("no e-mail address to send to"), permanent=True)
    mail = EmailMessage()
    mail["From"] = channel.text("from")
    mail["To"] = ", ".join(to)
    mail["Subject"] = msg.subject
    mail["Date"] = formatdate(now.timestamp(), localtime=False)
    mail["Message-ID"] = message_id(msg.key)
    mail["X-Hotline-Key"] = msg.key
    mail.set_content(msg.text)
    host, port = channel.text("host"), int(channel.options.get("port", 587))
    security = channel.text("security", "starttls")
    timeout = channel.timeout
    context = ssl.create_default_context(cafile=channel.options.get("cafile"))
    server: smtplib.SMTP
    if security == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if security == "starttls":
            server.starttls(context=context)
        if "password" in channel.secrets:
            server.login(channel.text("username"), channel.secrets["password"])
        server.ehlo_or_helo_if_needed()
        code, reply = server.mail(channel.text("from"))
        if code != 250:
            raise DeliveryError(f"MAIL FROM: {code} {reply.decode(errors='replace')}")
        for address in to:
            code, reply = server.rcpt(address)
            if code not in (250, 251):
                raise DeliveryError(f"RCPT TO {address}: {code} "
                                    f"{reply.decode(errors='replace')}", permanent=code >= 500)
        code, reply = server.data(mail.as_bytes())
        if code != 250:
            raise DeliveryError(f"DATA: {code} {reply.decode(errors='replace')}")
        return f"{code} {reply.decode(errors='replace')}"


# --- HTTP -----------------------------------------------------------------------------


def _post(channel: Channel, url: str, body: bytes, headers: dict[str, str],
          method: str = "POST") -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=channel.timeout) as answer:
            return answer.status, answer.read(64 * 1024).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", errors="replace") if exc.fp else ""
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}: {text.strip()}",
                            permanent=permanent) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(_("cannot reach the server: {reason}").format(
            reason=exc.reason)) from None


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


JSON = {"Content-Type": "application/json; charset=utf-8"}


def _robot_answer(status: int, text: str, code_field: str, robot: str) -> str:
    """A robot answers 200 with its own error code: 0 is accepted, anything else not; a
    code that can never succeed fails at once, with its reason in front."""
    try:
        data = json.loads(text)
    except ValueError:
        raise DeliveryError(f"HTTP {status}: {text.strip()[:200]}") from None
    code = data.get(code_field) if isinstance(data, dict) else None
    if code != 0:
        known = robot_code(robot, code)
        if known is None:
            raise DeliveryError(f"HTTP {status}: {text.strip()}")
        raise DeliveryError(f"{robot_reason(known)} (HTTP {status}: {text.strip()})",
                            permanent=known.permanent)
    return f"HTTP {status}: {text.strip()}"


def _mentions(msg: Outgoing) -> list[str]:
    return [m.strip() for m in msg.address.split(",") if m.strip()]


def _webhook(channel: Channel, msg: Outgoing, now: datetime) -> str:
    headers = {**JSON, "Idempotency-Key": msg.key}
    if "token" in channel.secrets:
        headers["Authorization"] = f"Bearer {channel.secrets['token']}"
    body = {"key": msg.key, "kind": msg.kind, "subject": msg.subject, "text": msg.text,
            "recipients": _mentions(msg), "at": now.isoformat()}
    status, text = _post(channel, channel.text("url"), _json(body), headers)
    return f"HTTP {status}: {text.strip()}"


def _wecom(channel: Channel, msg: Outgoing, now: datetime) -> str:
    url = _with_query(channel.text("url"), {"key": channel.secrets["key"]})
    text: dict[str, object] = {"content": f"{msg.subject}\n{msg.text}"}
    if mentions := _mentions(msg):
        text["mentioned_list"] = mentions
    status, answer = _post(channel, url, _json({"msgtype": "text", "text": text}), JSON)
    return _robot_answer(status, answer, "errcode", channel.type)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: base64 of HMAC-SHA256 over ``timestamp\\nsecret``, keyed by
    the secret (URL-quoted when put in the query)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _keyword(channel: Channel, content: str) -> str:
    """A robot with a keyword rule drops a message without it: put it in front."""
    keyword = channel.text("keyword")
    return content if not keyword or keyword in content else f"{keyword} {content}"


def _dingtalk(channel: Channel, msg: Outgoing, now: datetime) -> str:
    query = {"access_token": channel.secrets["token"]}
    if "secret" in channel.secrets:
        ts = int(now.timestamp() * 1000)
        query.update(timestamp=str(ts), sign=dingtalk_sign(channel.secrets["secret"], ts))
    mentions = _mentions(msg)
    content = _keyword(channel, f"{msg.subject}\n{msg.text}")
    if mentions:
        content += "\n" + " ".join(f"@{m}" for m in mentions)
    body = {"msgtype": "text", "text": {"content": content},
            "at": {"atMobiles": mentions, "isAtAll": False}}
    status, answer = _post(channel, _with_query(channel.text("url"), query), _json(body), JSON)
    return _robot_answer(status, answer, "errcode", channel.type)


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: base64 of HMAC-SHA256 keyed by ``timestamp\\nsecret`` over an
    empty message."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _feishu(channel: Channel, msg: Outgoing, now: datetime) -> str:
    url = channel.text("url").rstrip("/") + "/" + urllib.parse.quote(
        channel.secrets["token"], safe="")
    content = _keyword(channel, f"{msg.subject}\n{msg.text}")
    mentions = _mentions(msg)
    if mentions:
        content += "\n" + " ".join(f'<at user_id="{m}"></at>' for m in mentions)
    body: dict[str, object] = {"msg_type": "text", "content": {"text": content}}
    if "secret" in channel.secrets:
        ts = int(now.timestamp())
        body.update(timestamp=str(ts), sign=feishu_sign(channel.secrets["secret"], ts))
    status, answer = _post(channel, url, _json(body), JSON)
    return _robot_answer(status, answer, "code", channel.type)


def fill_template(template: str, values: dict[str, str], *, as_json: bool) -> str:
    """The SMS gateway's request body: ``{phone}``, ``{text}``, ``{key}``, ``{apikey}``
    replaced by their values, JSON-escaped (inside quotes of a JSON template) or
    URL-encoded (a form)."""
    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        if as_json:
            return json.dumps(value, ensure_ascii=False)[1:-1]
        return urllib.parse.quote_plus(value)

    # one pass: a value that itself holds "{text}" is not filled in again
    return _PLACEHOLDER.sub(fill, template)


_PLACEHOLDER = re.compile(r"\{(phone|text|key|apikey)\}")


def _sms(channel: Channel, msg: Outgoing, now: datetime) -> str:
    phones = _mentions(msg)
    if not phones:
        raise DeliveryError(_("no phone number to send to"), permanent=True)
    raw_headers = channel.options.get("headers", {})
    headers = {str(k): str(v) for k, v in (raw_headers if isinstance(raw_headers, dict)
                                           else {}).items()}
    headers.setdefault("Content-Type", "application/json; charset=utf-8")
    as_json = "json" in headers["Content-Type"]
    ok = channel.options.get("ok_status", [200, 201, 202, 204])
    answers = []
    for phone in phones:
        values = {"phone": phone, "text": f"{msg.subject} {msg.text}", "key": msg.key,
                  "apikey": channel.secrets.get("key", "")}
        headers_now = {k: v.replace("{apikey}", values["apikey"]) for k, v in headers.items()}
        body = fill_template(channel.text("body"), values, as_json=as_json).encode()
        status, text = _post(channel, channel.text("url"), body,
                             {**headers_now, "Idempotency-Key": msg.key},
                             method=channel.text("method", "POST").upper())
        if status not in ok:
            raise DeliveryError(f"HTTP {status}: {text.strip()}")
        answers.append(f"HTTP {status}: {text.strip()}")
    return "; ".join(answers)


def _with_query(url: str, values: dict[str, str]) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + urllib.parse.urlencode(values)


SENDERS: dict[str, Callable[[Channel, Outgoing, datetime], str]] = {
    "smtp": _smtp, "webhook": _webhook, "wecom": _wecom, "dingtalk": _dingtalk,
    "feishu": _feishu, "sms": _sms,
}
