"""Logging a call as a ticket: what the duty engineer typed in the intake form.

One transaction: the ticket, its first events (and the call of a desk phone,
and an unknown caller added to the directory, when the form says so), the
complaint's escalation and the ticket's first clocks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from hotline.desk import outbox
from hotline.desk.answer_target import answer_due, policy_of
from hotline.desk.call_states import CallState, LogRefusal, log_refusal
from hotline.desk.calls import parse_caller_number
from hotline.desk.clocks import evaluate_ticket
from hotline.desk.escalation_raising import raise_complaint
from hotline.desk.repeat_faults import link_repeat
from hotline.desk.site_region import check_region
from hotline.directory.callers import CallerMatch, match_number
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.phones import PhoneNumber
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.sla.policy import propose_level
from hotline.store.audit_chain import take_append_lock
from hotline.store.limits import check_text
from hotline.store.models import Call, Contact, ContactNumber, Customer, Engineer, Ticket
from hotline.store.transaction import Transaction

KINDS = ("fault", "consultation", "complaint")


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
    #: The site's city, district or county, when it is not the directory's (on-site limits
    #: of a policy with regions depend on it); empty: the contract's or site's city.
    region: str = ""
    #: A fault's level questions (the policy's [classification]): the ids answered "yes";
    #: None when they were not asked.
    level_answers: tuple[str, ...] | None = None
    #: Why the level differs from the one the answers propose (required then).
    level_reason: str = ""


#: The longest reason for a level other than the proposed one.
MAX_LEVEL_REASON = 4000


@dataclass(frozen=True)
class LevelChoice:
    """The level of a new fault and how it was chosen (recorded with its opening)."""

    level: int | None
    proposed: int | None = None
    answers: tuple[str, ...] | None = None
    reason: str = ""

    def event_data(self) -> dict[str, Any]:
        if self.answers is None:
            return {}
        out: dict[str, Any] = {"answers": list(self.answers), "proposed_level": self.proposed}
        if self.reason:
            out["level_reason"] = self.reason
        return out


def choose_level(sla: SlaEngine, policy: str, kind: str, level: int | None,
                 answers: tuple[str, ...] | None, reason: str) -> LevelChoice:
    """The fault's level checked against what the answers to the policy's level questions
    propose: the proposal confirmed, or another level with a reason (refused without)."""
    level = check_level(sla, policy, kind, level)
    if kind != "fault" or answers is None:
        return LevelChoice(level)
    classification = sla.policy(policy).classification
    chosen = tuple(dict.fromkeys(answers))
    try:
        proposed = propose_level(classification, chosen)
    except ValueError as exc:
        known = ", ".join(q.id for q in classification.questions) or _("none")
        raise InputError(_("Policy {policy} asks no level question {id!r} (it asks: {known})."
                           ).format(policy=policy, id=str(exc)[:60], known=known)) from None
    why = reason.strip()
    if len(why) > MAX_LEVEL_REASON:
        raise InputError(_("The reason for the level is too long ({n} characters; at most "
                           "{max}).").format(n=len(why), max=MAX_LEVEL_REASON))
    check_text(_("The reason for the level"), why)
    if proposed is not None and level != proposed and not why:
        raise InputError(_("The answers propose level {proposed}; to open the fault at level "
                           "{level} instead, give the reason.").format(
                               proposed=proposed, level=level))
    if proposed is not None and level == proposed:
        why = ""
    return LevelChoice(level, proposed, chosen, why)


def log_call(seat: Seat, form: Intake, call_id: int | None = None) -> int:
    """Open a ticket for a call: the answered call, or a new one taken on a desk phone
    when ``call_id`` is None. Returns the ticket id."""
    number = parse_caller_number(form.number)
    kind = form.kind
    if kind not in KINDS:
        raise InputError(_("Choose what the call is: fault, consultation or complaint."))
    description = form.description.strip()
    if not description:
        raise InputError(_("A short description of the problem is required."))
    with seat.write() as tx:
        s = tx.session
        call: Call | None = None
        if call_id is not None:
            call = loggable_call(tx, call_id)
            when = tx.when(form.at, not_before=call.answered_at, what=_("the answer"))
        else:
            when = tx.when(form.at)
        local_day = when.astimezone(seat.settings.tz).date()
        caller = match_number(s, number.e164, local_day)
        if not caller.known and form.new_contact_customer.strip():
            _add_caller(tx, form, number, when)
            caller = match_number(s, number.e164, local_day)
        policy, grade = policy_of(caller)
        choice = choose_level(seat.sla, policy, kind, form.level, form.level_answers,
                              form.level_reason)
        level = choice.level
        region = caller.region
        if form.region.strip():
            region = check_region(seat.sla.policy(policy), form.region)
        if call is None:
            call = desk_phone_call(tx, seat.sla, form.number, number, caller, when)
        assert call.id is not None
        ticket = Ticket(
            number=next_ticket_number(tx, when), kind=kind, level=level, initial_level=level,
            policy=policy, grade=grade, region=region,
            customer_id=caller.customer_id, contact_id=caller.contact_id,
            contract_id=caller.contract_id, caller_number=number.e164,
            caller_name=form.caller_name.strip() or caller.contact_name,
            equipment=form.equipment.strip() or None, site=form.site.strip() or None,
            description=description, opened_at=when, opened_by=tx.actor,
            assigned_to=tx.actor)
        s.add(ticket)
        s.flush()
        assert ticket.id is not None
        call.ticket_id = ticket.id
        call.version += 1
        s.add(call)
        tx.record_event("ticket_opened", when, call_id=call.id, ticket_id=ticket.id,
                        number=ticket.number, kind=kind, level=level, policy=policy,
                        grade=grade, caller=number.e164, description=description,
                        **choice.event_data())
        if form.promise_callback:
            tx.record_event("callback_promised", when, ticket_id=ticket.id, key="callback#1")
        if kind == "complaint":
            raise_complaint(tx, ticket, when)
        if kind == "fault":
            link_repeat(tx, seat.sla, ticket, when)
        if kind == "fault" and level == 1:
            outbox.enqueue(tx, f"ticket:{ticket.id}:opened", kind=outbox.LEVEL1_FAULT, at=when,
                           ticket_id=ticket.id, call_id=call.id)
        evaluate_ticket(tx, seat.sla, ticket)
        return ticket.id


def loggable_call(tx: Transaction, call_id: int) -> Call:
    """The call, if this seat may log it now; refused saying why not."""
    s = tx.session
    call = s.get(Call, call_id)
    if call is None:
        raise NotFound(_("There is no call {id}.").format(id=call_id))
    why = log_refusal(call, call.ticket_id)
    if why is LogRefusal.LOGGED:
        existing = s.get(Ticket, call.ticket_id)
        raise Conflict(_("This call is already logged as ticket {number}.").format(
            number=existing.number if existing else call.ticket_id))
    if why is LogRefusal.RINGING:
        raise Conflict(_("Answer the call before logging it."))
    if why is LogRefusal.OVER:
        raise Conflict(_("This call has ended; log a new call instead."))
    if (call.answered_by and call.answered_by != tx.actor
            and s.exec(select(Engineer.id).where(
                Engineer.login == call.answered_by)).first() is not None):
        # an agent the PBX named but nobody claimed: any seat may log it
        raise Conflict(_("{who} answered this call; they log it.").format(who=call.answered_by))
    return call


def desk_phone_call(tx: Transaction, sla: SlaEngine, raw: str, number: PhoneNumber,
                    caller: CallerMatch, when: datetime) -> Call:
    """Record a call taken on a desk phone: rung and answered at ``when``, by this seat."""
    s = tx.session
    policy, grade = policy_of(caller)
    due, warn = answer_due(sla, policy, grade, when)
    call = Call(call_key=f"manual-{uuid.uuid4().hex[:16]}", source="manual",
                number_raw=raw.strip(), number_e164=number.e164,
                number_kind=number.kind, contact_id=caller.contact_id,
                customer_id=caller.customer_id, contract_id=caller.contract_id,
                state=CallState.ANSWERED, offered_at=when, answered_at=when,
                answered_by=tx.actor, answer_due_at=due, answer_warn_at=warn)
    s.add(call)
    s.flush()
    assert call.id is not None
    tx.record_event("call_rang", when, call_id=call.id, number=call.number_raw,
                    source="manual", call_key=call.call_key)
    tx.record_event("call_answered", when, call_id=call.id, wait_s=0)
    return call


def _add_caller(tx: Transaction, form: Intake, number: PhoneNumber, when: datetime) -> None:
    """Put an unknown caller in the directory, in the same transaction as their ticket."""
    s = tx.session
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
    tx.record_event("contact_created", when, name=name, customer=customer.code,
                    number=number.e164, contact_id=contact.id)
    s.flush()


def check_level(sla: SlaEngine, policy: str, kind: str, level: int | None) -> int | None:
    """The fault level, checked against the policy's levels (None for other kinds)."""
    if kind != "fault":
        return None
    levels = sla.policy(policy).levels
    if level is None:
        raise InputError(_("Choose the fault level ({levels}; 1 is the most severe).").format(
            levels="/".join(str(v) for v in levels)))
    if level not in levels:
        raise InputError(_("Policy {policy} has no fault level {level}; it has {levels}.")
                         .format(policy=policy, level=level,
                                 levels="/".join(str(v) for v in levels)))
    return level


def next_ticket_number(tx: Transaction, when: datetime) -> str:
    """``YYMMDD-NNNN`` by the desk's local day, counting that day's tickets.

    Counted under the audit chain's append lock, which the transaction takes for its
    events anyway and holds until it commits: two seats logging calls at the same
    moment would otherwise both count the same tickets and take the same number.
    """
    s = tx.session
    take_append_lock(s.connection())
    prefix = when.astimezone(tx.tz).strftime("%y%m%d") + "-"
    count = s.exec(select(func.count()).select_from(Ticket)
                   .where(col(Ticket.number).startswith(prefix))).one()
    n = count + 1
    while s.exec(select(Ticket.id).where(Ticket.number == f"{prefix}{n:04d}")).first():
        n += 1
    return f"{prefix}{n:04d}"
