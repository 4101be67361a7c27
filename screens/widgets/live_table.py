"""A table kept in step with a list of rows by key, with live countdown cells.

Built for the desk's 1 Hz tick: each row's static cells are rendered once and
kept until the row changes; only the countdown cells of the rows on screen are
drawn again each second (``due − now``, from the due times the rows carry).
So the cost of a tick depends on the height of the terminal, not on how many
rows the table holds, and a change of data redraws only the rows that changed.

Rows are set by key (:meth:`LiveTable.set_rows`): new rows appear, gone rows
go, changed cells are redrawn, and the cursor stays on the same row. The
table posts ``RowHighlighted`` and ``RowSelected`` messages under the
``data_table`` namespace, so screens handle them as they would a DataTable's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hotline.timefmt import countdown

OK_STYLE = "green"
WARN_STYLE = "bold #ffaf00"
BREACH_STYLE = "bold red"
PAUSED_STYLE = "dim"

#: Blank cells on each side of a cell's content.
PADDING = 1
#: The least a last, auto-width column is elided to before columns are left out.
FILL_MIN = 10


class Now:
    """The moment every countdown on screen is drawn against (set once per tick)."""

    def __init__(self, at: datetime) -> None:
        self.at = at


@dataclass(eq=False)
class Countdown:
    """A cell showing the time left to ``due`` (``-02:13`` once past), coloured by state.

    With ``overdue`` (an *Overdue* column) it shows the time since ``due`` instead:
    ``02:13`` counting up once past, ``-05:00`` while still to come.
    """

    now: Now
    due: datetime
    warn: datetime
    paused: bool = False
    stopped_at: datetime | None = None  # a call already answered shows its wait, frozen
    overdue: bool = False  # show the time since due (counting up) rather than the time left

    @property
    def sort_key(self) -> datetime:
        return self.due

    def remaining(self) -> timedelta:
        return self.due - (self.stopped_at or self.now.at)

    def style(self) -> str:
        at = self.stopped_at or self.now.at
        if self.paused:
            return PAUSED_STYLE
        if at > self.due:
            return BREACH_STYLE
        if at >= self.warn:
            return WARN_STYLE
        return OK_STYLE

    def __rich__(self) -> Text:
        text = countdown(-self.remaining() if self.overdue else self.remaining())
        if self.paused:
            text = "‖ " + text
        return Text(text, style=self.style(), justify="right")

    def same(self, other: Any) -> bool:
        return (isinstance(other, Countdown) and other.due == self.due
                and other.warn == self.warn and other.paused == self.paused
                and other.stopped_at == self.stopped_at and other.overdue == self.overdue)


@dataclass(frozen=True)
class RowSpec:
    """One row: its key, its cells, and a sort key consistent with the wanted order."""

    key: str
    cells: tuple[Any, ...]
    sort_key: Any


@dataclass(frozen=True, eq=False)
class Keyed:
    """A row's first cell with the row's sort key (kept for callers that read cells)."""

    value: Any
    sort_key: Any

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Keyed) or other.sort_key != self.sort_key:
            return False
        return _same_cell(self.value, other.value)

    def __hash__(self) -> int:
        return hash(self.sort_key)

    def __rich__(self) -> Any:
        if isinstance(self.value, str):
            return Text(self.value)
        return self.value


#: Line breaks and tabs in a cell's text show as spaces (a row is one line).
_FLATTEN = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def _same_cell(a: Any, b: Any) -> bool:
    if isinstance(a, Countdown):
        return a.same(b)
    return bool(a == b)


def _as_text(value: Any) -> Text:
    """Any cell value as Rich Text (drawn at the moment it is asked for)."""
    if isinstance(value, Keyed):
        value = value.value
    if isinstance(value, Text):
        return value
    if isinstance(value, str):
        return Text(value)
    if hasattr(value, "__rich__"):
        return _as_text(value.__rich__())
    return Text("" if value is None else str(value))


def _width(value: Any) -> int:
    """Cells a value takes on screen."""
    if isinstance(value, Keyed):
        value = value.value
    if isinstance(value, str):
        return cell_len(value.translate(_FLATTEN))
    return _as_text(value).cell_len


def _looks(value: Any) -> tuple[str, str]:
    """What a cell shows (text and style): equal looks need no redraw."""
    text = _as_text(value)
    return text.plain, str(text.style)


def _plain_cell(value: str, width: int) -> Segment:
    """A plain string fitted to ``width`` cells and padded: the common cell, drawn
    without building rich text (a table of 200 rows draws thousands of them)."""
    value = value.translate(_FLATTEN)
    length = cell_len(value)
    if length > width:
        value = set_cell_size(value, width - 1) + "…" if width > 0 else ""
        length = width
    pad = " " * PADDING
    return Segment(pad + value + " " * (width - length) + pad)


def _cell(value: Any, width: int) -> Text:
    """The value fitted to ``width`` cells (ellipsis when longer), padded on both sides."""
    text = _as_text(value).copy()
    text.no_wrap = True
    justify = text.justify or "left"
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    pad = width - text.cell_len
    if pad > 0:
        if justify == "right":
            text = Text(" " * pad) + text
        elif justify == "center":
            text = Text(" " * (pad // 2)) + text + Text(" " * (pad - pad // 2))
        else:
            text = text + Text(" " * pad)
    return Text(" " * PADDING) + text + Text(" " * PADDING)


@dataclass
class _Column:
    key: str
    label: str
    fixed: int | None
    width: int  # content width in use (fixed, or measured)
    hidden: bool = False  # left out: the table is too narrow for it (``drop_first``)
    clip: int | None = None  # the last column, elided to the room the others leave

    @property
    def drawn(self) -> int:
        """The width the column is drawn at."""
        return self.clip if self.clip is not None else self.width


class LiveTable(ScrollView, can_focus=True):
    """Rows set by key; countdown cells drawn live; a cursor on whole rows."""

    DEFAULT_CSS = """
    LiveTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
    }
    LiveTable > .live-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    LiveTable > .live-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    LiveTable > .live-table--cursor-blurred {
        background: $block-cursor-blurred-background;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        "live-table--cursor-blurred",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First row", show=False),
        Binding("end", "edge(1)", "Last row", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    class RowHighlighted(Message, namespace="data_table"):
        """The cursor moved to a row."""

        def __init__(self, table: LiveTable, cursor_row: int, row_key: RowKey) -> None:
            super().__init__()
            self.data_table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> LiveTable:
            return self.data_table

    class RowSelected(Message, namespace="data_table"):
        """Enter (or a click) on a row."""

        def __init__(self, table: LiveTable, cursor_row: int, row_key: RowKey) -> None:
            super().__init__()
            self.data_table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> LiveTable:
            return self.data_table

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], *,
                 countdown_column: str | None, drop_first: Sequence[str] = (),
                 **kwargs: Any) -> None:
        """``drop_first``: the columns left out, in this order, while the table is
        narrower than its columns (the less important ones), rather than the last
        columns going off the edge whatever they are."""
        super().__init__(**kwargs)
        self._columns = [_Column(key, label, width, width or cell_len(label))
                         for key, label, width in columns]
        self._countdown_column = countdown_column
        self._drop_first = [key for key in drop_first if key != countdown_column]
        self._order: list[str] = []
        self._rows: dict[str, tuple[Any, ...]] = {}
        self._specs: dict[str, RowSpec] = {}  # each row as last set
        self._static: dict[str, tuple[Strip, Strip]] = {}  # around the countdown cell
        self._drawn: dict[str, tuple[str, str]] = {}  # each row's countdown as last drawn
        self._lines: dict[str, tuple[tuple[Any, ...], Strip]] = {}  # each line as last drawn
        self._base: Style | None = None
        self._total_width = 0
        self._measure_all()

    # --- the public surface (a DataTable-like subset) -------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def keys(self) -> list[str]:
        """Row keys in the order shown."""
        return list(self._order)

    @property
    def selected_key(self) -> str | None:
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def get_row(self, key: str) -> list[Any]:
        return list(self._rows[key])

    def get_cell(self, key: str, column: str) -> Any:
        return self._rows[key][self._column_index(column)]

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        if not self._order:
            return
        self.cursor_row = max(0, min(row, len(self._order) - 1))
        self._scroll_cursor_into_view()

    def set_rows(self, rows: Sequence[RowSpec]) -> None:
        """Make the table show exactly ``rows``, in that order, redrawing what changed."""
        selected = self.selected_key
        ordered = sorted(rows, key=lambda r: r.sort_key)
        new_rows: dict[str, tuple[Any, ...]] = {}
        new_specs: dict[str, RowSpec] = {}
        grown = False
        changed = len(ordered) != len(self._order)
        for spec in ordered:
            new_specs[spec.key] = spec
            if self._specs.get(spec.key) is spec:  # the very same row as before
                new_rows[spec.key] = self._rows[spec.key]
                continue
            changed = True
            cells = (Keyed(spec.cells[0], spec.sort_key), *spec.cells[1:])
            old = self._rows.get(spec.key)
            if old is None or len(old) != len(cells) or not all(
                    _same_cell(a, b) for a, b in zip(old, cells, strict=True)):
                self._static.pop(spec.key, None)
                grown |= self._measure_row(cells)
            new_rows[spec.key] = cells
        order = [r.key for r in ordered]
        if not changed and order == self._order:
            return  # nothing to redraw
        self._rows = new_rows
        self._specs = new_specs
        self._order = order
        for key in [k for k in self._static if k not in new_rows]:
            del self._static[key]
        for key in [k for k in self._drawn if k not in new_rows]:
            del self._drawn[key]
        for key in [k for k in self._lines if k not in new_rows]:
            del self._lines[key]
        if self._shrinkable():
            grown |= self._remeasure_auto()
        if grown:
            self._static.clear()
        self._resize()
        if selected is not None and selected in new_rows:
            self.cursor_row = self._order.index(selected)
        elif self._order:
            self.cursor_row = min(self.cursor_row, len(self._order) - 1)
        self.refresh()

    def tick(self) -> None:
        """Redraw for a new second: only the lines on screen whose countdown reads
        differently now (``-3d04h`` stays the same for an hour; ``00:27`` does not)."""
        if self._countdown_column is None or not self._order:
            return
        i = self._column_index(self._countdown_column)
        top = int(self.scroll_offset.y)
        width = self.size.width
        dirty: list[Region] = []
        for index in range(top, min(len(self._order), top + self._visible_rows())):
            key = self._order[index]
            if self._drawn.get(key) != _looks(self._rows[key][i]):
                dirty.append(Region(0, index - top + 1, width, 1))
        if dirty:
            self.refresh(*dirty)

    # --- measuring ------------------------------------------------------------------

    def _column_index(self, key: str) -> int:
        for i, c in enumerate(self._columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def _measure_all(self) -> None:
        self._total_width = sum(c.drawn + 2 * PADDING for c in self._columns if not c.hidden)

    @property
    def hidden_columns(self) -> list[str]:
        """The keys of the columns left out for want of width."""
        return [c.key for c in self._columns if c.hidden]

    def _room(self) -> int:
        """The width the columns have (without a vertical scrollbar)."""
        return self.scrollable_content_region.width

    def _filler(self) -> _Column | None:
        """The last column when its width is its content's: it is elided to the room the
        others leave (its text ends in "…") rather than going off the edge."""
        last = self._columns[-1] if self._columns else None
        if last is None or last.fixed is not None or last.key == self._countdown_column:
            return None
        return last

    def _fit_columns(self) -> bool:
        """Leave out the ``drop_first`` columns, in order, until the rest fit the width
        (all come back when there is room), then elide the last column to what is left.
        True if a column came, went or changed its width."""
        changed = self._drop_columns()
        filler = self._filler()
        if filler is not None:
            room = self._room()
            clip = None
            if room > 0 and not filler.hidden:
                others = sum(c.width + 2 * PADDING for c in self._columns
                             if not c.hidden and c is not filler)
                left = room - others - 2 * PADDING
                if left < filler.width:
                    clip = max(left, cell_len(filler.label), 1)
            if clip != filler.clip:
                filler.clip = clip
                changed = True
        if changed:
            self._static.clear()
            self._lines.clear()
            self._measure_all()
        return changed

    def _drop_columns(self) -> bool:
        if not self._drop_first:
            return False
        room = self._room()
        by_key = {c.key: c for c in self._columns}
        filler = self._filler()

        def need(c: _Column) -> int:
            width = min(c.width, FILL_MIN) if c is filler else c.width
            return width + 2 * PADDING

        width = sum(need(c) for c in self._columns if c.key not in self._drop_first)
        drop: set[str] = set()
        if room > 0:
            kept = [by_key[k] for k in self._drop_first if k in by_key]
            # the most important (last to drop) first, each while it still fits
            for column in reversed(kept):
                if width + need(column) <= room and not drop:
                    width += need(column)
                else:
                    drop.add(column.key)
        changed = False
        for column in self._columns:
            hidden = column.key in drop
            if hidden != column.hidden:
                column.hidden = hidden
                changed = True
        if changed:
            self._static.clear()
            self._lines.clear()
            self._measure_all()
        return changed

    def _measure_row(self, cells: tuple[Any, ...]) -> bool:
        grown = False
        for column, value in zip(self._columns, cells, strict=False):
            if column.fixed is not None:
                continue
            width = _width(value)
            if width > column.width:
                column.width = width
                grown = True
        if grown:
            self._measure_all()
        return grown

    def _shrinkable(self) -> bool:
        return any(c.fixed is None for c in self._columns)

    def _remeasure_auto(self) -> bool:
        """Auto-width columns shrink back when their widest value went away."""
        changed = False
        for i, column in enumerate(self._columns):
            if column.fixed is not None:
                continue
            width = max([cell_len(column.label),
                         *(_width(cells[i]) for cells in self._rows.values() if i < len(cells))])
            if width != column.width:
                column.width = width
                changed = True
        if changed:
            self._measure_all()
        return changed

    def _resize(self) -> None:
        self._fit_columns()
        self.virtual_size = Size(self._total_width, len(self._order) + 1)

    # --- drawing --------------------------------------------------------------------

    def _render_cells(self, cells: Sequence[Any], columns: Sequence[_Column]) -> Strip:
        segments: list[Segment] = []
        console = self.app.console
        for column, value in zip(columns, cells, strict=False):
            if column.hidden:
                continue
            if isinstance(value, Keyed):
                value = value.value
            if isinstance(value, str):
                segments.append(_plain_cell(value, column.drawn))
            else:
                segments.extend(_cell(value, column.drawn).render(console))
        return Strip(segments)

    def _static_parts(self, key: str) -> tuple[Strip, Strip]:
        parts = self._static.get(key)
        if parts is None:
            cells = self._rows[key]
            split = (self._column_index(self._countdown_column)
                     if self._countdown_column is not None else len(self._columns))
            left = self._render_cells(cells[:split], self._columns[:split])
            right = self._render_cells(cells[split + 1:], self._columns[split + 1:])
            parts = (left, right)
            self._static[key] = parts
        return parts

    def _row_strip(self, key: str) -> Strip:
        left, right = self._static_parts(key)
        if self._countdown_column is None:
            return left
        i = self._column_index(self._countdown_column)
        value = self._rows[key][i]
        self._drawn[key] = _looks(value)
        middle = self._render_cells([value], [self._columns[i]])
        return Strip.join([left, middle, right])

    def _base_style(self) -> Style:
        """The table's own style: it walks every ancestor, so it is worked out once per
        frame, not once per line (cleared by every repaint and style change)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if repaint:
            self._base = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._base = None
        self._lines.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        base = self._base_style()
        if y == 0:
            header = self.get_component_rich_style("live-table--header")
            strip = Strip(Segment.apply_style(
                self._render_cells([c.label for c in self._columns], self._columns),
                header))
            return strip.extend_cell_length(scroll_x + width, header).crop(
                scroll_x, scroll_x + width)
        index = scroll_y + y - 1
        if index >= len(self._order):
            return Strip.blank(width, base)
        key = self._order[index]
        style = base
        if index == self.cursor_row:
            name = "live-table--cursor" if self.has_focus else "live-table--cursor-blurred"
            style = base + self.get_component_rich_style(name)
        # A line drawn before, unchanged (same row parts, same countdown, same style and
        # place), is reused: a screen shown again redraws its tables from these.
        parts = self._static_parts(key)
        looks = (_looks(self._rows[key][self._column_index(self._countdown_column)])
                 if self._countdown_column is not None else None)
        signature = (parts, looks, style, width, scroll_x)
        done = self._lines.get(key)
        if done is not None and done[0] == signature:
            if looks is not None:
                self._drawn[key] = looks
            return done[1]
        strip = Strip(Segment.apply_style(self._row_strip(key), style))
        line = strip.extend_cell_length(scroll_x + width, style).crop(scroll_x,
                                                                     scroll_x + width)
        self._lines[key] = (signature, line)
        return line

    # --- the cursor ---------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh()
        if self._order and 0 <= new < len(self._order):
            self.post_message(self.RowHighlighted(self, new, RowKey(self._order[new])))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        rows = self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step * self._visible_rows())

    def action_edge(self, step: int) -> None:
        self.move_cursor(row=0 if step < 0 else len(self._order) - 1)

    def action_select(self) -> None:
        if self._order:
            self.post_message(self.RowSelected(self, self.cursor_row,
                                               RowKey(self._order[self.cursor_row])))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self._order):
            self.move_cursor(row=index)
            self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        if self._fit_columns():
            self._resize()
            self.refresh()
        self._scroll_cursor_into_view()


@dataclass(frozen=True)
class RowKey:
    """The key of a row, as DataTable messages carry it (``.value``)."""

    value: str


__all__ = ["Countdown", "Keyed", "LiveTable", "Now", "RowKey", "RowSpec"]
