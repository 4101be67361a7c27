"""The idle lock: after the configured idle time no key acts until the secret is typed.

Behind it the desk goes on: calls ring, clocks tick and escalations are raised, on
the dashboard it dims. Only the signed-in person's secret (or Ctrl+Q) ends it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from hotline.errors import HotlineError
from hotline.i18n import _, ngettext
from screens.operations import run_operation
from screens.translated_bindings import TranslatedModalScreen


class LockScreen(TranslatedModalScreen[str]):
    """Locked after idle time; ``unlock(secret)`` checks the secret in a worker."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="lock.quit", priority=True)]

    def __init__(self, who: str, minutes: int, unlock: Callable[[str], None]) -> None:
        super().__init__()
        self.who = who
        self.minutes = minutes
        self.unlock = unlock
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Locked")
            yield Static(ngettext(
                "The desk locked after {n} minute without a key. Calls keep ringing "
                "behind it. {who}: type your secret and Enter (Ctrl+Q quits).",
                "The desk locked after {n} minutes without a key. Calls keep ringing "
                "behind it. {who}: type your secret and Enter (Ctrl+Q quits).",
                self.minutes).format(n=self.minutes, who=self.who),
                         classes="question", markup=False)
            yield Input(password=True, placeholder=_("your secret"), id="lock-secret",
                        max_length=200)
            yield Static("", id="lock-error", classes="error", markup=False).set_styles(
                "display: none;")

    def on_mount(self) -> None:
        self.query_one("#lock-secret", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        secret = event.value
        if self._busy or not secret:
            return
        self._busy = True
        if not run_operation(self, lambda: self.unlock(secret), key="unlock",
                             then=lambda _result: self.dismiss(self.who),
                             failed=self._refused, notify_refusal=False):
            self._busy = False

    def _refused(self, error: HotlineError) -> None:
        self._busy = False
        line = self.query_one("#lock-error", Static)
        line.update(str(error))
        line.display = True
        field = self.query_one("#lock-secret", Input)
        field.value = ""
        field.focus()
