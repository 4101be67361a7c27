"""Errors a person or a peer system can cause, each with a message fit to show.

Every refusal the core makes is one of these; the screens and the command
line show ``str(error)`` as it is, never a traceback.
"""

from __future__ import annotations


class HotlineError(Exception):
    """Base of every expected, user-facing error."""


class InputError(HotlineError):
    """Something typed or sent was not acceptable; nothing was changed."""


class NotFound(HotlineError):
    """The call, ticket, clock or escalation named does not exist."""


class Conflict(HotlineError):
    """Someone else changed the same thing first; nothing was changed."""


class StorageError(HotlineError):
    """The database cannot be opened, read or written."""


class ConfigError(HotlineError):
    """A configuration value or file is not acceptable."""
