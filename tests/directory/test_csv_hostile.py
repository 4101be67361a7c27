"""Hostile CSV files: every one refused with the project's own error, and nothing written.

Each input a tester found (an unclosed quote, NUL bytes, a grade on a policy
without grades, values longer than their column) is a regression test on
SQLite and PostgreSQL; property tests feed the reader and the import arbitrary
bytes, text and rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.directory.csv_columns import COLUMNS, DELIMITERS, KINDS
from hotline.directory.csv_import import import_file
from hotline.directory.csv_plans import CustomersPlan
from hotline.directory.csv_reading import ImportFileError, Row, Table, parse_table, read_table
from hotline.directory.csv_report import ImportReport
from hotline.errors import InputError
from hotline.store.models import Contract, Customer, Event
from tests.directory.test_csv_import import CSV, directory, write
from tests.support import START, build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def any_desk(request: pytest.FixtureRequest) -> Iterator[Desk]:
    """A desk with the fixtures' customers, contacts and contracts, on each backend."""
    url = "sqlite://" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    desk = build_desk(make_settings(url), FixedClock(START))
    try:
        for kind in KINDS:
            assert import_file(desk, kind, CSV / f"{kind}.csv").written
        yield desk
    finally:
        desk.engine.dispose()


def state(desk: Desk) -> tuple[dict[str, list[tuple[object, ...]]], int]:
    """The directory and the number of events: equal before and after = nothing written."""
    with Session(desk.engine) as s:
        events = s.exec(select(func.count()).select_from(Event)).one()
    return directory(desk), events


# --- the inputs found ------------------------------------------------------------------------


def test_an_unclosed_quote_is_refused_naming_the_line_it_opens(any_desk: Desk,
                                                               tmp_path: Path) -> None:
    before = state(any_desk)
    path = write(tmp_path, "c.csv", "customer_code,customer_name,city\n"
                                    "N1,新客户一,深圳\n"
                                    'N2,"新客户二,深圳\n'
                                    "N3,新客户三,广州\n"
                                    "N4,新客户四,北京\n")
    with pytest.raises(ImportFileError, match=r"c\.csv: line 3: a double quote opens a cell "
                                              r"that is never closed"):
        import_file(any_desk, "customers", path)
    assert state(any_desk) == before


def test_a_quote_closed_then_followed_by_text_names_the_line_the_cell_began(
        any_desk: Desk, tmp_path: Path) -> None:
    before = state(any_desk)
    path = write(tmp_path, "c.csv", "customer_code,customer_name,city\n"
                                    "N1,新客户一,深圳\n"
                                    'N2,"新客户二,深圳\n'
                                    'N3,新客户三,"广州"x\n')
    with pytest.raises(ImportFileError, match=r"line 3: the quoted cell that begins on this "
                                              r"line .*\(line 4\)"):
        import_file(any_desk, "customers", path)
    assert state(any_desk) == before


def test_a_quoted_line_break_is_still_a_cell(any_desk: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer_code,customer_name,site_name,address\n"
                                    'N1,新客户一,机房,"深圳市\n福田区"\n'
                                    "N2,新客户二,,\n")
    report = import_file(any_desk, "customers", path)
    assert report.written and dict(report.added) == {"customers": 2, "sites": 1}


def test_nul_bytes_are_refused_per_cell_and_nothing_is_written(any_desk: Desk,
                                                               tmp_path: Path) -> None:
    before = state(any_desk)
    path = tmp_path / "c.csv"
    path.write_bytes(b"customer_code,customer_name,city\n"
                     b"N1,\xe6\x96\xb0\x00,\x00\n"
                     b"N2,good,\n")
    report = import_file(any_desk, "customers", path)
    assert [(p.line, p.message.split(":")[0]) for p in report.errors] == [
        (2, "customer_name"), (2, "city")]
    assert all("NUL character" in p.message for p in report.errors)
    assert not report.written and state(any_desk) == before
    # --skip-invalid: the good row only
    skipped = import_file(any_desk, "customers", path, skip_invalid=True)
    assert skipped.written and skipped.added["customers"] == 1
    assert [c for c, *_rest in directory(any_desk)["customers"] if c in ("N1", "N2")] == ["N2"]


def test_byte_order_marks_left_in_the_header_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfcustomer_code,\xef\xbb\xbfcustomer_name\nN1,x\n")
    table = read_table(path, "customers")
    assert table.encoding == "UTF-8 with BOM" and [r.values for r in table.rows] == [
        {"customer_code": "N1", "customer_name": "x"}]
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("customer_code,customer_name\nN1,甲\n".encode("utf-16"))
    assert [r.values["customer_name"] for r in read_table(utf16, "customers",
                                                          encoding="utf-16").rows] == ["甲"]


def test_a_file_saved_as_utf16_is_refused(any_desk: Desk, tmp_path: Path) -> None:
    before = state(any_desk)
    path = tmp_path / "c.csv"
    path.write_bytes("customer_code,customer_name\nN1,甲\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match="line 1 is not UTF-8"):
        import_file(any_desk, "customers", path)
    # read as a one-byte encoding, its NUL bytes are refused in the header
    with pytest.raises(ImportFileError, match=r"line 1: header cell 1: .*NUL"):
        import_file(any_desk, "customers", path, encoding="latin-1", delimiter=",")
    assert state(any_desk) == before


def test_lone_surrogates_and_control_characters_are_refused(any_desk: Desk,
                                                            tmp_path: Path) -> None:
    before = state(any_desk)
    path = tmp_path / "c.csv"
    path.write_bytes(b"customer_code,customer_name,city\nN1,\\ud83d,x\nN2,a\\x07b,\n")
    report = import_file(any_desk, "customers", path, encoding="unicode_escape")
    assert [(p.line, re.sub(r":.*U\+", " U+", p.message)[:13]) for p in report.errors] == [
        (2, "customer_name"), (3, "customer_name")]
    assert "U+D83D" in report.errors[0].message and "U+0007" in report.errors[1].message
    assert state(any_desk) == before


def test_a_grade_on_a_policy_without_grades_is_refused(any_desk: Desk, tmp_path: Path) -> None:
    before = state(any_desk)
    path = write(tmp_path, "k.csv", "contract_code,customer_code,policy,grade,valid_from\n"
                                    "NEW-1,HNP-GZ,fire-maintenance,B,2027-01-01\n"
                                    "GD-TX-2026-001,GDT-SZ,guangdong-transmission,A,\n")
    report = import_file(any_desk, "contracts", path)
    assert [(p.line, p.message) for p in report.errors] == [
        (2, "grade: Policy fire-maintenance has no grades: leave the grade empty."),
        (3, "grade: Policy guangdong-transmission has no grades: leave the grade empty.")]
    assert state(any_desk) == before


def test_a_contract_moved_to_a_policy_without_grades_loses_its_grade(any_desk: Desk,
                                                                     tmp_path: Path) -> None:
    path = write(tmp_path, "k.csv", "contract_code,customer_code,policy,valid_from\n"
                                    "STD-2026-031,BJYJ,fire-maintenance,\n")
    assert import_file(any_desk, "contracts", path).written
    [(_code, policy, grade, *_rest)] = [k for k in directory(any_desk)["contracts"]
                                       if k[0] == "STD-2026-031"]
    assert (policy, grade) == ("fire-maintenance", "")


def test_a_grade_kept_on_screen_survives_export_and_import(any_desk: Desk,
                                                           tmp_path: Path) -> None:
    """The form keeps a grade a contract already has; the exported file imports unchanged."""
    with Session(any_desk.engine) as s:
        k = s.exec(select(Contract).where(Contract.code == "GD-TX-2026-001")).one()
        k.grade = "A"
        s.add(k)
        s.commit()
    path = write(tmp_path, "k.csv", "contract_code,customer_code,policy,grade,valid_from\n"
                                    "GD-TX-2026-001,GDT-SZ,guangdong-transmission,a,\n")
    report = import_file(any_desk, "contracts", path)
    assert not report.errors and not report.written  # as stored: nothing to change


@pytest.mark.parametrize(("column", "value", "limit"), [
    ("customer_name", "名" * 201, 200),
    ("city", "城" * 61, 60),
    ("address", "址" * 301, 300),
])
def test_values_longer_than_their_column_are_bad_rows(any_desk: Desk, tmp_path: Path,
                                                      column: str, value: str,
                                                      limit: int) -> None:
    before = state(any_desk)
    if column == "customer_name":
        text = f"customer_code,customer_name\nN1,{value}\nN2,乙\n"
    else:
        text = f"customer_code,customer_name,site_name,{column}\nN1,甲,机房,{value}\nN2,乙,,\n"
    path = write(tmp_path, "c.csv", text)
    report = import_file(any_desk, "customers", path)
    [problem] = report.errors
    assert problem.line == 2 and problem.message.startswith(f"{column}: ")
    assert f"at most {limit} characters" in problem.message
    assert state(any_desk) == before
    assert import_file(any_desk, "customers", path, skip_invalid=True).added["customers"] == 1


def test_the_column_lengths_are_read_from_the_tables(desk: Desk) -> None:
    """The last check before writing, whatever the field checks let through."""
    table = Table("customers", {"customer_code": "客户编码"}, [], ",", "UTF-8", [], "", 2)
    report = ImportReport("customers", "c.csv")
    with Session(desk.engine) as s:
        plan = CustomersPlan(desk.sla, s, table, report)
        plan.fits(Customer, {"code": "C" * 40, "name": None, "city": "x"})
        with pytest.raises(InputError, match="at most 40 characters fit in the directory; "
                                             "this has 41") as refused:
            plan.fits(Customer, {"code": "C" * 41}, {"code": "customer_code"})
    plan.fail(Row(7, {}), refused.value)  # type: ignore[arg-type]
    assert [(p.line, p.message.split(":")[0]) for p in report.errors] == [(7, "客户编码")]


def test_huge_cells_and_files_of_many_lines(any_desk: Desk, tmp_path: Path) -> None:
    before = state(any_desk)
    huge = write(tmp_path, "h.csv", "customer_code,customer_name\nN1," + "x" * 200_000 + "\n")
    with pytest.raises(ImportFileError, match=r"line 2: a cell is longer than 131,072"):
        import_file(any_desk, "customers", huge)
    unclosed = write(tmp_path, "u.csv", "customer_code,customer_name\nN1,ok\nN2,\""
                     + "x\n" * 100_000)
    with pytest.raises(ImportFileError, match=r"line 3: the quoted cell .* more than 131,072"):
        import_file(any_desk, "customers", unclosed)
    many = write(tmp_path, "m.csv", "customer_code,customer_name\n" + "\n" * 200_000
                 + "N1,\n")
    report = import_file(any_desk, "customers", many)
    assert [(p.line, p.message) for p in report.errors] == [
        (200_002, "customer_name: Customer name is required.")]
    assert state(any_desk) == before


@pytest.mark.parametrize("delimiter", ['"', "", ",,", "x", "\n"])
def test_a_delimiter_that_is_not_one_is_refused(desk: Desk, tmp_path: Path,
                                                delimiter: str) -> None:
    with pytest.raises(ImportFileError, match="--delimiter must be"):
        read_table(CSV / "customers.csv", "customers", delimiter=delimiter)


@pytest.mark.parametrize("encoding", ["base64", "rot13", "idna", "no-such", "utf\x00",
                                      "punycode", "hex"])
def test_an_encoding_that_is_not_a_text_encoding_is_refused(tmp_path: Path,
                                                            encoding: str) -> None:
    path = write(tmp_path, "c.csv", "customer_code,customer_name\n" + "长" * 70 + ",乙\n")
    with pytest.raises(ImportFileError):
        read_table(path, "customers", encoding=encoding)


def test_a_formula_escaped_by_the_export_is_read_back_as_it_was(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer_code,customer_name,city\n"
                                    "N1,'=1+2,'-深圳\n"
                                    "N2,''@x,'x\n")
    rows = read_table(path, "customers").rows
    assert [r.values for r in rows] == [
        {"customer_code": "N1", "customer_name": "=1+2", "city": "-深圳"},
        {"customer_code": "N2", "customer_name": "'@x", "city": "'x"}]


# --- properties ------------------------------------------------------------------------------

_FIXTURE_LINES = [line for kind in KINDS
                  for line in (CSV / f"{kind}.csv").read_text("utf-8-sig").splitlines()]
_HOSTILE = st.sampled_from(['"', '""', "\x00", "\ud800", "\r", "\n", "\r\n", ",", ";", "\t",
                            "|", "'=", "=", "-", "+", "@", "\ufeff", "²", "٧", "\u2028",
                            "\x0c", "ß", "İ", " ", "x" * 300, "9" * 40])
_CELL = st.one_of(st.text(max_size=12), _HOSTILE,
                  st.sampled_from(["GDT-SZ", "BJYJ", "HNP-GZ", "standard", "fire-maintenance",
                                   "guangdong-transmission", "A", "b", "2026-01-01",
                                   "2026年1月1日", "0755", "755", "13902251234", "95588",
                                   "010-62345678-8001", "福田传输机房", "深圳", "a@b.cn"]))
_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A header of a kind (possibly mangled) and rows of hostile and plausible cells."""
    kind = draw(st.sampled_from(KINDS))
    delimiter = draw(st.sampled_from(DELIMITERS))
    if draw(st.integers(0, 3)) == 0:
        # rows of the fixtures (good), one cell of one of them maybe replaced
        lines = (CSV / f"{kind}.csv").read_text("utf-8-sig").splitlines()
        rows = [next(csv.reader([line])) for line in lines]
        rows = rows[:1] + draw(st.lists(st.sampled_from(rows[1:]), min_size=1, max_size=4))
        if draw(st.booleans()):
            row = draw(st.integers(1, len(rows) - 1))
            rows[row] = list(rows[row])
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(_CELL)
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter).writerows(rows)
        return kind, buf.getvalue().encode("utf-8", "surrogatepass")
    required = [c.name for c in COLUMNS[kind] if c.required]
    optional = [c.name for c in COLUMNS[kind] if not c.required]
    names = draw(st.permutations(required + draw(st.lists(st.sampled_from(optional),
                                                            unique=True))))
    if draw(st.integers(0, 9)) == 0:
        names = names[:-1]  # now and then a header without a required column
    header = list(names) + draw(st.lists(_CELL, max_size=2))
    lines = [delimiter.join(header)]
    for _i in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(_FIXTURE_LINES)).replace(",", delimiter))
        else:
            cells = draw(st.lists(_CELL, max_size=len(header) + 2))
            quoted = draw(st.booleans())
            lines.append(delimiter.join(f'"{c}"' if quoted and i % 2 else c
                                        for i, c in enumerate(cells)))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16",
                                     "surrogatepass"]))
    if encoding == "surrogatepass":
        raw = text.encode("utf-8", "surrogatepass")
    else:
        raw = text.encode(encoding, "replace")
    return kind, raw


@given(raw=st.binary(max_size=400), kind=st.sampled_from(KINDS),
       delimiter=st.sampled_from([None, *DELIMITERS]),
       encoding=st.sampled_from([None, "utf-8", "gb18030", "latin-1", "utf-16", "utf-7",
                                 "unicode_escape", "idna", "punycode"]))
@_SETTINGS
def test_reading_any_bytes_gives_a_table_or_the_projects_error(
        raw: bytes, kind: str, delimiter: str | None, encoding: str | None) -> None:
    try:
        table = parse_table(raw, kind, Path("x.csv"), delimiter=delimiter, encoding=encoding)
    except ImportFileError as exc:
        assert "x.csv" in str(exc) or "encoding" in str(exc)
        return
    lines = [r.line for r in table.rows]
    assert lines == sorted(set(lines)) and all(n >= 2 for n in lines)


@given(text=st.text(max_size=300), kind=st.sampled_from(KINDS))
@_SETTINGS
def test_reading_any_text_after_a_header_gives_a_table_or_the_projects_error(
        text: str, kind: str) -> None:
    raw = (",".join(c.name for c in COLUMNS[kind]) + "\n" + text).encode(
        "utf-8", "surrogatepass")
    try:
        parse_table(raw, kind, Path("x.csv"))
    except ImportFileError as exc:
        assert re.search(r"x\.csv: line \d+", str(exc)), str(exc)


#: What the generated files gave (read in the test below, to see that some get that far).
outcomes: Counter[str] = Counter()


@given(case=csv_files())
@_SETTINGS
def test_a_refused_or_checked_file_writes_nothing(any_desk: Desk, tmp_path: Path,
                                                  case: tuple[str, bytes]) -> None:
    """On SQLite and PostgreSQL (where a NUL or an overlong value would stop the write)."""
    desk = any_desk
    kind, raw = case
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    before = state(desk)
    try:
        dry = import_file(desk, kind, path, dry_run=True)
    except InputError:
        assert state(desk) == before
        outcomes["refused"] += 1
        return
    assert state(desk) == before and not dry.written
    outcomes[("bad rows" if dry.errors else "good") if dry.rows else "no rows"] += 1
    report = import_file(desk, kind, path)
    if not report.written:
        assert state(desk) == before
    else:
        assert not report.errors
        with Session(desk.engine) as s:
            event = s.exec(select(Event).order_by(col(Event.id).desc())).first()
        assert event is not None and json.loads(event.data)["rows"] == report.rows


def test_the_generated_files_reach_every_outcome() -> None:
    """Runs after the property above (same module): its files were not all refused."""
    if not outcomes:
        pytest.skip("run with the property test")
    assert {"refused", "bad rows", "good"} <= set(outcomes), outcomes
