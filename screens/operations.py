"""Run a desk operation from a screen, off the event loop: the screen never waits.

    run_operation(self, lambda: desk.abandon(call_id), key=f"call:{call_id}",
                  then=lambda _: self.notify(_("Recorded.")))

The operation runs in a worker thread (the database may be slow, or locked by
another program for seconds); the screen goes on drawing, counting down and
taking keys meanwhile. When it ends, on the event loop again:

* refused (a :class:`~hotline.errors.HotlineError`: "lina answered this call at
  10:00:03", "the database is busy…") — the refusal becomes an error notification,
  ``failed`` is told, and nothing else happens;
* done — ``done`` is confirmed, :class:`~screens.messages.DeskChanged` is posted
  (the desk is read again) and ``then`` gets the operation's result.

``key`` names what the operation changes (``call:12``, ``ticket:7``). While one
operation on a key is under way, another on the same key is refused at once,
with a message saying so: a second key press must not act on what the screen
showed before the first one went through.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.message import Message
from textual.widget import Widget

from hotline.errors import HotlineError
from hotline.i18n import _
from screens.messages import DeskChanged

Result = TypeVar("Result")

#: How long a refusal stays on screen, and the confirmation of what was done.
REFUSAL_TIMEOUT = 8.0
DONE_TIMEOUT = 4.0


class OperationSettled(Message):
    """An operation run from a screen has ended (posted to the application)."""

    def __init__(self, key: str, ok: bool) -> None:
        super().__init__()
        self.key = key
        self.ok = ok


#: The keys of the operations under way, per application (one desk, many screens).
_PENDING: weakref.WeakKeyDictionary[App[object], set[str]] = weakref.WeakKeyDictionary()


def pending(app: App[object]) -> set[str]:
    """The keys of this application's operations under way."""
    return _PENDING.setdefault(app, set())


def is_pending(widget: Widget | App[Any], key: str) -> bool:
    """An operation on ``key`` is under way."""
    return key in pending(widget.app)


def refuse_while_pending(widget: Widget | App[Any], key: str) -> bool:
    """Say so and return True when an operation on ``key`` is under way."""
    if not is_pending(widget, key):
        return False
    widget.app.bell()
    widget.notify(_("The last change to this is still being saved; nothing more was done. "
                    "Try again once it is through."), severity="warning",
                  timeout=REFUSAL_TIMEOUT)
    return True


def run_operation(screen: Widget | App[Any], operation: Callable[[], Result], *, key: str,
                  done: str = "", done_timeout: float = DONE_TIMEOUT,
                  then: Callable[[Result], object] | None = None,
                  failed: Callable[[HotlineError], object] | None = None,
                  notify_refusal: bool = True, after_refresh: bool = False) -> bool:
    """Start ``operation`` in a worker; False (said) when one on ``key`` is under way.

    ``done``: a confirmation to show when it went through; ``then``: what to do with
    its result; ``failed``: handed the refusal, which is shown as a notification unless
    ``notify_refusal`` is False (a form shows it in its own error line).
    ``after_refresh``: start it once the screen is next drawn (a screen the key opens
    is drawn first, without a worker taking turns with it); ``key`` is taken at once.
    """
    if refuse_while_pending(screen, key):
        return False
    app = screen.app
    keys = pending(app)
    keys.add(key)

    def settle(error: HotlineError | None, result: Result | None) -> None:
        keys.discard(key)
        app.post_message(OperationSettled(key, error is None))
        if error is not None:
            if notify_refusal or failed is None:
                app.notify(str(error), severity="error", timeout=REFUSAL_TIMEOUT)
            if failed is not None:
                failed(error)
            return
        if done:
            app.notify(done, timeout=done_timeout)
        app.post_message(DeskChanged())
        if then is not None:
            then(result)  # type: ignore[arg-type]

    async def run() -> None:
        try:
            result = await asyncio.to_thread(operation)
        except HotlineError as exc:
            settle(exc, None)
            return
        except Exception as exc:  # unforeseen: said, and the desk stays up
            settle(HotlineError(_("The change failed; nothing was saved ({error}).").format(
                error=exc)), None)
            return
        settle(None, result)

    def start() -> None:
        app.run_worker(run(), name=f"operation {key}", group="operation", exit_on_error=False)

    if after_refresh:
        app.call_after_refresh(start)
    else:
        start()
    return True
