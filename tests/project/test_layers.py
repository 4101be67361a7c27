"""The shape of the code: layers, no import circles, no borrowed private names, a light start.

The layer contracts themselves are in pyproject.toml (``[tool.importlinter]``);
``uv run lint-imports`` checks them, and so does the first test here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("hotline", "screens")


def _sources() -> list[Path]:
    return [p for package in FIRST_PARTY for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_layer_contracts_hold() -> None:
    tool = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(tool), str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    """No import circle among the desk's modules (type-checking imports included)."""
    graph = grimp.build_graph(*FIRST_PARTY)
    circles = set()
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                circles.add(" -> ".join((module, *chain)))
    assert sorted(circles) == []


def _private(name: str) -> bool:
    """A name its module keeps to itself (``_`` is gettext's, by convention everybody's)."""
    return name.startswith("_") and not name.startswith("__") and name != "_"


def _private_imports(path: Path) -> list[str]:
    """``from x import _name`` and ``x._name`` of a first-party module ``x``, in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    found: list[str] = []
    modules: set[str] = set()  # names bound to first-party modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in FIRST_PARTY:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{here} imports {node.module}.{alias.name}")
                elif (ROOT / node.module.replace(".", "/") / f"{alias.name}.py").exists():
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FIRST_PARTY and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and _private(node.attr)):
            found.append(f"{here} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_borrows_another_modules_private_names() -> None:
    offenders = [line for path in _sources() for line in _private_imports(path)]
    assert offenders == []


def test_the_private_name_check_sees_both_forms(tmp_path: Path) -> None:
    sample = ROOT / "hotline" / "_layers_probe.py"
    sample.write_text("from hotline.desk.calls import _call\nfrom hotline.desk import calls\n"
                      "calls._call\n")
    try:
        assert _private_imports(sample) == [
            "hotline._layers_probe imports hotline.desk.calls._call",
            "hotline._layers_probe uses calls._call"]
    finally:
        sample.unlink()


def test_the_core_never_imports_the_screens() -> None:
    offenders = []
    for path in (ROOT / "hotline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [])
            offenders += [f"{_module_name(path)} imports {n}" for n in names
                          if n.split(".")[0] in ("textual", "rich", "screens")]
    assert offenders == []


FIRST_FRAME = """
import asyncio, sys, threading
import screens.main  # the launcher, as the console script runs it
from screens.app import HotlineApp

opened = threading.Event()

def opener():
    opened.wait(10)  # the database stays closed until the first frame has been checked
    raise SystemExit

async def main():
    app = HotlineApp(None, opener=opener)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
                        or m.startswith("hotline.store"))
        print("LOADED", loaded, "PAINTED", app.screen.is_mounted)
        opened.set()
        app.exit()

asyncio.run(main())
"""


def test_the_first_frame_is_painted_before_the_data_layer_is_imported() -> None:
    """What keeps the start fast: the dashboard's frame needs no database code at all."""
    result = subprocess.run([sys.executable, "-c", FIRST_FRAME], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=120)
    assert "LOADED [] PAINTED True" in result.stdout, result.stdout + result.stderr
