"""``hotline agent [LOGIN AGENT]``: which engineer a PBX agent is, for answered calls."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.errors import InputError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    a = sub.add_parser(
        "agent", parents=parents, help=_("which engineer a PBX agent is (for answered calls)"),
        description=_("Without arguments, list the engineers and their PBX agents. With LOGIN "
                      "and AGENT, calls the PBX connects to AGENT (an interface such as "
                      "PJSIP/8001, or a queue member name) are answered by LOGIN."))
    a.add_argument("login", metavar="LOGIN", nargs="?", help=_("the engineer's login"))
    a.add_argument("agent", metavar="AGENT", nargs="?", help=_("the PBX agent or interface"))
    a.add_argument("--clear", action="store_true", help=_("remove LOGIN's agent"))
    a.set_defaults(handler=agent_command)


def agent_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.telephony.agents import list_agents, set_agent

    if args.login is None:
        if args.clear:
            raise UsageError(_("--clear needs the engineer's LOGIN."))
        rows = list_agents(ctx.desk())
        if not rows:
            print(_("No engineers yet."))
        for row in rows:
            print(f"{row.login:<16} {row.agent or '—':<24} {row.name}")
        return 0
    if args.clear == (args.agent is not None):
        raise UsageError(_("Give either an AGENT or --clear."))
    desk = ctx.desk()
    try:
        set_agent(desk, args.login, None if args.clear else args.agent)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if args.clear:
        print(_("{login} has no PBX agent now.").format(login=args.login))
    else:
        print(_("Calls the PBX connects to {agent} are answered by {login}.").format(
            agent=args.agent.strip(), login=args.login))
    return 0
