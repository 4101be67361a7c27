"""Every user-facing string has a Chinese translation, with the same placeholders."""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
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
        entry = catalog.get(message.id, context=message.context)
        # an untranslated plural reads back as ('',): not a translation
        if entry is None or not tool.is_translated(entry) or entry.fuzzy:
            missing.append((message.context, message.id) if message.context else message.id)
    assert missing == [], f"run `uv run python scripts/i18n.py` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders() -> None:
    wrong = []
    for m in _catalog():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = sorted(FIELD.findall(ids[0]))
        for s in strings:
            # an empty msgstr (also a plural's ('',)) is untranslated, not wrong:
            # the test above reports it as missing
            if s and sorted(FIELD.findall(s)) != want:
                wrong.append((ids[0], s))
    assert wrong == []


def test_the_compiled_catalog_matches_the_source() -> None:
    with tool.po_path("zh_CN").with_suffix(".mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for m in _catalog():
        if not m.id or not tool.is_translated(m):
            continue
        if isinstance(m.id, str):
            got = mo.pgettext(m.context, m.id) if m.context else mo.gettext(m.id)
            if got != m.string:
                stale.append(m.id)
        # Chinese has one plural form: every n must get msgstr[0]
        elif any((mo.npgettext(m.context, m.id[0], m.id[1], n) if m.context
                  else mo.ngettext(m.id[0], m.id[1], n)) != m.string[0]
                 for n in (0, 1, 2, 5)):
            stale.append(m.id)
    assert stale == [], "run `uv run python scripts/i18n.py` to compile the catalog"


def test_a_word_with_a_context_has_a_translation_of_its_own() -> None:
    """pgettext: the same English word in two contexts, two entries, two translations."""
    from hotline.i18n import pgettext, set_language

    contexts = {m.context for m in tool.extract() if m.id == "Day" and m.context}
    assert len(contexts) >= 2, contexts
    set_language("zh_CN")
    try:
        said = {pgettext(context, "Day") for context in contexts}
    finally:
        set_language("en")
    assert len(said) == len(contexts) and "Day" not in said, said
    assert {pgettext(context, "Day") for context in contexts} == {"Day"}


def test_the_catalog_declares_one_plural_form() -> None:
    catalog = _catalog()
    assert (catalog.num_plurals, catalog.plural_expr) == (1, "0")
    with tool.po_path("zh_CN").with_suffix(".mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    assert mo.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
