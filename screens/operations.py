"""Run a desk operation from a screen: a refusal is said, a change is read again.

    answered = run_operation(self, lambda: desk.answer(call_id))
    if answered is REFUSED:
        return

The operation's own message (a :class:`~hotline.errors.HotlineError`: "lina answered
this call at 10:00:03") becomes an error notification and nothing else happens;
otherwise the operation's result comes back and the screen posts
:class:`~screens.messages.DeskChanged`, so that the desk is read again.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, Literal, TypeVar

from textual.widget import Widget

from hotline.errors import HotlineError
from screens.messages import DeskChanged

Result = TypeVar("Result")

#: How long a refusal stays on screen, and the confirmation of what was done.
REFUSAL_TIMEOUT = 8.0
DONE_TIMEOUT = 4.0


class Refused(enum.Enum):
    """The desk refused the operation (its message was shown)."""

    REFUSED = "refused"


REFUSED: Final = Refused.REFUSED


def run_operation(screen: Widget, operation: Callable[[], Result], *, done: str = "",
                  done_timeout: float = DONE_TIMEOUT) -> Result | Literal[Refused.REFUSED]:
    """Run ``operation``; its result, or :data:`REFUSED` once the refusal is shown.

    ``done``: a confirmation to show when it went through.
    """
    try:
        result = operation()
    except HotlineError as exc:
        screen.notify(str(exc), severity="error", timeout=REFUSAL_TIMEOUT)
        return REFUSED
    if done:
        screen.notify(done, timeout=done_timeout)
    screen.post_message(DeskChanged())
    return result
