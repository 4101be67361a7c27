"""The ``hotline import KIND FILE`` command group, shared by every module that imports.

A module that imports something adds its kind to the group in its own
``register``::

    def register(sub, parents):
        kinds = import_group(sub, parents)
        p = kinds.add_parser("queue-log", parents=parents, help=...)
        p.set_defaults(handler=...)

The group is created by whichever module asks first (and by this module's
own ``register``, listed in :data:`hotline.cli.main.COMMAND_MODULES` so that it
has a fixed place in ``hotline --help``); later calls return the same one.
"""

from __future__ import annotations

import argparse

from hotline.i18n import _

_KINDS_ATTR = "_hotline_import_kinds"


def import_group(
    sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> argparse._SubParsersAction:
    """The sub-parsers of ``hotline import`` (created on the first call)."""
    existing = sub.choices.get("import")
    if existing is not None:
        kinds: argparse._SubParsersAction = getattr(existing, _KINDS_ATTR)
        return kinds
    p = sub.add_parser(
        "import",
        parents=parents,
        help=_("import a file (directory CSVs, phone-system logs …)"),
        description=_("Import a file into the desk. Each kind says what it reads; "
                      "`hotline import KIND --help` shows its options."),
    )
    kinds = p.add_subparsers(dest="import_kind", metavar="KIND", required=True,
                             parser_class=type(p))
    setattr(p, _KINDS_ATTR, kinds)
    return kinds


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    import_group(sub, parents)
