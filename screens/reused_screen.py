"""Screens built once and shown again and again (the intake form, the ticket screen)."""

from __future__ import annotations

from typing import TypeVar

from textual import events, on
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
