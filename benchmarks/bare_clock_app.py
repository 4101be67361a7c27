"""The yardstick: a bare Textual app that shows a clock ticking once a second."""

from __future__ import annotations

from datetime import datetime

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class BareClock(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(id="clock")
        yield Static("Incoming calls", id="ready")
        yield Footer()

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"))


if __name__ == "__main__":
    BareClock().run()
