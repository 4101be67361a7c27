"""``hotline duties …`` and ``sla explain`` for duties: what they print, what they refuse
(in words, exit 2, nothing written), and hostile input."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

import hotline.cli.main
from hotline.cli.duties import parse_days, parse_planned, parse_year
from hotline.cli.usage import UsageError
from hotline.clock import FixedClock
from hotline.store.engine import make_engine
from hotline.store.models import ExchangeDay, Ticket
from tests.support import TZ

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
GD = "GD-TX-2026-001"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("HOTLINE_CONFIG", "HOTLINE_POLICY_DIR", "HOTLINE_TZ", "HOTLINE_DB",
                 "HOTLINE_NOW", "HOTLINE_AS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_LANG", "en")
    monkeypatch.setenv("HOTLINE_DB", str(tmp_path / "desk.db"))


def run(*argv: str) -> int:
    return hotline.cli.main.run(list(argv), FixedClock(NOW))


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    from hotline import demo
    from tests.support import build_desk, give_role, make_settings

    desk = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}"), FixedClock(NOW))
    demo.load_directory(desk)
    give_role(desk, desk.actor, "manager")
    desk.engine.dispose()
    return tmp_path / "desk.db"


def _count(db: Path, model: type) -> int:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        n = len(s.exec(select(model)).all())
    engine.dispose()
    return n


EXPLAIN = ["sla", "explain", "--policy", "guangdong-transmission"]


def test_explain_a_document_request_across_national_day(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*EXPLAIN, "--kind", "document_request", "--opened", "2026-09-30 10:00",
               "--at", "2026-09-30 10:00") == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Document delivery"))
    assert "5 working days" in line and "2026-10-14 00:00" in line


def test_explain_an_inspection_needs_its_planned_date_and_moves_with_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*EXPLAIN, "--kind", "inspection", "--opened", "2026-09-01 09:00",
               "--at", "2026-09-01 09:00") == 2
    assert "--planned is required" in capsys.readouterr().err
    assert run(*EXPLAIN, "--kind", "inspection", "--opened", "2026-09-01 09:00",
               "--planned", "2026-10-16", "--event",
               "rescheduled:2026-10-30=2026-09-30 10:00", "--at", "2026-09-30 11:00",
               "--json") == 0
    data = json.loads(capsys.readouterr().out)
    clocks = {t["key"]: t for t in data["targets"]}
    assert data["planned"] == "2026-10-16T00:00:00+08:00"
    assert clocks["inspection"]["due"] == "2026-10-31T00:00:00+08:00"
    assert clocks["inspection_change_notice"]["state"] == "breached"
    assert [p["rule"] for p in data["penalties"]] == ["inspection_change_late"]


def test_explain_generic_policies_take_a_duty_without_a_grade(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("sla", "explain", "--policy", "standard", "--kind", "inspection",
               "--opened", "2026-09-01 09:00", "--planned", "2026-10-16",
               "--at", "2026-09-01 09:00") == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Inspection change notice"))
    assert "15 working days" in line and "2026-09-21 00:00" in line


@pytest.mark.parametrize(("argv", "words"), [
    ([*EXPLAIN, "--kind", "document_request", "--opened", "2026-09-30 10:00",
      "--planned", "2026-10-01"], ["no target of a document_request", "leave it out"]),
    ([*EXPLAIN, "--kind", "meeting", "--opened", "2026-09-30 10:00",
      "--planned", "9999-01-01"], ["--planned", "years 2000 to 2098"]),
    ([*EXPLAIN, "--kind", "inspection", "--opened", "2026-09-30 10:00",
      "--planned", "2026-10-16", "--event", "rescheduled=2026-09-30 11:00"],
     ["rescheduled:NEW_DATE=TIME"]),
    ([*EXPLAIN, "--kind", "audit", "--opened", "2026-09-30 10:00"], ["Unknown kind 'audit'"]),
    (["duties", "plan", "--year", "1"], ["--year '1'", "2000 to 2098"]),
    (["duties", "plan", "--year", "２０２６"], ["--year"]),
    (["duties", "open", "fault", "--contract", GD, "--subject", "x"], ["not a duty"]),
    (["duties", "open", "meeting", "--contract", GD, "--subject", "x", "--planned",
      "2026-02-30"], ["--planned", "not a time"]),
    (["duties", "exchange", "--contract", GD, "--day", "2026-13-01", "--days", "1",
      "--subject", "x"], ["--day", "not a date"]),
    (["duties", "exchange", "--contract", GD, "--day", "2026-05-01", "--days", "nan",
      "--subject", "x"], ["--days"]),
    (["duties", "exchanges", "--year", "99999"], ["--year"]),
])
def test_refusals_in_words(capsys: pytest.CaptureFixture[str], directory: Path,
                           argv: list[str], words: list[str]) -> None:
    before = (_count(directory, Ticket), _count(directory, ExchangeDay))
    assert run(*argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    for w in words:
        assert w in captured.err, captured.err
    assert (_count(directory, Ticket), _count(directory, ExchangeDay)) == before


def test_plan_open_list_and_count(capsys: pytest.CaptureFixture[str], directory: Path) -> None:
    assert run("duties", "plan", "--year", "2026", "--contract", GD) == 0
    assert "11 duties opened for 2026" in capsys.readouterr().out
    assert run("duties", "open", "document_request", "--contract", GD, "--subject",
               "OptiX manuals") == 0
    assert "document_delivery due 2026-10-14 00:00" in capsys.readouterr().out
    assert run("duties", "--contract", GD, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["kind"] == "meeting" and rows[0]["due"] == "2026-10-01T00:00:00+08:00"
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert {r["kind"] for r in rows} == {"meeting", "service_report", "inspection",
                                         "document_request"}
    assert run("duties") == 0
    table = capsys.readouterr().out
    assert "OptiX manuals" in table and "running" in table
    assert run("duties", "exchange", "--contract", GD, "--day", "2026-05-12", "--days", "2.5",
               "--subject", "OTN seminar") == 0
    capsys.readouterr()
    assert run("duties", "exchanges", "--year", "2026", "--contract", GD) == 0
    line = capsys.readouterr().out.splitlines()[-1].split()
    assert line == [GD, "2.5", "10", "7.5"]
    assert run("duties", "open", "inspection", "--contract", GD, "--subject", "x") == 1
    assert "needs its planned date" in capsys.readouterr().err


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30) | \
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-29", "\x00", "1e400", "-0", "0.25",
                     "2026-10-16\x00", "１", "2026-W40"])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40) | _TEXT)
@example("\ud800")
def test_the_parsers_raise_only_usage_errors(text: str) -> None:
    for parse in (parse_year, parse_days, lambda t: parse_planned(t, TZ, NOW)):
        with contextlib.suppress(UsageError):
            parse(text)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_TEXT)
def test_hostile_days_and_planned_dates_write_nothing(directory: Path, text: str) -> None:
    before = (_count(directory, Ticket), _count(directory, ExchangeDay))
    code = run("duties", "exchange", "--contract", GD, "--day", "2026-05-12", "--days", text,
               "--subject", "x")
    code2 = run("duties", "open", "meeting", "--contract", GD, "--subject", "x",
                "--planned", text)
    after = (_count(directory, Ticket), _count(directory, ExchangeDay))
    assert code in (0, 1, 2) and code2 in (0, 1, 2)
    assert after[0] - before[0] == (1 if code2 == 0 else 0)
    assert after[1] - before[1] == (1 if code == 0 else 0)


def test_plan_says_why_nothing_was_opened(capsys: pytest.CaptureFixture[str],
                                          directory: Path) -> None:
    assert run("duties", "plan", "--year", "2000") == 0
    out = capsys.readouterr().out
    assert "is in force in 2000" in out and "no duties to plan" in out
    assert "0 duties opened" not in out
    assert run("duties", "plan", "--year", "2000", "--contract", GD) == 0
    assert f"Contract {GD} is not in force in 2000" in capsys.readouterr().out
    assert _count(directory, Ticket) == 0


def test_plan_on_a_desk_without_contracts_says_so(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    from tests.support import build_desk, give_role, make_settings

    desk = build_desk(make_settings(f"sqlite:///{tmp_path / 'desk.db'}"), FixedClock(NOW))
    give_role(desk, desk.actor, "manager")
    desk.engine.dispose()
    assert run("duties", "plan", "--year", "2026") == 0
    assert "There are no contracts yet" in capsys.readouterr().out
