"""``hotline db``: database maintenance.

``upgrade`` brings the schema to this version and puts back any guard of the
event table found missing; ``check`` says whether those guards are in place
and the newest links of the audit chain hold; ``grants ROLE`` prints (or, with
``--apply``, runs) the grants of the seats' role on PostgreSQL.
"""

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
                          help=_("bring the database schema to this version and restore "
                                 "the event table's guards"))
    up.set_defaults(handler=db_upgrade_command)
    check = dbsub.add_parser("check", parents=parents,
                             help=_("check the event table's guards and the newest links "
                                    "of the audit chain"))
    check.set_defaults(handler=db_check_command)
    grants = dbsub.add_parser("grants", parents=parents,
                              help=_("print the grants of the seats' database role "
                                     "(PostgreSQL)"))
    grants.add_argument("role", metavar="ROLE", help=_("the seats' database role"))
    grants.add_argument("--apply", action="store_true",
                        help=_("run the grants instead of printing them (as the owner)"))
    grants.set_defaults(handler=db_grants_command)


def db_upgrade_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.store.engine import make_engine
    from hotline.store.guards import restore_guards
    from hotline.store.schema import current_revision, upgrade

    engine = make_engine(ctx.settings.db_url, pooler=ctx.settings.db_pooler)
    before = current_revision(engine)
    changed = upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if changed:
        print(_("{url}: schema upgraded from {before} to {after}.").format(
            url=url, before=before or _("empty"), after=after))
    else:
        print(_("{url}: schema is up to date ({rev}).").format(url=url, rev=after))
    with engine.begin() as conn:
        restored = restore_guards(conn)
    for guard in restored:
        print(_("Restored the guard {name}: it refuses {what}.").format(
            name=guard.name, what=_(guard.refuses)))
    sys.stdout.flush()
    return 0


def db_check_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.store.audit_chain import check_tail
    from hotline.store.engine import make_engine
    from hotline.store.guards import broken_guards, guards_of
    from hotline.store.schema import current_revisions, head_revisions
    from hotline.views.audit_trail import describe_break

    engine = make_engine(ctx.settings.db_url, pooler=ctx.settings.db_pooler)
    url = engine.url.render_as_string(hide_password=True)
    bad = 0
    if current_revisions(engine) != head_revisions(engine):
        print(_("{url}: the schema is not this version's: run hotline db upgrade.").format(
            url=url))
        return 1
    with engine.connect() as conn:
        broken = broken_guards(conn)
    states = {"missing": _("missing"), "disabled": _("disabled"), "changed": _("changed")}
    failed = {guard.name for guard, _state in broken}
    for guard, state in broken:
        print(_("Guard {name} is {state}: nothing refuses {what}.").format(
            name=guard.name, state=states[state], what=_(guard.refuses)))
        bad += 1
    for guard in guards_of(engine.dialect.name):
        if guard.name not in failed:
            print(_("Guard {name} in place: it refuses {what}.").format(
                name=guard.name, what=_(guard.refuses)))
    tail = check_tail(engine)
    if tail is not None:
        print(describe_break(tail, ctx.settings.tz))
        bad += 1
    else:
        print(_("The newest links of the audit chain hold (hotline audit --verify checks "
                "them all)."))
    if bad:
        print(_("Run hotline db upgrade (as the database's owner) to restore the guards; "
                "hotline audit --verify finds the first broken link."))
    return 1 if bad else 0


def db_grants_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.usage import UsageError
    from hotline.errors import InputError
    from hotline.store.engine import make_engine
    from hotline.store.roles import seat_grants

    engine = make_engine(ctx.settings.db_url, pooler=ctx.settings.db_pooler)
    if engine.dialect.name != "postgresql":
        raise UsageError(_("Database roles are PostgreSQL's: a SQLite file is protected by "
                           "the permissions of the file and its folder."))
    try:
        with engine.begin() as conn:
            statements = seat_grants(conn, args.role)
            if args.apply:
                for sql in statements:
                    conn.exec_driver_sql(sql)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    for sql in statements:
        print(sql)
    if args.apply:
        print(_("Applied: the role {role} may now use the desk, and may not change the "
                "schema, the events or the triggers.").format(role=args.role))
    return 0
