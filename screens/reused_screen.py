"""Screens built once and shown again and again (the intake form, the ticket screen)."""

from __future__ import annotations

from textual import events


class KeptScreen:
    """Mixin for an installed screen: showing it again does not restyle every widget.

    Each time a screen is pushed, the toolkit applies the whole stylesheet to
    every widget on it again, in case the styles changed while the screen was
    away. For the intake form that was a fifth of the time from the key press
    to the form on screen. Styles change only with the theme; a widget whose
    classes or state change while the screen is shown restyles itself. So the
    full pass runs the first time and after a change of theme, not otherwise.

    List it before the screen class (``class IntakeScreen(KeptScreen, ModalScreen)``)
    so that its handler runs before the toolkit's own.
    """

    _styled_for_theme: str | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        theme = self.app.theme  # type: ignore[attr-defined]
        if self._styled_for_theme == theme:
            event.refresh_styles = False
        self._styled_for_theme = theme
