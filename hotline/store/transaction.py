"""The one way the core writes: a transaction that records what it changed.

Every operation of the desk (answering a call, a step of a ticket, saving a
contact, acknowledging an escalation …) opens one :class:`Transaction`,
changes rows through its ``session``, records the change with
:meth:`Transaction.record_event` and commits once, when the ``with`` block
ends — or keeps nothing if anything in it fails. The event table is the
audit trail: who did what, when it happened and when it was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hotline.clock import as_utc
from hotline.errors import InputError
from hotline.i18n import _
from hotline.store.engine import session_scope
from hotline.store.models import Event

#: A time given for something that happened may be ahead of this seat's clock by this
#: much (clocks of different machines differ a little).
FUTURE_TOLERANCE = timedelta(seconds=5)


@dataclass
class Transaction:
    """One operation's unit of work: where it writes, its moment and who acts."""

    session: Session
    #: The moment of the operation (the seat's clock when it began), aware UTC.
    now: datetime
    #: Who acts: the signed-in person, or a machine identity ("pbx", "system").
    actor: str
    #: The desk's time zone, for messages that show a time.
    tz: ZoneInfo

    def record_event(self, kind: str, at: datetime, /, *, call_id: int | None = None,
                     ticket_id: int | None = None, escalation_id: int | None = None,
                     actor: str | None = None, **data: Any) -> Event:
        """Add the event recording a change (committed with it)."""
        event = Event(**self.event_row(kind, at, call_id=call_id, ticket_id=ticket_id,
                                       escalation_id=escalation_id, actor=actor, **data))
        self.session.add(event)
        return event

    def event_row(self, kind: str, at: datetime, /, *, call_id: int | None = None,
                  ticket_id: int | None = None, escalation_id: int | None = None,
                  actor: str | None = None, **data: Any) -> dict[str, Any]:
        """The columns of the event :meth:`record_event` adds (for bulk inserts)."""
        return {"at": at, "recorded_at": self.now, "actor": actor or self.actor,
                "kind": kind, "call_id": call_id, "ticket_id": ticket_id,
                "escalation_id": escalation_id,
                "data": json.dumps(data, ensure_ascii=False, default=str)}

    def update(self, statement: sa.Update) -> int:
        """Run a conditional UPDATE; how many rows it changed (0: another seat was first)."""
        return int(cast(sa.CursorResult[Any], self.session.execute(statement)).rowcount)

    def when(self, at: datetime | None, *, not_before: datetime | None = None,
             what: str = "") -> datetime:
        """The time of what a person records: now, or an earlier time they give.

        Refused when in the future (beyond a few seconds of clock skew) or before
        ``not_before`` (``what`` names that moment in the message).
        """
        if at is None:
            return self.now
        at = as_utc(at)
        if at > self.now + FUTURE_TOLERANCE:
            raise InputError(_("{time} is in the future: an event can only be recorded when it "
                               "has happened.").format(time=self.show(at)))
        if not_before is not None and at < not_before:
            raise InputError(_("{time} is before {what} ({before}).").format(
                time=self.show(at), what=what or _("the start"), before=self.show(not_before)))
        return at

    def show(self, at: datetime) -> str:
        """A time as a message shows it: the desk's local date and time."""
        return show_time(at, self.tz)


def show_time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


@contextmanager
def transaction(engine: Engine, *, now: datetime, actor: str,
                tz: ZoneInfo) -> Iterator[Transaction]:
    """Open a transaction; it commits when the block ends, and keeps nothing on an error.

    A database that refuses the work raises :class:`~hotline.errors.StorageError`
    saying so; integrity errors pass through (operations use them to detect races).
    """
    with session_scope(engine) as session:
        yield Transaction(session, as_utc(now), actor, tz)
