"""Typed messages that workers post to the screens."""

from __future__ import annotations

from textual.message import Message

from hotline.queries import Snapshot


class SnapshotLoaded(Message):
    """A fresh view of the desk, read in a worker thread."""

    def __init__(self, snapshot: Snapshot, seq: int) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.seq = seq


class DeskFailed(Message):
    """The database could not be read or written (shown, never a traceback)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
