"""``hotline import customers|contacts|contracts FILE.csv`` and ``hotline directory``.

Exit codes of an import: 0 imported (or nothing to change), 1 refused
because of bad rows (nothing written), 2 bad arguments or a file that
cannot be read as the kind asked for.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.cli.import_group import import_group
from hotline.directory import csv_columns
from hotline.i18n import N_, _

if TYPE_CHECKING:
    from hotline.cli.main import CliContext

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

    p = sub.add_parser(
        "directory", parents=parents,
        help=_("list the directory: customers, sites, contacts or contracts"),
        description=_("List what the directory holds, optionally only what matches a "
                      "search; --csv writes it in the import format instead."))
    p.add_argument("kind", choices=["customers", "sites", "contacts", "contracts"],
                   metavar="KIND", help=_("customers, sites, contacts or contracts"))
    p.add_argument("search", nargs="*", help=_("words that must all appear (name, code, city, "
                                               "number …)"))
    p.add_argument("--csv", metavar="FILE",
                   help=_("write the rows to FILE in the import format (UTF-8 with BOM, "
                          "which Excel opens correctly)"))
    p.set_defaults(handler=directory_command)


def import_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.main import UsageError

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


def directory_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.directory.contract_terms import CONTRACT_STATES
    from hotline.directory.csv_export import export_csv
    from hotline.directory.listing import list_contacts, list_contracts, list_customers, list_sites

    desk = ctx.desk()
    query = " ".join(args.search)
    if args.csv:
        path = Path(args.csv)
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                n = export_csv(desk, args.kind, fh, query)
        except OSError as exc:
            from hotline.cli.main import UsageError

            raise UsageError(_("Cannot write {file}: {reason}.").format(
                file=path, reason=exc.strerror or exc)) from None
        print(_("{file}: {n} rows written.").format(file=path, n=f"{n:,}"))
        return 0
    writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    shown = 0
    total = 0
    if args.kind == "customers":
        customers = list_customers(desk, query)
        total = customers.total
        writer.writerow([_("Code"), _("Name"), _("City"), _("Sites"), _("Contacts"),
                         _("Contract in force")])
        for c in customers.rows:
            writer.writerow([c.code, c.name, c.city or "", c.sites, c.contacts, c.contract or ""])
        shown = len(customers.rows)
    elif args.kind == "sites":
        sites = list_sites(desk, query)
        total = sites.total
        writer.writerow([_("Customer"), _("Site"), _("City"), _("Area code"), _("Address")])
        for s in sites.rows:
            writer.writerow([s.customer_code, s.name, s.city or "", s.area_code or "",
                             s.address or ""])
        shown = len(sites.rows)
    elif args.kind == "contacts":
        contacts = list_contacts(desk, query)
        total = contacts.total
        writer.writerow([_("Customer"), _("Name"), _("Title"), _("Site"), _("Numbers")])
        for p in contacts.rows:
            writer.writerow([p.customer_code, p.name, p.title or "", p.site or "",
                             "; ".join(p.numbers)])
        shown = len(contacts.rows)
    else:
        contracts = list_contracts(desk, query)
        total = contracts.total
        writer.writerow([_("Code"), _("Customer"), _("Policy"), _("Grade"), _("Region"),
                         _("Valid from"), _("Valid to"), _("State")])
        for k in contracts.rows:
            writer.writerow([k.code, k.customer_code, k.policy, k.grade, k.region or "",
                             k.valid_from or "", k.valid_to or "",
                             _(CONTRACT_STATES[k.state])])
        shown = len(contracts.rows)
    if shown < total:
        print(_("({shown} of {total} shown: add words to narrow the search, or use --csv.)")
              .format(shown=shown, total=f"{total:,}"), file=sys.stderr)
    return 0
