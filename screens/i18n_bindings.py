"""Bindings whose descriptions follow the language chosen at start-up.

Textual reads ``BINDINGS`` when a class is defined, before the language is
known; each screen translates its copy of them when it is created.
"""

from __future__ import annotations

import dataclasses

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from hotline.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Replace ``node``'s bindings by copies with translated descriptions."""
    translated: list[Binding] = []
    for bindings in node._bindings.key_to_bindings.values():
        for b in bindings:
            translated.append(dataclasses.replace(
                b,
                description=_(b.description) if b.description else b.description,
                tooltip=_(b.tooltip) if b.tooltip else b.tooltip,
            ))
    node._bindings = BindingsMap(translated)
