"""Counts, sizes and coarse times in the words people read at a glance, in the desk's language.

Everything goes through humanize, with our own Chinese catalog for it
(``hotline/locale/zh_CN/LC_MESSAGES/humanize.po``): humanize's own writes
``2分之前`` (分 alone reads as points), ``1月之前`` (1月 is January) and
``1小时和30分``, where the desk writes ``2分钟前``, ``1个月前`` and ``1小时30分钟``.

What must stay exact is not here: countdowns (``mm:ss``, :func:`hotline.timefmt.countdown`)
and clock times. Machine formats (CSV, JSON, spreadsheets) keep raw numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import humanize

from hotline.i18n import humanize_in_desk_language

DAY = timedelta(days=1)


def count(n: float) -> str:
    """``1,204,311``: a count with thousands separators."""
    humanize_in_desk_language()
    return humanize.intcomma(n)


def file_size(n_bytes: int) -> str:
    """``7.3 MB``, ``900 Bytes`` (``900 字节``): decimal units, as file managers show them."""
    humanize_in_desk_language()
    return humanize.naturalsize(n_bytes)


def ago(at: datetime, now: datetime) -> str:
    """``3 hours ago`` (``3小时前``): how long ago ``at`` was, rounded to one unit.

    Whole minutes only: under a minute is ``now`` (``刚刚``), so that a time shown
    for seconds does not count them up; a moment after ``now`` (another seat's
    clock a little ahead) is ``now`` too.
    """
    humanize_in_desk_language()
    minutes = max(0, int((now - at).total_seconds()) // 60)
    return humanize.naturaltime(timedelta(minutes=minutes))


def duration(delta: timedelta) -> str:
    """``1 hour and 30 minutes`` (``1小时30分钟``): a span in at most two units.

    Whole minutes below a day, whole hours from a day on (``2 days and 3 hours``);
    truncated, never rounded up, so a span is never said to be longer than it was.
    humanize's coarser ``naturaldelta`` would call 90 minutes ``an hour``.
    """
    humanize_in_desk_language()
    seconds = max(0, int(delta.total_seconds()))
    unit, step = ("hours", 3600) if seconds >= DAY.total_seconds() else ("minutes", 60)
    return humanize.precisedelta(timedelta(seconds=seconds - seconds % step),
                                 minimum_unit=unit, suppress=("months", "years"))
