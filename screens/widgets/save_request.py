"""Run a form's save after the keys typed before it.

Ctrl+S is a priority binding (it must work from inside an Input), and priority
bindings run as soon as the key arrives — before the characters typed just
ahead of it (a fast typist, a paste) have reached their field. So the save
is posted to the focused field instead: its queue runs those characters
first, then passes the request up to the screen.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen


class SaveRequested(Message):
    """Save the form now that every key typed before the request has been applied."""

    def __init__(self, promise_callback: bool = False) -> None:
        super().__init__()
        self.promise_callback = promise_callback


def request_save(screen: Screen[Any], promise_callback: bool = False) -> None:
    target = screen.focused or screen
    target.post_message(SaveRequested(promise_callback))
