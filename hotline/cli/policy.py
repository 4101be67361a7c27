"""``hotline policy check|show|list``: validate SLA policy files and show their limits."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from hotline.cli.sla_engine import find_policy, load_engine
from hotline.i18n import _
from hotline.sla.errors import PolicyError
from hotline.sla.policy_file import load_policy_file
from hotline.sla.render import render_policy

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``policy`` to the ``hotline`` command."""
    policy = subparsers.add_parser("policy", parents=parents,
                                   help=_("check and show SLA policies"),
                                   description=_("Check and show SLA policy files."))
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True,
                                       parser_class=type(policy))
    check = policy_sub.add_parser("check", parents=parents,
                                  help=_("validate policy files"),
                                  description=_("Validate policy files: every mistake is "
                                                "reported with the file, key and problem."))
    check.add_argument("files", nargs="+", metavar="FILE", help=_("a policy .toml file"))
    check.set_defaults(handler=policy_check)
    show = policy_sub.add_parser("show", parents=parents, help=_("print a policy's limits"),
                                 description=_("Print a policy's limit table and rules."))
    show.add_argument("name", metavar="NAME", help=_("policy name (see 'hotline policy list')"))
    show.set_defaults(handler=policy_show)
    listing = policy_sub.add_parser("list", parents=parents, help=_("list the known policies"))
    listing.set_defaults(handler=policy_list)


def policy_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from pathlib import Path

    failed = 0
    tz = ctx.settings.tz
    for name in args.files:
        path = Path(name)
        try:
            policy = load_policy_file(path, tz)
        except PolicyError as exc:
            print(str(exc), file=sys.stderr)
            failed += 1
            continue
        print(_("{path}: OK — policy {name!r}, {n} targets, levels {levels}, grades {grades}")
              .format(path=path, name=policy.name, n=len(policy.targets),
                      levels=", ".join(map(str, policy.levels)) or "-",
                      grades=", ".join(policy.grades) or _("any")))
    return 1 if failed else 0


def policy_show(args: argparse.Namespace, ctx: CliContext) -> int:
    engine = load_engine(ctx)
    policy = find_policy(engine, args.name)
    print(render_policy(policy, ctx.settings.tz))
    return 0


def policy_list(args: argparse.Namespace, ctx: CliContext) -> int:
    engine = load_engine(ctx)
    for name in engine.policy_names():
        p = engine.policy(name)
        print(f"{name}\t{p.shown_title()}\t{p.file or ''}")
    return 0
