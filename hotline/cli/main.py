"""The ``hotline`` command.

``hotline`` with no sub-command opens the desk. Each sub-command (or a few
that belong together) has its own module in this package, named for it and
listed in :data:`COMMAND_MODULES`; each exposes ``register(subparsers,
parents)``, and its handlers take the parsed arguments and a
:class:`CliContext` and return an exit code. Every expected failure is a
:class:`~hotline.errors.HotlineError` whose message is printed as it is (exit
code 1; 2 for bad arguments, a :class:`~hotline.cli.usage.UsageError`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from hotline.cli.context import CliContext, UiLauncher
from hotline.cli.usage import UsageError
from hotline.clock import Clock
from hotline.errors import ConfigError, HotlineError
from hotline.i18n import _, normalise_lang_env, set_language

#: Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = [
    "hotline.cli.open_desk",
    "hotline.cli.ring",
    "hotline.cli.audit",
    "hotline.cli.ticket",
    "hotline.cli.database",
    "hotline.cli.policy",
    "hotline.cli.calendar",
    "hotline.cli.sla",
    "hotline.cli.duties",
    "hotline.cli.report",
    "hotline.cli.shift",
    "hotline.cli.import_group",
    # the kinds of ``hotline import``, in this order in ``hotline import --help``
    "hotline.cli.directory_import",
    "hotline.cli.queue_log",
    "hotline.cli.directory",
    "hotline.cli.feed",
    "hotline.cli.agent",
    "hotline.cli.wall",
    "hotline.cli.serve",
    "hotline.cli.notify",
    "hotline.cli.user",
]

Handler = Callable[[argparse.Namespace, "CliContext"], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}")


def global_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group(_("settings (flag > environment > config file > default)"))
    g.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                   help=_("database URL or SQLite file path (HOTLINE_DB)"))
    g.add_argument("--tz", metavar="ZONE", default=argparse.SUPPRESS,
                   help=_("the desk's time zone, default Asia/Shanghai (HOTLINE_TZ)"))
    g.add_argument("--lang", metavar="LANG", default=argparse.SUPPRESS,
                   help=_("language: en or zh_CN (HOTLINE_LANG, then LANG)"))
    g.add_argument("--policy-dir", metavar="DIR", default=argparse.SUPPRESS,
                   help=_("folder of extra policy files (HOTLINE_POLICY_DIR)"))
    g.add_argument("--as", dest="login", metavar="LOGIN", default=argparse.SUPPRESS,
                   help=_("sign in as this engineer (HOTLINE_AS)"))
    g.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                   help=_("config file (HOTLINE_CONFIG)"))
    return common


def build_parser() -> argparse.ArgumentParser:
    common = global_options()
    parser = _Parser(
        prog="hotline",
        description=_("The 7x24 technical-support hotline desk."),
        parents=[common],
    )
    parser.set_defaults(handler=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub, [common])
    return parser


_GLOBAL_DEFAULTS = {"db": None, "tz": None, "lang": None, "policy_dir": None, "login": None,
                    "config": None}


_GLOBAL_FLAGS = {"--db", "--tz", "--lang", "--policy-dir", "--as", "--config"}


def _only_global_options(argv: Sequence[str]) -> bool:
    """True for ``hotline [--db URL] [--as LOGIN] …``: open the desk, no sub-command."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word.split("=", 1)[0] not in _GLOBAL_FLAGS:
            return False
        i += 1 if "=" in word else 2
    return i == len(argv)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    if _only_global_options(argv):
        # opening the desk needs none of the sub-commands: their modules are not loaded
        parser: argparse.ArgumentParser = _Parser(prog="hotline", parents=[global_options()])
        parser.set_defaults(handler=None)
    else:
        parser = build_parser()
    args = parser.parse_args(list(argv))
    for key, value in _GLOBAL_DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    return args


def run(argv: Sequence[str], clock: Clock | None = None, ui: UiLauncher | None = None) -> int:
    """Parse ``argv`` and run it; returns the exit code. Used by tests too.

    ``ui`` opens the full-screen desk; the console script passes the screens'
    launcher, so that this core module never imports the user interface.
    """
    set_language(normalise_lang_env())
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    ctx = CliContext(args, clock, ui)
    try:
        set_language(ctx.settings.lang)
        handler: Handler | None = args.handler
        if handler is None:
            from hotline.cli.open_desk import open_desk_command

            return open_desk_command(args, ctx)
        code = handler(args, ctx)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader went away (``hotline … | head``): no traceback, and nothing
        # more to flush into the closed pipe when the interpreter exits
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(_("Configuration: {error}").format(error=exc), file=sys.stderr)
        return 2
    except HotlineError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # a database failure the operation did not expect (the driver's own error,
        # SQLAlchemy's): said in one line; anything else is a bug and shows as one
        if not type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
            raise
        print(_("Database error: {error}").format(error=str(exc).splitlines()[0]),
              file=sys.stderr)
        return 1


def main() -> None:
    """Entry point without the screens (sub-commands that need no terminal UI)."""
    sys.exit(run(sys.argv[1:]))
