"""``hotline directory KIND [WORDS]``: list customers, sites, contacts or contracts.

With ``--csv FILE`` the rows are written in the format ``hotline import``
reads instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.i18n import _, ngettext

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
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


def directory_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.directory.contract_terms import CONTRACT_STATES
    from hotline.directory.csv_export import export_csv
    from hotline.directory.listing import list_contacts, list_contracts, list_customers, list_sites
    from hotline.spreadsheet import csv_writer

    desk = ctx.desk()
    query = " ".join(args.search)
    if args.csv:
        path = Path(args.csv)
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                n = export_csv(desk, args.kind, fh, query)
        except OSError as exc:
            raise UsageError(_("Cannot write {file}: {reason}.").format(
                file=path, reason=exc.strerror or exc)) from None
        print(ngettext("{file}: {n} row written.", "{file}: {n} rows written.", n).format(
            file=path, n=f"{n:,}"))
        return 0
    # tab-separated, often sent to a file a spreadsheet opens: formulas escaped there too
    writer = csv_writer(sys.stdout, delimiter="\t", lineterminator="\n")
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
