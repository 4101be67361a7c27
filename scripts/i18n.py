"""Keep the message catalogs in step with the code.

    uv run python scripts/i18n.py          # extract, merge into every .po, compile .mo

Strings are found in ``hotline/`` and ``screens/`` wherever they are wrapped
in ``_()``, ``N_()`` or ``ngettext()``, or with a context (one English word
translated differently where it is used) in ``pgettext()``, ``npgettext()`` or
``NP_()``. New strings arrive in the ``.po``
files untranslated; ``tests/test_i18n.py`` fails until each has a translation.

A language may also carry ``humanize.po``: the words humanize uses for relative
times and sizes, loaded in place of humanize's own catalog (see hotline/humane.py).
It is written by hand, not extracted; this script compiles it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "hotline" / "locale"
LANGUAGES = ["zh_CN"]
#: ``Binding(key, action, "Description", …)``: a binding's description is passed
#: through ``_()`` where it is shown (screens/translated_bindings.py), so the third
#: argument is a message too.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Binding": (3,),
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "NP_": ((1, "c"), 2)}
SOURCES = ["hotline", "screens"]


def extract() -> Catalog:
    template = Catalog(project="hotline", fuzzy=False)
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
        ):
            template.add(message, None, [(f"{folder}/{filename}", lineno)],
                         auto_comments=comments, context=context)
    return template


def is_translated(message: Message) -> bool:
    """A translation exists: a non-empty msgstr, or every msgstr[i] of a plural."""
    if isinstance(message.string, (tuple, list)):
        return bool(message.string) and all(message.string)
    return bool(message.string)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "hotline.po"


def humanize_po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "humanize.po"


def _keep_date_if_unchanged(template: Catalog) -> None:
    """Keep the template's creation date while its messages stay the same.

    Otherwise every run would rewrite the date in the template and each
    catalog, and two branches that changed no message would still conflict.
    """
    pot = LOCALE / "hotline.pot"
    if not pot.exists():
        return
    with pot.open("rb") as fh:
        before = read_po(fh)
    if ({(m.id, m.context) for m in before if m.id}
            == {(m.id, m.context) for m in template if m.id}):
        template.creation_date = before.creation_date


def main() -> int:
    template = extract()
    _keep_date_if_unchanged(template)
    LOCALE.mkdir(parents=True, exist_ok=True)
    with (LOCALE / "hotline.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True)
    for lang in LANGUAGES:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="hotline")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, ignore_obsolete=True)
        total = len(catalog)
        missing = [m.id for m in catalog if m.id and not is_translated(m)]
        # babel writes an untranslated plural into the .mo as the English
        # singular for every n (Chinese has one form): leave such entries out,
        # so gettext falls back to the English singular/plural chosen by n.
        for m in list(catalog):
            if m.id and m.pluralizable and not is_translated(m):
                catalog.delete(m.id, context=m.context)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
        print(f"{lang}: {total} messages, {len(missing)} untranslated")
        words = humanize_po_path(lang)
        if words.exists():
            with words.open("rb") as fh:
                humanize_catalog = read_po(fh, locale=lang)
            with words.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, humanize_catalog)
            print(f"{lang}: {len(humanize_catalog)} humanize messages compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
