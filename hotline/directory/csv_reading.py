"""Reading a directory CSV file: decoding it, finding its delimiter and columns, its rows.

Spreadsheets write CSV in their own ways: UTF-8 with or without a byte order
mark (another encoding, such as GB18030, must be named), commas, semicolons,
tabs or bars between cells, column names in English or Chinese.
:func:`read_table` decodes the file, finds the delimiter and the columns from
the header line, and returns every row with its line number, so that a
problem is reported where a person finds it in the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from hotline.directory.csv_columns import COLUMNS, DELIMITERS, header_line
from hotline.errors import InputError
from hotline.i18n import _


class ImportFileError(InputError):
    """The file cannot be read as the kind of file asked for (exit code 2)."""


@dataclass(frozen=True)
class Row:
    """One line of the file: its number and its cells by column name."""

    line: int
    values: dict[str, str]
    cells: int = 0  # how many cells the line has, when more than the header


@dataclass
class Table:
    """A file as read: its columns, rows, and how it was written."""

    kind: str
    columns: dict[str, str]  # column name -> header cell as written in the file
    rows: list[Row]
    delimiter: str
    encoding: str
    ignored: list[str]
    digest: str
    header_cells: int


def _header_key(cell: str) -> str:
    text = unicodedata.normalize("NFKC", cell).strip().strip("*").strip().casefold()
    return "_".join(text.replace("-", " ").split())


def _aliases(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in COLUMNS[kind]:
        for name in (c.name, *c.aliases):
            out[_header_key(name)] = c.name
    return out


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    wanted = (encoding or "utf-8").strip().lower().replace("_", "-")
    if wanted in ("utf-8", "utf8", "utf-8-sig"):
        shown = "UTF-8 with BOM" if raw.startswith(b"\xef\xbb\xbf") else "UTF-8"
        codec = "utf-8-sig"
    else:
        shown = codec = wanted
    try:
        return raw.decode(codec), shown
    except LookupError:
        raise ImportFileError(_("{encoding!r} is not an encoding Python knows (try utf-8 or "
                                "gb18030).").format(encoding=encoding)) from None
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        if codec == "utf-8-sig":
            raise ImportFileError(_(
                "{file}: line {line} is not UTF-8. Save the file as \"CSV UTF-8\" (Excel: "
                "File › Save As › CSV UTF-8), or give its encoding, e.g. --encoding gb18030 "
                "for a file Excel saved as plain CSV on Chinese Windows.").format(
                    file=path.name, line=line)) from None
        raise ImportFileError(_("{file}: line {line} cannot be read as {encoding}.").format(
            file=path.name, line=line, encoding=shown)) from None


def _sniff(header: str, aliases: dict[str, str]) -> str | None:
    best, best_score = None, 0
    for d in DELIMITERS:
        cells = next(csv.reader([header], delimiter=d), [])
        score = sum(1 for c in cells if _header_key(c) in aliases)
        if score > best_score:
            best, best_score = d, score
    return best


def read_table(path: Path, kind: str, *, delimiter: str | None = None,
               encoding: str | None = None) -> Table:
    """Read a CSV file of ``kind``: header checked, rows with their line numbers."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Cannot read {file}: {reason}.").format(
            file=path, reason=exc.strerror or exc)) from None
    text, shown_encoding = _decode(raw, encoding, path)
    lines = text.splitlines()
    if not text.strip() or not lines:
        raise ImportFileError(_("{file} is empty; its first line must be the header: "
                                "{header}").format(file=path.name, header=header_line(kind)))
    aliases = _aliases(kind)
    if delimiter is None:
        found = _sniff(lines[0], aliases)
        if found is None:
            raise ImportFileError(_(
                "{file}: the first line is not a {kind} header. It must name the columns, "
                "e.g.: {header}").format(file=path.name, kind=kind, header=header_line(kind)))
        delimiter = found
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        header = next(reader)
        positions: dict[str, int] = {}
        columns: dict[str, str] = {}
        ignored: list[str] = []
        for i, cell in enumerate(header):
            name = aliases.get(_header_key(cell))
            if name is None:
                if cell.strip():
                    ignored.append(cell.strip())
                continue
            if name in positions:
                raise ImportFileError(_("{file}: the header names the column {column} twice "
                                        "({first} and {second}).").format(
                                            file=path.name, column=name,
                                            first=columns[name], second=cell.strip()))
            positions[name] = i
            columns[name] = cell.strip()
        missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in positions]
        if missing:
            raise ImportFileError(_("{file}: the header has no {missing} column. A {kind} "
                                    "file's header is: {header}").format(
                                        file=path.name, missing=", ".join(missing), kind=kind,
                                        header=header_line(kind)))
        rows: list[Row] = []
        last = reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines, and the empty rows spreadsheets leave at the end
            values = {name: (cells[i] if i < len(cells) else "") for name, i in positions.items()}
            extra = any(c.strip() for c in cells[len(header):])
            rows.append(Row(start, values, len(cells) if extra else 0))
    except csv.Error as exc:
        raise ImportFileError(_("{file}: line {line} is not CSV: {reason}.").format(
            file=path.name, line=reader.line_num, reason=exc)) from None
    return Table(kind, columns, rows, delimiter, shown_encoding, ignored,
                 hashlib.sha256(raw).hexdigest(), len(header))

