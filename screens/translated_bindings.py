"""Key bindings as people see them: described in the desk's language, keyed by their keymap.

Textual reads a class's ``BINDINGS`` when the class is defined, before the language
is chosen at start-up, so a binding's description stays the English message
(``scripts/i18n.py`` extracts it from the third argument of ``Binding(…)``). It is
translated where it is shown, through Textual's public API only:

* :class:`TranslatedScreen` and :class:`TranslatedModalScreen` override
  ``Screen.active_bindings``, the public property the key bar, Textual's footer and
  its keys panel read, to give the same bindings with translated descriptions.
  Textual dispatches keys through the screen's binding chain, not through this
  property, so keys and a user's keymap (by binding id) work exactly as Textual
  does them.
* :func:`declared_bindings` lists every binding of a class, merged over its bases
  as Textual merges them, for the help screen and the command palette, which show
  every key rather than the active ones; :func:`keys_for` says which keys the
  keymap gives a binding.

``tests/screens/test_translated_bindings.py`` holds this against the pinned Textual.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

from textual.binding import ActiveBinding, Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from hotline.i18n import _, current_language
from screens.dimmed_background import DimmedModalScreen

ScreenResult = TypeVar("ScreenResult")


def translated(binding: Binding) -> Binding:
    """``binding`` with its description and tooltip in the current language."""
    return _translated(binding, current_language())


@lru_cache(maxsize=2048)
def _translated(binding: Binding, language: str) -> Binding:
    # ``language`` is part of the key: a test (or a seat) may switch languages.
    description = _(binding.description) if binding.description else binding.description
    tooltip = _(binding.tooltip) if binding.tooltip else binding.tooltip
    if (description, tooltip) == (binding.description, binding.tooltip):
        return binding
    return dataclasses.replace(binding, description=description, tooltip=tooltip)


def translated_active(active: Mapping[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """Active bindings (key → binding) with translated descriptions, in the same order."""
    out: dict[str, ActiveBinding] = {}
    for key, entry in active.items():
        binding = translated(entry.binding)
        out[key] = ActiveBinding(entry.node, binding, entry.enabled, binding.tooltip)
    return out


class TranslatedScreen(Screen[ScreenResult]):
    """A screen whose keys are described in the desk's language wherever they are shown."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated_active(super().active_bindings)


class TranslatedModalScreen(DimmedModalScreen[ScreenResult]):
    """A modal screen whose keys are described in the desk's language (and the screen
    below dimmed at less cost: screens.dimmed_background)."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated_active(super().active_bindings)


def declared_bindings(cls: type[DOMNode]) -> list[Binding]:
    """Every binding ``cls`` declares with its bases', one per key, as Textual merges them.

    A class's ``BINDINGS`` replace its bases' bindings for the same key. (Textual also
    lets a class refuse its bases' bindings, ``inherit_bindings=False``; no screen of
    the desk does.) Descriptions are as written, untranslated.
    """
    keys: dict[str, list[Binding]] = {}
    for base in reversed(cls.__mro__):
        if isinstance(base, type) and issubclass(base, DOMNode):
            keys.update(BindingsMap(base.__dict__.get("BINDINGS", [])).key_to_bindings)
    return [binding for bindings in keys.values() for binding in bindings]


def declared_actions(cls: type[DOMNode]) -> list[Binding]:
    """Every action ``cls`` offers (with its bases'), once each, with all its keys.

    :func:`declared_bindings` gives one binding per key: a binding written with two
    keys (Textual's ``ctrl+c,super+c`` "Copy selected text") would be offered twice.
    """
    actions: dict[str, Binding] = {}
    for binding in declared_bindings(cls):
        name = binding.id or binding.action
        known = actions.get(name)
        if known is None:
            actions[name] = binding
        elif binding.key not in known.key.split(","):
            actions[name] = dataclasses.replace(known, key=f"{known.key},{binding.key}")
    return list(actions.values())


def key_name(key: str) -> str:
    """A key as the desk names it: function keys as ``F3`` everywhere (Textual says
    ``f3``), other keys as Textual says them."""
    if len(key) > 1 and key[0] == "f" and key[1:].isdigit():
        return "F" + key[1:]
    return key


def keys_for(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys of ``binding`` as the user's keymap gives them (by binding id)."""
    given = keymap.get(binding.id, "") if binding.id else ""
    if not given.strip():
        return binding.key  # Textual ignores an empty entry too
    return ",".join(key.strip() for key in given.split(","))
