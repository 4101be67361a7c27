"""Reading a directory CSV file: decoding it, finding its delimiter and columns, its rows.

Spreadsheets write CSV in their own ways: UTF-8 with or without a byte order
mark (another encoding, such as GB18030, must be named), commas, semicolons,
tabs or bars between cells, column names in English or Chinese.
:func:`read_table` decodes the file, finds the delimiter and the columns from
the header line, and returns every row with its line number, so that a
problem is reported where a person finds it in the file.

Whatever the bytes, the only exception is :class:`ImportFileError`: quotes are
read strictly (a quoted cell never closed, or closed with more text after it,
is refused naming the line where that cell begins, instead of swallowing the
lines after it), and so are codecs that are no text encodings, delimiters that
are not one of :data:`~hotline.directory.csv_columns.DELIMITERS` and cells over
the reader's size limit. Characters no cell may hold (NUL, control characters,
half surrogate pairs) are found per cell by :func:`bad_character`, so that the
plans refuse the row and name the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from hotline.directory.csv_columns import COLUMNS, DELIMITERS, header_line
from hotline.errors import InputError
from hotline.i18n import _
from hotline.spreadsheet import unescape_cell


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
    # a byte order mark left over (a file saved twice with one, or read as another encoding)
    text = unicodedata.normalize("NFKC", cell.replace("\ufeff", ""))
    text = text.strip().strip("*").strip().casefold()
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
    except (LookupError, ValueError, TypeError):
        # not a codec, not a text encoding (base64, rot13), or a codec that refuses
        # the bytes without saying where (idna, punycode)
        raise ImportFileError(_("{encoding!r} is not an encoding Python knows (try utf-8 or "
                                "gb18030).").format(encoding=encoding)) from None


#: Characters no cell may hold: NUL and the other control characters (a tab and line
#: breaks excepted), and halves of a UTF-16 pair, which no database stores.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: A line break as the CSV reader counts lines.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be a cell (a character it must not hold), or None."""
    m = _BAD_CHARACTER.search(text)
    if m is None:
        return None
    code = ord(m.group())
    if code == 0:
        return _("it contains a NUL character (U+0000), which is not text: the file was "
                 "probably saved as UTF-16 or is not a CSV file.")
    if 0xD800 <= code <= 0xDFFF:
        return _("it contains U+{code:04X}, half of a character: the file was not decoded "
                 "as the encoding it was written in.").format(code=code)
    return _("it contains the control character U+{code:04X}, which is not text.").format(
        code=code)


def _sniff(header: str, aliases: dict[str, str]) -> str | None:
    best, best_score = None, 0
    for d in DELIMITERS:
        cells = next(csv.reader([header], delimiter=d), [])
        score = sum(1 for c in cells if _header_key(c) in aliases)
        if score > best_score:
            best, best_score = d, score
    return best


def _quote_trouble(text: str, start_line: int, end_line: int,
                   delimiter: str) -> tuple[str, int] | None:
    """What is wrong with the quotes of the record starting on ``start_line``.

    Read the way :mod:`csv` reads it, up to the end of ``end_line``: ``("open",
    line)`` when a quoted cell begun on ``line`` is still open there, ``("after",
    line)`` when a quoted cell begun on ``line`` closes with more text after its
    closing quote; None when the quotes are in order.
    """
    lines = _LINE_BREAK.split(text)
    # the record's lines, with the line breaks between them as the reader saw them
    body = "\n".join(lines[start_line - 1:end_line])
    line, at_start, in_quotes, opened = start_line, True, False, start_line
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and body[i + 1] == '"':
                    i += 2
                    continue
                in_quotes = False
                if i + 1 < n and body[i + 1] not in (delimiter, "\n"):
                    return "after", opened
            elif ch == "\n":
                line += 1
        elif ch == '"' and at_start:
            in_quotes, opened, at_start = True, line, False
        elif ch == delimiter:
            at_start = True
        elif ch == "\n":
            at_start = True  # a new record: its quotes start afresh
            line += 1
        else:
            at_start = False
        i += 1
    return ("open", opened) if in_quotes else None


def _csv_error(path: Path, text: str, delimiter: str, start: int, line: int,
               exc: csv.Error) -> ImportFileError:
    """The refusal for a record the CSV reader cannot read, naming where it went wrong."""
    trouble = _quote_trouble(text, start, line, delimiter)
    limit = csv.field_size_limit()
    too_long = "field limit" in str(exc)
    if trouble is not None and trouble[0] == "after":
        return ImportFileError(_(
            "{file}: line {line}: the quoted cell that begins on this line ends with a double "
            "quote followed by more text (line {end}); a double quote inside a quoted cell "
            "must be written twice (\"\").").format(file=path.name, line=trouble[1], end=line))
    if trouble is not None and too_long:
        return ImportFileError(_(
            "{file}: line {line}: the quoted cell that begins on this line goes on for more "
            "than {limit} characters: is its closing double quote missing?").format(
                file=path.name, line=trouble[1], limit=f"{limit:,}"))
    if trouble is not None:
        return ImportFileError(_(
            "{file}: line {line}: a double quote opens a cell that is never closed, so every "
            "line after it would be read into that cell. Close the quote, or remove it (a "
            "double quote inside a quoted cell is written twice: \"\").").format(
                file=path.name, line=trouble[1]))
    if too_long:
        return ImportFileError(_("{file}: line {line}: a cell is longer than {limit} "
                                 "characters.").format(file=path.name, line=line,
                                                       limit=f"{limit:,}"))
    return ImportFileError(_("{file}: line {line} is not CSV: {reason}.").format(
        file=path.name, line=line, reason=exc))


def read_table(path: Path, kind: str, *, delimiter: str | None = None,
               encoding: str | None = None) -> Table:
    """Read a CSV file of ``kind``: header checked, rows with their line numbers."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Cannot read {file}: {reason}.").format(
            file=path, reason=exc.strerror or exc)) from None
    return parse_table(raw, kind, path, delimiter=delimiter, encoding=encoding)


def parse_table(raw: bytes, kind: str, path: Path, *, delimiter: str | None = None,
                encoding: str | None = None) -> Table:
    """Read the bytes of a CSV file of ``kind`` (``path`` names it in refusals)."""
    if kind not in COLUMNS:
        raise ImportFileError(_("Unknown kind of file {kind!r}: {kinds}.").format(
            kind=kind, kinds=", ".join(COLUMNS)))
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ImportFileError(_("--delimiter must be comma, semicolon, tab or |, not "
                                "{value!r}.").format(value=delimiter))
    text, shown_encoding = _decode(raw, encoding, path)
    if not text.strip():
        raise ImportFileError(_("{file} is empty; its first line must be the header: "
                                "{header}").format(file=path.name, header=header_line(kind)))
    aliases = _aliases(kind)
    if delimiter is None:
        found = _sniff(_LINE_BREAK.split(text, maxsplit=1)[0], aliases)
        if found is None:
            raise ImportFileError(_(
                "{file}: the first line is not a {kind} header. It must name the columns, "
                "e.g.: {header}").format(file=path.name, kind=kind, header=header_line(kind)))
        delimiter = found
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = last = 1
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("{file} is empty; its first line must be the header: "
                                    "{header}").format(file=path.name,
                                                       header=header_line(kind)))
        positions: dict[str, int] = {}
        columns: dict[str, str] = {}
        ignored: list[str] = []
        for i, cell in enumerate(header):
            why = bad_character(cell)
            if why is not None:
                raise ImportFileError(_("{file}: line {line}: header cell {n}: {why}").format(
                    file=path.name, line=1, n=i + 1, why=why))
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
        start = last + 1
        for cells in reader:
            last = reader.line_num
            if any(c.strip() for c in cells):  # not a blank line, nor a spreadsheet's empty row
                values = {name: unescape_cell(cells[i]) if i < len(cells) else ""
                          for name, i in positions.items()}
                extra = any(c.strip() for c in cells[len(header):])
                rows.append(Row(start, values, len(cells) if extra else 0))
            start = last + 1
    except csv.Error as exc:
        raise _csv_error(path, text, delimiter, start, reader.line_num, exc) from None
    return Table(kind, columns, rows, delimiter, shown_encoding, ignored,
                 hashlib.sha256(raw).hexdigest(), len(header))
