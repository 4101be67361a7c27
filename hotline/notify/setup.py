"""The ``[notify]`` table of the config file: channels, rules and the sender's timing.

Secrets (an SMTP password, a robot's token or signing secret, a gateway's key)
are never written in the config file: a channel names a file holding each
(``password_file``, ``secret_file`` …), readable by its owner only (mode
600), and the secret is read from it when the channel is built. A secret is
never part of a message, an error text or a log line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from hotline.errors import ConfigError
from hotline.i18n import _

#: The kinds of channel and the keys each takes (besides ``type``).
CHANNEL_KEYS: dict[str, frozenset[str]] = {
    "smtp": frozenset({"host", "port", "security", "username", "password_file", "from", "to",
                       "timeout", "cafile"}),
    "webhook": frozenset({"url", "token_file", "timeout"}),
    "wecom": frozenset({"url", "key_file", "timeout"}),
    "dingtalk": frozenset({"url", "token_file", "secret_file", "keyword", "timeout"}),
    "feishu": frozenset({"url", "token_file", "secret_file", "keyword", "timeout"}),
    "sms": frozenset({"url", "method", "headers", "body", "key_file", "to", "ok_status",
                      "timeout"}),
}
#: Channels that post to a group (a person is @-mentioned there, not written to).
GROUP_CHANNELS = frozenset({"wecom", "dingtalk", "feishu", "webhook"})

#: What a rule can be about: the escalation kinds, a re-alert, a new level-1 fault.
EVENTS = ("unanswered_call", "callback_overdue", "warning", "breach", "level_up", "tier",
          "complaint", "realert", "level1_fault", "follow_up")
#: Who a rule can name besides a login: the people on duty when it happened, whoever
#: handles the ticket, and the group itself (the channel's own audience).
ROLES = ("supervisor", "manager", "engineers", "handler", "desk")

_TOP_KEYS = frozenset({"channels", "rules", "in_feed", "give_up_after", "lease", "poll",
                       "group_calls", "follow_up"})
_RULE_KEYS = frozenset({"events", "tiers", "contracts", "to", "channels"})
SECURITY = ("starttls", "ssl", "none")
#: Seconds a channel waits for its server when ``timeout`` is left out.
DEFAULT_TIMEOUT = {"smtp": 20.0}
HTTP_TIMEOUT = 10.0
MAX_TIMEOUT = 600


@dataclass(frozen=True)
class Channel:
    """One configured channel; ``secrets`` hold what was read from the secret files."""

    name: str
    type: str
    options: Mapping[str, Any]
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def text(self, key: str, default: str = "") -> str:
        value = self.options.get(key, default)
        return str(value)

    def seconds(self, key: str, default: float) -> float:
        value = self.options.get(key, default)
        return float(value)

    @property
    def timeout(self) -> float:
        """Seconds to wait for the server (checked at load to be shorter than the lease)."""
        return self.seconds("timeout", DEFAULT_TIMEOUT.get(self.type, HTTP_TIMEOUT))


@dataclass(frozen=True)
class Rule:
    """Who gets what: every field left out matches everything."""

    events: frozenset[str] | None
    tiers: frozenset[str] | None
    contracts: frozenset[str] | None
    to: tuple[str, ...]
    channels: tuple[str, ...]

    def matches(self, kind: str, tier: str | None, contract: str | None) -> bool:
        return ((self.events is None or kind in self.events)
                and (self.tiers is None or (tier or "") in self.tiers)
                and (self.contracts is None or (contract or "") in self.contracts))


@dataclass(frozen=True)
class NotifySetup:
    """Everything the sender needs from the config file."""

    channels: Mapping[str, Channel]
    rules: tuple[Rule, ...]
    in_feed: bool = False
    give_up_after: timedelta = timedelta(hours=2)
    lease: timedelta = timedelta(seconds=60)
    poll: timedelta = timedelta(seconds=2)
    #: Unanswered calls are told in one message per this long (not one per call).
    group_calls: timedelta = timedelta(seconds=60)
    #: Acknowledged but not followed up for this long: told again (None: never).
    follow_up: timedelta | None = None

    @property
    def configured(self) -> bool:
        return bool(self.channels)


def _fail(message: str) -> ConfigError:
    return ConfigError(_("[notify]: {message}").format(message=message))


def read_secret(path_text: object, what: str) -> str:
    """A secret from its file: the file must be readable by its owner only (mode 600)."""
    if not isinstance(path_text, str) or not path_text.strip() or "\x00" in path_text:
        raise _fail(_("{what} must be the path of a file.").format(what=what))
    path = Path(path_text).expanduser()
    try:
        st = path.stat()
    except OSError as exc:
        raise _fail(_("{what} {path} cannot be read: {error}").format(
            what=what, path=path, error=exc.strerror or exc)) from exc
    if not stat.S_ISREG(st.st_mode):
        raise _fail(_("{what} {path} is not a file.").format(what=what, path=path))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise _fail(_("{what} {path} can be read by others (mode {mode:o}): "
                      "chmod 600 it.").format(what=what, path=path, mode=mode))
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(_("{what} {path} cannot be read as text.").format(
            what=what, path=path)) from exc
    if not text or any(ord(c) < 32 for c in text):
        raise _fail(_("{what} {path} must hold the secret on one line.").format(
            what=what, path=path))
    return text


def _names(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        raise _fail(_("{where} must be a list of names.").format(where=where))
    return tuple(v.strip() for v in value)


def _duration(value: object, key: str, default: timedelta) -> timedelta:
    """Seconds as a number: ``give_up_after = 7200``."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 < value <= 7 * 86400):
        raise _fail(_("{key} must be a number of seconds between 1 and 604800.").format(
            key=key))
    return timedelta(seconds=float(value))


def _channel(name: str, table: object) -> Channel:
    if not isinstance(table, dict):
        raise _fail(_("channel {name} must be a table.").format(name=name))
    kind = table.get("type")
    if kind not in CHANNEL_KEYS:
        raise _fail(_("channel {name}: type must be one of {types}.").format(
            name=name, types=", ".join(CHANNEL_KEYS)))
    unknown = sorted(set(table) - CHANNEL_KEYS[kind] - {"type"})
    if unknown:
        raise _fail(_("channel {name}: unknown key {key} (known: {known}).").format(
            name=name, key=unknown[0], known=", ".join(sorted(CHANNEL_KEYS[kind]))))
    timeout = table.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(
            timeout, int | float) or not 1 <= timeout <= MAX_TIMEOUT):
        raise _fail(_("channel {name}: timeout must be a number of seconds between 1 and "
                      "{most}.").format(name=name, most=MAX_TIMEOUT))
    options = {k: v for k, v in table.items() if not k.endswith("_file")}
    secrets = {k.removesuffix("_file"): read_secret(v, f"{name}.{k}")
               for k, v in table.items() if k.endswith("_file")}
    if kind == "smtp":
        if not isinstance(table.get("host"), str) or not table["host"].strip():
            raise _fail(_("channel {name}: host is required.").format(name=name))
        if table.get("security", "starttls") not in SECURITY:
            raise _fail(_("channel {name}: security must be starttls, ssl or none.").format(
                name=name))
        if not isinstance(table.get("from"), str) or "@" not in table["from"]:
            raise _fail(_("channel {name}: from must be an e-mail address.").format(name=name))
        port = table.get("port", 587)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise _fail(_("channel {name}: port must be a number from 1 to 65535.").format(
                name=name))
        if ("username" in table) != ("password" in secrets):
            raise _fail(_("channel {name}: username and password_file go together.").format(
                name=name))
    else:
        url = table.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _fail(_("channel {name}: url must start with http:// or https://.").format(
                name=name))
    if kind == "sms" and not isinstance(table.get("body"), str):
        raise _fail(_("channel {name}: body (the request's template) is required.").format(
            name=name))
    if kind == "wecom" and "key" not in secrets:
        raise _fail(_("channel {name}: key_file (the robot's key) is required.").format(
            name=name))
    if kind in ("dingtalk", "feishu") and "token" not in secrets:
        raise _fail(_("channel {name}: token_file (the robot's token) is required.").format(
            name=name))
    return Channel(name, kind, options, secrets)


def _rule(i: int, table: object, channels: Mapping[str, Channel]) -> Rule:
    where = _("rule {n}").format(n=i + 1)
    if not isinstance(table, dict):
        raise _fail(_("{where} must be a table ([[notify.rules]]).").format(where=where))
    unknown = sorted(set(table) - _RULE_KEYS)
    if unknown:
        raise _fail(_("{where}: unknown key {key} (known: {known}).").format(
            where=where, key=unknown[0], known=", ".join(sorted(_RULE_KEYS))))
    events = _names(table["events"], f"{where}: events") if "events" in table else None
    for e in events or ():
        if e not in EVENTS:
            raise _fail(_("{where}: unknown event {event} (known: {known}).").format(
                where=where, event=e, known=", ".join(EVENTS)))
    to = _names(table.get("to"), f"{where}: to")
    names = _names(table.get("channels"), f"{where}: channels")
    for c in names:
        if c not in channels:
            raise _fail(_("{where}: there is no channel {name} ([notify.channels.{name}]).")
                        .format(where=where, name=c))
    tiers = _names(table["tiers"], f"{where}: tiers") if "tiers" in table else None
    contracts = (_names(table["contracts"], f"{where}: contracts") if "contracts" in table
                 else None)
    return Rule(frozenset(events) if events is not None else None,
                frozenset(tiers) if tiers is not None else None,
                frozenset(contracts) if contracts is not None else None, to, names)


def load_setup(table: Mapping[str, Any]) -> NotifySetup:
    """The ``[notify]`` table checked; raises :class:`ConfigError` saying what is wrong."""
    unknown = sorted(set(table) - _TOP_KEYS)
    if unknown:
        raise _fail(_("unknown key {key} (known: {known}).").format(
            key=unknown[0], known=", ".join(sorted(_TOP_KEYS))))
    raw_channels = table.get("channels", {})
    if not isinstance(raw_channels, dict):
        raise _fail(_("channels must be a table ([notify.channels.NAME])."))
    channels = {name: _channel(name, t) for name, t in raw_channels.items()}
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        raise _fail(_("rules must be a list ([[notify.rules]])."))
    rules = tuple(_rule(i, t, channels) for i, t in enumerate(raw_rules))
    in_feed = table.get("in_feed", False)
    if not isinstance(in_feed, bool):
        raise _fail(_("in_feed must be true or false."))
    lease = _duration(table.get("lease"), "lease", timedelta(seconds=60))
    for c in channels.values():
        if c.timeout >= lease.total_seconds():
            # the lease would run out while the server is still being waited for, and
            # another sender could send the same message again
            raise _fail(_("channel {name}: its timeout ({timeout:g} s) must be shorter "
                          "than lease ({lease:g} s), or a message still being sent could be "
                          "sent again by another sender: lower timeout or raise lease.")
                        .format(name=c.name, timeout=c.timeout,
                                lease=lease.total_seconds()))
    return NotifySetup(
        channels=channels, rules=rules, in_feed=in_feed,
        give_up_after=_duration(table.get("give_up_after"), "give_up_after",
                                timedelta(hours=2)),
        lease=lease,
        poll=_duration(table.get("poll"), "poll", timedelta(seconds=2)),
        group_calls=_duration(table.get("group_calls"), "group_calls",
                              timedelta(seconds=60)),
        follow_up=(_duration(table["follow_up"], "follow_up", timedelta(hours=1))
                   if table.get("follow_up") is not None else None))


def sender_id() -> str:
    """Who holds a lease: this machine and process."""
    return f"{os.uname().nodename[:60]}:{os.getpid()}"
