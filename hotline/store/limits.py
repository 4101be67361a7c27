"""What a database column can hold: checked before writing, so a bad value is refused alone.

A value too long for its column, or holding a character PostgreSQL refuses
(NUL) or that is no character at all (half a UTF-16 pair, a lone
surrogate), would fail the whole transaction it is written in, and with it
every good line of a feed's batch. Those who write what a peer sent check
it here first and refuse it with a message.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa

from hotline.errors import InputError
from hotline.i18n import _


def column_limit(table: type[Any], name: str) -> int:
    """The length the database allows in a text column (from the model's definition)."""
    column = cast(sa.Table, table.__table__).c[name]
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{table.__name__}.{name} has no length")
    return length


def check_text(what: str, value: str, limit: int | None = None) -> None:
    """Refuse text no database column can hold: NUL, a lone surrogate, too long."""
    if "\x00" in value:
        raise InputError(_("{what} contains a NUL character.").format(what=what))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(_("{what} contains a broken character (a lone surrogate)."
                           ).format(what=what)) from None
    if limit is not None and len(value) > limit:
        raise InputError(_("{what} may have at most {n} characters.").format(
            what=what, n=limit))
