"""The operations people at the desk perform.

Each public method of :class:`Desk` is one operation: one transaction that
writes the state change and the event recording it, committed before the
method returns. Times default to the injected clock's now; an operation may
be given an earlier time (something logged after the fact) but never one in
the future.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from hotline.clock import Clock, as_utc
from hotline.config import Settings
from hotline.desk.clocks import evaluate_ticket, sla_facts
from hotline.desk.escalations import acknowledge_chain
from hotline.desk.realerts import monitor as supervision_monitor
from hotline.desk.roster import check_login, system_user
from hotline.desk.steps import StepInput, raise_complaint, record_step, why_not
from hotline.directory.callers import CallerMatch, match_number
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.phones import PhoneNumber, parse_number
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.engine import make_engine, session_scope
from hotline.store.models import Call, Engineer, Escalation, Event, Ticket
from hotline.store.schema import upgrade

DEFAULT_POLICY = "standard"
DEFAULT_GRADE = "C"  # callers without a contract in force get the lowest grade's limits
KINDS = ("fault", "consultation", "complaint")
CALL_SOURCES = ("manual", "cli", "demo", "ami", "jsonl", "queue_log")

#: At most this many tickets are re-evaluated in one transaction (after downtime, the
#: rest follow on the next round, a second later), so no seat holds the database long.
EVALUATE_BATCH = 200

#: A time "now" may be ahead of what a seat's clock reads by this much (clock skew).
FUTURE_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Intake:
    """What the duty engineer typed in the intake form."""

    number: str
    kind: str
    level: int | None
    description: str
    equipment: str = ""
    site: str = ""
    caller_name: str = ""
    at: datetime | None = None
    promise_callback: bool = False
    #: For an unknown caller: add them to the directory under this customer (code or name).
    new_contact_customer: str = ""


@dataclass(frozen=True)
class RingResult:
    call_id: int
    created: bool  # False when the same call id had already rung
    number: PhoneNumber | None
    caller: CallerMatch


class Desk(Seat):
    """The desk's operations on one database, as one signed-in person."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings, sla: SlaEngine,
                 actor: str) -> None:
        super().__init__(engine, clock, settings, sla, actor)
        #: When the next re-alert of an unacknowledged escalation can fall due (see
        #: :func:`hotline.supervision.monitor`); None: look now.
        self.realerts_due_at: datetime | None = None

    # --- helpers ---------------------------------------------------------------

    def _when(self, at: datetime | None, *, not_before: datetime | None = None,
              what: str = "") -> datetime:
        now = self.now()
        if at is None:
            return now
        at = as_utc(at)
        if at > now + FUTURE_TOLERANCE:
            raise InputError(_("{time} is in the future: an event can only be recorded when it "
                               "has happened.").format(time=self._show(at)))
        if not_before is not None and at < not_before:
            raise InputError(_("{time} is before {what} ({before}).").format(
                time=self._show(at), what=what or _("the start"), before=self._show(not_before)))
        return at

    def _show(self, at: datetime) -> str:
        return at.astimezone(self.settings.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _event(self, s: Session, event_kind: str, at: datetime, /, *,
               call_id: int | None = None,
               ticket_id: int | None = None, escalation_id: int | None = None,
               actor: str | None = None, **data: Any) -> Event:
        ev = Event(**self._event_row(event_kind, at, call_id=call_id, ticket_id=ticket_id,
                                     escalation_id=escalation_id, actor=actor, **data))
        s.add(ev)
        return ev

    def _event_row(self, event_kind: str, at: datetime, /, *, call_id: int | None = None,
                   ticket_id: int | None = None, escalation_id: int | None = None,
                   actor: str | None = None, **data: Any) -> dict[str, Any]:
        """The columns of the event :meth:`_event` adds (for bulk inserts of many events)."""
        return {"at": at, "recorded_at": self.now(), "actor": actor or self.actor,
                "kind": event_kind, "call_id": call_id, "ticket_id": ticket_id,
                "escalation_id": escalation_id,
                "data": json.dumps(data, ensure_ascii=False, default=str)}

    def session(self) -> Any:
        return session_scope(self.engine)

    def parse_number(self, text: str, *, default_area_code: str | None = None) -> PhoneNumber:
        return parse_number(text, default_region="CN", default_area_code=default_area_code)

    def identify(self, number: PhoneNumber | None) -> CallerMatch:
        """Who a number belongs to (read-only)."""
        with Session(self.engine) as s:
            return match_number(s, number.e164 if number else None,
                                self.now().astimezone(self.settings.tz).date())

    def _policy_of(self, caller: CallerMatch) -> tuple[str, str]:
        return (caller.policy or DEFAULT_POLICY, caller.grade or DEFAULT_GRADE)

    def _answer_clock(self, policy: str, grade: str, at: datetime) -> tuple[datetime, datetime]:
        """Due and warning times of the answer target of a call offered at ``at``.

        The answer target is call-scoped: it holds for every kind of ticket the
        call may become, so it is looked up as for a fault.
        """
        limit = self.sla.limit(policy, "answer", grade=grade, level=None, kind="fault",
                               region=None, at=at)
        if limit is None:
            policy, grade = DEFAULT_POLICY, DEFAULT_GRADE
            limit = self.sla.limit(policy, "answer", grade=grade, level=None, kind="fault",
                                   region=None, at=at)
        if limit is None or limit.duration is None:
            raise InputError(_("Policy {policy} has no answer target in seconds or minutes.")
                             .format(policy=policy))
        due = at + limit.duration
        return due, self.sla.warn_at(limit, at, due, self.sla.policy(policy).warn_share)

    def sign_in(self, login: str) -> None:
        """This seat is now worked by ``login`` (who must be on the roster)."""
        member = check_login(self.engine, login)
        with self.session() as s:
            self._event(s, "signed_in", self.now(), actor=login,
                        seat=member.seat if member else None, previous=self.actor)
        self.actor = login
        self.signed_in = True

    # --- calls -------------------------------------------------------------------

    def ring(self, number: str, *, at: datetime | None = None, call_key: str | None = None,
             source: str = "cli", queue: str | None = None, strict: bool = True) -> RingResult:
        """A call joins the queue.

        With ``strict`` (people typing, ``hotline ring``) a number that does not
        parse is refused; a PBX's caller id is kept as it came instead (a call
        is never dropped for its caller id).
        """
        if source not in CALL_SOURCES:
            raise InputError(_("Unknown call source {source!r}.").format(source=source))
        parsed: PhoneNumber | None
        raw = number.strip()
        if strict:
            parsed = self.parse_number(raw)
        else:
            try:
                parsed = self.parse_number(raw) if raw else None
            except InputError:
                parsed = None
        key = (call_key or "").strip() or f"{source}-{uuid.uuid4().hex[:16]}"
        if len(key) > 120:
            raise InputError(_("A call id may have at most 120 characters."))
        when = self._when(at)
        with self.session() as s:
            existing = s.exec(select(Call).where(Call.call_key == key)).first()
            if existing is not None:
                assert existing.id is not None
                caller = match_number(s, existing.number_e164,
                                      when.astimezone(self.settings.tz).date())
                return RingResult(existing.id, False, parsed, caller)
            caller = match_number(s, parsed.e164 if parsed else None,
                                  when.astimezone(self.settings.tz).date())
            policy, grade = self._policy_of(caller)
            due, warn = self._answer_clock(policy, grade, when)
            call = Call(call_key=key, source=source, queue=queue, number_raw=raw,
                        number_e164=parsed.e164 if parsed else None,
                        number_kind=parsed.kind if parsed else None,
                        contact_id=caller.contact_id, customer_id=caller.customer_id,
                        contract_id=caller.contract_id, state="ringing", offered_at=when,
                        answer_due_at=due, answer_warn_at=warn)
            s.add(call)
            try:
                s.flush()
            except sa.exc.IntegrityError:
                # another process registered the same call id a moment ago
                s.rollback()
                with Session(self.engine) as s2:
                    other = s2.exec(select(Call).where(Call.call_key == key)).one()
                    assert other.id is not None
                    return RingResult(other.id, False, parsed, caller)
            assert call.id is not None
            self._event(s, "call_rang", when, call_id=call.id, number=raw, source=source,
                        call_key=key, queue=queue,
                        actor={"demo": "demo", "ami": "pbx", "jsonl": "pbx",
                               "queue_log": "pbx"}.get(source))
            return RingResult(call.id, True, parsed, caller)

    def oldest_ringing(self) -> int | None:
        with Session(self.engine) as s:
            return s.exec(select(Call.id).where(Call.state == "ringing")
                          .order_by(col(Call.answer_due_at), col(Call.id)).limit(1)).first()

    def answer(self, call_id: int | None = None, *, at: datetime | None = None,
               by: str | None = None) -> int:
        """Take a ringing call (the one whose answer time runs out first if none is named).

        Exactly one seat wins a race. (Ordered by the answer deadline, which the
        ringing calls' index holds: the oldest call, unless policies differ.)
        """
        who = by or self.actor
        with self.session() as s:
            if call_id is None:
                call_id = s.exec(select(Call.id).where(Call.state == "ringing")
                                 .order_by(col(Call.answer_due_at), col(Call.id)).limit(1)).first()
                if call_id is None:
                    raise InputError(_("No call is ringing."))
            call = s.get(Call, call_id)
            if call is None:
                raise NotFound(_("There is no call {id}.").format(id=call_id))
            self._refuse_unless_ringing(call)
            when = self._when(at, not_before=call.offered_at, what=_("the call rang"))
            result = s.execute(
                sa.update(Call)
                .where(col(Call.id) == call_id, col(Call.state) == "ringing")
                .values(state="answered", answered_at=when, answered_by=who,
                        version=Call.version + 1)
            )
            if result.rowcount != 1:
                s.rollback()
                s.expire_all()
                fresh = s.get(Call, call_id)
                assert fresh is not None
                self._refuse_unless_ringing(fresh)
                raise Conflict(_("The call changed while you answered it; try again."))
            self._event(s, "call_answered", when, call_id=call_id, actor=who,
                        wait_s=round((when - call.offered_at).total_seconds(), 1))
            return call_id

    def _refuse_unless_ringing(self, call: Call) -> None:
        if call.state == "answered":
            assert call.answered_at is not None
            raise Conflict(_("{who} answered this call at {time}.").format(
                who=call.answered_by or "?", time=self._show(call.answered_at)))
        if call.state in ("abandoned", "ended"):
            raise Conflict(_("This call ended at {time}: the caller hung up.").format(
                time=self._show(call.ended_at or call.offered_at)))

    def abandon(self, call_id: int, *, at: datetime | None = None,
                actor: str | None = None) -> None:
        """The caller hung up before anyone answered."""
        with self.session() as s:
            call = s.get(Call, call_id)
            if call is None:
                raise NotFound(_("There is no call {id}.").format(id=call_id))
            self._refuse_unless_ringing(call)
            when = self._when(at, not_before=call.offered_at, what=_("the call rang"))
            result = s.execute(
                sa.update(Call).where(col(Call.id) == call_id, col(Call.state) == "ringing")
                .values(state="abandoned", ended_at=when, version=Call.version + 1))
            if result.rowcount != 1:
                raise Conflict(_("The call changed meanwhile; nothing was recorded."))
            self._event(s, "call_abandoned", when, call_id=call_id, actor=actor,
                        wait_s=round((when - call.offered_at).total_seconds(), 1))

    def end_call(self, call_id: int, *, reason: str, at: datetime | None = None) -> None:
        """Close an answered call that needs no ticket (wrong number, silent line…)."""
        reason = reason.strip()
        if not reason:
            raise InputError(_("Say why the call needs no ticket (e.g. wrong number)."))
        with self.session() as s:
            call = s.get(Call, call_id)
            if call is None:
                raise NotFound(_("There is no call {id}.").format(id=call_id))
            if call.state != "answered" or call.ticket_id is not None:
                raise Conflict(_("Only an answered call without a ticket can be closed this way."))
            when = self._when(at, not_before=call.answered_at, what=_("the answer"))
            call.state = "ended"
            call.ended_at = when
            call.version += 1
            s.add(call)
            self._event(s, "call_ended", when, call_id=call_id, reason=reason)

    # --- tickets -------------------------------------------------------------------

    def log_call(self, form: Intake, call_id: int | None = None) -> int:
        """Open a ticket for a call: the answered (or still ringing) call, or a new one
        taken on a desk phone when ``call_id`` is None. Returns the ticket id."""
        number = self.parse_number(form.number)
        kind = form.kind
        if kind not in KINDS:
            raise InputError(_("Choose what the call is: fault, consultation or complaint."))
        description = form.description.strip()
        if not description:
            raise InputError(_("A short description of the problem is required."))
        with self.session() as s:
            call: Call | None = None
            if call_id is not None:
                call = s.get(Call, call_id)
                if call is None:
                    raise NotFound(_("There is no call {id}.").format(id=call_id))
                if call.ticket_id is not None:
                    existing = s.get(Ticket, call.ticket_id)
                    raise Conflict(_("This call is already logged as ticket {number}.").format(
                        number=existing.number if existing else call.ticket_id))
                if call.state == "ringing":
                    raise Conflict(_("Answer the call before logging it."))
                if call.state in ("abandoned", "ended"):
                    raise Conflict(_("This call has ended; log a new call instead."))
                if (call.answered_by and call.answered_by != self.actor
                        and s.exec(select(Engineer.id).where(
                            Engineer.login == call.answered_by)).first() is not None):
                    # an agent the PBX named but nobody claimed: any seat may log it
                    raise Conflict(_("{who} answered this call; they log it.").format(
                        who=call.answered_by))
                when = self._when(form.at, not_before=call.answered_at, what=_("the answer"))
            else:
                when = self._when(form.at)
            local_day = when.astimezone(self.settings.tz).date()
            caller = match_number(s, number.e164, local_day)
            if not caller.known and form.new_contact_customer.strip():
                self._add_caller(s, form, number, when)
                caller = match_number(s, number.e164, local_day)
            policy, grade = self._policy_of(caller)
            level = self._check_level(policy, kind, form.level)
            if call is None:
                due, warn = self._answer_clock(policy, grade, when)
                call = Call(call_key=f"manual-{uuid.uuid4().hex[:16]}", source="manual",
                            number_raw=form.number.strip(), number_e164=number.e164,
                            number_kind=number.kind, contact_id=caller.contact_id,
                            customer_id=caller.customer_id, contract_id=caller.contract_id,
                            state="answered", offered_at=when, answered_at=when,
                            answered_by=self.actor, answer_due_at=due,
                            answer_warn_at=warn)
                s.add(call)
                s.flush()
                assert call.id is not None
                self._event(s, "call_rang", when, call_id=call.id, number=call.number_raw,
                            source="manual", call_key=call.call_key)
                self._event(s, "call_answered", when, call_id=call.id, wait_s=0)
            assert call.id is not None
            ticket = Ticket(
                number=self._next_ticket_number(s, when), kind=kind, level=level,
                initial_level=level,
                policy=policy, grade=grade, region=caller.region,
                customer_id=caller.customer_id, contact_id=caller.contact_id,
                contract_id=caller.contract_id, caller_number=number.e164,
                caller_name=form.caller_name.strip() or caller.contact_name,
                equipment=form.equipment.strip() or None, site=form.site.strip() or None,
                description=description, opened_at=when, opened_by=self.actor,
                assigned_to=self.actor)
            s.add(ticket)
            s.flush()
            assert ticket.id is not None
            call.ticket_id = ticket.id
            call.version += 1
            s.add(call)
            self._event(s, "ticket_opened", when, call_id=call.id, ticket_id=ticket.id,
                        number=ticket.number, kind=kind, level=level, policy=policy, grade=grade,
                        caller=number.e164, description=description)
            if form.promise_callback:
                self._event(s, "callback_promised", when, ticket_id=ticket.id, key="callback#1")
            if kind == "complaint":
                raise_complaint(s, self, ticket, when)
            evaluate_ticket(s, self, ticket, self.now())
            return ticket.id

    def _add_caller(self, s: Session, form: Intake, number: PhoneNumber, when: datetime) -> None:
        """Put an unknown caller in the directory, in the same transaction as their ticket."""
        from hotline.store.models import Contact, ContactNumber, Customer

        name = form.caller_name.strip()
        if not name:
            raise InputError(_("Give the caller's name to add them to the directory."))
        ref = form.new_contact_customer.strip()
        customer = s.exec(select(Customer).where(
            sa.or_(col(Customer.code) == ref, col(Customer.name) == ref))).first()
        if customer is None:
            raise InputError(_("There is no customer {ref!r}: give a customer's code or full "
                               "name.").format(ref=ref))
        assert customer.id is not None
        contact = Contact(customer_id=customer.id, name=name)
        s.add(contact)
        s.flush()
        assert contact.id is not None
        s.add(ContactNumber(contact_id=contact.id, e164=number.e164,
                            extension=number.extension, kind=number.kind))
        self._event(s, "contact_created", when, name=name, customer=customer.code,
                    number=number.e164, contact_id=contact.id)
        s.flush()

    def _check_level(self, policy: str, kind: str, level: int | None) -> int | None:
        if kind != "fault":
            return None
        levels = self.sla.policy(policy).levels
        if level is None:
            raise InputError(_("Choose the fault level ({levels}; 1 is the most severe).").format(
                levels="/".join(str(v) for v in levels)))
        if level not in levels:
            raise InputError(_("Policy {policy} has no fault level {level}; it has {levels}.")
                             .format(policy=policy, level=level,
                                     levels="/".join(str(v) for v in levels)))
        return level

    def _next_ticket_number(self, s: Session, when: datetime) -> str:
        """``YYMMDD-NNNN`` by the desk's local day, counting that day's tickets."""
        day = when.astimezone(self.settings.tz)
        prefix = day.strftime("%y%m%d") + "-"
        count = s.exec(select(func.count()).select_from(Ticket)
                       .where(col(Ticket.number).startswith(prefix))).one()
        n = count + 1
        while s.exec(select(Ticket.id).where(Ticket.number == f"{prefix}{n:04d}")).first():
            n += 1
        return f"{prefix}{n:04d}"

    def _ticket(self, s: Session, ticket_id: int) -> Ticket:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
        return ticket

    def record(self, ticket_id: int, what: str, given: StepInput | None = None, *,
               at: datetime | None = None, expected_version: int | None = None) -> int:
        """Record one step of a ticket's life (see :mod:`hotline.desk.ticket_lifecycle`).

        Refused with a message naming what must come first when out of order;
        with ``expected_version``, refused when someone changed the ticket since
        the caller looked at it. Returns the ticket's new version.
        """
        return record_step(self, ticket_id, what, given or StepInput(), at=at,
                           expected_version=expected_version)

    def why_not(self, ticket_id: int, what: str) -> str | None:
        """Why ``what`` cannot be recorded on the ticket now, or None if it can."""
        return why_not(self, ticket_id, what)

    def promise_callback(self, ticket_id: int, *, at: datetime | None = None) -> str:
        """Promise to call the customer back: starts the callback clock (30 minutes)."""
        self.record(ticket_id, "callback_promised", at=at)
        return self._last_key(ticket_id, "callback_promised")

    def callback_done(self, ticket_id: int, key: str | None = None, *,
                      at: datetime | None = None) -> str:
        """The promised callback was made: stops its clock (met if in time)."""
        self.record(ticket_id, "callback_made", StepInput(key=key), at=at)
        return self._last_key(ticket_id, "callback_made")

    def _last_key(self, ticket_id: int, kind: str) -> str:
        with Session(self.engine) as s:
            ev = s.exec(select(Event).where(Event.ticket_id == ticket_id, Event.kind == kind)
                        .order_by(col(Event.id).desc()).limit(1)).one()
            return str(json.loads(ev.data)["key"])

    # --- escalations ---------------------------------------------------------------

    def acknowledge(self, escalation_id: int, note: str = "") -> None:
        """A supervisor has seen the escalation (and says what is being done)."""
        note = note.strip()
        with self.session() as s:
            esc = s.get(Escalation, escalation_id)
            if esc is None:
                raise NotFound(_("There is no escalation {id}.").format(id=escalation_id))
            if esc.acknowledged_at is not None:
                raise Conflict(_("{who} acknowledged this at {time}.").format(
                    who=esc.acknowledged_by or "?", time=self._show(esc.acknowledged_at)))
            now = self.now()
            result = s.execute(
                sa.update(Escalation)
                .where(col(Escalation.id) == escalation_id,
                       col(Escalation.acknowledged_at).is_(None))
                .values(acknowledged_at=now, acknowledged_by=self.actor, note=note or None))
            if result.rowcount != 1:
                raise Conflict(_("Someone acknowledged this escalation a moment ago."))
            self._event(s, "escalation_acknowledged", now, call_id=esc.call_id,
                        ticket_id=esc.ticket_id, escalation_id=escalation_id,
                        key=esc.key.split(":", 1)[1], note=note)
            if esc.kind == "tier":
                acknowledge_chain(s, self, esc, now, self.actor)
            if esc.ticket_id is not None:
                evaluate_ticket(s, self, self._ticket(s, esc.ticket_id), now)

    # --- the monitor ---------------------------------------------------------------

    def evaluate(self) -> int:
        """Raise what is due: unanswered-call escalations and every ticket whose
        clocks may have changed state. Idempotent; safe from many seats at once.
        Returns the number of items raised or re-evaluated."""
        now = self.now()
        done = 0
        try:
            with self.session() as s:
                overdue = s.exec(
                    select(Call).where(Call.state == "ringing", col(Call.answer_due_at) <= now,
                                       col(Call.escalated_at).is_(None))
                ).all()
                for call in overdue:
                    assert call.id is not None
                    call.escalated_at = call.answer_due_at
                    s.add(call)
                    esc = Escalation(key=f"call:{call.id}:answer", kind="unanswered_call",
                                     tier="engineer", call_id=call.id,
                                     raised_at=call.answer_due_at, due_at=call.answer_due_at,
                                     reason="answer")
                    s.add(esc)
                    s.flush()
                    self._event(s, "escalation_raised", call.answer_due_at, call_id=call.id,
                                escalation_id=esc.id, actor="system", kind="unanswered_call")
                    done += 1
                due_tickets = s.exec(
                    select(Ticket).where(col(Ticket.next_check_at) <= now)
                    .order_by(col(Ticket.next_check_at)).limit(EVALUATE_BATCH)
                ).all()
                for ticket in due_tickets:
                    evaluate_ticket(s, self, ticket, now)
                    done += 1
        except sa.exc.IntegrityError:
            # another seat raised the same items first: nothing left to do
            return 0
        if done or self.realerts_due_at is None or now >= self.realerts_due_at:
            done += supervision_monitor(self, now)  # re-alerts, when one can be due
        return done

    def facts(self, ticket: Ticket) -> Any:
        return sla_facts(ticket)


def open_desk(settings: Settings, clock: Clock, *, migrate: bool = True) -> Desk:
    """Connect to the configured database (migrating it) and load the policies.

    With ``--as LOGIN`` the seat is signed in as that engineer (who must be on
    the roster, if the desk has one); otherwise as the system user until
    someone signs in (``Desk.signed_in`` is False).
    """
    engine = make_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    if settings.login:
        check_login(engine, settings.login)
        desk = Desk(engine, clock, settings, sla, settings.login)
        desk.signed_in = True
        return desk
    return Desk(engine, clock, settings, sla, system_user())
