"""A data table kept in step with a list of rows by key, with live countdowns.

Rows are diffed by key: new rows are added, gone rows removed, changed cells
updated, and the order fixed with one sort. Countdown cells render
``due − now`` when they are drawn; each tick touches only the rows on
screen, so the cost of a tick does not grow with the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from hotline.timefmt import countdown

OK_STYLE = "green"
WARN_STYLE = "bold #ffaf00"
BREACH_STYLE = "bold red"
PAUSED_STYLE = "dim"


class Now:
    """The moment every countdown on screen is drawn against (set once per tick)."""

    def __init__(self, at: datetime) -> None:
        self.at = at


@dataclass(eq=False)
class Countdown:
    """A cell showing the time left to ``due`` (``-02:13`` once past), coloured by state."""

    now: Now
    due: datetime
    warn: datetime
    paused: bool = False
    stopped_at: datetime | None = None  # a call already answered shows its wait, frozen

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
        text = countdown(self.remaining())
        if self.paused:
            text = "‖ " + text
        return Text(text, style=self.style(), justify="right")

    def same(self, other: Any) -> bool:
        return (isinstance(other, Countdown) and other.due == self.due
                and other.warn == self.warn and other.paused == self.paused
                and other.stopped_at == self.stopped_at)


@dataclass(frozen=True)
class RowSpec:
    """One row: its key, its cells, and a sort key consistent with the wanted order."""

    key: str
    cells: tuple[Any, ...]
    sort_key: Any


@dataclass(frozen=True, eq=False)
class Keyed:
    """The first cell of a row, carrying the row's sort key (DataTable sorts by cell values)."""

    value: Any
    sort_key: Any

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Keyed) or other.sort_key != self.sort_key:
            return False
        if isinstance(self.value, Countdown):
            return self.value.same(other.value)
        return bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.sort_key)

    def __rich__(self) -> Any:
        if isinstance(self.value, str):
            return Text(self.value)
        return self.value


class LiveTable(DataTable[Any]):
    """A ``DataTable`` set from :class:`RowSpec` lists, with ``Countdown`` cells."""

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], *,
                 countdown_column: str | None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_spec = list(columns)
        self._auto_width = {key for key, _label, width in columns if width is None}
        self._countdown_column = countdown_column
        self._order: list[str] = []

    def on_mount(self) -> None:
        for key, label, width in self._column_spec:
            self.add_column(label, key=key, width=width)

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        except CellDoesNotExist:
            return None
        return key.value

    @property
    def keys(self) -> list[str]:
        """Row keys in the order shown."""
        return list(self._order)

    def set_rows(self, rows: Sequence[RowSpec]) -> None:
        """Make the table show exactly ``rows``, in that order, touching only what changed."""
        selected = self.selected_key
        wanted = {r.key: r for r in rows}
        column_keys = [key for key, _label, _width in self._column_spec]
        first_col = column_keys[0]
        with self.app.batch_update():
            for key in [k for k in self._order if k not in wanted]:
                self.remove_row(key)
            present = set(self._order)
            for spec in rows:
                cells = (Keyed(spec.cells[0], spec.sort_key), *spec.cells[1:])
                if spec.key in present:
                    row = self.get_row(spec.key)
                    for col_key, old, new in zip(column_keys, row, cells, strict=True):
                        if isinstance(new, Countdown) and new.same(old):
                            continue
                        if old != new:
                            # measuring is for columns sized by their content only: a
                            # narrower value makes the table measure the whole column
                            self.update_cell(spec.key, col_key, new,
                                             update_width=col_key in self._auto_width)
                else:
                    self.add_row(*cells, key=spec.key)
            order = [r.key for r in rows]
            if order != self._shown_order():
                self.sort(first_col, key=lambda cell: cell.sort_key)
            self._order = order
            if selected is not None and selected in wanted:
                self.move_cursor(row=self.get_row_index(selected), animate=False)

    def _shown_order(self) -> list[str]:
        return [self.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value or ""
                for i in range(self.row_count)]

    def tick(self) -> None:
        """Redraw the countdown cells of the rows on screen."""
        if self._countdown_column is None or self.row_count == 0:
            return
        first = int(self.scroll_y)
        height = max(1, self.scrollable_content_region.height)
        last = min(self.row_count, first + height + 1)
        col = self._countdown_column
        with self.app.batch_update():
            for index in range(first, last):
                key = self.coordinate_to_cell_key(Coordinate(index, 0)).row_key
                self.update_cell(key, col, self.get_cell(key, col))
