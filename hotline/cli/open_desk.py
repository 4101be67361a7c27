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


def use_demo_database(ctx: CliContext) -> str:
    """Point ``ctx`` at the demo desk's database, as ``hotline demo`` opens it: its own
    SQLite file in the data folder, unless ``--db`` or ``HOTLINE_DB`` names one.

    Returns where it is, as said to the user (a file path, or the URL without password).
    """
    from dataclasses import replace

    from hotline.config import default_db_url
    from hotline.paths import user_data_dir

    settings = ctx.settings
    if settings.db_url == default_db_url():
        settings = replace(settings, db_url=f"sqlite:///{user_data_dir() / 'demo.db'}")
        ctx.settings = settings
    return shown_database(settings.db_url)


def shown_database(url: str) -> str:
    """A database as said to the user: a SQLite file's path, else its URL without password."""
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def demo_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline import demo
    from hotline.telephony.simulator import DemoCaller

    where = use_demo_database(ctx)
    if args.every <= 0:
        raise UsageError(_("--every must be a positive number of seconds."))
    said = _("The demo desk's database: {where} (ring it from another terminal with "
             "hotline ring --demo NUMBER).").format(where=where)
    desk = ctx.desk()
    demo.load_directory(desk)
    demo.give_demo_secrets(desk)
    demo.record_offer(desk, accepted=True)
    known, unknown, service = demo.simulator_numbers(desk)
    caller = DemoCaller(desk, known, unknown, service, seed=args.seed, mean_gap_s=args.every)
    from hotline.cli.context import UiRequest

    try:
        return ctx.open_ui(UiRequest(desk, simulator=caller,
                                     banner=_("DEMO — simulated calls ring here")))
    finally:
        # said once the screen is gone: printed before, the terminal shows it again then
        # (the screen gives back what was there), and it would read twice
        print(said, flush=True)
