"""``hotline desk`` (the default) and ``hotline demo``: open the desk's screens."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.desk.operations import Desk


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("desk", parents=parents, help=_("open the desk (the default)"))
    # a browser tab's desk (hotline serve): whoever uses the tab signs in, whatever the
    # config file's login says
    p.add_argument("--sign-in", action="store_true", help=argparse.SUPPRESS)
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
    import sys
    from dataclasses import replace

    from hotline.cli.context import UiRequest

    if getattr(args, "sign_in", False):  # a browser tab (hotline serve) signs in itself
        ctx.settings = replace(ctx.settings, login=None)
    if sys.stdin.isatty():
        from hotline.accounts.accounts import needs_first_manager

        desk = ctx.desk(ask_secret=False)
        if needs_first_manager(desk):
            create_first_manager_at_prompt(desk)
        return ctx.open_ui(UiRequest(desk=desk, offer_demo=True))
    return ctx.open_ui(UiRequest(opener=lambda: ctx.desk(ask_secret=False), offer_demo=True))


def create_first_manager_at_prompt(desk: Desk) -> None:
    """The desk's first run: its first manager, asked at the terminal."""
    import getpass

    from hotline.accounts.accounts import create_first_manager
    from hotline.errors import InputError

    print(_("This desk has no accounts yet. Create its first manager (who adds the others "
            "with hotline user add)."))
    while True:
        login = input(_("Login: ")).strip()
        name = input(_("Name: ")).strip()
        secret = getpass.getpass(_("Secret: "))
        if getpass.getpass(_("Again: ")) != secret:
            print(_("The two secrets differ; try again."))
            continue
        try:
            create_first_manager(desk, login, name, secret)
        except InputError as exc:
            print(exc)
            continue
        print(_("{login} is the desk's manager; sign in with that secret.").format(
            login=login))
        return


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
    desk = ctx.desk(ask_secret=False)
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
