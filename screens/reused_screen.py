"""Screens built once and shown again and again (the intake form, the ticket screen)."""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events, on
from textual.app import App
from textual.screen import Screen

ScreenResult = TypeVar("ScreenResult")


class ReusedScreen(Screen[ScreenResult]):
    """An installed screen: showing it again does not restyle every widget.

    Each time a screen is pushed, the toolkit applies the whole stylesheet to
    every widget on it again, in case the styles changed while the screen was
    away. For the intake form that was a fifth of the time from the key press
    to the form on screen. Styles change only with the theme; a widget whose
    classes or state change while the screen is shown restyles itself. So the
    full pass runs the first time and after a change of theme, not otherwise.

    List it last among the bases (``class TicketScreen(DeskScreen, ReusedScreen[None])``):
    the first base carries the styles (a modal screen's, for the intake form), and
    this class's handler still runs before the toolkit's own (``Screen``'s, which does
    the full pass unless told not to), as every subclass of ``Screen`` comes before
    ``Screen`` among the bases Python resolves.
    """

    _styled_for_theme: str | None = None

    @on(events.ScreenResume)
    def _restyle_after_a_change_of_theme_only(self, event: events.ScreenResume) -> None:
        theme = self.app.theme
        if self._styled_for_theme == theme:
            event.refresh_styles = False
        self._styled_for_theme = theme


def build_ahead(app: App[Any], screen: Screen[Any]) -> None:
    """Compose and mount an installed screen now, before it is first shown.

    The toolkit builds a screen on its first push; for the intake form that made the
    first answer after a start two to four times as slow as the next ones. Called
    while the desk is quiet, this takes the first step of ``push_screen`` (the
    toolkit's ``_get_screen``: register the screen, which composes and mounts it)
    without showing it; the push then finds it running. Styling and layout still
    happen on the first show, at the screen's size.
    """
    if not screen.is_running:
        app._get_screen(screen)
