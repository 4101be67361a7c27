"""Sub-commands of the desk itself: open it, demo, ring a call, migrate the database."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from hotline.errors import InputError
from hotline.i18n import _
from hotline.timefmt import clock_time, parse_time

if TYPE_CHECKING:
    from hotline.cli.main import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("desk", parents=parents, help=_("open the desk (the default)"))
    p.set_defaults(handler=open_desk_command)

    p = sub.add_parser("demo", parents=parents,
                       help=_("open a demo desk where simulated calls ring"),
                       description=_("Open the desk on a separate demo database (unless --db "
                                     "is given), with the demo directory loaded and a "
                                     "simulator ringing calls."))
    p.add_argument("--seed", type=int, default=None, help=_("random seed for the simulator"))
    p.add_argument("--every", type=float, default=40.0, metavar="SECONDS",
                   help=_("mean seconds between simulated calls (default 40)"))
    p.set_defaults(handler=demo_command)

    p = sub.add_parser("ring", parents=parents,
                       help=_("register a ringing call (appears on every open desk)"))
    p.add_argument("number", help=_("the caller's number, in any usual written form"))
    p.add_argument("--at", metavar="TIME", help=_("when it started ringing (default now)"))
    p.add_argument("--call-id", metavar="ID",
                   help=_("the call's id in the phone system; ringing the same id twice "
                          "changes nothing"))
    p.add_argument("--queue", metavar="QUEUE", help=_("the queue it rang in"))
    p.set_defaults(handler=ring_command)

    p = sub.add_parser("audit", parents=parents,
                       help=_("print a ticket's trail: every event, who, when"))
    p.add_argument("ticket", help=_("ticket number (e.g. 261125-0001) or id"))
    p.set_defaults(handler=audit_command)

    p = sub.add_parser("db", parents=parents, help=_("database maintenance"))
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True,
                             parser_class=type(p))
    up = dbsub.add_parser("upgrade", parents=parents,
                          help=_("bring the database schema to this version"))
    up.set_defaults(handler=db_upgrade_command)


def open_desk_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.main import UiRequest

    return ctx.open_ui(UiRequest(opener=ctx.desk, offer_demo=True))


def demo_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from dataclasses import replace

    from hotline import demo
    from hotline.config import default_db_url
    from hotline.paths import user_data_dir
    from hotline.telephony.simulator import DemoCaller

    settings = ctx.settings
    if settings.db_url == default_db_url():
        settings = replace(settings, db_url=f"sqlite:///{user_data_dir() / 'demo.db'}")
        ctx.settings = settings
    if args.every <= 0:
        from hotline.cli.main import UsageError

        raise UsageError(_("--every must be a positive number of seconds."))
    desk = ctx.desk()
    demo.load_directory(desk)
    demo.record_offer(desk, accepted=True)
    known, unknown, service = demo.simulator_numbers(desk)
    caller = DemoCaller(desk, known, unknown, service, seed=args.seed, mean_gap_s=args.every)
    from hotline.cli.main import UiRequest

    return ctx.open_ui(UiRequest(desk, simulator=caller,
                                 banner=_("DEMO — simulated calls ring here")))


def ring_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.main import UsageError

    desk = ctx.desk()
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


def db_upgrade_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.store.engine import make_engine
    from hotline.store.schema import current_revision, upgrade

    engine = make_engine(ctx.settings.db_url)
    before = current_revision(engine)
    changed = upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if changed:
        print(_("{url}: schema upgraded from {before} to {after}.").format(
            url=url, before=before or _("empty"), after=after))
    else:
        print(_("{url}: schema is up to date ({rev}).").format(url=url, rev=after))
    sys.stdout.flush()
    return 0


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
