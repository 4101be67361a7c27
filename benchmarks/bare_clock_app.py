"""The yardstick: a bare Textual app that shows a clock ticking once a second.

``o`` opens a second screen and Escape closes it: the keystroke benchmark times
that the same way as the desk's keys, to show what the terminal, the probe and
a bare screen switch cost by themselves.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static


class Opened(Screen[None]):
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Static("A second screen, opened")
        yield Footer()


class BareClock(App[None]):
    BINDINGS = [("q", "quit", "Quit"), ("o", "open", "Open")]

    def compose(self) -> ComposeResult:
        yield Static(id="clock")
        yield Static("Incoming calls", id="ready")
        yield Footer()

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def action_open(self) -> None:
        self.push_screen(Opened())

    def tick(self) -> None:
        self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"))


if __name__ == "__main__":
    BareClock().run()
