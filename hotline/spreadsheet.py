"""Cells a spreadsheet would run as a formula, escaped when written and read back.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage
return) is taken by Excel, LibreOffice and others as a formula when a CSV file
is opened: ``=HYPERLINK(…)`` in a customer's name would run on the
supervisor's machine. As OWASP advises, such a cell is written with a ``'``
before it, which spreadsheets show as text. A plain number (``-5``,
``+86``) is not a formula and is written as it is, so that numbers stay
numbers. Reading a file back, :func:`unescape_cell` takes the ``'`` off
again, so that what is exported is imported unchanged.
"""

from __future__ import annotations

import re
from typing import Any

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
