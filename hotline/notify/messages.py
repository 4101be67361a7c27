"""What a notification says, in the desk's language.

What happened, the ticket number, customer, site, level, how late, who is
handling it, and the key or command that acts on it — read from the desk
when the message is composed (the sender's ``_()`` speaks the desk's
language: the ``language`` setting).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from hotline import display_names
from hotline.humane import duration
from hotline.i18n import _, ngettext
from hotline.store.models import Call, Contract, Customer, Engineer, Escalation, OutboxItem, Ticket
from hotline.supervision.escalation_queue import what_text
from hotline.timefmt import clock_time


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    #: The contract code it is about (rules may be per contract), the handler's login.
    contract: str | None = None
    handler: str | None = None


@dataclass(frozen=True)
class About:
    """The rows one outbox item is about."""

    item: OutboxItem
    escalation: Escalation | None
    ticket: Ticket | None
    call: Call | None
    customer: Customer | None
    contract: Contract | None


def about(s: Session, item: OutboxItem) -> About:
    esc = s.get(Escalation, item.escalation_id) if item.escalation_id else None
    ticket_id = item.ticket_id or (esc.ticket_id if esc else None)
    call_id = item.call_id or (esc.call_id if esc else None)
    ticket = s.get(Ticket, ticket_id) if ticket_id else None
    call = s.get(Call, call_id) if call_id else None
    customer_id = (ticket.customer_id if ticket else None) or (call.customer_id if call else None)
    contract_id = (ticket.contract_id if ticket else None) or (call.contract_id if call else None)
    return About(item, esc, ticket, call, s.get(Customer, customer_id) if customer_id else None,
                 s.get(Contract, contract_id) if contract_id else None)


def _what(a: About) -> str:
    item, esc = a.item, a.escalation
    if item.kind == "level1_fault":
        return _("New level-1 fault")
    if esc is None:
        return display_names.escalation(item.kind)
    what = what_text(esc.kind, esc.tier, esc.reason, esc.from_level, esc.to_level)
    if item.kind == "realert":
        n = int(json.loads(item.data or "{}").get("n", 1))
        return _("Still not acknowledged ({n}. re-alert): {what}").format(n=n, what=what)
    if item.kind == "follow_up":
        minutes = int(json.loads(item.data or "{}").get("minutes", 0))
        return _("Acknowledged by {who} but not followed up for {duration}: {what}").format(
            who=esc.acknowledged_by or "?", duration=duration(timedelta(minutes=minutes)),
            what=what)
    return what


def _name(s: Session, login: str | None) -> str:
    if not login:
        return _("nobody yet")
    e = s.exec(select(Engineer).where(Engineer.login == login)).first()
    return f"{e.name} ({login})" if e and e.name != login else login


def _act(a: About) -> str:
    if a.item.kind == "level1_fault" and a.ticket is not None:
        return _("On the desk: / (search) {number} opens the ticket.").format(
            number=a.ticket.number)
    return _("On the desk: F3 (escalation queue), k acknowledges, o opens the ticket.")


def compose(s: Session, items: Sequence[OutboxItem], tz: ZoneInfo, now: datetime) -> Message:
    """The message for one outbox item, or for a minute's unanswered calls together."""
    if len(items) > 1 or items[0].kind == "unanswered_call":
        return _calls(s, items, tz, now)
    a = about(s, items[0])
    what = _what(a)
    lines = [_("What: {what}").format(what=what)]
    number = a.ticket.number if a.ticket else None
    if number:
        lines.append(_("Ticket: {number}").format(number=number))
    customer = a.customer.name if a.customer else None
    if customer:
        lines.append(_("Customer: {name}").format(name=customer))
    elif a.call is not None:
        lines.append(_("Caller: {number}").format(number=a.call.number_raw))
    if a.ticket and a.ticket.site:
        lines.append(_("Site: {site}").format(site=a.ticket.site))
    if a.ticket and a.ticket.level is not None:
        lines.append(_("Level: {level}").format(level=a.ticket.level))
    due = a.escalation.due_at if a.escalation else None
    if due is not None and now > due:
        lines.append(_("Late by: {duration} (due {time})").format(
            duration=duration(now - due), time=clock_time(due, tz)))
    handler = (a.escalation.assigned_to if a.escalation and a.escalation.assigned_to
               else a.ticket.assigned_to if a.ticket else None)
    lines.append(_("Handled by: {who}").format(who=_name(s, handler)))
    lines.append(_act(a))
    subject = f"[{number}] {what}" if number else what
    return Message(subject, "\n".join(lines), a.contract.code if a.contract else None, handler)


def _calls(s: Session, items: Sequence[OutboxItem], tz: ZoneInfo, now: datetime) -> Message:
    n = len(items)
    subject = ngettext("{n} call not answered in time", "{n} calls not answered in time",
                       n).format(n=n)
    lines = [subject]
    contract = None
    for item in items:
        a = about(s, item)
        call = a.call
        if call is None:
            continue
        who = a.customer.name if a.customer else _("unknown caller")
        waited = now - call.offered_at if call.answered_at is None and call.ended_at is None \
            else timedelta(0)
        state = (_("ringing for {duration}").format(duration=duration(waited))
                 if waited > timedelta(0) else display_names.call_state(call.state))
        lines.append(f"· {clock_time(call.offered_at, tz)} {call.number_raw} {who} — {state}")
        contract = contract or (a.contract.code if a.contract else None)
    lines.append(_("On the desk: a answers the oldest call; F3 (escalation queue)."))
    return Message(subject, "\n".join(lines), contract, None)
