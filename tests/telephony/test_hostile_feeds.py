"""Every feed parser refuses any input with its own error; a bad line never stops a feed.

Property tests throw arbitrary text, bytes and JSON at the JSON-line, queue_log
and AMI parsers; the inputs a tester found crashing a feed (or failing a whole
batch on PostgreSQL) are regression tests, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.store.models import Call, Event, PbxEvent
from hotline.telephony.ami import AmiFeed, AmiSettings, parse_frame, parse_frame_bytes
from hotline.telephony.call_events import MAX_QUEUE, CallEvent, validate
from hotline.telephony.jsonl import apply_lines, parse_line
from hotline.telephony.queue_log import import_queue_log, parse_queue_log_line
from tests.support import START, TZ

GOOD_AT = "2026-11-25T09:59:00+08:00"
FIELDS = ("event", "call_id", "number", "at", "agent", "queue", "wait")


def counts(desk: Desk) -> tuple[int, int, int]:
    with Session(desk.engine) as s:
        return (s.exec(select(func.count()).select_from(Call)).one(),
                s.exec(select(func.count()).select_from(Event)).one(),
                s.exec(select(func.count()).select_from(PbxEvent)).one())


def keys(desk: Desk) -> set[str]:
    with Session(desk.engine) as s:
        return set(s.exec(select(Call.call_key)).all())


def ring(key: str, **more: object) -> str:
    return json.dumps({"event": "ring", "call_id": key, "number": "13800138000",
                       "at": GOOD_AT, **more})


# --- property tests: each parser raises only InputError ------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
field_values = (st.sampled_from(["ring", "answer", "abandon", "hangup", GOOD_AT,
                                 "0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59",
                                 "\ud800", "a\x00b", "x" * 70, "13800138000"])
                | st.integers() | st.floats() | st.text(max_size=80) | json_values)
event_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), field_values,
                                max_size=9)


def _parses_or_refuses(text: str) -> None:
    try:
        event = parse_line(text, TZ, lineno=12)
    except InputError as exc:
        assert str(exc).startswith("line 12: ") and len(str(exc)) > len("line 12: ")
        return
    try:  # what parses is either a possible event or refused by the desk's own check
        validate(event, START, TZ)
    except InputError as exc:
        assert str(exc)


@given(st.text(max_size=300))
def test_any_text_is_a_json_line_or_refused(text: str) -> None:
    _parses_or_refuses(text)


@given(st.binary(max_size=300))
def test_any_bytes_are_a_json_line_or_refused(data: bytes) -> None:
    _parses_or_refuses(data.decode("utf-8", errors="replace"))


@given(event_objects)
def test_any_json_object_is_an_event_or_refused(obj: dict[str, object]) -> None:
    _parses_or_refuses(json.dumps(obj))


@given(event_objects, st.integers(0, 400), st.text(max_size=5))
def test_any_mutation_of_a_json_line_is_refused_or_read(obj: dict[str, object], at: int,
                                                        insert: str) -> None:
    text = json.dumps(obj)
    cut = at % (len(text) + 1)
    _parses_or_refuses(text[:cut] + insert + text[cut:])


@given(st.text(max_size=300))
def test_any_text_is_a_queue_log_line_or_refused(text: str) -> None:
    try:
        line = parse_queue_log_line(text, START, 3)
    except InputError as exc:
        assert str(exc).startswith("line 3: ") and len(str(exc)) > len("line 3: ")
        return
    assert line.at.year >= 2000 and len(line.queue) <= MAX_QUEUE


queue_fields = st.sampled_from(["1764036000", "0", "-1", "nan", "inf", "1e400", "253402300800",
                                "c1", "NONE", "support", "q" * 61, "PJSIP/8001", "ENTERQUEUE",
                                "CONNECT", "ABANDON", "COMPLETECALLER", "-5", "x", "",
                                "\x00", "\ud800"]) | st.text(max_size=12)


@given(st.lists(queue_fields, min_size=1, max_size=9))
def test_any_queue_log_fields_are_a_line_or_refused(fields: list[str]) -> None:
    try:
        parse_queue_log_line("|".join(fields), START, 9)
    except InputError as exc:
        assert str(exc).startswith("line 9: ")


@given(st.lists(st.text(max_size=60), max_size=12))
def test_any_lines_are_an_ami_frame_or_refused(lines: list[str]) -> None:
    try:
        frame = parse_frame(lines, 7)
    except InputError as exc:
        assert str(exc).startswith("line 7: ")
        return
    assert "event" in frame or "response" in frame


@given(st.binary(max_size=400))
def test_any_bytes_are_an_ami_frame_or_refused(data: bytes) -> None:
    try:
        parse_frame_bytes(data, 5)
    except InputError as exc:
        assert str(exc).startswith("line 5: ")


ami_values = st.sampled_from(["", "\x00", "\ud800", "q" * 61, "x" * 200, "nan", "-3", "1e400",
                              "1764036000.5", "<unknown>"]) | st.text(max_size=20)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["QueueCallerJoin", "AgentConnect", "QueueCallerAbandon", "Hangup"]),
       st.dictionaries(st.sampled_from(["Uniqueid", "Queue", "CallerIDNum", "Interface",
                                        "MemberName", "HoldTime", "Cause-txt"]), ami_values))
def test_any_ami_event_is_applied_or_refused_without_a_write(
        desk: Desk, name: str, values: dict[str, str]) -> None:
    lines = [f"Event: {name}"] + [f"{k}: {v}" for k, v in values.items()]
    try:
        frame = parse_frame(lines)
    except InputError:
        return
    feed = AmiFeed(desk, AmiSettings(host="127.0.0.1", port=5038, user="u", secret="s"))
    feed._dispatch(frame)
    before = counts(desk)
    while not feed.work.empty():
        work = feed.work.get_nowait()
        assert work.event is not None
        try:
            validate(work.event, desk.now(), TZ)
            valid = True
        except InputError:
            valid = False
        feed._apply(work)  # logs and skips what the desk refuses; raises nothing
        if not valid:
            assert counts(desk) == before


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=80) | event_objects.map(json.dumps), min_size=1, max_size=6))
def test_bad_json_lines_write_nothing(desk: Desk, texts: list[str]) -> None:
    before = counts(desk)
    tally = apply_lines(desk, texts)
    if tally.applied == 0:
        assert counts(desk) == before
    assert len(tally.bad) + tally.applied + tally.blank == len(texts)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_any_queue_log_file_imports_or_skips(desk: Desk, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(data)
    before = counts(desk)
    summary = import_queue_log(desk, path)
    if summary.offered == 0:
        assert counts(desk) == before


# --- the inputs that crashed a feed, on SQLite and PostgreSQL -------------------------

HOSTILE = [
    ('{"event": "ring", "call_id": "h1", "number": ' + "9" * 5000 + f', "at": "{GOOD_AT}"}}',
     "more than 40 digits"),
    ("[" * 8000 + "]" * 8000, "nested too deeply"),
    (ring("h3", at="0001-01-01T00:00:00"), "not a possible call time"),
    (ring("h4", at="9999-12-31T23:59:59"), "not a possible call time"),
    (ring("h5", at="9999-12-31T23:59:59-23:59"), "not a possible call time"),
    ('{"event": "ring", "call_id": "\\ud800", "number": "1", ' + f'"at": "{GOOD_AT}"}}',
     "lone surrogate"),
    (ring("h7", agent="PJSIP/\ud800"), "lone surrogate"),
    (ring("h8", number="138\x00"), "NUL"),
    (ring("h9\x00"), "NUL"),
    (ring("h10", queue="q" * 61), "at most 60 characters"),
    ('{"event": "ring", "call_id": "h11", "number": "1", "event": "answer", '
     f'"at": "{GOOD_AT}"}}', "appears twice"),
    (ring("h12", wait=1e308 * 10), "not a JSON number"),  # Infinity
    (ring("h13", number=10 ** 50), "more than 40 digits"),
]


@pytest.mark.parametrize(("line", "says"), HOSTILE)
def test_each_hostile_line_is_refused_with_a_message(line: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        parse_line(line, TZ)
    assert says in str(info.value)


def test_hostile_lines_are_skipped_and_the_good_ones_go_in(feed_desk: Desk) -> None:
    lines = []
    for i, (line, _says) in enumerate(HOSTILE):
        lines += [ring(f"good{i}"), line]
    lines.append(ring("last"))
    tally = apply_lines(feed_desk, lines)
    assert [n for n, _e in tally.bad] == list(range(2, 2 * len(HOSTILE) + 1, 2))
    for (_n, error), (_line, says) in zip(tally.bad, HOSTILE, strict=True):
        assert says in error
    assert keys(feed_desk) == {f"good{i}" for i in range(len(HOSTILE))} | {"last"}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("HOTLINE_TZ", "Asia/Shanghai")
    monkeypatch.setenv("HOTLINE_DB", db_url)
    return db_url


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


def cli_keys(url: str) -> set[str]:
    from hotline.store.engine import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return set(s.exec(select(Call.call_key)).all())
    finally:
        engine.dispose()


def _hostile_file() -> str:
    return "\n".join(line for pair in ((ring(f"g{i}"), bad) for i, (bad, _s)
                                       in enumerate(HOSTILE)) for line in pair) + "\n"


def test_feed_jsonl_file_survives_every_hostile_line(env: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text(_hostile_file(), encoding="utf-8", errors="surrogatepass")
    assert cli("feed", "--jsonl", str(path)) == 1  # some lines were bad
    out = capsys.readouterr().out
    assert f"{len(HOSTILE)} bad lines skipped" in out and "line 2:" in out
    assert "Database error" not in out
    assert cli_keys(env) == {f"g{i}" for i in range(len(HOSTILE))}


def test_feed_jsonl_stdin_survives_every_hostile_line(env: str, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(_hostile_file()))
    assert cli("feed", "--jsonl", "-") == 1
    captured = capsys.readouterr()
    assert f"{len(HOSTILE)} bad lines skipped" in captured.out
    assert "Database error" not in captured.out + captured.err
    assert cli_keys(env) == {f"g{i}" for i in range(len(HOSTILE))}


def test_ring_with_a_queue_name_too_long_says_so(env: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("ring", "13800138000", "--queue", "q" * 61) == 2
    err = capsys.readouterr().err
    assert "The queue name may have at most 60 characters" in err
    assert "Database error" not in err
    assert cli("ring", "13800138000", "--queue", "q" * 60, "--call-id", "ok1") == 0
    assert cli("ring", "13800138000", "--call-id", "a\x00b") == 2
    assert "NUL" in capsys.readouterr().err
    assert cli_keys(env) == {"ok1"}


T = 1_764_036_000


def test_queue_log_import_skips_what_the_database_would_refuse(
        feed_desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes("\n".join([
        f"{T}|k1|support|NONE|ENTERQUEUE||13800138000|1",
        f"{T}|k2|{'q' * 61}|NONE|ENTERQUEUE||13800138001|1",
        f"{T + 5}|k2|{'q' * 61}|PJSIP/8001|CONNECT|5|k2.1|1",
        f"{T}|k3|sup\x00port|NONE|ENTERQUEUE||13800138002|1",
        f"{T}|k4|support|NONE|ENTERQUEUE||1380013\x00|1",
        "0|k5|support|NONE|ENTERQUEUE||13800138003|1",
        f"{T + 9}|k1|support|PJSIP/8001|CONNECT|9|k1.1|1",
        f"{T}|k6|support|NONE|ENTERQUEUE||13800138004|1",
    ]).encode() + b"\n\xff\xfe|k7|support\n")
    summary = import_queue_log(feed_desk, path)
    skipped = dict(summary.skipped)
    assert set(skipped) == {2, 3, 4, 5, 6, 9}
    assert "longer than 60 characters" in skipped[2]
    assert "not text" in skipped[4] and "not a possible call time" in skipped[6]
    assert keys(feed_desk) == {"k1", "k6"}
    with Session(feed_desk.engine) as s:
        k1 = s.exec(select(Call).where(Call.call_key == "k1")).one()
    assert k1.answered_at == datetime.fromtimestamp(T + 9, UTC)


def test_an_ami_frame_with_a_nul_byte_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as info:
        parse_frame_bytes(b"Event: QueueCallerJoin\r\nUniqueid: 17.1\x00\r\n\r\n", 20)
    assert str(info.value) == "line 20: Uniqueid contains a NUL character"


@pytest.mark.parametrize("values", [
    {"Uniqueid": "1764036000.2", "Queue": "q" * 61, "CallerIDNum": "13800138000"},
    {"Uniqueid": "1764036000.3", "CallerIDNum": "9" * 5000},
    {"Uniqueid": "k" * 300, "CallerIDNum": "13800138000"},
])
def test_an_ami_event_the_database_could_not_hold_is_skipped_alone(
        feed_desk: Desk, values: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    feed = AmiFeed(feed_desk, AmiSettings(host="127.0.0.1", port=5038, user="u", secret="s"))
    good = parse_frame(["Event: QueueCallerJoin", "Uniqueid: 1764036000.9", "Queue: support",
                        "CallerIDNum: 13800138000"])
    feed._dispatch(parse_frame(["Event: QueueCallerJoin"]
                               + [f"{k}: {v}" for k, v in values.items()], 20))
    feed._dispatch(good)
    while not feed.work.empty():
        feed._apply(feed.work.get_nowait())  # raises nothing; the bad one is logged
    assert keys(feed_desk) == {"1764036000.9"}
    assert "ring" in caplog.text and "not applied" in caplog.text


def test_an_ami_hang_up_with_a_huge_reason_is_kept_short(feed_desk: Desk) -> None:
    # the event's data column holds 20,000 characters: a 60,000-character reason would
    # fail the write on PostgreSQL, and the feed would retry it for ever
    feed = AmiFeed(feed_desk, AmiSettings(host="127.0.0.1", port=5038, user="u", secret="s"))
    feed._dispatch(parse_frame(["Event: QueueCallerJoin", "Uniqueid: 17.5", "Queue: support",
                                "CallerIDNum: 13800138000"]))
    feed._dispatch(parse_frame(["Event: Hangup", "Uniqueid: 17.5",
                                "Cause-txt: " + "x" * 60_000]))
    while not feed.work.empty():
        feed._apply(feed.work.get_nowait())
    with Session(feed_desk.engine) as s:
        call = s.exec(select(Call).where(Call.call_key == "17.5")).one()
        hung = s.exec(select(Event).where(Event.kind == "call_abandoned")).one()
    assert call.state == "abandoned"
    assert json.loads(hung.data)["detail"] == "x" * 500
    with pytest.raises(InputError, match="at most 500 characters"):
        validate(CallEvent(kind="hangup", call_key="17.5", at=START, detail="x" * 501),
                 START, TZ)


def test_an_ami_event_that_raises_anything_does_not_stop_the_ones_after_it(
        desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from hotline.telephony import ami as ami_module

    real = ami_module.apply_call_event

    def apply(seat: Desk, ev: CallEvent, **kw: object) -> object:
        if ev.call_key == "bomb":
            raise ValueError("an applying bug")
        return real(seat, ev, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ami_module, "apply_call_event", apply)
    feed = AmiFeed(desk, AmiSettings(host="127.0.0.1", port=5038, user="u", secret="s"))

    async def scenario() -> None:
        applier = asyncio.create_task(feed._apply_loop())
        for key in ("before", "bomb", "after"):
            feed._dispatch(parse_frame(["Event: QueueCallerJoin", f"Uniqueid: {key}",
                                        "CallerIDNum: 13800138000"]))
        await asyncio.wait_for(feed.work.join(), 30)
        applier.cancel()

    asyncio.run(scenario())
    assert keys(desk) == {"before", "after"}
    assert "ValueError: an applying bug" in caplog.text
