"""``hotline desk`` (the default) and ``hotline demo``: open the desk's screens."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


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


def open_desk_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.context import UiRequest

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
        raise UsageError(_("--every must be a positive number of seconds."))
    desk = ctx.desk()
    demo.load_directory(desk)
    demo.record_offer(desk, accepted=True)
    known, unknown, service = demo.simulator_numbers(desk)
    caller = DemoCaller(desk, known, unknown, service, seed=args.seed, mean_gap_s=args.every)
    from hotline.cli.context import UiRequest

    return ctx.open_ui(UiRequest(desk, simulator=caller,
                                 banner=_("DEMO — simulated calls ring here")))
