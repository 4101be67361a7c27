"""``hotline audit TICKET``: print a ticket's trail, every event with who and when.

``--attachments`` prints the ticket's documents (a remote session's command log)
after the trail; ``--out DIR`` saves each of them to a file in DIR instead.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", parents=parents,
                       help=_("print a ticket's trail: every event, who, when"))
    p.add_argument("ticket", help=_("ticket number (e.g. 261125-0001) or id"))
    p.add_argument("--attachments", action="store_true",
                   help=_("also print the ticket's attachments (command logs)"))
    p.add_argument("--out", metavar="DIR",
                   help=_("save the ticket's attachments as files in DIR (made if missing) "
                          "instead of printing"))
    p.set_defaults(handler=audit_command)


def audit_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade
    from hotline.views.attachments import attachment_lines, export_attachments
    from hotline.views.ticket import attachments_of, audit_lines, find_ticket_id

    engine = make_engine(ctx.settings.db_url)
    upgrade(engine)
    ticket_id = find_ticket_id(engine, args.ticket)
    tz = ctx.settings.tz
    if args.out is not None:
        for path in export_attachments(attachments_of(engine, ticket_id), args.out, tz):
            print(_("saved {path}").format(path=path))
        return 0
    for line in audit_lines(engine, ticket_id, tz):
        print(line)
    if args.attachments:
        print()
        for line in attachment_lines(attachments_of(engine, ticket_id), tz):
            print(line)
    return 0
