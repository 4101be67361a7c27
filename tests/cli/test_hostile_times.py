"""Hostile times, dates, periods and policy files on the command line: a message, never a
traceback or a hang; and ``sla explain`` reading as it says."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

import hotline.cli.main
from hotline.cli.report import _days
from hotline.cli.usage import UsageError
from hotline.clock import FixedClock
from hotline.paths import shipped_data_dir
from hotline.sla import SlaEngine
from hotline.store.models import Call

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
STANDARD = (shipped_data_dir() / "policies" / "standard.toml").read_text(encoding="utf-8")
GD_POLICY = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ).policy(
    "guangdong-transmission")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("HOTLINE_CONFIG", "HOTLINE_POLICY_DIR", "HOTLINE_TZ", "HOTLINE_LANG",
                 "HOTLINE_DB", "HOTLINE_NOW", "HOTLINE_AS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_LANG", "en")
    monkeypatch.setenv("HOTLINE_DB", str(tmp_path / "desk.db"))


def run(*argv: str) -> int:
    return hotline.cli.main.run(list(argv), FixedClock(NOW))


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str,
            code: int = 2) -> str:
    assert run(*argv) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    for w in words:
        assert w in captured.err, captured.err
    return captured.err


GD = ["sla", "explain", "--policy", "guangdong-transmission", "--level", "1", "--region", "佛山"]
STD = ["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "2"]


@pytest.mark.parametrize(("argv", "words"), [
    ([*GD, "--opened", "0001-01-01 00:00"], ["--opened", "years 2000 to 2098"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--at", "9999-12-31 23:59"],
     ["--at", "years 2000 to 2098"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--at", "2098-12-31 23:59"],
     ["more than 366 days after --opened"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--at", "2026-11-25 21:00"],
     ["--at 2026-11-25 21:00 is before --opened 2026-11-25 22:00"]),
    ([*GD, "--grade", "Z", "--opened", "2026-11-25 22:00"],
     ["Policy guangdong-transmission has no grades"]),
    ([*STD[:4], "--grade", "Z", "--level", "2", "--opened", "2026-11-25 22:00"],
     ["Unknown grade 'Z'"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "depart=2026-11-25 21:00",
      "--at", "2026-11-26 05:00"], ["before the ticket was opened (2026-11-25 22:00)"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "depart=2026-11-26 06:00",
      "--at", "2026-11-26 05:00"], ["is after --at 2026-11-26 05:00"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "depart=23:40",
      "--event", "onsite_arrival=23:00", "--at", "2026-11-26 05:00"],
     ["onsite_arrival cannot happen before depart"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "dispatched=23:00",
      "--event", "depart=22:30", "--at", "2026-11-26 05:00"],
     ["depart cannot happen before dispatched"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "reopened=23:00",
      "--at", "2026-11-26 05:00"], ["reopened only after it was closed"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "pause:nope=23:00",
      "--at", "2026-11-26 05:00"], ["policy guangdong-transmission lets no clock be paused"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "pause:restore=23:00",
      "--at", "2026-11-26 05:00"], ["policy guangdong-transmission lets no clock be paused"]),
    ([*STD, "--opened", "2026-11-25 22:00", "--event", "pause:nope=23:00",
      "--at", "2026-11-26 05:00"], ["'nope' is not a clock that can be paused", "restore"]),
    ([*GD, "--opened", "2026-11-25 22:00", "--event", "level_set:²=23:00",
      "--at", "2026-11-26 05:00"],
     ["write level_set:LEVEL=TIME"]),
    ([*GD[:4], "--level", "²", "--opened", "2026-11-25 22:00"], ["Unknown level '²'"]),
    (["--lang", "xx", *GD, "--opened", "2026-11-25 22:00"],
     ["Unknown language 'xx': use en or zh_CN"]),
    (["report", "--from", "0001-01-01", "--to", "2026-11-30"],
     ["--from", "years 2000 to 2098"]),
    (["report", "--month", "0000-01"], ["'0000-01'", "years 2000 to 2098"]),
    (["report", "--month", "9999-12"], ["'9999-12'", "years 2000 to 2098"]),
    (["report", "--quarter", "9999-Q4"], ["years 2000 to 2098"]),
    (["calendar", "²⁰²⁶"], ["is not a year between"]),
])
def test_hostile_arguments_are_refused_in_words(capsys: pytest.CaptureFixture[str],
                                                argv: list[str], words: list[str]) -> None:
    refused(capsys, argv, *words)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.mark.parametrize("at", ["0001-01-01 00:00", "9999-12-31 23:59", "1999-12-31T23:59Z"])
def test_ring_at_a_year_out_of_range_is_refused_and_rings_nothing(
        capsys: pytest.CaptureFixture[str], db_url: str, at: str) -> None:
    from hotline.store.engine import make_engine

    refused(capsys, ["--db", db_url, "ring", "13800138000", "--at", at], "years 2000 to 2098")
    assert run("--db", db_url, "ring", "13800138001", "--at", "09:59") == 0  # the desk works
    capsys.readouterr()
    engine = make_engine(db_url)
    with Session(engine) as s:
        numbers = s.exec(select(Call.number_raw)).all()
    engine.dispose()
    assert len(numbers) == 1 and "13800138000" not in str(numbers)


def _policy(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("old", "new", "words"), [
    ('limit = "48h"', 'limit = "99999999999999999999d"', "at most 366 days"),
    ('limit = "1 working day"', 'limit = "100000 working days"', "250 working days"),
    ("warn_share = 0.8", "warn_share = 1.5", "a share above 0 and at most 1"),
    ('[targets.callback]', '[targets.loop]\nstart = "depart"\nstop = "depart"\nlimit = "1h"\n'
     '\n[targets.callback]', "'depart' both starts and stops"),
    ("[policy]", "deep = " + "[" * 3000 + "]" * 3000 + "\n[policy]", "nested more than"),
])
def test_policy_check_refuses_hostile_files(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            old: str, new: str, words: str) -> None:
    assert old in STANDARD
    path = _policy(tmp_path, STANDARD.replace(old, new, 1))
    err = refused(capsys, ["policy", "check", path], words, code=1)
    assert err.startswith(path)


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run(*argv) == 0
    return capsys.readouterr().out


def test_the_readme_example_reads_a_bare_time_after_the_opening(
        capsys: pytest.CaptureFixture[str]) -> None:
    """``--event depart=22:40`` with ``--opened "2026-11-25 22:00"`` is that evening's 22:40,
    whatever day the program's clock says it is."""
    out = _explain(capsys, *GD, "--condition", "onsite", "--opened", "2026-11-25 22:00",
                   "--event", "depart=22:40", "--at", "2026-11-26 05:00", "--json")
    data = json.loads(out)
    depart = next(t for t in data["targets"] if t["name"] == "depart")
    assert depart["state"] == "met" and depart["met_at"] == "2026-11-25T22:40:00+08:00"
    # a bare --at is read the same way: 05:00 after a 22:00 opening is the next morning
    again = json.loads(_explain(capsys, *GD, "--condition", "onsite", "--opened",
                                "2026-11-25 22:00", "--event", "depart=22:40", "--at", "05:00",
                                "--json"))
    assert again["at"] == "2026-11-26T05:00:00+08:00"


def test_dispatched_switches_to_on_site_limits_as_the_desk_does(
        capsys: pytest.CaptureFixture[str]) -> None:
    base = [*GD, "--opened", "2026-11-25 22:00", "--at", "2026-11-26 05:00", "--json"]
    remote = json.loads(_explain(capsys, *base))
    dispatched = json.loads(_explain(capsys, *base, "--event", "dispatched=22:10"))
    named = json.loads(_explain(capsys, *base, "--condition", "onsite"))
    assert remote["conditions"] == []
    assert dispatched["conditions"] == ["onsite"]
    limits = {t["name"]: t["limit"] for t in dispatched["targets"]}
    assert limits == {t["name"]: t["limit"] for t in named["targets"]}
    assert {t["name"] for t in dispatched["targets"]} != {t["name"] for t in remote["targets"]}


THREE_WEEKS = [*GD[:4], "--level", "2", "--region", "佛山", "--opened", "2026-11-25 22:00",
               "--event", "dispatched=22:10", "--event", "depart=22:40",
               "--at", "2026-12-16 05:00"]


def test_text_collapses_realerts_and_shows_retiming(capsys: pytest.CaptureFixture[str]) -> None:
    out = _explain(capsys, *THREE_WEEKS)
    assert len(out.splitlines()) < 40
    assert ("2026-12-03 04:30  alerted manager 625 times, every 30 min, since 2026-12-03 04:30;"
            " the last at 2026-12-16 04:30 (not acknowledged)") in out
    assert "[restore:tier:manager:1 … restore:tier:manager:625]" in out
    assert "Re-timed at" in out
    restore = next(line for line in out.splitlines() if line.startswith("Restore service"))
    assert "2026-11-25 22:00  2026-12-02 22:00  2026-12-03 04:00" in restore
    assert ("Next change: 2026-12-16T05:00:01+08:00 — manager is alerted again about Restore "
            "service unless the alert is acknowledged") in out
    data = json.loads(_explain(capsys, *THREE_WEEKS, "--json"))
    assert len([s for s in data["escalations"] if s["tier"] == "manager"]) == 625
    assert data["next_change"] == {"what": "realert", "clock": "restore"}
    retimed = {t["name"]: t["retimed_at"] for t in data["targets"]}
    assert retimed["restore"] == "2026-12-02T22:00:00+08:00" and retimed["resolve"] is None


def test_long_pauses_are_hours_and_minutes(capsys: pytest.CaptureFixture[str]) -> None:
    out = _explain(capsys, *STD, "--opened", "2026-11-01 09:00", "--event",
                   "pause=2026-11-01 09:30", "--at", "2026-11-09 06:30")
    assert "paused 189 h 0 min" in out
    assert "189:00" not in out


def test_next_change_says_what_changes(capsys: pytest.CaptureFixture[str]) -> None:
    out = _explain(capsys, *STD, "--opened", "2026-11-25 09:00", "--at", "2026-11-25 09:10")
    line = next(x for x in out.splitlines() if x.startswith("Next change"))
    assert "enters its warning share" in line or "is breached unless it is met first" in line


def test_the_same_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    out = _explain(capsys, "--lang", "zh_CN", *THREE_WEEKS)
    assert "重新计时" in out
    assert "625" in out and "每30分钟" in out
    assert "下次变化" in out
    assert "alerted" not in out and "Next change" not in out
    out = _explain(capsys, "--lang", "zh_CN", *STD, "--opened", "2026-11-01 09:00", "--event",
                   "pause=2026-11-01 09:30", "--at", "2026-11-09 06:30")
    assert "189小时0分钟" in out


# -- any text, through the command line --------------------------------------------------

cli_settings = settings(max_examples=60, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow,
                                               HealthCheck.function_scoped_fixture])
texts = st.one_of(st.text(max_size=40),
                  st.text(alphabet="0123456789-:/ TZ+=.Qabcdeilnoprstu²", max_size=30))


@cli_settings
@given(texts, texts, texts)
@example("0001-01-01 00:00", "restore=9999-12-31 23:59", "00:00")
@example("2026-11-25 22:00", "pause:=22:30", "2026-11-25 21:00")
def test_sla_explain_takes_any_text(capsys: pytest.CaptureFixture[str], opened: str,
                                    event: str, at: str) -> None:
    code = run(*STD, "--opened", opened, "--event", event, "--at", at)
    captured = capsys.readouterr()
    assert code in (0, 2), captured.err
    assert "Traceback" not in captured.err
    assert (code == 0) == (captured.err == "")


@cli_settings
@given(texts, texts, texts, texts)
def test_report_periods_take_any_text(frm: str, to: str, month: str, quarter: str) -> None:
    for args in (argparse.Namespace(month=month, quarter=None, date_from=None, date_to=None),
                 argparse.Namespace(month=None, quarter=quarter, date_from=None, date_to=None),
                 argparse.Namespace(month=None, quarter=None, date_from=frm, date_to=to)):
        try:
            first, last = _days(args, date(2026, 12, 3))  # (no period given: this month)
        except UsageError as exc:
            assert str(exc)
            continue
        assert 2000 <= first.year <= last.year <= 2098


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, st.text(alphabet="=:_abcdefilnoprstuv0123456789²-# ", max_size=40),
                 st.sampled_from(["depart=22:40", "pause:restore=23:00", "level_set:2=23:30",
                                  "callback_promised:99999999999=22:30", "level_set:²=1:00"])),
       st.one_of(texts, st.sampled_from(["1", "4", "²", "9" * 5000, " 2 "])))
def test_event_and_level_options_refuse_only_in_words(event: str, level: str) -> None:
    from hotline.cli.sla import _event, _level

    policy = GD_POLICY
    opened = datetime(2026, 11, 25, 22, 0, tzinfo=TZ)
    try:
        e = _event(event, policy, TZ, NOW, opened)
    except UsageError as exc:
        assert str(exc)
    else:
        assert 2000 <= e.at.year <= 2098 and e.name in policy.events | {"level_set"}
    try:
        n = _level(level, policy, "fault")
    except UsageError as exc:
        assert str(exc)
    else:
        assert n in policy.levels
