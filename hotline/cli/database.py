"""``hotline db upgrade``: database maintenance, bringing the schema to this version."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", parents=parents, help=_("database maintenance"))
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True,
                             parser_class=type(p))
    up = dbsub.add_parser("upgrade", parents=parents,
                          help=_("bring the database schema to this version"))
    up.set_defaults(handler=db_upgrade_command)


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
