"""A modal form that hands what was typed to the core once and waits for its answer.

The operation runs in a worker (the form stays on screen, the clocks go on), named by
what it changes (``ticket:7``): while it runs the form says "Saving…", neither saves
again nor closes; a refusal is said in the form's error line and the form stays with
what was typed; once saved it closes with True (Esc: False).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static

from hotline.errors import HotlineError
from hotline.i18n import _
from screens.operations import refuse_while_pending, run_operation
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints
from screens.widgets.save_request import SaveRequested, request_save


class SavingForm(TranslatedModalScreen[bool]):
    """Subclasses compose their fields with :meth:`_field`, end with :meth:`footer` (the
    error line and the keys) and save with :meth:`save_with`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_save" not in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} is a saving form and must define _save")

    def _save(self) -> None:
        """Read the fields and hand the core's write to :meth:`save_with`, or say with
        :meth:`show_error` what is wrong (each form defines it)."""

    def action_save(self) -> None:
        request_save(self)

    def on_save_requested(self, message: SaveRequested) -> None:
        message.stop()
        self._save()

    def __init__(self, *, key: str, error_id: str) -> None:
        super().__init__()
        self.key = key
        self.error_id = error_id
        self._in_flight = False  # being saved, in a worker

    def _field(self, label: str, widget: Widget) -> ComposeResult:
        """A labelled field of the form, on one line."""
        with Horizontal(classes="field"):
            yield Label(label, classes="label")
            yield widget

    def footer(self) -> ComposeResult:
        """The error line and the keys, at the foot of every such form."""
        yield Static("", id=self.error_id, classes="error")
        yield Label(key_hints(("Tab", _("next field")), ("Ctrl+S", _("save")),
                              ("Esc", _("cancel"))), classes="keys")

    def show_error(self, message: str) -> None:
        self.query_one(f"#{self.error_id}", Static).update(Text(message, style="bold red"))

    def save_with(self, operation: Callable[[], Any]) -> None:
        """Run ``operation`` (the core's write) in a worker, once at a time."""
        if run_operation(self, operation, key=self.key, then=self._saved,
                         failed=self._refused, notify_refusal=False):
            self._in_flight = True
            self.query_one(f"#{self.error_id}", Static).update(Text(_("Saving…"), style="dim"))

    def _saved(self, _result: object) -> None:
        self._in_flight = False
        if self.is_current:
            self.dismiss(True)

    def _refused(self, error: HotlineError) -> None:
        self._in_flight = False
        self.show_error(str(error))

    def action_cancel(self) -> None:
        if self._in_flight and refuse_while_pending(self, self.key):
            return  # it may be recorded whatever the form says: wait for it
        self.dismiss(False)
