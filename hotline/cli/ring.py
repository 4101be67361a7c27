"""``hotline ring NUMBER``: register a ringing call from any process; every open desk shows it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.errors import InputError
from hotline.i18n import _
from hotline.timefmt import clock_time, parse_time

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ring", parents=parents,
                       help=_("register a ringing call (appears on every open desk)"))
    p.add_argument("number", help=_("the caller's number, in any usual written form"))
    p.add_argument("--at", metavar="TIME", help=_("when it started ringing (default now)"))
    p.add_argument("--call-id", metavar="ID",
                   help=_("the call's id in the phone system; ringing the same id twice "
                          "changes nothing"))
    p.add_argument("--queue", metavar="QUEUE", help=_("the queue it rang in"))
    p.add_argument("--service", metavar="NAME",
                   help=_("the service account the call is recorded as rung by (with "
                          "--token-file)"))
    p.add_argument("--token-file", metavar="FILE",
                   help=_("the service account's token: the first line of FILE (mode 600)"))
    p.add_argument("--demo", action="store_true",
                   help=_("ring the demo desk (the database hotline demo opens)"))
    p.set_defaults(handler=ring_command)


def ring_command(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.demo:
        from hotline.cli.open_desk import use_demo_database

        use_demo_database(ctx)
    desk = ctx.desk()
    if args.service or args.token_file:
        from hotline.cli.secret_files import sign_in_service

        sign_in_service(desk, args.service, args.token_file)
    try:
        at = parse_time(args.at, desk.settings.tz, desk.now()) if args.at else None
        result = desk.ring(args.number, at=at, call_key=args.call_id, queue=args.queue,
                           source="cli")
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    due = result.answer_due_at
    who = result.caller.contact_name or _("unknown caller")
    if result.caller.customer_name:
        who += f" · {result.caller.customer_name}"
    shown = result.number.display if result.number else args.number
    if result.created:
        print(_("Call {id} from {number} ({who}) is ringing; answer by {due}.").format(
            id=result.call_id, number=shown, who=who, due=clock_time(due, desk.settings.tz)))
    else:
        print(_("Call id {key} already rang (call {id}); nothing changed.").format(
            key=args.call_id, id=result.call_id))
    return 0
