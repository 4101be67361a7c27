"""The kinds of header notice: a warning unless it says it is a plain fact."""

from __future__ import annotations


class InfoNotice(str):
    """A notice that is a plain fact (the current shift, a feed that works), not a warning."""

    warning = False
