"""Standing notices for the dashboard header: assurance periods, unconfirmed calendars."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.sla import SlaEngine

#: From this month on, next year's calendar matters (deadlines cross the new year).
LOOK_AHEAD_MONTH = 11


def header_notices(sla: SlaEngine, now: datetime, tz: ZoneInfo) -> list[str]:
    """Short texts for what a duty engineer must know before trusting the clocks."""
    out: list[str] = []
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
    return out
