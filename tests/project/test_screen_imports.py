"""Screens are handed what they need: none imports the application, none the storage.

Only the application (screens/app.py) and the console script that starts it
(screens/main.py) may import ``screens.app``; a screen is handed a desk context
and posts messages instead. No module of ``screens`` imports ``hotline.store``:
what a screen reads comes through the desk and the views.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "screens"
MAY_IMPORT_THE_APP = {"screens/app.py", "screens/main.py"}


def _imported(path: Path, root: Path = ROOT) -> list[str]:
    """Every module ``path`` imports, wherever the import is (in a function, under
    ``if TYPE_CHECKING:``), and any module named by a string (``importlib``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .app import …, from . import app
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.split(":")[0]  # "package.module:Name"
            if text.startswith(("screens.", "hotline.")) and " " not in text:
                names.append(text)
    return names


def _offenders(forbidden: str, *, allowed: set[str]) -> list[str]:
    out = []
    files = sorted(SCREENS.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        if where in allowed:
            continue
        for name in _imported(path):
            if name == forbidden or name.startswith(forbidden + "."):
                out.append(f"{where} imports {name}")
    return out


def test_no_screen_imports_the_application() -> None:
    assert _offenders("screens.app", allowed=MAY_IMPORT_THE_APP) == []


def test_no_screen_imports_the_storage() -> None:
    assert _offenders("hotline.store", allowed=set()) == []


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "screens" / "sample.py"
    sample.parent.mkdir()
    sample.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from hotline.store.models import Call\n"
        "def f():\n"
        "    from screens.app import HotlineApp\n"
        "    import hotline.store.changes\n"
        "    from hotline import store\n"
        "    from . import app\n"
        "    return importlib.import_module('screens.app')\n",
        encoding="utf-8")
    names = _imported(sample, tmp_path)
    assert "hotline.store.models" in names
    assert "hotline.store.changes" in names
    assert "hotline.store" in names  # from hotline import store
    assert names.count("screens.app") >= 3  # in a function, relative, by name

