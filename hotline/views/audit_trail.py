"""The audit trail's chain as people read it: the first broken link in words.

The desk checks the newest links as it opens (:func:`tail_notice`);
``hotline audit --verify`` checks them all (:func:`hotline.store.audit_chain.verify_chain`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.audit_chain import Break, check_tail
from hotline.store.transaction import show_time


def tail_notice(seat: Seat) -> str | None:
    """What to tell the seat if the newest links of the chain do not hold (None: they do)."""
    broken = check_tail(seat.engine)
    if broken is None:
        return None
    return describe_break(broken, seat.settings.tz) + " " + _(
        "Tell the supervisor; hotline audit --verify checks the whole trail.")


def describe_break(broken: Break, tz: ZoneInfo) -> str:
    """The first broken link in words: which event, when, and what is wrong with it."""
    when = show_time(broken.at, tz) if broken.at is not None else "?"
    if broken.what == "changed":
        why = _("its content no longer gives its hash: it was changed after it was written.")
    elif broken.what == "unlinked":
        why = _("it carries no link of the chain: it was written around the desk.")
    elif broken.previous_id is None:
        why = _("it does not link to the start of the chain: events before it were removed.")
    else:
        why = _("it does not link to the event before it (#{previous}): an event between "
                "them was removed or replaced.").format(previous=broken.previous_id)
    return _("Audit chain broken at event #{id} ({time}): {why}").format(
        id=broken.event_id, time=when, why=why)
