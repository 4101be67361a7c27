"""Exports never hand a spreadsheet a formula: CSV cells escaped, xlsx strings as text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import Session, select

from hotline import reports
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.directory.csv_export import export_csv
from hotline.directory.csv_import import import_file
from hotline.directory.csv_reading import read_table
from hotline.spreadsheet import escape_cell, unescape_cell
from hotline.store.models import Contact, Customer, Site
from tests.directory.test_csv_import import CSV, directory, write
from tests.reports.test_report_command import db, env, report_json  # noqa: F401
from tests.support import START, build_desk, make_settings

FORMULA = '=HYPERLINK("http://example.com/x","click")'


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+86 755", "'+86 755"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("'=1", "''=1"), ("''@x", "'''@x"),
    ("-5", "-5"), ("+86", "+86"), ("-0.25", "-0.25"), ("1e-3", "1e-3"), ("-", "'-"),
    ("深圳", "深圳"), ("a=b", "a=b"), ("'x", "'x"), ("", ""), (-5, -5), (0.5, 0.5),
])
def test_cells_a_spreadsheet_would_run_get_a_quote(value: object, written: object) -> None:
    assert escape_cell(value) == written
    if isinstance(value, str):
        assert unescape_cell(str(written)) == value


@given(st.text(alphabet=st.sampled_from("=+-@\t\r'0123.eE x深"), max_size=8))
def test_escaping_is_undone_by_the_import_and_leaves_no_formula(text: str) -> None:
    written = escape_cell(text)
    assert unescape_cell(written) == text
    # what a spreadsheet sees first is a quote, or a plain number, or harmless text
    assert (not written[:1] or written[0] not in "=+-@\t\r"
            or re.fullmatch(r"[+-][0-9.eE+-]*", written) is not None)


def _hostile_directory(desk: Desk) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    import_file(desk, "contacts", CSV / "contacts.csv")
    with Session(desk.engine) as s:
        c = s.exec(select(Customer).where(Customer.code == "GDT-SZ")).one()
        c.name, c.city = FORMULA, "-5"
        site = s.exec(select(Site).where(Site.customer_id == c.id)).first()
        assert site is not None
        site.address = "@SUM(1+1)*cmd|' /C calc'!A0"
        p = s.exec(select(Contact).where(Contact.name == "黄志明")).one()
        p.title = "\t=1+2"
        p.email = None
        s.add_all([c, site, p])
        s.commit()


def test_directory_export_escapes_formulas_and_imports_back_unchanged(tmp_path: Path) -> None:
    desk = build_desk(make_settings(), FixedClock(START))
    other = build_desk(make_settings(), FixedClock(START))
    try:
        _hostile_directory(desk)
        files = {}
        for kind in ("customers", "contacts"):
            files[kind] = tmp_path / f"{kind}.csv"
            with files[kind].open("w", encoding="utf-8-sig", newline="") as fh:
                export_csv(desk, kind, fh)
        rows = list(csv.reader(files["customers"].open(encoding="utf-8-sig", newline="")))
        gdt = [r for r in rows if r[0] == "GDT-SZ"]
        assert gdt and all(r[1] == "'" + FORMULA and r[2] == "-5" for r in gdt)
        assert "'@SUM(1+1)*cmd|' /C calc'!A0" in [r[6] for r in gdt]
        contacts = list(csv.reader(files["contacts"].open(encoding="utf-8-sig", newline="")))
        assert [r[2] for r in contacts if r[1] == "黄志明"] == ["'\t=1+2"]
        every_cell = [c for r in rows + contacts for c in r]
        assert not [c for c in every_cell if c[:1] in ("=", "+", "@", "\t", "\r")]
        # read back: the import takes the quote off again
        table = read_table(files["customers"], "customers")
        assert {r.values["customer_name"] for r in table.rows} >= {FORMULA}
        report = import_file(other, "customers", files["customers"])
        assert report.written and not report.errors
        assert [r for r in directory(other)["customers"] if r[0] == "GDT-SZ"] == [
            ("GDT-SZ", FORMULA, "-5")]
        again = import_file(desk, "customers", files["customers"])
        assert not again.errors and not again.written  # the same as the directory holds
    finally:
        desk.engine.dispose()
        other.engine.dispose()


def test_cli_export_escapes_formulas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.cli.main import run

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOTLINE_DB", str(tmp_path / "desk.db"))
    path = write(tmp_path, "c.csv", "customer_code,customer_name,city\n"
                                    "X1,\"'=1+2\",'-深圳\n"
                                    "X2,@x,+86\n")
    assert run(["import", "customers", str(path)], clock=FixedClock(START)) == 0
    out = tmp_path / "out.csv"
    assert run(["directory", "customers", "--csv", str(out)], clock=FixedClock(START)) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
    assert [r[:3] for r in rows[1:]] == [["X1", "'=1+2", "'-深圳"], ["X2", "'@x", "+86"]]


def test_report_csv_escapes_formulas_and_keeps_numbers(env: Path,  # noqa: F811
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    doc = report_json(capsys, "--from", "2026-11-01", "--to", "2026-11-30")
    doc["contracts"][0]["code"] = FORMULA
    doc["contracts"][0]["calls"]["offered"] = -3
    doc["contracts"][0]["calls"]["mean_answer_s"] = -0.5
    rows = list(csv.reader(io.StringIO(reports.render_text(doc, "csv"))))
    assert {r[1] for r in rows if r[0] == "contract"} >= {"'" + FORMULA}
    assert ["contract", "'" + FORMULA, "calls.offered", "-3"] in rows
    assert ["contract", "'" + FORMULA, "calls.mean_answer_s", "-0.5"] in rows
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_report_xlsx_writes_formula_like_strings_as_text(env: Path,  # noqa: F811
                                                         tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    doc = report_json(capsys, "--from", "2026-11-01", "--to", "2026-11-30")
    doc["contracts"][0]["code"] = FORMULA
    doc["notes"] = ["=1+2", "+cmd", "@A1"]
    out = tmp_path / "r.xlsx"
    reports.write_xlsx(doc, out)
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode() for n in z.namelist()
                  if n.startswith("xl/worksheets/sheet")]
        strings = z.read("xl/sharedStrings.xml").decode()
    assert sheets and not [s for s in sheets if "<f>" in s]
    assert '=HYPERLINK(&quot;http://example.com/x&quot;,&quot;click&quot;)' in strings or \
        '=HYPERLINK("http://example.com/x","click")' in strings
    assert "<t>=1+2</t>" in strings and "<t>+cmd</t>" in strings and "<t>@A1</t>" in strings


# --- from the directory to every export, and any text at all ---------------------------

CONTRACT_FORMULA = '=HYPERLINK("http://x")'


def _xlsx_cells(path: Path) -> list[str]:
    """Every cell element of every sheet, as XML text."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        return [c for n in names for c in re.findall(r"<c [^>]*?(?:/>|>.*?</c>)",
                                                       z.read(n).decode())]


def _shared_strings(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        if "xl/sharedStrings.xml" not in z.namelist():
            return []
        xml = z.read("xl/sharedStrings.xml").decode()
    return [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", xml, re.S)]


def test_a_contract_code_from_the_directory_stays_text_in_every_export(
        demo_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from hotline.cli.main import run
    from hotline.store.models import Call, Contract

    call = demo_desk.ring("0757-83301234").call_id
    demo_desk.answer(call)
    with Session(demo_desk.engine) as s:
        row = s.get(Call, call)
        assert row is not None and row.contract_id is not None
        contract = s.get(Contract, row.contract_id)
        assert contract is not None
        contract.code = CONTRACT_FORMULA
        s.add(contract)
        s.commit()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOTLINE_DB", str(demo_desk.engine.url.database))
    period = ("--from", "2026-11-01", "--to", "2026-11-30")
    xlsx = tmp_path / "r.xlsx"
    clock = FixedClock(START)
    assert run(["report", *period, "--format", "xlsx", "-o", str(xlsx)], clock=clock) == 0
    cells = _xlsx_cells(xlsx)
    assert cells and not [c for c in cells if "<f>" in c]
    assert any('=HYPERLINK("http://x")' in t.replace("&quot;", '"')
               for t in _shared_strings(xlsx))
    with zipfile.ZipFile(xlsx) as z:  # no link made out of the text either (charts only)
        assert not [n for n in z.namelist() if "worksheets/_rels" in n
                    and "hyperlink" in z.read(n).decode()]
    assert not [c for c in cells if "<hyperlink" in c]
    capsys.readouterr()
    assert run(["report", *period, "--format", "csv"], clock=clock) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert "'" + CONTRACT_FORMULA in {r[1] for r in rows}
    for kind in ("contracts", "customers"):
        out = tmp_path / f"{kind}.csv"
        assert run(["directory", kind, "--csv", str(out)], clock=clock) == 0
        cells_csv = [c for r in csv.reader(out.open(encoding="utf-8-sig", newline=""))
                     for c in r]
        assert not [c for c in cells_csv if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert "'" + CONTRACT_FORMULA in cells_csv or kind == "customers"
    capsys.readouterr()
    assert run(["directory", "contracts"], clock=clock) == 0  # the tab-separated listing
    listed = list(csv.reader(io.StringIO(capsys.readouterr().out), delimiter="\t"))
    assert [r[0] for r in listed if "HYPERLINK" in r[0]] == ["'" + CONTRACT_FORMULA]


@given(values=st.lists(st.one_of(st.text(max_size=12), st.integers(-10**15, 10**15),
                                 st.floats(allow_nan=True, allow_infinity=True), st.none()),
                       min_size=1, max_size=8))
@example(values=["http://evil.example/x", "=1+2", "-5", -5, "@SUM(A1)", "mailto:a@b.c"])
def test_any_value_written_to_a_sheet_is_text_or_a_number_never_a_formula(
        tmp_path_factory: pytest.TempPathFactory, values: list[object]) -> None:
    import xlsxwriter

    from hotline.spreadsheet import SafeSheet, xlsx_options

    path = tmp_path_factory.mktemp("x") / "v.xlsx"
    wb = xlsxwriter.Workbook(str(path), xlsx_options())
    SafeSheet(wb.add_worksheet()).write_row(0, 0, values)
    wb.close()
    cells = _xlsx_cells(path)
    assert not [c for c in cells if "<f>" in c]
    with zipfile.ZipFile(path) as z:
        assert "<hyperlink" not in z.read("xl/worksheets/sheet1.xml").decode()
    for value in values:
        if isinstance(value, str):  # every text a string cell (shared or inline)
            assert len([c for c in cells if 't="s"' in c or 't="str"' in c]) >= 1
    numbers = [v for v in values if isinstance(v, int | float) and v == v
               and v not in (float("inf"), float("-inf"))]
    assert len([c for c in cells if " t=" not in c and "<v>" in c]) == len(numbers)


@given(text=st.text(max_size=20))
def test_any_text_written_to_csv_reads_back_unchanged_and_never_as_a_formula(
        text: str) -> None:
    from hotline.spreadsheet import csv_writer

    buf = io.StringIO()
    csv_writer(buf, lineterminator="\r\n").writerow([text, -5, 2.5])
    [cell, number, fraction] = next(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert unescape_cell(cell) == text and (number, fraction) == ("-5", "2.5")
    assert (not cell[:1] or cell[0] not in "=+-@\t\r"
            or re.fullmatch(r"[+-]([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", cell))
