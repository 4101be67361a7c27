"""One seat of the desk: its database, clock, settings and policies, and who works it.

Every operation of the core is given a :class:`Seat` (the desk's operations
object, :class:`hotline.desk.Desk`, is one) and writes through
:meth:`Seat.write`, the one public write path: a
:class:`~hotline.store.transaction.Transaction` that records each change's
event with it and commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from hotline.clock import Clock, as_utc
from hotline.config import Settings
from hotline.sla import SlaEngine
from hotline.store.changes import ChangeWatcher
from hotline.store.transaction import Transaction, show_time, transaction


class Seat:
    """The desk as one seat sees it (read by every operation, changed by none)."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings, sla: SlaEngine,
                 actor: str, *, role: str | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self.sla = sla
        #: Who works the seat: every event it records names them.
        self.actor = actor
        #: Someone signed in (False: the seat acts as the system user until someone does).
        self.signed_in = False
        #: The role of the actor's account when last looked at (None: may do only what
        #: everyone may). Permissions read the account again; see hotline.accounts.
        self.role = role
        #: The name a call feed records its events under (None: the fixed ``pbx``); a
        #: feed run with ``--service NAME`` sets it to the proven service account.
        self.feed_actor: str | None = None

    def now(self) -> datetime:
        """The seat's clock, aware UTC."""
        return as_utc(self.clock.now())

    def show(self, at: datetime) -> str:
        """A time as messages show it: the desk's local date and time."""
        return show_time(at, self.settings.tz)

    @contextmanager
    def write(self, *, actor: str | None = None) -> Iterator[Transaction]:
        """One operation's transaction, as the signed-in person (or ``actor``)."""
        with transaction(self.engine, now=self.now(), actor=actor or self.actor,
                         tz=self.settings.tz) as tx:
            yield tx

    def read(self) -> Session:
        """A session for reading (use as a context manager; it writes nothing)."""
        return Session(self.engine)

    def watch_changes(self) -> ChangeWatcher:
        """A watcher that tells whether any seat committed since it last looked."""
        return ChangeWatcher(self.engine, listen_url=self.settings.listen_url)
