"""Every user-facing string has a Chinese translation, with the same placeholders."""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import i18n as tool  # noqa: E402

FIELD = re.compile(r"\{[^{}]*\}")


def _catalog():  # type: ignore[no-untyped-def]
    with tool.po_path("zh_CN").open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def test_every_message_in_the_code_is_translated() -> None:
    catalog = _catalog()
    missing = []
    for message in tool.extract():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message.id)
    assert missing == [], f"run `uv run python scripts/i18n.py` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders() -> None:
    wrong = []
    for m in _catalog():
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = sorted(FIELD.findall(ids[0]))
        for s in strings:
            if sorted(FIELD.findall(s)) != want:
                wrong.append((ids[0], s))
    assert wrong == []


def test_the_compiled_catalog_matches_the_source() -> None:
    mo = gettext.GNUTranslations(tool.po_path("zh_CN").with_suffix(".mo").open("rb"))
    stale = [m.id for m in _catalog()
             if m.id and m.string and isinstance(m.id, str) and mo.gettext(m.id) != m.string]
    assert stale == [], "run `uv run python scripts/i18n.py` to compile the catalog"
