"""``hotline report``: the JSON shape, every format, bad arguments, and the screen agreeing."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from hotline import reports
from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.i18n import set_language
from screens.app import HotlineApp
from screens.reports import ReportsScreen
from tests.reports.scene import GD, REPORT_AT, STD, month_end


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "desk.db"
    desk = month_end(f"sqlite:///{path}")
    desk.engine.dispose()
    return path


@pytest.fixture
def env(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("HOTLINE_DB", str(db))
    return tmp_path


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(REPORT_AT))


def report_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert cli("report", *argv, "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_promised_shape(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = report_json(capsys, "--from", "2026-11-01", "--to", "2026-11-30")
    assert {"from", "to"} <= set(d["period"])
    assert (d["period"]["from"], d["period"]["to"]) == ("2026-11-01", "2026-11-30")
    calls_keys = {"offered", "answered", "abandoned", "answered_within_30s",
                  "service_level_offered", "service_level_answered", "mean_answer_s",
                  "p90_answer_s"}

    def check_block(block: dict) -> None:  # type: ignore[type-arg]
        assert calls_keys <= set(block["calls"])
        assert {"promised", "kept", "missed"} <= set(block["callbacks"])
        for name, t in block["targets"].items():
            assert isinstance(name, str) and set(t) == {"met", "breached"}
        assert {"total", "by_rule"} <= set(block["penalties"])
        assert all(isinstance(v, int | float) for v in block["penalties"]["by_rule"].values())
        for share in ("service_level_offered", "service_level_answered"):
            v = block["calls"][share]
            assert v is None or 0 <= v <= 1

    check_block(d)
    assert d["contracts"] and all("code" in c for c in d["contracts"])
    for c in d["contracts"]:
        check_block(c)
    assert d["calls"]["service_level_offered"] == 0.3333
    assert d["penalties"]["total"] == -8


def test_month_and_contract_options(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_month = report_json(capsys, "--month", "2026-11", "--contract", STD)
    assert by_month["contract"] == STD
    assert by_month["calls"]["offered"] == 3
    assert [c["code"] for c in by_month["contracts"]] == [STD]
    by_quarter = report_json(capsys, "--quarter", "2026-Q4")
    assert by_quarter["period"]["kind"] == "quarter"
    assert by_quarter["penalties"]["total"] == -9


def test_shift_option(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = report_json(capsys, "--from", "2026-11-30", "--to", "2026-11-30", "--shift", "day")
    assert day["period"]["shift"] == "day" and day["calls"]["offered"] == 3
    every = report_json(capsys, "--from", "2026-11-30", "--to", "2026-11-30", "--shift")
    assert [s["shift"] for s in every["shifts"]] == ["night", "day", "evening"]
    assert every["shifts"][1]["calls"] == day["calls"]


def test_metric_option(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = report_json(capsys, "--month", "2026-11", "--metric", f"{GD}:inspection_faults_major=2")
    gd = next(c for c in d["contracts"] if c["code"] == GD)
    assert gd["penalties"]["by_rule"]["inspection_fault_major"] == -8


def test_table_md_and_csv(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("report", "--month", "2026-11") == 0
    table = capsys.readouterr().out
    assert "SLA report 2026-11-01 – 2026-11-30 (Asia/Shanghai)" in table
    assert "33.3%" in table and GD in table and "answer_rate" in table
    assert cli("report", "--month", "2026-11", "--format", "md") == 0
    md = capsys.readouterr().out
    assert md.startswith("# SLA report") and "| Offered |" in md.replace("  ", " ")
    assert cli("report", "--month", "2026-11", "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["scope", "code", "figure", "value"]
    values = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert values[("overall", "", "calls.offered")] == "6"
    assert values[("overall", "", "calls.service_level_offered")] == "0.3333"
    assert values[("contract", STD, "penalties.by_rule.answer_rate")] == "-2"


def test_files_and_the_spreadsheet(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = env / "nov.xlsx"
    assert cli("report", "--month", "2026-11", "--format", "xlsx", "-o", str(out)) == 0
    assert "written to" in capsys.readouterr().out
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        workbook = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    for sheet in ("Summary", "Penalties", "Days", "Hours"):
        assert f'name="{sheet}"' in workbook
    assert any(n.startswith("xl/charts/") for n in names)
    assert "answer_rate" in strings and GD in strings
    csv_out = env / "nov.csv"
    assert cli("report", "--month", "2026-11", "--format", "csv", "-o", str(csv_out)) == 0
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbfscope,code")  # Excel reads UTF-8


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--from 2026-11-30 is after --to 2026-11-01"),
    (["--from", "2026-11-31", "--to", "2026-12-01"], "--from: '2026-11-31' is not a date"),
    (["--from", "yesterday", "--to", "2026-12-01"], "is not a date: write YYYY-MM-DD"),
    (["--from", "2026-11-01"], "Say which days"),
    (["--month", "2026-11", "--contract", "NOPE"], "Unknown contract 'NOPE' (known: "),
    (["--month", "2026-11", "--format", "pdf"], "Unknown format 'pdf'"),
    (["--month", "2026-11", "--format", "xlsx"], "add -o FILE.xlsx"),
    (["--month", "2026-11", "-o", "/nonexistent-folder/r.json"],
     "the folder /nonexistent-folder does not exist"),
    (["--month", "2026-11", "-o", "/"], "that is a folder"),
    (["--month", "2026-13"], "'2026-13' is not a month"),
    (["--quarter", "2026-Q5"], "is not a quarter"),
    (["--month", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02"], "not both"),
    (["--month", "2026-11", "--shift", "lunch"], "Unknown shift 'lunch'"),
    (["--month", "2026-11", "--metric", "inspections"], "write NAME=VALUE"),
    (["--month", "2026-11", "--metric", "inspection_faults_major=many"], "is not a number"),
    (["--month", "2026-11", "--metric", "coffee_breaks=2"], "no period rule"),
    (["--month", "2026-11", "--metric", "calls_offered=2"], "counts this itself"),
])
def test_bad_arguments_exit_2_saying_why(env: Path, capsys: pytest.CaptureFixture[str],
                                         argv: list[str], message: str) -> None:
    assert cli("report", *argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_unwritable_file_is_refused_before_any_work(env: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import os

    folder = env / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        assert cli("report", "--month", "2026-11", "-o", str(folder / "r.csv")) == 2
        assert "no permission to write" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_shift_command(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("shift") == 0
    out = capsys.readouterr().out
    assert "Shift: Day shift 12-03 08:00–16:00" in out and "Next: Evening shift" in out
    assert cli("shift", "crew", "--supervisor", "wangqiang", "--engineers", "zhangwei,lina") == 0
    assert "王强 (wangqiang, supervisor)" in capsys.readouterr().out
    assert cli("shift", "show") == 0
    assert "Supervisor: 王强 (wangqiang)" in capsys.readouterr().out
    assert cli("shift", "crew", "--engineers", "nobody") == 2
    assert "nobody is not an engineer of this desk" in capsys.readouterr().err
    assert cli("shift", "show", "--date", "2026-12-01") == 2
    assert "say which shift" in capsys.readouterr().err
    assert cli("shift", "rota") == 0
    assert "evening    16:00–24:00" in capsys.readouterr().out


async def test_the_screen_shows_the_same_figures_as_the_command(
        env: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = report_json(capsys, "--month", "2026-11")
    from tests.support import build_desk, make_settings

    desk = build_desk(make_settings(f"sqlite:///{db}"), FixedClock(REPORT_AT))
    app = HotlineApp(desk, live=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.doc is not None and screen.doc["period"]["from"] == "2026-12-01"
        await pilot.press("left_square_bracket")  # back to November
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.doc is not None and screen.doc["period"]["from"] == "2026-11-01"
        from textual.widgets import DataTable

        table = screen.query_one("#rep-figures", DataTable)
        shown = {}
        for row_key in table.rows:
            cells = table.get_row(row_key)
            shown[row_key.value] = getattr(cells[1], "plain", str(cells[1]))
        compared = 0
        for row in reports.figure_rows(expected):
            assert shown[row.figure] == reports.format_value(row.value, row.fmt), row.figure
            compared += 1
        assert compared > 40
        assert shown["calls.service_level_offered"] == "33.3%"
        assert shown["penalties.total"] == "-8"
        # the chart of the 30th is the CLI's service level of that day
        from screens.widgets.charts import ColumnChart

        sl = screen.query_one("#rep-sl", ColumnChart)
        assert len(sl.columns) == 30
        assert sl.columns[29].value == expected["series"]["days"][29]["service_level"] == 0.3333
        assert sl.columns[0].value is None  # no call on 11-01: no service level
        # one contract: c cycles through them
        await pilot.press("c")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.doc is not None and screen.doc["contract"] == screen.contracts[0].code
    desk.engine.dispose()


def test_counts_have_thousands_separators_where_people_read_them(
        env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = report_json(capsys, "--month", "2026-11")
    doc["calls"]["offered"] = 12345
    doc["contracts"][0]["calls"]["offered"] = 1234567
    assert reports.format_value(12345, "n") == "12,345"
    table = reports.render_text(doc, "table")
    offered = next(line for line in table.splitlines() if line.strip().startswith("Offered"))
    assert offered.split()[1:3] == ["12,345", "1,234,567"]
    assert "| Offered | 12,345 | 1,234,567 |" in reports.render_text(doc, "md")
    # machine formats keep raw numbers
    rows = list(csv.reader(io.StringIO(reports.render_text(doc, "csv"))))
    assert ["overall", "", "calls.offered", "12345"] in rows
    assert json.loads(reports.render_text(doc, "json"))["calls"]["offered"] == 12345
    out = tmp_path / "r.xlsx"
    reports.write_xlsx(doc, out)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "<v>12345</v>" in sheet and "<v>1234567</v>" in sheet and "12,345" not in strings
    set_language("zh_CN")
    assert "12,345" in reports.render_text(doc, "table")


def test_without_a_period_it_is_this_month_and_its_points_are_provisional(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = report_json(capsys)  # the desk's clock says 2026-12-03
    assert (d["period"]["from"], d["period"]["to"]) == ("2026-12-01", "2026-12-31")
    assert "Provisional: 2026-12-01 – 2026-12-31 is still running, so its period-rule " \
           "points may still change." in d["notes"]
    assert all(p["provisional"] for c in d["contracts"]
               for p in c["penalties"]["period_rules"])
    assert cli("report") == 0
    assert "Provisional: 2026-12-01 – 2026-12-31" in capsys.readouterr().out


def test_a_month_that_is_over_is_not_provisional(env: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    d = report_json(capsys, "--month", "2026-11")
    assert not any("Provisional" in n for n in d["notes"])
    [rule] = d["penalties"]["period_rules"]
    assert rule["provisional"] is False
    assert cli("report", "--month", "2026-11") == 0
    assert "(provisional)" not in capsys.readouterr().out


def test_a_running_month_scored_says_provisional_by_its_points(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # November seen from 2026-11-30: the month's answer rate already costs points
    from datetime import datetime

    from tests.reports.scene import TZ

    assert run(["report", "--month", "2026-11"],
               clock=FixedClock(datetime(2026, 11, 30, 18, 0, tzinfo=TZ))) == 0
    out = capsys.readouterr().out
    assert "answer_rate  -2 (provisional)" in out
    assert "Provisional: 2026-11-01 – 2026-11-30 is still running" in out


def test_report_spans_are_whole_seconds_minutes_and_hours() -> None:
    """A mean wait of 12.3 s reads "12 s", 125 s "2 min 5 s" — in Chinese too; a span
    never shows a decimal."""
    from hotline.i18n import set_language
    from hotline.reports import format_value

    assert format_value(12.3, "s") == "12 s"
    assert format_value(125.0, "s") == "2 min 5 s"
    assert format_value(3900.4, "s") == "1 h 5 min"
    assert format_value(None, "s") == "—"
    set_language("zh_CN")
    try:
        assert format_value(12.3, "s") == "12秒"
        assert format_value(125.0, "s") == "2分5秒"
    finally:
        set_language("en")
