"""``hotline audit TICKET``: print a ticket's trail, every event with who and when.

``--attachments`` prints the ticket's documents (a remote session's command log)
after the trail; ``--out DIR`` saves each of them to a file in DIR instead.
``hotline audit --verify`` recomputes the whole audit chain
(:mod:`hotline.store.audit_chain`) and names its first broken link.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.i18n import _, ngettext

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", parents=parents,
                       help=_("print a ticket's trail: every event, who, when"))
    p.add_argument("ticket", nargs="?", help=_("ticket number (e.g. 261125-0001) or id"))
    p.add_argument("--verify", action="store_true",
                   help=_("recompute the whole audit chain and report its first broken link "
                          "(exit 1) or that it is intact (exit 0)"))
    p.add_argument("--expect", metavar="HASH",
                   help=_("with --verify: a hash printed by an earlier check, which must "
                          "still be in the chain (finds events removed from its end)"))
    p.add_argument("--attachments", action="store_true",
                   help=_("also print the ticket's attachments (command logs)"))
    p.add_argument("--out", metavar="DIR",
                   help=_("save the ticket's attachments as files in DIR (made if missing) "
                          "instead of printing"))
    p.set_defaults(handler=audit_command)


def audit_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.usage import UsageError
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade
    from hotline.views.attachments import attachment_lines, export_attachments
    from hotline.views.ticket import attachments_of, audit_lines, find_ticket_id

    if args.verify:
        return verify_command(args, ctx)
    if args.expect is not None:
        raise UsageError(_("--expect goes with --verify."))
    if args.ticket is None:
        raise UsageError(_("Give a ticket number, or --verify to check the whole audit "
                           "trail."))
    engine = make_engine(ctx.settings.db_url, pooler=ctx.settings.db_pooler)
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


def verify_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.usage import UsageError
    from hotline.store.audit_chain import verify_chain
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade
    from hotline.views.audit_trail import describe_break

    if args.ticket is not None:
        raise UsageError(_("--verify checks the whole trail: give no ticket with it."))
    expect = args.expect.strip().lower() if args.expect is not None else None
    if expect is not None and (len(expect) != 64
                               or any(ch not in "0123456789abcdef" for ch in expect)):
        raise UsageError(_("--expect: {hash!r} is not a hash (64 hexadecimal digits).").format(
            hash=args.expect))
    engine = make_engine(ctx.settings.db_url, pooler=ctx.settings.db_pooler)
    upgrade(engine)
    report = verify_chain(engine, expect=expect)
    tz = ctx.settings.tz
    if report.broken is not None:
        print(describe_break(report.broken, tz))
        print(ngettext("The chain is broken there; the {n} event before it is intact.",
                       "The chain is broken there; the {n} events before it are intact.",
                       report.events).format(n=f"{report.events:,}"))
        return 1
    print(ngettext("{n} event, chain intact.", "{n} events, chain intact.",
                   report.events).format(n=f"{report.events:,}"))
    if report.last_id is not None:
        print(_("Newest event #{id}, hash {hash} (keep it elsewhere: hotline audit --verify "
                "--expect HASH later shows that nothing was removed since).").format(
                    id=report.last_id, hash=report.last_hash))
    if report.anchor_found is False:
        print(_("The hash {hash} is not in the chain: events were removed from its end, or "
                "the hash is another database's.").format(hash=expect))
        return 1
    return 0

