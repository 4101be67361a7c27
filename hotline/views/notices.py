"""Standing notices for the dashboard header: call feeds, assurance periods, calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.sla import SlaEngine
from hotline.views.feeds import FORGET_AFTER, STALE_AFTER, FeedStatus


class InfoNotice(str):
    """A notice that is a plain fact (the current shift, a feed that works), not a warning."""

    warning = False


def _label(source: str) -> str:
    return _("PBX feed") if source == "ami" else _("Call feed")


def feed_notices(feeds: list[FeedStatus], now: datetime, tz: ZoneInfo) -> list[str]:
    """One short text per feed: connected / reconnecting since HH:MM / stale / stopped."""
    out: list[str] = []
    for f in feeds:
        label = _label(f.source)
        since = f.since.astimezone(tz).strftime("%H:%M")
        if f.state in ("stopped", "failed"):
            if now - f.heartbeat_at > FORGET_AFTER:
                continue
            if f.state == "failed":
                out.append(_("{feed} stopped at {time}: {why}").format(
                    feed=label, time=since, why=f.detail))
            else:
                out.append(_("{feed} stopped at {time}").format(feed=label, time=since))
            continue
        if now - f.heartbeat_at > STALE_AFTER:
            out.append(_("{feed} stale: no sign of life since {time}").format(
                feed=label, time=f.heartbeat_at.astimezone(tz).strftime("%H:%M")))
        elif f.state == "connected":
            out.append(InfoNotice(_("{feed} connected").format(feed=label)))
        elif f.state == "connecting":
            out.append(_("{feed} connecting since {time}").format(feed=label, time=since))
        else:
            text = _("{feed} reconnecting since {time}").format(feed=label, time=since)
            if f.detail:
                text += f" ({f.detail})"
            out.append(text)
    return out



#: From this month on, next year's calendar matters (deadlines cross the new year).
LOOK_AHEAD_MONTH = 11


def header_notices(sla: SlaEngine, now: datetime, tz: ZoneInfo,
                   feeds: Sequence[FeedStatus] = (), *, shift: str | None = None,
                   notify_failing: datetime | None = None) -> list[str]:
    """Short texts for what a duty engineer must know before trusting the clocks.

    ``feeds`` (from :func:`load_feed_statuses`) adds each call feed's state
    first: whether calls from the phone system are reaching the desk at all.
    """
    out: list[str] = feed_notices(list(feeds), now, tz)
    if notify_failing is not None:
        out.append(_("notifications failing since {time}").format(
            time=notify_failing.astimezone(tz).strftime("%H:%M")))
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
