"""``hotline import customers|contacts|contracts FILE.csv``: load the directory from CSV files.

Exit codes: 0 imported (or nothing to change), 1 refused because of bad
rows (nothing written), 2 bad arguments or a file that cannot be read as
the kind asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.cli.import_group import import_group
from hotline.cli.usage import UsageError
from hotline.directory import csv_columns
from hotline.i18n import N_, _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext

_DELIMITERS = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "tab": "\t", "\\t": "\t",
               "\t": "\t", "|": "|", "pipe": "|"}

_WHAT = {
    "customers": N_("Customers and their sites: one row per site (or one row for a customer "
                    "without sites)."),
    "contacts": N_("Contacts of known customers, with one or more numbers each."),
    "contracts": N_("Contracts of known customers: policy, grade, region and validity."),
}


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    kinds = import_group(sub, parents)
    for kind in csv_columns.KINDS:
        p = kinds.add_parser(
            kind, parents=parents,
            help=_("import {kind} from a CSV file").format(kind=kind),
            description=_(_WHAT[kind]) + " " + _(
                "The first line is the header: {header}. UTF-8 (with or without BOM); "
                "comma, semicolon or tab delimited (found from the header). Every row is "
                "checked first; if any is bad nothing is imported. Importing the same file "
                "again changes nothing.").format(header=csv_columns.header_line(kind)),
        )
        p.add_argument("file", metavar="FILE.csv", help=_("the CSV file"))
        p.add_argument("--skip-invalid", action="store_true",
                       help=_("import the good rows even if some are bad (the bad ones are "
                              "listed)"))
        p.add_argument("--dry-run", action="store_true",
                       help=_("check every row and say what would change; write nothing"))
        p.add_argument("--delimiter", metavar="D",
                       help=_("the delimiter: comma, semicolon, tab or | (default: found from "
                              "the header)"))
        p.add_argument("--encoding", metavar="NAME",
                       help=_("the file's encoding (default UTF-8, with or without BOM; "
                              "gb18030 for Excel's plain CSV on Chinese Windows)"))
        p.set_defaults(handler=import_command, import_kind=kind)


def import_command(args: argparse.Namespace, ctx: CliContext) -> int:
    delimiter = None
    if args.delimiter is not None:
        delimiter = _DELIMITERS.get(args.delimiter.strip().lower() or args.delimiter)
        if delimiter is None:
            raise UsageError(_("--delimiter must be comma, semicolon, tab or |, not {value!r}.")
                             .format(value=args.delimiter))
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("{file}: no such file.").format(file=args.file))
    from hotline.directory.csv_import import import_file
    from hotline.directory.csv_reading import ImportFileError
    from hotline.directory.csv_report import summary

    desk = ctx.desk()
    try:
        report = import_file(desk, args.import_kind, path, skip_invalid=args.skip_invalid,
                             dry_run=args.dry_run, delimiter=delimiter, encoding=args.encoding)
    except ImportFileError as exc:
        raise UsageError(str(exc)) from exc
    name = path.name
    if report.ignored_columns:
        print(_("{file}: columns ignored (not columns of a {kind} file): {columns}.").format(
            file=name, kind=args.import_kind, columns=", ".join(report.ignored_columns)),
            file=sys.stderr)
    for problem in report.errors:
        print(_("{file}, line {line}: {message}").format(file=name, line=problem.line,
                                                        message=problem.message),
              file=sys.stderr)
    for problem in report.warnings:
        print(_("{file}, line {line}: warning: {message}").format(
            file=name, line=problem.line, message=problem.message), file=sys.stderr)
    refused = bool(report.errors) and not args.skip_invalid
    print(summary(report), file=sys.stderr if refused else sys.stdout)
    return 1 if refused else 0
