"""Typed messages: screens ask the application, workers report to it.

A screen never calls the application: it posts one of the requests below, which
bubbles up to the application (screens.app) and is handled there. Workers post
what they read, or that they failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.supervision.escalation_queue import Alert, AlertMark
    from hotline.views.dashboard import Snapshot


# --- from the screens ------------------------------------------------------------------


class DeskChanged(Message):
    """This seat changed the desk: read it again (after the next paint, so that a screen
    the key opened is drawn first)."""


class ShiftChanged(Message):
    """The crew or the handover of a shift changed: read the header's shift again."""


# --- from the workers ------------------------------------------------------------------


class SnapshotLoaded(Message):
    """A fresh view of the desk, read in a worker thread."""

    def __init__(self, snapshot: Snapshot | None, seq: int) -> None:
        super().__init__()
        self.snapshot = snapshot  # None: the read failed (a DeskFailed says why)
        self.seq = seq


class ChangesSeen(Message):
    """The change watcher looked: whether any seat committed since its last look."""

    def __init__(self, changed: bool) -> None:
        super().__init__()
        self.changed = changed


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


class AlertsRaised(Message):
    """Re-alerts recorded since the seat last looked (``since`` is the mark it looked from)."""

    def __init__(self, alerts: list[Alert], since: AlertMark | None,
                 mark: AlertMark) -> None:
        super().__init__()
        self.alerts = alerts
        self.since = since
        self.mark = mark


class ShiftRefreshed(Message):
    """The current shift's text for the header."""

    def __init__(self, text: str | None) -> None:
        super().__init__()
        self.text = text
