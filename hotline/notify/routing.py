"""From the outbox to messages: who is told, on which channel, in one transaction.

Each outbox row is routed once: a conditional UPDATE marks it routed (another
sender routing at the same moment finds it taken), and the messages it makes
are inserted in the same transaction, each with its idempotency key
``<message>:<channel>:<recipient>``. The rules of the config file say who:
the supervisor and the engineers on duty when it happened (the rota and the
crew set for the shift), the managers, whoever handles the ticket, a login,
or the group a channel posts to. Unanswered calls are told together: the
calls of one ``group_calls`` period (a minute) make one message, composed
once that period is over. What was acknowledged (or withdrawn) before it
could be told is not told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk.escalation_raising import SYSTEM
from hotline.i18n import _
from hotline.notify.follow_up import FOLLOW_UP, followed_up
from hotline.notify.messages import Message, compose
from hotline.notify.setup import GROUP_CHANNELS, NotifySetup
from hotline.seat import Seat
from hotline.store.models import (
    Engineer,
    Escalation,
    Notification,
    OutboxItem,
    ShiftDuty,
    Ticket,
)
from hotline.store.transaction import Transaction
from hotline.supervision.crew import read_crew
from hotline.supervision.rota import Rota

#: At most this many outbox rows are routed in one transaction.
ROUTE_BATCH = 200
#: The sender's own name in events and leases.
NOTIFIER = "notify"
DESK = "desk"


@dataclass(frozen=True)
class Target:
    channel: str
    recipient: str  # a login, or "desk"
    address: str
    problem: str = ""  # why it cannot be sent (no address): the row is failed at once


def route(seat: Seat, setup: NotifySetup, rota: Rota) -> int:
    """Route the outbox rows that are ready; returns the messages made."""
    made = 0
    with seat.write(actor=NOTIFIER) as tx:
        rows = tx.session.exec(select(OutboxItem).where(col(OutboxItem.routed_at).is_(None))
                               .order_by(col(OutboxItem.at), col(OutboxItem.id))
                               .limit(ROUTE_BATCH)).all()
        for group in _groups(rows, setup, tx.now):
            claimed = [item for item in group if _claim(tx, item)]
            if not claimed:
                continue
            message_key = f"m{claimed[0].id}"
            for item in claimed:
                item.message_key = message_key
                item.routed_at = tx.now
            live = [item for item in claimed if not _settled(tx, item)]
            if not live:
                tx.record_event("notification_skipped", tx.now, actor=SYSTEM,
                                outbox=[i.id for i in claimed], kind=claimed[0].kind,
                                reason="acknowledged")
                continue
            made += _fan_out(tx, setup, rota, live, message_key)
    return made


def _settled(tx: Transaction, item: OutboxItem) -> bool:
    """Acknowledged (or withdrawn) before it could be told: nobody needs waking for it."""
    if item.escalation_id is None:
        return False
    esc = tx.session.get(Escalation, item.escalation_id)
    if esc is not None and item.kind == FOLLOW_UP:  # acknowledged already: followed up yet?
        ticket = tx.session.get(Ticket, esc.ticket_id) if esc.ticket_id else None
        return ticket is None or followed_up(tx, esc, ticket)
    return esc is not None and esc.acknowledged_at is not None


def _groups(rows: Sequence[OutboxItem], setup: NotifySetup,
            now: datetime) -> list[list[OutboxItem]]:
    """Each row alone, except unanswered calls: one group per period, once it is over."""
    period = setup.group_calls.total_seconds()
    calls: dict[int, list[OutboxItem]] = defaultdict(list)
    out: list[list[OutboxItem]] = []
    for row in rows:
        if row.kind != "unanswered_call":
            out.append([row])
            continue
        calls[int(row.at.timestamp() // period)].append(row)
    for bucket, items in sorted(calls.items()):
        if datetime.fromtimestamp((bucket + 1) * period, UTC) <= now:
            out.append(items)
    return out


def _claim(tx: Transaction, item: OutboxItem) -> bool:
    return tx.update(sa.update(OutboxItem).where(
        col(OutboxItem.id) == item.id, col(OutboxItem.routed_at).is_(None))
        .values(routed_at=tx.now)) == 1


def _fan_out(tx: Transaction, setup: NotifySetup, rota: Rota, items: list[OutboxItem],
             message_key: str) -> int:
    first = items[0]
    message = compose(tx.session, items, tx.tz, tx.now)
    targets = targets_for(tx, setup, rota, first, message)
    for t in targets:
        failed = bool(t.problem)
        tx.session.add(Notification(
            key=f"{message_key}:{t.channel}:{t.recipient}", message_key=message_key,
            kind=first.kind, channel=t.channel, recipient=t.recipient, address=t.address[:200],
            subject=message.subject[:300], body=message.text, created_at=tx.now,
            next_at=tx.now, state="failed" if failed else "pending",
            failed_at=tx.now if failed else None,
            first_failed_at=tx.now if failed else None, last_error=t.problem or None))
        if failed:
            tx.record_event("notification_failed", tx.now, actor=SYSTEM,
                            key=f"{message_key}:{t.channel}:{t.recipient}", error=t.problem)
    tx.record_event("notification_routed", tx.now, actor=SYSTEM, message=message_key,
                    outbox=[i.id for i in items], kind=first.kind, targets=len(targets))
    return len(targets)


def on_duty(tx: Transaction, rota: Rota, role: str, at: datetime) -> list[str]:
    """Who holds ``role`` in the shift at ``at``: the crew set for it, else the rota's."""
    s = tx.session
    inst = rota.at(at)
    if role == "manager":
        managers = s.exec(select(ShiftDuty.login).where(
            ShiftDuty.shift_day == inst.day, ShiftDuty.shift == inst.spec.id,
            ShiftDuty.role == "manager")).all()
        if managers:
            return list(managers)
        return list(s.exec(select(Engineer.login).where(
            Engineer.role == "manager", col(Engineer.active).is_(True))
            .order_by(col(Engineer.login))).all())
    crew = read_crew(s, inst)
    if role == "supervisor":
        return [crew.supervisor.login] if crew.supervisor else []
    return [m.login for m in crew.engineers]


def people(tx: Transaction, rota: Rota, names: tuple[str, ...], item: OutboxItem,
           message: Message) -> list[str]:
    """The logins (and ``desk``) a rule's ``to`` names, for this item, in order, once each."""
    out: list[str] = []
    for name in names:
        if name in ("supervisor", "manager"):
            found = on_duty(tx, rota, name, item.at)
        elif name == "engineers":
            found = on_duty(tx, rota, "engineers", item.at)
        elif name == "handler":
            found = [message.handler] if message.handler else []
        else:
            found = [name]
        out.extend(x for x in found if x not in out)
    return out


def targets_for(tx: Transaction, setup: NotifySetup, rota: Rota, item: OutboxItem,
                message: Message) -> list[Target]:
    """Every (channel, recipient) the matching rules name, each once."""
    wanted: dict[str, list[str]] = {}
    for rule in setup.rules:
        if not rule.matches(item.kind, item.tier, message.contract):
            continue
        who = people(tx, rota, rule.to, item, message)
        for channel_name in rule.channels:
            names = wanted.setdefault(channel_name, [])
            names.extend(w for w in who if w not in names)
    directory = {e.login: e for e in tx.session.exec(select(Engineer)).all()}
    out: list[Target] = []
    for name, who in wanted.items():
        channel = setup.channels[name]
        if channel.type in GROUP_CHANNELS:
            # one post to the group, mentioning the people named
            mentions = [_mention(channel.type, directory.get(w)) for w in who if w != DESK]
            out.append(Target(name, DESK, ",".join(m for m in mentions if m)))
            continue
        for login in who:
            if login == DESK:
                to = channel.options.get("to", "")
                to_text = ",".join(to) if isinstance(to, list) else str(to)
                out.append(Target(name, DESK, to_text, "" if to_text else _(
                    "channel {name} has no 'to' for the desk").format(name=name)))
                continue
            e = directory.get(login)
            address = (e.notify_email if channel.type == "smtp" else e.notify_phone) if e else None
            problem = "" if address else (
                _("{login} has no e-mail address (hotline notify contact {login} --email …)")
                if channel.type == "smtp" else
                _("{login} has no phone number (hotline notify contact {login} --phone …)")
            ).format(login=login)
            out.append(Target(name, login, address or "", problem))
    return out


def _mention(kind: str, e: Engineer | None) -> str:
    """How a robot mentions a person: DingTalk by phone, the others by their user id."""
    if e is None:
        return ""
    if kind == "dingtalk":
        return e.notify_phone or e.notify_mention or ""
    if kind == "webhook":
        return e.login
    return e.notify_mention or ""
