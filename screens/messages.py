"""Typed messages that workers post to the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.views.dashboard import Snapshot


class SnapshotLoaded(Message):
    """A fresh view of the desk, read in a worker thread."""

    def __init__(self, snapshot: Snapshot | None, seq: int) -> None:
        super().__init__()
        self.snapshot = snapshot  # None: the read failed (a DeskFailed says why)
        self.seq = seq


class DeskFailed(Message):
    """The database could not be read or written (shown, never a traceback)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class DeskOpened(Message):
    """The database is open and migrated, the policies loaded: the desk can start."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk


class DeskOpenFailed(Message):
    """The desk could not be opened (a database that cannot be used, a bad policy…)."""

    def __init__(self, text: str, code: int) -> None:
        super().__init__()
        self.text = text
        self.code = code
