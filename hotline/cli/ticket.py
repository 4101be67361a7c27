"""``hotline ticket link A B`` and ``hotline ticket merge DUPLICATE --into KEPT``.

The same operations as the ticket screen's L and M keys, for a supervisor's
script or a seat without the desk open; each prints what it did.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ticket", parents=parents,
                       help=_("link related tickets, merge a duplicate into another"))
    actions = p.add_subparsers(dest="ticket_action", required=True, metavar="ACTION")
    link = actions.add_parser("link", parents=parents,
                              help=_("link two tickets (both show the link)"))
    link.add_argument("ticket", help=_("ticket number (e.g. 261125-0001) or id"))
    link.add_argument("other", help=_("the related ticket's number"))
    link.add_argument("--note", default="", help=_("why they belong together"))
    link.set_defaults(handler=link_command)
    merge = actions.add_parser("merge", parents=parents,
                               help=_("close a duplicate as merged into another ticket: its "
                                      "calls move there, its clocks stop"))
    merge.add_argument("duplicate", help=_("the duplicate's number (e.g. 261125-0002) or id"))
    merge.add_argument("--into", required=True, metavar="TICKET",
                       help=_("the number of the ticket to keep"))
    merge.add_argument("--note", default="", help=_("why it is a duplicate"))
    merge.set_defaults(handler=merge_command)


def link_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.views.ticket import find_ticket_id

    desk = ctx.desk()
    ticket_id = find_ticket_id(desk.engine, args.ticket)
    desk.link_tickets(ticket_id, args.other, note=args.note)
    print(_("Tickets {a} and {b} linked.").format(a=args.ticket, b=args.other.strip()))
    return 0


def merge_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.views.ticket import find_ticket_id

    desk = ctx.desk()
    duplicate_id = find_ticket_id(desk.engine, args.duplicate)
    desk.merge_ticket(duplicate_id, args.into, note=args.note)
    print(_("{a} merged into {b}.").format(a=args.duplicate, b=args.into.strip()))
    return 0
