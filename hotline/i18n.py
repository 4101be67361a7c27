"""Message translation for every user-facing string.

Strings are written in English and wrapped in ``_()``; the catalogs in
``hotline/locale/<lang>/LC_MESSAGES/hotline.po`` (compiled to ``.mo``) carry
the translations. ``N_()`` marks a string for the catalog where it must be
translated later, at display time (module-level tables of labels).
"""

from __future__ import annotations

import gettext
from pathlib import Path

import humanize

DOMAIN = "hotline"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(lang: str) -> None:
    """Switch every later ``_()`` to ``lang`` (``en`` or ``zh_CN``)."""
    global _translation, _language
    if lang == "en":
        _translation = gettext.NullTranslations()
        humanize.i18n.deactivate()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
        try:
            humanize.i18n.activate(lang)
        except FileNotFoundError:
            humanize.i18n.deactivate()
    _language = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now."""
    return message


def normalise_lang(value: str) -> str:
    """Map ``zh``, ``zh_CN.UTF-8``, ``zh-Hans`` … to ``zh_CN``; everything else to ``en``."""
    v = value.strip().lower().replace("-", "_")
    if v.startswith("zh"):
        return "zh_CN"
    return "en"


def normalise_lang_env() -> str:
    """The language the environment asks for, before any config is read."""
    import os

    for key in ("HOTLINE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(key):
            return normalise_lang(os.environ[key])
    return "en"
