"""The command modules: every one is registered, in the order ``hotline --help`` lists them."""

from __future__ import annotations

import argparse
import ast
import importlib
from pathlib import Path

import hotline.cli.main
from hotline.cli.main import COMMAND_MODULES, build_parser

CLI = Path(hotline.cli.main.__file__).resolve().parent

COMMANDS = ["desk", "demo", "ring", "audit", "ticket", "db", "policy", "calendar", "sla",
            "duties", "report", "shift", "import", "directory", "feed", "agent",
            "wall", "serve", "notify", "user"]
IMPORT_KINDS = ["customers", "contacts", "contracts", "queue-log"]


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError(f"{parser.prog} has no sub-commands")


def test_help_lists_the_commands_in_their_order() -> None:
    commands = _choices(build_parser())
    assert list(commands) == COMMANDS
    assert list(_choices(commands["import"])) == IMPORT_KINDS


def test_every_module_that_registers_commands_is_listed() -> None:
    names = [f"hotline.cli.{path.stem}" for path in CLI.glob("*.py")
             if not path.stem.startswith("_")]
    registering = {name for name in names
                   if callable(getattr(importlib.import_module(name), "register", None))}
    assert registering == set(COMMAND_MODULES)
    assert len(COMMAND_MODULES) == len(set(COMMAND_MODULES))


def test_no_module_imports_a_private_name_of_another() -> None:
    offenders = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hotline"):
                offenders += [f"{path.name}: {node.module}.{alias.name}" for alias in node.names
                              if alias.name.startswith("_") and alias.name != "_"]
    assert offenders == []
