"""The desk dimmed behind a dialog, drawn with each of its styles tinted once.

A modal screen with a translucent background (every dialog, the intake form)
shows the screen below it tinted: the toolkit renders that screen and, for
every piece of text on it, works out the tinted colours anew. On the desk's
dashboard that was thousands of pieces and a quarter to two fifths of the
time from the key to a dialog on screen (profiled), though the dashboard uses
a few dozen styles. Here each
style is tinted once and looked up after that, with the toolkit's own tinting,
so the picture is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen

ScreenResult = TypeVar("ScreenResult")

#: Tinted styles kept, per tint; a theme's worth of styles is far fewer.
_LIMIT = 4096
_TINTED: dict[Color, dict[Style | None, Style]] = {}


def _tint(style: Style | None, color: Color) -> Style:
    """``style`` as the toolkit tints it with ``color`` (meta and links removed)."""
    [segment] = BackgroundScreen.process_segments([Segment(" ", style)], color)
    assert segment.style is not None
    return segment.style


class DimmedScreen(BackgroundScreen):
    """The toolkit's tinted screen below, each distinct style tinted once."""

    @classmethod
    def process_segments(cls, segments: Iterable[Segment],
                         color: Color) -> Iterable[Segment]:
        tinted = _TINTED.get(color)
        if tinted is None or len(tinted) > _LIMIT:
            tinted = _TINTED[color] = {}
        for text, style, control in segments:
            if control:
                yield Segment(text, style, control)
                continue
            new = tinted.get(style)
            if new is None:
                new = tinted[style] = _tint(style, color)
            yield Segment(text, new, control)


class DimmedModalScreen(ModalScreen[ScreenResult]):
    """A modal screen drawing the screen below through :class:`DimmedScreen`."""

    def render(self) -> RenderableType:
        rendered = super().render()
        if type(rendered) is BackgroundScreen:
            return DimmedScreen(rendered.screen, rendered.color)
        return rendered
