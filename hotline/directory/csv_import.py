"""Importing the directory from a CSV file: customers (with sites), contacts, contracts.

A file is read whole and every row checked — with the same checks as the
Directory screen's forms — before anything is written. If any row is bad,
nothing is imported unless ``skip_invalid`` is given; then the good rows
are. What is written is written in one transaction, with one
``directory_imported`` event saying what came from which file. How rows are
matched to what is already there is told in :mod:`hotline.directory.csv_plans`.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from hotline.accounts.permissions import require
from hotline.directory.csv_columns import KINDS
from hotline.directory.csv_plans import PLANS
from hotline.directory.csv_reading import ImportFileError, read_table
from hotline.directory.csv_report import ImportReport
from hotline.errors import Conflict
from hotline.i18n import _
from hotline.seat import Seat


def import_file(seat: Seat, kind: str, path: Path, *, skip_invalid: bool = False,
                dry_run: bool = False, delimiter: str | None = None,
                encoding: str | None = None) -> ImportReport:
    """Check every row of ``path`` and import it (all or nothing, unless ``skip_invalid``).

    Raises :class:`ImportFileError` when the file cannot be read as ``kind``;
    bad rows are in the report (``report.written`` says whether anything was
    written).
    """
    if kind not in KINDS:
        raise ImportFileError(_("Unknown kind of file {kind!r}: {kinds}.").format(
            kind=kind, kinds=", ".join(KINDS)))
    if not dry_run:
        require(seat, "import_directory", kind=kind, file=str(path))
    table = read_table(path, kind, delimiter=delimiter, encoding=encoding)
    report = ImportReport(kind, str(path), table.delimiter, table.encoding, len(table.rows),
                          ignored_columns=table.ignored, dry_run=dry_run,
                          skip_invalid=skip_invalid)
    try:
        with seat.write() as tx:
            plan = PLANS[kind](seat.sla, tx.session, table, report)
            plan.check()
            if report.errors and not skip_invalid:
                tx.session.rollback()
                return report
            if dry_run:
                plan.count()
                tx.session.rollback()
                return report
            plan.apply()
            if report.changed:
                tx.record_event("directory_imported", tx.now, kind=kind, file=str(path),
                                sha256=table.digest, rows=report.rows,
                                added=dict(report.added), updated=dict(report.updated),
                                skipped_lines=report.bad_lines)
                report.written = True
            else:
                tx.session.rollback()
    except sa.exc.IntegrityError as exc:
        raise Conflict(_("Someone changed the directory while {file} was imported; nothing "
                         "was imported. Run the import again.").format(file=path.name)) from exc
    return report

