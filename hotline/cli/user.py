"""``hotline user add|passwd|role|disable|unlock|list``: the desk's accounts.

Secrets are typed at a prompt (twice, not shown) or read from the first line of a
file given with ``--secret-file`` (which others must not be able to read); never
on the command line. Who runs the command signs in with ``--as LOGIN`` and their
own secret; adding accounts and changing roles is a manager's work, unlocking a
shift supervisor's.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.errors import ConfigError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    u = sub.add_parser("user", parents=parents, help=_("the desk's accounts and their roles"),
                       description=_("Add accounts, set secrets and roles, disable, unlock and "
                                     "list them. Sign in to do it: --as LOGIN (your secret is "
                                     "asked)."))
    verbs = u.add_subparsers(dest="verb", metavar="ACTION")
    verbs.required = True

    def secret_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--secret-file", metavar="FILE",
                       help=_("read the secret from the first line of FILE (mode 600) "
                              "instead of asking"))

    p = verbs.add_parser("add", parents=parents, help=_("add an account"))
    p.add_argument("account", metavar="LOGIN")
    p.add_argument("--name", default="", help=_("the person's name as the desk shows it"))
    p.add_argument("--role", default="engineer",
                   help=_("engineer, supervisor, manager or service (default engineer)"))
    secret_option(p)
    p.set_defaults(handler=user_add)

    p = verbs.add_parser("passwd", parents=parents, help=_("set an account's secret"))
    p.add_argument("account", metavar="LOGIN")
    secret_option(p)
    p.set_defaults(handler=user_passwd)

    p = verbs.add_parser("role", parents=parents, help=_("change an account's role"))
    p.add_argument("account", metavar="LOGIN")
    p.add_argument("role", metavar="ROLE", help=_("engineer, supervisor, manager or service"))
    p.set_defaults(handler=user_role)

    p = verbs.add_parser("disable", parents=parents, help=_("disable an account"))
    p.add_argument("account", metavar="LOGIN")
    p.set_defaults(handler=user_disable)

    p = verbs.add_parser("unlock", parents=parents,
                         help=_("unlock an account locked after wrong secrets"))
    p.add_argument("account", metavar="LOGIN")
    p.set_defaults(handler=user_unlock)

    p = verbs.add_parser("list", parents=parents, help=_("list the accounts"))
    p.set_defaults(handler=user_list)


def read_secret(args: argparse.Namespace, what: str, *, twice: bool = True) -> str:
    """The secret from ``--secret-file`` (checked like the AMI secret file) or a prompt."""
    path = getattr(args, "secret_file", None)
    if path:
        from hotline.cli.secret_files import read_secret_file

        return read_secret_file(Path(path).expanduser())
    if not sys.stdin.isatty():
        raise UsageError(_("Type the secret at a terminal, or give it in a file with "
                           "--secret-file FILE."))
    first = getpass.getpass(what)
    if twice and getpass.getpass(_("Again: ")) != first:
        raise UsageError(_("The two secrets differ; nothing was changed."))
    return first


def user_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import add_account, create_first_manager, needs_first_manager

    desk = ctx.desk()
    secret = read_secret(args, _("Secret of {login}: ").format(login=args.account))
    if needs_first_manager(desk):
        if args.role != "manager":
            raise ConfigError(_("The desk has no accounts yet: the first one is its manager "
                                "(hotline user add LOGIN --role manager)."))
        create_first_manager(desk, args.account, args.name, secret)
    else:
        add_account(desk, args.account, args.name, args.role, secret)
    print(_("Account {login} added.").format(login=args.account.strip()))
    return 0


def user_passwd(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import set_secret

    desk = ctx.desk()
    set_secret(desk, args.account, read_secret(args, _("New secret of {login}: ").format(
        login=args.account)))
    print(_("The secret of {login} is changed.").format(login=args.account))
    return 0


def user_role(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import set_role

    set_role(ctx.desk(), args.account, args.role)
    print(_("{login} is a {role} now.").format(login=args.account, role=_(_role(args.role))))
    return 0


def _role(role: str) -> str:
    from hotline.accounts.permissions import ROLE_NAMES

    return ROLE_NAMES.get(role, role)


def user_disable(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import disable

    disable(ctx.desk(), args.account)
    print(_("The account {login} is disabled.").format(login=args.account))
    return 0


def user_unlock(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import unlock

    unlock(ctx.desk(), args.account)
    print(_("The account {login} is unlocked.").format(login=args.account))
    return 0


def user_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.accounts.accounts import accounts

    for a in accounts(ctx.desk()):
        state = [] if a.active else [_("disabled")]
        if a.locked:
            state.append(_("locked"))
        if not a.has_secret:
            state.append(_("no secret"))
        print(f"{a.login:<16} {a.role_name:<18} {a.name}"
              + (f"  ({', '.join(state)})" if state else ""))
    return 0
