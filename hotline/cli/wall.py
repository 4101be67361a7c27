"""``hotline wall``: the wallboard alone, for a TV; read-only."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("wall", parents=parents,
                       help=_("show the wallboard: today's figures in large digits"),
                       description=_("Show the wallboard, read-only: calls ringing and the "
                                     "longest wait, today's service level, callbacks, open "
                                     "level-1 faults, unacknowledged escalations and each "
                                     "engineer's state. q quits."))
    p.add_argument("--demo", action="store_true",
                   help=_("the demo desk's database (the one hotline demo opens)"))
    p.set_defaults(handler=wall_command)


def wall_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.context import UiRequest
    from hotline.cli.open_desk import use_demo_database

    if args.demo:
        use_demo_database(ctx)
    return ctx.open_ui(UiRequest(opener=ctx.desk, wall=True))
