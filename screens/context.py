"""What the desk's screens are handed: the open desk and what the seat knows beside it.

No screen imports the application. The application makes one :class:`DeskContext`,
fills it in as the desk opens, and hands it to each screen it makes (attributes
down); a screen that changed the desk, or wants a ticket shown, posts a message of
:mod:`screens.messages`, which the application handles (messages up).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from hotline.errors import HotlineError
from hotline.i18n import _
from screens.translated_bindings import TranslatedScreen
from screens.widgets.live_table import Now

# The data layer is imported where it is used: the dashboard's frame is painted
# before the database is opened (see screens.app).
if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.supervision.rota import Rota


class ChangeWatch(Protocol):
    """What ``desk.watch_changes()`` returns, as far as a screen uses it."""

    def changed(self) -> bool: ...

    def close(self) -> None: ...


class DeskContext:
    """The seat as the screens see it; the application keeps it up to date."""

    def __init__(self, now_ref: Now, *, live: bool = True) -> None:
        #: The moment every countdown on screen is drawn against (set once a second).
        self.now_ref = now_ref
        #: The desk runs live (ticks, watches other seats); False in tests and stills.
        self.live = live
        #: The user's keymap, binding id → keys (empty until the desk is open).
        self.keymap: Mapping[str, str] = {}
        self._desk: Desk | None = None
        self._rota: Rota | None = None
        #: The seat asks who works it and nobody has answered yet (the header says so,
        #: not the name of the account the desk runs under).
        self.awaiting_sign_in = False

    @property
    def ready(self) -> bool:
        """The database is open (until then the dashboard shows its empty frame)."""
        return self._desk is not None

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            raise HotlineError(_("The desk is still opening."))
        return self._desk

    def may(self, permission: str) -> bool:
        """Whether the signed-in person's role allows ``permission`` (hotline.accounts'
        table): the key bar dims what it does not. The core checks again and refuses."""
        return self._desk is not None and self._desk.may(permission)

    def attach(self, desk: Desk) -> None:
        """The desk is open: screens may use it from now on."""
        self._desk = desk
        self.now_ref.at = desk.now()
        self.keymap = dict(desk.settings.keymap)

    @property
    def rota(self) -> Rota:
        """The shift rota (read once, when the desk starts)."""
        if self._rota is None:
            raise HotlineError(_("The desk is still opening."))
        return self._rota

    @rota.setter
    def rota(self, rota: Rota) -> None:
        self._rota = rota

    def roster_choices(self) -> list[tuple[str, str]]:
        """The desk's roster as (name shown, login), to choose an engineer from: those on
        duty in the shift running now first, marked so, then the others."""
        from hotline.supervision.crew import dispatch_choices

        try:
            shift = self.rota.at(self.desk.now())
        except HotlineError:  # no rota (yet): nobody is known to be on duty
            shift = None
        choices = dispatch_choices(self.desk.engine, shift)
        out = []
        for c in choices:
            shown = c.name if c.name == c.login else f"{c.name} ({c.login})"
            if c.on_duty:
                shown = _("{engineer} · on duty now").format(engineer=shown)
            out.append((shown, c.login))
        return out


class DeskScreen(TranslatedScreen[None]):
    """A full screen of the desk, handed the desk's context when it is made."""

    def __init__(self, context: DeskContext) -> None:
        super().__init__()
        self.context = context
