"""Sending a text straight to one channel, outside the outbox (a report asked for now).

Used by ``hotline report … --send CHANNEL``: the person waits for the answer
and sees it, so there is no row to retry. A robot takes a few thousand
characters at most; a longer text is cut, saying so.
"""

from __future__ import annotations

from datetime import datetime

from hotline.i18n import _
from hotline.notify.channels import Outgoing, send
from hotline.notify.setup import Channel

#: At most this many characters are sent (WeCom's text robot takes 2048 bytes).
MAX_TEXT = 600


def default_address(channel: Channel) -> str:
    """Where the channel posts when nobody is named: its ``to`` (e-mail, SMS), else the
    group itself."""
    if channel.type not in ("smtp", "sms"):
        return ""
    to = channel.options.get("to", "")
    return ",".join(str(t) for t in to) if isinstance(to, list) else str(to)


def cut(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    note = "\n" + _("… (cut: the whole report with -o FILE)")
    return text[:max(0, limit - len(note))].rstrip() + note


def send_text(channel: Channel, key: str, subject: str, text: str, now: datetime) -> str:
    """Send now; the server's answer, or :class:`DeliveryError` saying why not."""
    body = text if channel.type == "smtp" else cut(text)
    return send(channel, Outgoing(key, subject, body, default_address(channel), "report"), now)
