"""Every parser of the notifications refuses bad input with its own message, whatever it is."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.errors import ConfigError, InputError
from hotline.notify.channels import fill_template
from hotline.notify.contacts import parse_email, parse_mention, parse_phone
from hotline.notify.setup import load_setup

HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.sampled_from(["\x00", "a@b\x00.cn", "\ud800", "=cmd|' /C calc'!A0", "@", "a@b",
                     "+" + "9" * 40, "1e309", "-1", "zhangwei; DROP TABLE engineer"]),
)


@given(HOSTILE)
@settings(max_examples=300)
def test_contact_parsers_accept_or_refuse_with_a_message(text: str) -> None:
    for parse in (parse_email, parse_phone, parse_mention):
        try:
            value = parse(text)
        except InputError as exc:
            assert str(exc)
            continue
        if value is not None:
            assert value.isprintable() and "\x00" not in value and len(value) <= 200


@pytest.mark.parametrize("good", ["wq@example.com", "li.na+desk@mail.example.com.cn"])
def test_an_email_address_is_kept(good: str) -> None:
    assert parse_email(f"  {good} ") == good


def test_a_phone_number_loses_its_spaces_and_dashes() -> None:
    assert parse_phone("+86 138-0000-0001") == "+8613800000001"
    assert parse_phone("") is None


@given(st.dictionaries(st.sampled_from(["phone", "text", "key", "apikey"]), st.text(),
                       min_size=4))
def test_a_json_template_stays_json_whatever_the_text(values: dict[str, str]) -> None:
    body = fill_template('{"to": "{phone}", "msg": "{text}", "ref": "{key}"}', values,
                         as_json=True)
    assert json.loads(body) == {"to": values["phone"], "msg": values["text"],
                                "ref": values["key"]}


@given(st.text(), st.text())
def test_a_form_template_keeps_each_value_whole(phone: str, text: str) -> None:
    body = fill_template("to={phone}&msg={text}", {"phone": phone, "text": text},
                         as_json=False)
    assert urllib.parse.parse_qs(body, keep_blank_values=True) == {"to": [phone],
                                                                   "msg": [text]}


def test_a_value_holding_a_placeholder_is_not_filled_in_again() -> None:
    body = fill_template('{"to": "{phone}", "msg": "{text}"}',
                         {"phone": "{text}", "text": "x"}, as_json=True)
    assert json.loads(body) == {"to": "{text}", "msg": "x"}


TABLE_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10)


@given(st.dictionaries(st.sampled_from(["channels", "rules", "in_feed", "give_up_after",
                                        "lease", "poll", "group_calls", "follow_up",
                                        "other"]),
                       TABLE_VALUES, max_size=4))
@settings(max_examples=300)
def test_any_notify_table_is_accepted_or_refused_as_configuration(table: dict[str, Any]) -> None:
    try:
        load_setup(table)
    except ConfigError as exc:
        assert str(exc).startswith("[notify]: ")


def test_a_rule_naming_an_unknown_channel_or_event_is_refused(tmp_path: Path) -> None:
    hook = {"type": "webhook", "url": "http://127.0.0.1:1/"}
    with pytest.raises(ConfigError, match="there is no channel mail"):
        load_setup({"channels": {"hook": hook}, "rules": [{"to": ["desk"],
                                                           "channels": ["mail"]}]})
    with pytest.raises(ConfigError, match="unknown event fire"):
        load_setup({"channels": {"hook": hook}, "rules": [
            {"events": ["fire"], "to": ["desk"], "channels": ["hook"]}]})
    with pytest.raises(ConfigError, match="give_up_after must be a number of seconds"):
        load_setup({"give_up_after": 10 ** 30})


TIMEOUTS = st.one_of(st.none(), st.integers(-10, 10 ** 6), st.floats(allow_nan=True),
                     st.booleans(), st.text(max_size=5))


@given(TIMEOUTS, st.one_of(st.none(), st.integers(1, 700), st.floats(0.5, 700)),
       st.sampled_from(["webhook", "smtp"]))
@settings(max_examples=300)
def test_a_timeout_not_shorter_than_the_lease_is_refused(
        timeout: object, lease: float | None, kind: str) -> None:
    """A channel still waiting for its server when the lease runs out could be sent by a
    second sender too: such a config never loads."""
    channel: dict[str, Any] = ({"type": "webhook", "url": "http://127.0.0.1:1/"}
                               if kind == "webhook" else
                               {"type": "smtp", "host": "127.0.0.1", "from": "d@example.com"})
    if timeout is not None:
        channel["timeout"] = timeout
    table: dict[str, Any] = {"channels": {"c": channel}}
    if lease is not None:
        table["lease"] = lease
    try:
        setup = load_setup(table)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("[notify]: ")
        valid = (isinstance(timeout, int | float) and not isinstance(timeout, bool)
                 and 1 <= timeout <= 600)
        if valid or timeout is None:
            assert "must be shorter than lease" in message
            assert (timeout if timeout is not None else
                    (20 if kind == "smtp" else 10)) >= (lease or 60)
        else:
            assert "timeout must be a number of seconds" in message
        return
    assert setup.channels["c"].timeout < setup.lease.total_seconds()


def test_the_timeout_refusal_says_what_to_change() -> None:
    hook = {"type": "webhook", "url": "http://127.0.0.1:1/", "timeout": 60}
    with pytest.raises(ConfigError) as refused:
        load_setup({"lease": 60, "channels": {"hook": hook}})
    assert str(refused.value) == (
        "[notify]: channel hook: its timeout (60 s) must be shorter than lease (60 s), or a "
        "message still being sent could be sent again by another sender: lower timeout or "
        "raise lease.")
    # the default timeout counts too: an SMTP channel waits 20 s unless told otherwise
    with pytest.raises(ConfigError, match=r"timeout \(20 s\) must be shorter than lease "
                                          r"\(15 s\)"):
        load_setup({"lease": 15, "channels": {"mail": {
            "type": "smtp", "host": "127.0.0.1", "from": "d@example.com"}}})
    assert load_setup({"lease": 61, "channels": {"hook": hook}}).lease.total_seconds() == 61
