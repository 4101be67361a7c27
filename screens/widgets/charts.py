"""Small terminal charts drawn with block characters: column charts and bar charts.

They draw what they are given (plain numbers from a report) and size
themselves to the widget; a column chart can carry a target line (the 95%
service level), with the columns under it drawn in the alarm colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

EIGHTHS = " ▁▂▃▄▅▆▇█"
OK = "green"
LOW = "bold red"
PLAIN = "#5fafff"
LINE = "#ffaf00"


@dataclass(frozen=True)
class Column:
    label: str  # shown under the column (may be skipped when crowded)
    value: float | None  # None: no data (drawn as a dot on the axis)


def column_lines(columns: Sequence[Column], width: int, height: int, *,
                 top: float | None = None, target: float | None = None,
                 value_text: str = "{:.0f}") -> list[Text]:
    """The chart as ``height`` lines: y-axis labels, columns, the target line, x labels."""
    values = [c.value for c in columns if c.value is not None]
    top = top if top is not None else max([*values, target or 0, 1])
    top = top or 1
    axis_w = max(len(value_text.format(top)), len(value_text.format(0))) + 1
    plot_h = max(1, height - 1)
    plot_w = max(1, width - axis_w)
    n = max(1, len(columns))
    col_w = max(1, min(4, plot_w // n))
    bar_w = col_w - 1 if col_w >= 3 else col_w
    target_row = None
    if target is not None:
        target_row = min(plot_h - 1, int(target / top * plot_h))
    lines: list[Text] = []
    for row in range(plot_h - 1, -1, -1):
        line = Text()
        if target_row is not None and row == target_row:
            label = value_text.format(target)
        elif row == plot_h - 1:
            label = value_text.format(top)
        elif row == 0:
            label = value_text.format(0)
        else:
            label = ""
        line.append(label.rjust(axis_w - 1) + "│", style="dim")
        for c in columns:
            cell = _cell(c.value, top, plot_h, row)
            style = PLAIN
            if target is not None and c.value is not None:
                style = OK if c.value >= target else LOW
            on_line = target_row is not None and row == target_row
            if cell.strip():
                line.append(cell * bar_w, style=style)
            elif on_line:
                line.append("─" * bar_w, style=LINE)
            elif c.value is None and row == 0:
                line.append("·" * bar_w, style="dim")
            else:
                line.append(" " * bar_w)
            if col_w > bar_w:
                line.append("─" if on_line else " ", style=LINE)
        lines.append(line)
    lines.append(_x_labels(columns, axis_w, col_w))
    return lines


def _cell(value: float | None, top: float, plot_h: int, row: int) -> str:
    if value is None or value <= 0:
        return " "
    eighths = round(min(value, top) / top * plot_h * 8)
    full = eighths // 8
    if row < full:
        return "█"
    if row == full:
        return EIGHTHS[eighths % 8] if eighths % 8 else " "
    return " "


def _x_labels(columns: Sequence[Column], axis_w: int, col_w: int) -> Text:
    line = Text(" " * axis_w, style="dim")
    longest = max([len(c.label) for c in columns] + [1])
    every = max(1, -(-(longest + 1) // col_w))
    pos = 0
    text = ""
    for i, c in enumerate(columns):
        start = i * col_w
        if i % every == 0 and start >= pos:
            text += " " * (start - len(text)) + c.label
            pos = len(text) + 1
    line.append(text, style="dim")
    return line


def bar_lines(bars: Sequence[tuple[str, int]], width: int, *, style: str = PLAIN) -> list[Text]:
    """Horizontal bars: ``label ███▌ count``, one line each."""
    label_w = max([len(label) for label, _n in bars] + [1])
    count_w = max([len(str(n)) for _label, n in bars] + [1])
    room = max(1, width - label_w - count_w - 3)
    top = max([n for _label, n in bars] + [1])
    out = []
    for label, n in bars:
        eighths = round(n / top * room * 8)
        bar = "█" * (eighths // 8) + ("" if eighths % 8 == 0 else " ▏▎▍▌▋▊▉"[eighths % 8])
        line = Text(label.rjust(label_w) + " ", style="dim")
        line.append(bar, style=style)
        line.append(" " * (room - len(bar) + 1) + str(n).rjust(count_w))
        out.append(line)
    return out


class ColumnChart(Widget):
    """A column chart that redraws at its own size."""

    DEFAULT_CSS = "ColumnChart { height: 9; width: 1fr; }"

    def __init__(self, *, target: float | None = None, top: float | None = None,
                 value_text: str = "{:.0f}", id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: list[Column] = []
        self.target = target
        self.top = top
        self.value_text = value_text

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.refresh()

    def render(self) -> Text:
        if not self.columns:
            return Text("—", style="dim")
        lines = column_lines(self.columns, self.size.width, self.size.height,
                             top=self.top, target=self.target, value_text=self.value_text)
        return Text("\n").join(lines)


class BarChart(Widget):
    """Horizontal bars with their counts."""

    DEFAULT_CSS = "BarChart { height: auto; width: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bars: list[tuple[str, int]] = []

    def set_bars(self, bars: Sequence[tuple[str, int]]) -> None:
        self.bars = list(bars)
        self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.bars))

    def render(self) -> Text:
        if not self.bars:
            return Text("—", style="dim")
        return Text("\n").join(bar_lines(self.bars, self.size.width))
