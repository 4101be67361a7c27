"""The desk's operations, as one object for the screens and the commands.

:class:`Desk` is a :class:`~hotline.seat.Seat` whose methods are the
operations people perform at it. Each operation is defined once, in the
module of its area, as a function of a seat: one transaction that writes
the state change and the event recording it, committed before it returns.
Times default to the seat's clock; an operation may be given an earlier
time (something logged after the fact) but never one in the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine

from hotline.accounts import accounts, permissions
from hotline.clock import Clock
from hotline.config import Settings
from hotline.desk import (
    calls,
    escalations,
    intake,
    missed_calls,
    repeat_faults,
    roster,
    steps,
    ticket_links,
)
from hotline.desk.calls import RingResult
from hotline.desk.intake import Intake
from hotline.desk.monitor import Monitor
from hotline.desk.steps import StepInput
from hotline.directory.callers import CallerMatch
from hotline.phones import PhoneNumber
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.engine import make_engine
from hotline.store.schema import upgrade


class Desk(Seat):
    """The desk's operations on one database, as one signed-in person."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings, sla: SlaEngine,
                 actor: str, *, role: str | None = None) -> None:
        super().__init__(engine, clock, settings, sla, actor, role=role)
        self.monitor = Monitor()

    @property
    def realerts_due_at(self) -> datetime | None:
        """When this seat's next re-alert can fall due (None: look at the next round)."""
        return self.monitor.realerts_due_at

    @realerts_due_at.setter
    def realerts_due_at(self, value: datetime | None) -> None:
        self.monitor.realerts_due_at = value

    # --- who works the seat --------------------------------------------------------

    def sign_in(self, login: str, secret: str) -> None:
        """This seat is now worked by ``login``, once their secret is checked."""
        roster.sign_in(self, login, secret)

    def may(self, permission: str) -> bool:
        """Whether the signed-in person's role allows ``permission`` (as last read; the
        operation itself checks again)."""
        return permissions.allowed(self.role, permission)

    def may_step(self, what: str, owner: str | None) -> bool:
        """Whether the signed-in person's role may record step ``what`` on a ticket
        assigned to ``owner`` (the step menu leaves out what it may not; the step itself
        checks again)."""
        permission = steps.step_permission(what, owner=owner, actor=self.actor)
        return permission is None or self.may(permission)

    # --- calls ---------------------------------------------------------------------

    def parse_number(self, text: str, *, default_area_code: str | None = None) -> PhoneNumber:
        return calls.parse_caller_number(text, default_area_code=default_area_code)

    def identify(self, number: PhoneNumber | None) -> CallerMatch:
        return calls.identify(self, number)

    def ring(self, number: str, *, at: datetime | None = None, call_key: str | None = None,
             source: str = "cli", queue: str | None = None, strict: bool = True) -> RingResult:
        return calls.ring(self, number, at=at, call_key=call_key, source=source, queue=queue,
                          strict=strict)

    def oldest_ringing(self) -> int | None:
        return calls.oldest_ringing(self)

    def answer(self, call_id: int | None = None, *, at: datetime | None = None,
               by: str | None = None) -> int:
        return calls.answer(self, call_id, at=at, by=by)

    def abandon(self, call_id: int, *, at: datetime | None = None,
                actor: str | None = None) -> None:
        calls.abandon(self, call_id, at=at, actor=actor)

    def end_call(self, call_id: int, *, reason: str, at: datetime | None = None) -> None:
        calls.end_call(self, call_id, reason=reason, at=at)

    def missed_call_outcome(self, missed_call_id: int, outcome: str, *,
                            at: datetime | None = None) -> str:
        return missed_calls.record_outcome(self, missed_call_id, outcome, at=at)

    # --- tickets -------------------------------------------------------------------

    def log_call(self, form: Intake, call_id: int | None = None) -> int:
        return intake.log_call(self, form, call_id)

    def repeat_of(self, ticket_id: int) -> str | None:
        """The earlier fault (its number) this one repeats within the policy's time."""
        with self.read() as s:
            return repeat_faults.repeat_note(s, ticket_id)

    def add_call(self, ticket_id: int, *, number: str, call_id: int | None = None,
                 note: str = "", at: datetime | None = None) -> int:
        return ticket_links.add_call(self, ticket_id, number=number, call_id=call_id,
                                     note=note, at=at)

    def link_tickets(self, ticket_id: int, other: str, *, note: str = "",
                     expected_version: int | None = None) -> int:
        return ticket_links.link_tickets(self, ticket_id, other, note=note,
                                         expected_version=expected_version)

    def merge_ticket(self, duplicate_id: int, into: str, *, note: str = "",
                     expected_version: int | None = None) -> int:
        return ticket_links.merge_ticket(self, duplicate_id, into, note=note,
                                         expected_version=expected_version)

    def record(self, ticket_id: int, what: str, given: StepInput | None = None, *,
               at: datetime | None = None, expected_version: int | None = None) -> int:
        return steps.record_step(self, ticket_id, what, given, at=at,
                                 expected_version=expected_version)

    def why_not(self, ticket_id: int, what: str) -> str | None:
        return steps.why_not(self, ticket_id, what)

    def paperwork_due(self, ticket_id: int) -> list[steps.PaperworkDue]:
        return steps.paperwork_due(self, ticket_id)

    def promise_callback(self, ticket_id: int, *, at: datetime | None = None) -> str:
        return steps.promise_callback(self, ticket_id, at=at)

    def callback_done(self, ticket_id: int, key: str | None = None, *,
                      at: datetime | None = None) -> str:
        return steps.callback_done(self, ticket_id, key, at=at)

    # --- escalations ---------------------------------------------------------------

    def acknowledge(self, escalation_ids: int | Sequence[int], note: str = "") -> int:
        """Acknowledge one escalation (refused if someone did) or several (those skipped)."""
        ids = [escalation_ids] if isinstance(escalation_ids, int) else escalation_ids
        return escalations.acknowledge(self, ids, note)

    def reassign(self, escalation_id: int, login: str, note: str = "") -> None:
        escalations.reassign(self, escalation_id, login, note)

    def add_note(self, escalation_id: int, text: str) -> None:
        escalations.add_note(self, escalation_id, text)

    # --- the monitor ---------------------------------------------------------------

    def evaluate(self) -> int:
        """Raise what is due (see :mod:`hotline.desk.monitor`); idempotent, from any seat."""
        return self.monitor.evaluate(self)


def open_desk(settings: Settings, clock: Clock, *, migrate: bool = True) -> Desk:
    """Connect to the configured database (migrating it) and load the policies.

    The seat acts as the system user until someone signs in with their secret
    (``Desk.signed_in`` is False); ``--as LOGIN`` only chooses who is asked. A desk
    where nobody has a secret yet (before its first manager) signs ``--as`` in
    without one; until then the desk refuses nobody (there is nobody to check).
    """
    engine = make_engine(settings.db_url, pool=settings.db_pool, pooler=settings.db_pooler)
    if migrate:
        upgrade(engine)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    desk = Desk(engine, clock, settings, sla, roster.system_user())
    if accounts.needs_first_manager(desk):
        # Nobody can prove who they are before the first manager has a secret: the
        # desk works as it did before accounts, for whoever runs it, until then.
        desk.role = permissions.MANAGER
        if settings.login:
            desk.actor = settings.login
            desk.signed_in = True
    return desk
