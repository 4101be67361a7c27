"""Message translation for every user-facing string.

Strings are written in English and wrapped in ``_()``; the catalogs in
``hotline/locale/<lang>/LC_MESSAGES/hotline.po`` (compiled to ``.mo``) carry
the translations. ``N_()`` marks a string for the catalog where it must be
translated later, at display time (module-level tables of labels).

humanize (relative times, counts, sizes: :mod:`hotline.humane`) speaks the
desk's language too, from our own ``humanize.po`` beside ``hotline.po``.
"""

from __future__ import annotations

import gettext
import threading
from pathlib import Path

import humanize

DOMAIN = "hotline"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"

#: The name each language's humanize catalog is activated under. humanize keeps one
#: catalog per name for the whole process, whichever folder it was first loaded from;
#: a name of our own (gettext still finds ``zh_CN/``) keeps our corrected catalog from
#: being mixed up with humanize's own ``zh_CN``, whoever activates that first.
HUMANIZE_LOCALES = {"zh_CN": "zh_CN@hotline"}

# humanize's language is per thread (humanize 4.x keeps it in a ``threading.local``):
# the language each thread last gave it, so that worker threads catch up on first use.
_humanize_thread = threading.local()


def set_language(lang: str) -> None:
    """Switch every later ``_()`` to ``lang`` (``en`` or ``zh_CN``), and humanize with it."""
    global _translation, _language
    if lang == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    _language = lang
    humanize_in_desk_language()


def humanize_in_desk_language() -> None:
    """Make humanize speak the desk's language in the calling thread.

    :func:`set_language` sets it for its own thread only; :mod:`hotline.humane`
    calls this before each use, so a worker thread formatting text speaks the
    desk's language too, not humanize's default English.
    """
    lang = _language
    if getattr(_humanize_thread, "language", None) == lang:
        return
    if lang == "en":
        humanize.i18n.deactivate()
    else:
        try:
            humanize.i18n.activate(HUMANIZE_LOCALES.get(lang, lang), path=LOCALE_DIR)
        except FileNotFoundError:  # no catalog for it: numbers stay right, words English
            humanize.i18n.deactivate()
    _humanize_thread.language = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as said in ``context``: one English word ("Day", "From") may need a
    different translation in each place it is used; each context has its own entry."""
    return _translation.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _translation.npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` in ``context`` for translation later (with :func:`pgettext`)."""
    return context, message


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
