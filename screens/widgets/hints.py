"""A line of key hints: the key in bold, then what it does."""

from __future__ import annotations

from rich.text import Text


def key_hints(*pairs: tuple[str, str]) -> Text:
    text = Text()
    for i, (key, does) in enumerate(pairs):
        if i:
            text.append("   ")
        text.append(key, style="bold")
        text.append(" " + does)
    return text
