"""``hotline policy``, ``hotline calendar`` and ``hotline sla explain``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import hotline.cli.main
from hotline.clock import FixedClock
from hotline.paths import shipped_data_dir

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the policy, calendar and sla commands, and no user config or policies."""
    monkeypatch.setattr(hotline.cli.main, "COMMAND_MODULES",
                        ["hotline.cli.policy", "hotline.cli.calendar", "hotline.cli.sla"])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("HOTLINE_CONFIG", "HOTLINE_POLICY_DIR", "HOTLINE_TZ", "HOTLINE_LANG",
                 "HOTLINE_DB", "HOTLINE_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_LANG", "en")


def run(*argv: str) -> int:
    return hotline.cli.main.run(list(argv), FixedClock(NOW))


FOSHAN = ["sla", "explain", "--policy", "guangdong-transmission", "--level", "1",
          "--region", "佛山", "--condition", "onsite", "--opened", "2026-11-24 22:00"]


def test_explain_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(*FOSHAN, "--event", "depart=2026-11-24T22:40", "--at", "2026-11-25 05:00",
               "--json")
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert {"policy", "level", "targets", "escalations", "penalties"} <= set(data)
    assert data["policy"] == "guangdong-transmission" and data["level"] == 1
    for t in data["targets"]:
        assert {"name", "limit", "due", "state", "met_at", "breached_at"} <= set(t)
    for s in data["escalations"]:
        assert {"at", "from_level", "to_level", "tier", "reason"} <= set(s)
    for p in data["penalties"]:
        assert {"rule", "points", "at"} <= set(p)
    targets = {t["name"]: t for t in data["targets"]}
    assert targets["restore"] == {**targets["restore"], "limit": "6h", "state": "breached",
                                  "due": "2026-11-25T04:00:00+08:00",
                                  "breached_at": "2026-11-25T04:00:00+08:00", "met_at": None}
    assert targets["depart"]["state"] == "met"
    assert targets["depart"]["met_at"] == "2026-11-24T22:40:00+08:00"
    assert targets["onsite_arrival"]["due"] == "2026-11-25T01:40:00+08:00"
    assert [(s["at"], s["tier"], s["reason"]) for s in data["escalations"]] == [
        ("2026-11-25T04:00:00+08:00", "supervisor", "restore"),
        ("2026-11-25T04:30:00+08:00", "manager", "unacknowledged"),
    ]
    assert data["penalties"] == [{
        "key": "overdue_ticket", "rule": "overdue_ticket", "points": -5,
        "at": "2026-11-25T04:00:00+08:00", "source": "restore",
        "description": data["penalties"][0]["description"]}]
    assert data["next_change_at"] == "2026-11-25T05:00:01+08:00"


def test_explain_at_defaults_to_the_clock(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("sla", "explain", "--policy", "standard", "--grade", "C", "--level", "3",
               "--opened", "2026-11-24 09:00", "--event", "dispatched=2026-11-24T09:30", "--json")
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["at"] == "2026-11-25T10:00:00+08:00"
    arrival = next(t for t in data["targets"] if t["name"] == "onsite_arrival")
    assert arrival["due"] == "2026-11-28T00:00:00+08:00"     # Wed, Thu, Fri
    assert arrival["limit"] == "3 working days"


def test_explain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(*FOSHAN, "--at", "2026-11-25 05:00", "--event",
               "acknowledge:restore:tier:supervisor:1=2026-11-25 04:10")
    out = capsys.readouterr().out
    assert code == 0
    assert "Restore service" in out and "6 h" in out and "breached 2026-11-25 04:00" in out
    assert "alert supervisor (restore breached)" in out
    assert "acknowledged 2026-11-25 04:10" in out
    assert "overdue_ticket" in out and "Total: -5" in out


def test_explain_level_set_and_pause(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("sla", "explain", "--policy", "standard", "--grade", "A", "--level", "3",
               "--opened", "2026-11-24 09:00", "--event", "level_set:1=2026-11-24 10:00",
               "--event", "pause:restore=2026-11-24 11:00", "--at", "2026-11-24 12:00", "--json")
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["level"] == 1
    restore = next(t for t in data["targets"] if t["name"] == "restore")
    assert restore["state"] == "paused"
    assert restore["paused_seconds"] == 3600
    assert restore["due"] == "2026-11-24T15:00:00+08:00"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sla", "explain", "--policy", "gold", "--opened", "10:00"],
         ["Unknown policy 'gold'", "fire-maintenance, guangdong-transmission, standard"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "2", "--opened",
          "10:00", "--event", "repaired=10:30"],
         ["unknown event 'repaired'", "allowed:", "restore", "acknowledge"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "2", "--opened",
          "10:00", "--event", "restore@10:30"], ["write NAME=TIME"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "2", "--opened",
          "10:00", "--event", "restore=half past ten"], ["is not a time"]),
        ([*FOSHAN[:6], "--region", "Beijing", "--opened", "10:00"],
         ["Unknown region 'Beijing'", "佛山", "Foshan", "prd"]),
        (["sla", "explain", "--policy", "standard", "--grade", "E", "--level", "2", "--opened",
          "10:00"], ["Unknown grade 'E'", "A, B, C"]),
        (["sla", "explain", "--policy", "standard", "--level", "2", "--opened", "10:00"],
         ["--grade is required"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--opened", "10:00"],
         ["--level is required"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "5", "--opened",
          "10:00"], ["Unknown level '5'"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "1", "--opened",
          "10:00", "--condition", "underwater"], ["Unknown condition 'underwater'", "onsite"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "1", "--opened",
          "10:00", "--kind", "question"], ["Unknown kind 'question'"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A", "--level", "1", "--opened",
          "10:00", "--event", "level_set=11:00"], ["level_set:LEVEL=TIME"]),
        (["sla", "explain", "--policy", "standard", "--grade", "A"], ["--opened"]),
        (["policy", "show", "gold"], ["Unknown policy 'gold'"]),
        (["calendar", "next"], ["'next' is not a year"]),
        (["calendar", "3000"], ["not a year between"]),
    ],
)
def test_bad_arguments_exit_2_with_a_specific_message(
        capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]) -> None:
    code = run(*argv)
    err = capsys.readouterr().err
    assert code == 2, err
    for w in words:
        assert w in err, (w, err)


def test_policy_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shipped = sorted((shipped_data_dir() / "policies").glob("*.toml"))
    assert run("policy", "check", *map(str, shipped)) == 0
    out = capsys.readouterr().out
    assert out.count(": OK") == 3
    bad = tmp_path / "bad.toml"
    bad.write_text((shipped_data_dir() / "policies" / "standard.toml").read_text(
        encoding="utf-8").replace('B = { 1 = "6h"', 'B = { 1 = "six hours"'), encoding="utf-8")
    assert run("policy", "check", str(bad)) == 1
    err = capsys.readouterr().err
    assert 'bad.toml:118: targets.restore.limits.B.1: "six hours" is not a duration' in err


def test_policy_show_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("policy", "show", "standard") == 0
    out = capsys.readouterr().out
    assert "Grade · level" in out and "On-site arrival" in out
    row = next(line for line in out.splitlines() if line.startswith("C · 3"))
    assert row.split() == ["C", "·", "3", "8", "h", "3", "working", "days", "7", "days", "20",
                           "days"]
    assert run("policy", "show", "guangdong-transmission") == 0
    out = capsys.readouterr().out
    assert "east_west" in out and "湛江" in out and "10 h" in out
    assert run("policy", "list") == 0
    assert capsys.readouterr().out.count("\n") == 3


def test_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("calendar", "2026") == 0
    out = capsys.readouterr().out
    assert "2026: confirmed" in out and "cn-2026.toml" in out
    assert "2026-10-10  Sat  make-up working day" in out
    assert run("calendar", "2027", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["confirmed"] is False
    assert {d["kind"] for d in data["days"]} == {"holiday"}
    assert run("calendar", "2027") == 0
    assert "NOT CONFIRMED" in capsys.readouterr().out


def test_a_user_calendar_file_confirms_next_year(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    cal = tmp_path / "cn-2027.toml"
    cal.write_text('[2027]\nsource = "notice"\n[[2027.workdays]]\ndate = 2027-02-20\n'
                   'name = "春节调休上班"\n', encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'calendar_file = "{cal}"\n', encoding="utf-8")
    assert run("--config", str(config), "calendar", "2027", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["confirmed"] is True
    assert data["days"] == [{"date": "2027-02-20", "kind": "makeup_workday",
                             "name": "春节调休上班", "source": "cn-2027.toml (notice)"}]
