"""Cells a spreadsheet would run as a formula, escaped when written and read back.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage
return) is taken by Excel, LibreOffice and others as a formula when a CSV file
is opened: ``=HYPERLINK(…)`` in a customer's name would run on the
supervisor's machine. As OWASP advises, such a cell is written with a ``'``
before it, which spreadsheets show as text. A plain number (``-5``,
``+86``) is not a formula and is written as it is, so that numbers stay
numbers. Reading a file back, :func:`unescape_cell` takes the ``'`` off
again, so that what is exported is imported unchanged.

Every export goes through this module: :func:`csv_writer` for CSV (and the
tab-separated listings), :func:`xlsx_options` and :class:`SafeSheet` for
spreadsheets, where a text is always written as a string cell (never a
formula, a link or a number read out of it) and numbers as numbers.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from typing import IO, Any

#: The characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_TRIGGER = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def needs_escape(text: str) -> bool:
    """Whether ``text`` would be run as a formula (or is a ``'`` before such a text)."""
    return _TRIGGER.match(text) is not None and _PLAIN_NUMBER.fullmatch(text) is None


def escape_cell(value: Any) -> Any:
    """``value`` as it is safe to write in a spreadsheet's cell (numbers untouched)."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """A cell as :func:`escape_cell` wrote it, back as it was."""
    return text[1:] if _ESCAPED.match(text) else text


class _EscapingWriter:
    """A CSV writer that escapes every cell a spreadsheet would run as a formula."""

    def __init__(self, out: IO[str], **kw: Any) -> None:
        self._writer = csv.writer(out, **kw)

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([escape_cell(c) for c in cells])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **kw: Any) -> _EscapingWriter:
    """A ``csv.writer`` on ``out`` (same options) whose every cell is :func:`escape_cell`-ed."""
    return _EscapingWriter(out, **kw)


def xlsx_options() -> dict[str, Any]:
    """The options of every workbook the desk writes (xlsxwriter): a text stays text."""
    return {"strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}


class SafeSheet:
    """An xlsxwriter worksheet whose ``write``/``write_row`` write text as a string cell.

    Numbers (not ``bool``) are written as numbers, ``None`` as a blank cell, a number
    that is not finite as its text; anything else as its text, never as a formula.
    Other methods pass through to the worksheet.
    """

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def write(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        sheet = self._sheet
        if value is None:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float) and math.isfinite(value):
            sheet.write_number(row, col, value, fmt)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def write_row(self, row: int, col: int, values: Iterable[Any], fmt: Any = None) -> None:
        for i, value in enumerate(values):
            self.write(row, col + i, value, fmt)
