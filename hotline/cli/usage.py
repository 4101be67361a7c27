"""Refusing bad command-line usage: exit code 2, with a message saying what is wrong.

Every command raises :class:`UsageError` for arguments it cannot use;
:func:`hotline.cli.main.run` prints the message and returns 2.
"""

from __future__ import annotations

from datetime import date

from hotline.errors import InputError


class UsageError(InputError):
    """Bad command-line arguments: exit code 2."""


def option_date(flag: str, text: str) -> date:
    """The day ``text`` (YYYY-MM-DD) given to ``flag``; a wrong one is refused naming ``flag``."""
    from hotline.timefmt import parse_date

    try:
        return parse_date(text)
    except InputError as exc:
        raise UsageError(f"{flag}: {exc}") from exc
