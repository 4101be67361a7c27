"""A one-line, keyboard-first choice among a few options (kind, level)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hotkey: str  # one character; pressing it while focused selects the option


class Choice(Widget, can_focus=True):
    """Options in a row; the hotkey shown in brackets selects one, ←/→ move."""

    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; }
    Choice:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "Previous", show=False),
        Binding("right", "move(1)", "Next", show=False),
    ]

    value: reactive[str | None] = reactive(None)

    class Changed(Message):
        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[Option], value: str | None = None, *,
                 id: str | None = None, disabled: bool = False) -> None:
        super().__init__(id=id, disabled=disabled)
        self._options = list(options)
        self.set_reactive(Choice.value, value)

    @property
    def options(self) -> list[Option]:
        return list(self._options)

    def set_options(self, options: Sequence[Option]) -> None:
        self._options = list(options)
        if self.value not in {o.value for o in self._options}:
            self.value = None
        self.refresh()

    def render(self) -> Text:
        text = Text()
        for i, opt in enumerate(self._options):
            if i:
                text.append("  ")
            chosen = opt.value == self.value
            style = "bold reverse" if chosen else ""
            text.append(f"[{opt.hotkey}] ", style="bold" if not chosen else style)
            text.append(opt.label, style=style)
        if self.value is None:
            text.append("   ")
            text.append("←/→", style="dim")
        return text

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))

    def action_move(self, step: int) -> None:
        if not self._options:
            return
        values = [o.value for o in self._options]
        if self.value not in values:
            self.value = values[0 if step > 0 else -1]
            return
        i = (values.index(self.value) + step) % len(values)
        self.value = values[i]

    def on_key(self, event: events.Key) -> None:
        if event.character is None:
            return
        for opt in self._options:
            if event.character.lower() == opt.hotkey.lower():
                self.value = opt.value
                event.stop()
                event.prevent_default()
                return
