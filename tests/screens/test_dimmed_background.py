"""The desk dimmed behind a dialog looks as the toolkit dims it, at less cost."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen

from screens.dimmed_background import DimmedScreen

SEGMENTS = [
    Segment("plain", None),
    Segment("no colour", Style(bold=True)),
    Segment("text ", Style(color="#e0e0e0", bgcolor="#1e1e1e")),
    Segment("ringing", Style(color="red", bgcolor="#1e1e1e", bold=True)),
    Segment("clickable", Style(color="#ffaf00", link="https://example.org")
            + Style.from_meta({"@click": "app.answer"})),
    Segment("\x1b[?25l", None, control=[(1,)]),  # type: ignore[list-item]
    Segment("text again", Style(color="#e0e0e0", bgcolor="#1e1e1e")),
]


def test_the_dimmed_desk_is_the_toolkits_picture() -> None:
    for color in (Color(0, 0, 0, 0.6), Color(10, 20, 30, 0.25), Color(0, 0, 0, 0)):
        expected = list(BackgroundScreen.process_segments(SEGMENTS, color))
        for _ in range(2):  # each style tinted the first time, looked up the second
            assert list(DimmedScreen.process_segments(SEGMENTS, color)) == expected
        for got in DimmedScreen.process_segments(SEGMENTS, color):
            assert got.control or (got.style is not None and not got.style.link
                                   and not got.style.meta)
