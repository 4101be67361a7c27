"""How much the summary a command prints after reading a file or a feed lists."""

from __future__ import annotations

#: The summary lists at most this many items of a kind (skipped lines, calls without
#: an ending), then says how many more there are.
LIST_LIMIT = 30
