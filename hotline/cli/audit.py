"""``hotline audit TICKET``: print a ticket's trail, every event with who and when."""

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
    p.set_defaults(handler=audit_command)


def audit_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade
    from hotline.views.ticket import audit_lines, find_ticket_id

    engine = make_engine(ctx.settings.db_url)
    upgrade(engine)
    ticket_id = find_ticket_id(engine, args.ticket)
    for line in audit_lines(engine, ticket_id, ctx.settings.tz):
        print(line)
    return 0
