"""Standing notices for the dashboard header: call feeds, assurance periods, calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.notice import InfoNotice
from hotline.sla import SlaEngine
from hotline.telephony.status import FeedStatus, feed_notices, load_feed_statuses

#: From this month on, next year's calendar matters (deadlines cross the new year).
LOOK_AHEAD_MONTH = 11


def header_notices(sla: SlaEngine, now: datetime, tz: ZoneInfo,
                   feeds: Sequence[FeedStatus] = (), *, shift: str | None = None) -> list[str]:
    """Short texts for what a duty engineer must know before trusting the clocks.

    ``feeds`` (from :func:`load_feed_statuses`) adds each call feed's state
    first: whether calls from the phone system are reaching the desk at all.
    """
    out: list[str] = feed_notices(list(feeds), now, tz)
    period = sla.active_assurance(None, now)
    if period is not None:
        until = period.end.astimezone(tz).strftime("%m-%d %H:%M")
        out.append(_("Assurance: {name} until {until}").format(
            name=period.name, until=until))
    local = now.astimezone(tz)
    years = [local.year] + ([local.year + 1] if local.month >= LOOK_AHEAD_MONTH else [])
    unconfirmed = [y for y in years if not sla.calendar.year_confirmed(y)]
    if unconfirmed:
        out.append(_("{years} holidays unconfirmed").format(
            years="/".join(str(y) for y in unconfirmed)))
    if shift:  # the current shift and its supervisor (hotline.shifts.ShiftNow.text), last:
        out.append(InfoNotice(shift))  # a standing fact, after what warns
    return out


__all__ = ["FeedStatus", "InfoNotice", "header_notices", "load_feed_statuses"]
