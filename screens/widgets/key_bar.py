"""The line of keys at the foot of a screen, drawn as one widget.

It shows what Textual's footer shows (each action of the screen once, with
its first key as the keymap displays it; keys that cannot act now dimmed; the
command palette's key on the right) but as a single line of text: the
footer built a widget per key and styled each again whenever the screen came
back or the focus moved, which cost more than the rest of a screen switch.
A click on a key runs its action.

When the keys do not all fit, they are drawn closer together, then the least
needed give way whole (never a key cut mid-word): the screen's own keys first,
then the function keys to the other screens, then the rest (``q``, ``/``). F1
lists every key. The function keys are named shortly here (``F3 Escalations``
rather than the palette's "Escalation queue").
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from hotline.i18n import N_, NP_, _, pgettext

#: The description Textual gives the command palette's key (translated here).
PALETTE_DESCRIPTION = N_("palette")

#: Shorter descriptions of the keys to other screens, for the key bar only.
SHORT: dict[str, tuple[str, str]] = {
    "app.help": NP_("key bar", "Help"),
    "app.directory": NP_("key bar", "Directory"),
    "app.escalations": NP_("key bar", "Escalations"),
    "app.handover": NP_("key bar", "Handover"),
    "app.reports": NP_("key bar", "Reports"),
    "app.wall": NP_("key bar", "Wall"),
    # the escalation queue has the most keys of any screen: in Chinese its long
    # descriptions pushed F4 and F5 off a 120-column bar
    "escalations.acknowledge_all": NP_("key bar", "Ack. all"),
    "escalations.open_ticket": NP_("key bar", "Ticket"),
    "escalations.filter": NP_("key bar", "Kind"),
    "escalations.show_acknowledged": NP_("key bar", "Acknowledged"),
}

#: A screen names here the ids of keys its bar leaves out (the key to the screen
#: itself: F3 on the escalation queue takes room and does nothing new).
OMIT_ATTRIBUTE = "KEY_BAR_OMITS"


def _rank(binding: Binding, node: object, app: object) -> int:
    """Which keys stay longest on a narrow bar: the screen's own (0), the function
    keys to other screens (1), the application's other keys (2)."""
    if node is not app:
        return 0
    first = binding.key.split(",")[0].strip()
    return 1 if first[:1] == "f" and first[1:].isdigit() else 2


class KeyBar(Widget):
    """The active screen's keys, one line, docked at the bottom."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled {
        text-style: dim;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key", "key-bar--description", "key-bar--disabled"}

    #: Narrower than this, the keys are drawn closer together (so too when they do
    #: not all fit).
    COMPACT_BELOW = 110

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # as drawn: start, end, action, and the node whose binding it is
        self._actions: list[tuple[int, int, str, object]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool, object]],
                              tuple[Binding, bool, object] | None]:
        """Each action shown once (its first key), and the command palette's binding."""
        active = self.screen.active_bindings
        seen: set[str] = set(getattr(self.screen, OMIT_ATTRIBUTE, ()))
        keys: list[tuple[Binding, bool, object]] = []
        for node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen and binding.id not in seen:
                seen.add(binding.action)
                keys.append((binding, enabled, node))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE:
            entry = active.get(self.app.COMMAND_PALETTE_BINDING)
            if entry is not None:
                palette = (entry[1], entry[2], entry[0])
        return keys, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        desc_style = self.get_component_rich_style("key-bar--description", partial=True)
        off = self.get_component_rich_style("key-bar--disabled", partial=True)
        gap = "" if self.size.width < self.COMPACT_BELOW else " "
        keys, palette = self._shown()
        self._actions = []
        right = Text(no_wrap=True, end="")
        if palette is not None:  # always shown, on the right; the keys give way
            binding, _enabled, _node = palette
            right.append("▏")
            right.append(f" {self.app.get_key_display(binding)} ", key_style)
            right.append(f"{_(binding.description)} ", desc_style)
        room = max(0, self.size.width - right.cell_len)
        entries: list[tuple[Text, Binding, object]] = []
        for binding, enabled, node in keys:
            extra = Style() if enabled else off
            entry = Text(end="")
            entry.append(f" {self.app.get_key_display(binding)} ", key_style + extra)
            description = (pgettext(*SHORT[binding.id]) if binding.id in SHORT
                           else binding.description)
            if description:
                entry.append(description, desc_style + extra)
            entries.append((entry, binding, node))
        if sum(e.cell_len + len(gap) for e, _b, _n in entries) > room:
            gap = ""  # closer together before any key gives way
        # a key is shown whole or not at all, the least needed giving way first
        shown: set[int] = set()
        used = 0
        ranked = sorted(range(len(entries)),
                        key=lambda i: (_rank(entries[i][1], entries[i][2], self.app), i))
        for i in ranked:
            width = entries[i][0].cell_len + len(gap)
            if used + width <= room + len(gap):  # no gap needed after the last one
                shown.add(i)
                used += width
        text = Text(no_wrap=True, overflow="crop", end="")
        for i, (entry, binding, node) in enumerate(entries):
            if i not in shown:
                continue
            start = text.cell_len
            text.append_text(entry)
            self._actions.append((start, text.cell_len, binding.action, node))
            text.append(gap)
        text.truncate(room, pad=True)
        if palette is not None:
            self._actions.append((room + 1, room + right.cell_len, palette[0].action,
                                  palette[2]))
            text.append_text(right)
        return text

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, node in self._actions:
            if start <= event.x < end:
                event.stop()
                # run_action asks check_action first: a dimmed key does nothing, as its key
                await self.app.run_action(action, node if isinstance(node, DOMNode) else None)
                return


__all__ = ["KeyBar"]
