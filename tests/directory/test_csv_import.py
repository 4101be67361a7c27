"""CSV import of customers, contacts and contracts: checked whole, all or nothing, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.directory.csv_export import export_csv
from hotline.directory.csv_import import import_file
from hotline.directory.csv_reading import ImportFileError, read_table
from hotline.store.models import Contact, ContactNumber, Contract, Customer, Event, Site
from tests.support import START, build_desk, make_settings

CSV = Path(__file__).resolve().parent / "fixtures"


def write(tmp_path: Path, name: str, text: str, *, bom: bool = False,
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def directory(desk: Desk) -> dict[str, list[tuple[object, ...]]]:
    """Everything the directory holds, to compare before and after."""
    with Session(desk.engine) as s:
        return {
            "customers": [tuple(r) for r in s.exec(select(Customer.code, Customer.name,
                                                          Customer.city)).all()],
            "sites": sorted(tuple(r) for r in s.exec(select(Site.customer_id, Site.name,
                                                            Site.city, Site.area_code)).all()),
            "contacts": sorted(tuple(r) for r in s.exec(
                select(Contact.customer_id, Contact.name, Contact.title, Contact.site_id)).all()),
            "numbers": sorted((name, n.e164, n.extension or "", n.kind, n.label or "")
                              for n, name in s.exec(
                                  select(ContactNumber, Contact.name).join(
                                      Contact, col(Contact.id) == col(ContactNumber.contact_id)))
                              .all()),
            "contracts": sorted((c.code, c.policy, c.grade, c.region or "", str(c.valid_from),
                                 str(c.valid_to)) for c in s.exec(select(Contract)).all()),
        }


def import_events(desk: Desk) -> list[dict[str, object]]:
    with Session(desk.engine) as s:
        return [json.loads(e.data) for e in s.exec(
            select(Event).where(Event.kind == "directory_imported").order_by(col(Event.id)))]


def load_all(desk: Desk) -> None:
    for kind in ("customers", "contacts", "contracts"):
        report = import_file(desk, kind, CSV / f"{kind}.csv")
        assert report.written and not report.errors, report.errors


# --- good files ------------------------------------------------------------------------------


def test_good_files_import_everything_with_one_event_each(desk: Desk) -> None:
    customers = import_file(desk, "customers", CSV / "customers.csv")
    assert customers.encoding == "UTF-8 with BOM"  # as Excel writes it
    assert dict(customers.added) == {"customers": 4, "sites": 4}
    contacts = import_file(desk, "contacts", CSV / "contacts.csv")
    assert dict(contacts.added) == {"contacts": 5, "numbers": 8}
    contracts = import_file(desk, "contracts", CSV / "contracts.csv")
    assert dict(contracts.added) == {"contracts": 3}
    events = import_events(desk)
    assert [e["kind"] for e in events] == ["customers", "contacts", "contracts"]
    assert events[1]["added"] == {"contacts": 5, "numbers": 8}
    assert events[1]["file"].endswith("contacts.csv") and len(events[1]["sha256"]) == 64


def test_numbers_are_read_with_the_sites_area_code_extensions_and_service_numbers(
        desk: Desk) -> None:
    load_all(desk)
    with Session(desk.engine) as s:
        rows = s.exec(select(Contact.name, ContactNumber.e164, ContactNumber.extension,
                             ContactNumber.kind, ContactNumber.label)
                      .join(Contact, col(Contact.id) == col(ContactNumber.contact_id))
                      .order_by(col(ContactNumber.id))).all()
    numbers = {(name, e164, ext, kind, label) for name, e164, ext, kind, label in rows}
    # "62345678" at 亦庄机房 (area 010); "010-62345678-8001" an extension
    assert ("孙立", "+861062345678", None, "fixed", None) in numbers
    assert ("孙立", "+861062345678", "8001", "fixed", None) in numbers
    # "020-8765 1234 转 8002"; a bank's service number; labels before a colon
    assert ("郑国强", "+862087651234", "8002", "fixed", None) in numbers
    assert ("物业客服", "95588", None, "short", None) in numbers
    assert ("黄志明", "+8613902251234", None, "mobile", "手机") in numbers
    assert ("黄志明", "+8675583765432", None, "fixed", "办公室") in numbers


def test_importing_the_same_files_again_changes_nothing(desk: Desk) -> None:
    load_all(desk)
    before = directory(desk)
    for kind in ("customers", "contacts", "contracts"):
        report = import_file(desk, kind, CSV / f"{kind}.csv")
        assert not report.written and not report.changed
        assert sum(report.unchanged.values()) > 0
    assert directory(desk) == before
    assert len(import_events(desk)) == 3  # nothing written, not even an event


def test_a_changed_row_updates_only_what_changed_and_empty_cells_keep_values(
        desk: Desk, tmp_path: Path) -> None:
    load_all(desk)
    path = write(tmp_path, "contacts.csv",
                 "customer_code,contact_name,title,site,email,numbers\n"
                 "gdt-sz,黄志明,传输部经理,,,私人手机: 13902251234\n"  # title, label, code's case
                 "GDT-SZ,林晓燕,,,,\n")  # nothing given: nothing changes
    report = import_file(desk, "contacts", path)
    assert (dict(report.updated), dict(report.unchanged)) == ({"contacts": 1}, {"contacts": 1})
    with Session(desk.engine) as s:
        huang = s.exec(select(Contact).where(Contact.name == "黄志明")).one()
        assert (huang.title, huang.email) == ("传输部经理", "huang@example.com")
        assert huang.site_id is not None  # kept
        labels = s.exec(select(ContactNumber.label).where(ContactNumber.contact_id == huang.id)
                        .order_by(col(ContactNumber.id))).all()
        assert labels == ["私人手机", "办公室"]


def test_rows_of_one_contact_add_up_and_contradictions_are_bad_rows(
        desk: Desk, tmp_path: Path) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    path = write(tmp_path, "c.csv",
                 "customer_code,contact_name,title,site,email,numbers\n"
                 "GDT-SZ,黄志明,主管,,,13902251234\n"
                 "GDT-SZ,黄志明,,,,0755 8376 5432\n"
                 "GDT-SZ,黄志明,经理,,,13800138000\n")
    report = import_file(desk, "contacts", path)
    assert [(p.line, p.message) for p in report.errors] == [
        (4, "title: contact 黄志明 of GDT-SZ has another title on line 2.")]
    report = import_file(desk, "contacts", path, skip_invalid=True)
    assert dict(report.added) == {"contacts": 1, "numbers": 2}


# --- bad rows -----------------------------------------------------------------------------------


def test_bad_rows_are_named_by_line_and_nothing_is_imported(desk: Desk) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    before = directory(desk)
    report = import_file(desk, "contacts", CSV / "contacts_bad.csv")
    assert [(p.line, p.message.split(":")[0]) for p in report.errors] == [
        (3, "numbers"), (4, "customer_code"), (5, "site"), (6, "email"), (7, "contact_name"),
        (8, "numbers")]
    assert "0755-123 is too short for a fixed line in area 0755" in report.errors[0].message
    assert "There is no customer with code 'NOPE'" in report.errors[1].message
    assert not report.written
    assert directory(desk) == before
    assert len(import_events(desk)) == 1


def test_skip_invalid_imports_the_good_rows_and_records_the_skipped_lines(desk: Desk) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    report = import_file(desk, "contacts", CSV / "contacts_bad.csv", skip_invalid=True)
    assert report.written and dict(report.added) == {"contacts": 1, "numbers": 1}
    assert import_events(desk)[-1]["skipped_lines"] == [3, 4, 5, 6, 7, 8]


def test_contracts_with_an_unknown_policy_or_grade_are_bad_rows(desk: Desk) -> None:
    load_all(desk)
    report = import_file(desk, "contracts", CSV / "contracts_bad.csv")
    assert [(p.line, p.message) for p in report.errors] == [
        (2, "policy: 'platinum' is not a policy the desk has loaded; it has: "
            "fire-maintenance, guangdong-transmission, standard."),
        (3, "grade: Policy standard has no grade D; it has A/B/C."),
        (4, "valid_to: The contract ends (2026-01-01) before it starts (2026-12-31)."),
        (5, "valid_from: Valid from: '2026-13-01' is not a date; write YYYY-MM-DD "
            "(e.g. 2026-12-31)."),
    ]
    # line 6 is good, with warnings: a city the policy has no zone for, and an overlap
    assert [p.line for p in report.warnings] == [6, 6]
    assert "no zone for 北京" in report.warnings[0].message
    assert "GD-TX-2026-001" in report.warnings[1].message
    assert not report.written


def test_a_contract_does_not_move_to_another_customer(desk: Desk, tmp_path: Path) -> None:
    load_all(desk)
    path = write(tmp_path, "k.csv", "contract_code,customer_code,policy,valid_from\n"
                                    "STD-2026-031,GDT-SZ,standard,2026-07-01\n")
    [problem] = import_file(desk, "contracts", path).errors
    assert "belongs to customer BJYJ" in problem.message


def test_a_row_with_more_cells_than_the_header_is_bad(desk: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer_code,customer_name,city\n"
                                    "A1,甲,深圳\n"
                                    "A2,乙,深圳,龙岗,区\n")
    report = import_file(desk, "customers", path)
    assert [(p.line, "double quotes" in p.message) for p in report.errors] == [(3, True)]


# --- reading files --------------------------------------------------------------------------------


def test_semicolons_tabs_chinese_headers_and_quoted_line_breaks(desk: Desk,
                                                                tmp_path: Path) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    semicolon = write(tmp_path, "s.csv",
                      "客户编码;姓名;职务;站点;邮箱;电话;备注\n"
                      'GDT-SZ;甲;"值班\n主管";福田传输机房;;"13800138000; 13800138001";x\n'
                      "GDT-SZ;乙;;;;0755 8376 5499;\n", bom=True)
    table = read_table(semicolon, "contacts")
    assert table.delimiter == ";" and table.ignored == ["备注"]
    assert [r.line for r in table.rows] == [2, 4]  # the quoted line break counts
    report = import_file(desk, "contacts", semicolon)
    assert dict(report.added) == {"contacts": 2, "numbers": 3}
    tabbed = write(tmp_path, "t.csv", "customer_code\tcontact_name\tnumbers\n"
                                      "GDT-SZ\t丙\t13800138002\n")
    assert import_file(desk, "contacts", tabbed).added["contacts"] == 1
    with Session(desk.engine) as s:
        assert s.exec(select(Contact.title).where(Contact.name == "甲")).one() == "值班 主管"


def test_a_file_that_is_not_utf8_says_how_to_import_it(desk: Desk, tmp_path: Path) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    text = "customer_code,contact_name,numbers\nGDT-SZ,王五,13800138000\n"
    path = write(tmp_path, "gbk.csv", text, encoding="gb18030")
    with pytest.raises(ImportFileError, match=r"line 2 is not UTF-8.*--encoding gb18030"):
        import_file(desk, "contacts", path)
    assert import_file(desk, "contacts", path, encoding="gb18030").added["contacts"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("name,phone\n甲,13800138000\n", "the header has no customer_code column"),
    ("hello world\n", "the first line is not a contacts header"),
    ("customer_code,contact_name,numbers,电话\n", "names the column numbers twice"),
])
def test_a_file_that_is_not_a_contacts_file_is_refused(desk: Desk, tmp_path: Path, text: str,
                                                        message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_file(desk, "contacts", write(tmp_path, "x.csv", text))


def test_lookups_are_batched_not_one_query_per_row(desk: Desk, tmp_path: Path) -> None:
    import_file(desk, "customers", CSV / "customers.csv")
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    def run_import(n: int) -> int:
        lines = ["customer_code,contact_name,site,numbers"]
        lines += [f"GDT-SZ,联系人{n}-{i},福田传输机房,139{n % 100:02d}{i:06d}; 8376{i:04d}"
                  for i in range(n)]
        path = write(tmp_path, f"c{n}.csv", "\n".join(lines) + "\n")
        statements.clear()
        sa.event.listen(desk.engine, "before_cursor_execute", count_statement)
        try:
            report = import_file(desk, "contacts", path)
        finally:
            sa.event.remove(desk.engine, "before_cursor_execute", count_statement)
        assert report.added["contacts"] == n, report.errors[:3]
        return len(statements)

    # a handful of statements whatever the number of rows (here 400 contacts, 800 numbers);
    # two of them are the importer's role check and the audit chain's tail read
    many, few = run_import(400), run_import(20)
    assert many <= 12 and few <= 12
    assert many <= few + 1  # twenty times the rows, not more statements


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    db = tmp_path / "desk.db"
    monkeypatch.setenv("HOTLINE_DB", str(db))
    return db


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


def test_cli_exit_codes_and_reports(env: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("import", "customers", str(CSV / "customers.csv")) == 0
    assert "Added 4 customers, 4 sites" in capsys.readouterr().out
    assert cli("import", "contacts", str(CSV / "contacts_bad.csv")) == 1
    err = capsys.readouterr().err
    assert "contacts_bad.csv, line 3: numbers: 0755-123 is too short" in err
    assert "6 rows are bad, so nothing was imported" in err
    assert cli("import", "contacts", str(CSV / "contacts_bad.csv"), "--dry-run",
               "--skip-invalid") == 0
    assert "would add 1 contact, 1 number" in capsys.readouterr().out
    assert cli("import", "contacts", str(CSV / "contacts_bad.csv"), "--skip-invalid") == 0
    assert "6 bad rows were skipped" in capsys.readouterr().out
    assert cli("import", "contacts", str(tmp_path / "missing.csv")) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli("import", "contacts", str(CSV / "contacts.csv"), "--delimiter", "x") == 2
    assert cli("import", "contracts", str(CSV / "contacts.csv")) == 2
    assert "the header has no contract_code" in capsys.readouterr().err
    assert cli("import", "sites", str(CSV / "contacts.csv")) == 2
    assert cli("import", "contracts", str(CSV / "contracts.csv")) == 0
    capsys.readouterr()
    assert cli("import", "contracts", str(CSV / "contracts.csv")) == 0
    assert "nothing to change" in capsys.readouterr().out


def test_cli_lists_and_exports_in_the_import_format(env: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("customers", "contacts", "contracts"):
        assert cli("import", kind, str(CSV / f"{kind}.csv")) == 0
    capsys.readouterr()
    assert cli("directory", "contacts", "0755-8376") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "黄志明" in out[1] and "0755 8376 5432" in out[1]
    for kind in ("customers", "contacts", "contracts"):
        target = tmp_path / f"out-{kind}.csv"
        assert cli("directory", kind, "--csv", str(target)) == 0
        assert target.read_bytes().startswith(b"\xef\xbb\xbf")
        capsys.readouterr()
        assert cli("import", kind, str(target)) == 0
        assert "nothing to change" in capsys.readouterr().out


def test_export_writes_what_import_reads(desk: Desk, tmp_path: Path) -> None:
    load_all(desk)
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        assert export_csv(desk, "contacts", fh) == 5
    other = build_desk(make_settings(), FixedClock(START))
    try:
        import_file(other, "customers", CSV / "customers.csv")
        import_file(other, "contacts", path)
        assert directory(other)["numbers"] == directory(desk)["numbers"]
    finally:
        other.engine.dispose()


def test_import_on_postgresql(pg_url: str) -> None:
    desk = build_desk(make_settings(pg_url), FixedClock(START))
    try:
        assert import_file(desk, "customers", CSV / "customers.csv").written
        refused = import_file(desk, "contacts", CSV / "contacts_bad.csv")
        assert refused.errors and not refused.written
        skipped = import_file(desk, "contacts", CSV / "contacts_bad.csv", skip_invalid=True)
        assert skipped.written and dict(skipped.added) == {"contacts": 1, "numbers": 1}
        good = import_file(desk, "contacts", CSV / "contacts.csv")
        assert dict(good.added) == {"contacts": 4, "numbers": 7}
        assert dict(good.updated) == {"contacts": 1}  # 黄志明: e-mail, label, a new number
        assert import_file(desk, "contracts", CSV / "contracts.csv").written
        before = directory(desk)
        for kind in ("customers", "contacts", "contracts"):
            assert not import_file(desk, kind, CSV / f"{kind}.csv").written
        assert directory(desk) == before
    finally:
        desk.engine.dispose()
