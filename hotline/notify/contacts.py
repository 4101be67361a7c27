"""Where a person is reached: e-mail, phone (SMS, DingTalk mention), a robot's user id.

Set with ``hotline notify contact LOGIN --email … --phone … --mention …``;
one transaction with its ``contact_channels_set`` event. An empty value
clears a channel.
"""

from __future__ import annotations

import re

from sqlmodel import select

from hotline.errors import InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63})+$")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_MENTION = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")


def parse_email(text: str) -> str | None:
    """An e-mail address as stored (None: cleared); refused when it is not one."""
    value = text.strip()
    if not value:
        return None
    if len(value) > 200 or not _EMAIL.match(value):
        raise InputError(_("{text!r} is not an e-mail address (name@example.com).").format(
            text=value[:60]))
    return value


def parse_phone(text: str) -> str | None:
    """A mobile number for SMS and DingTalk mentions: digits, an optional leading +."""
    value = re.sub(r"[\s\-]", "", text)
    if not value:
        return None
    if not _PHONE.match(value):
        raise InputError(_("{text!r} is not a phone number (digits, an optional leading +)."
                           ).format(text=text.strip()[:60]))
    return value


def parse_mention(text: str) -> str | None:
    """A robot's user id (WeCom userid, Feishu open id): letters, digits, _ . @ -."""
    value = text.strip()
    if not value:
        return None
    if not _MENTION.match(value):
        raise InputError(_("{text!r} is not a user id (letters, digits, _ . @ -, at most 64)."
                           ).format(text=value[:60]))
    return value


def set_contact(seat: Seat, login: str, *, email: str | None = None,
                phone: str | None = None, mention: str | None = None) -> Engineer:
    """Change the channels given (None: leave as it is; empty: clear)."""
    if email is None and phone is None and mention is None:
        raise InputError(_("Say what to set: --email, --phone or --mention."))
    values: dict[str, str | None] = {}
    if email is not None:
        values["notify_email"] = parse_email(email)
    if phone is not None:
        values["notify_phone"] = parse_phone(phone)
    if mention is not None:
        values["notify_mention"] = parse_mention(mention)
    with seat.write() as tx:
        e = tx.session.exec(select(Engineer).where(Engineer.login == login.strip())).first()
        if e is None:
            raise NotFound(_("There is no engineer {login}.").format(login=login.strip()[:64]))
        for key, value in values.items():
            setattr(e, key, value)
        tx.session.add(e)
        changed: dict[str, object] = {k.removeprefix("notify_"): v for k, v in values.items()}
        tx.record_event("contact_channels_set", tx.now, login=e.login, changed=changed)
        tx.session.flush()
        tx.session.refresh(e)
        tx.session.expunge(e)
        return e
