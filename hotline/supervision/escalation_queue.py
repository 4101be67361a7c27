"""The escalation queue as the shift supervisor reads it, and what each seat rings for.

* :func:`load_queue` — unacknowledged first, the longest overdue first; then
  what was acknowledged recently.
* :func:`history` — everything that happened to one escalation.
* :func:`alerts_since` — re-alerts recorded since a seat last looked (the
  seat rings its bell for them).

Acknowledging, reassigning and notes are operations of the desk
(:mod:`hotline.desk.escalations`); re-alerts are recorded by its monitor
(:mod:`hotline.desk.realerts`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from hotline import display_names
from hotline.errors import InputError, NotFound
from hotline.humane import duration
from hotline.i18n import N_, _
from hotline.sla import SlaEngine
from hotline.store.models import (
    Call,
    Contract,
    Customer,
    Escalation,
    EscalationAlert,
    Event,
    Ticket,
)

if TYPE_CHECKING:
    pass

from hotline.desk.escalation_raising import SYSTEM
from hotline.desk.realerts import ack_timeout, policy_expr
from hotline.views.dashboard import shown_number

KIND_FILTERS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "calls": ("unanswered_call",),
    "callbacks": ("callback_overdue",),
    "warnings": ("warning",),
    "breaches": ("breach",),
    "levels": ("level_up",),
    "tiers": ("tier",),
    "complaints": ("complaint",),
}
FILTER_LABELS = {
    "all": N_("every kind"),
    "calls": N_("unanswered calls"),
    "callbacks": N_("callbacks overdue"),
    "warnings": N_("warnings"),
    "breaches": N_("breaches"),
    "levels": N_("level raised"),
    "tiers": N_("tier alerts"),
    "complaints": N_("complaints"),
}


# --- reading the queue ---------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """Which escalations the queue shows."""

    show_acknowledged: bool = False
    kinds: str = "all"  # a key of KIND_FILTERS
    assigned_to: str | None = None
    #: acknowledged items are shown for this long after their acknowledgement
    acknowledged_within: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class QueueRow:
    """One escalation as the supervisor sees it."""

    escalation_id: int
    kind: str
    tier: str | None
    reason: str
    raised_at: datetime
    due_at: datetime | None
    from_level: int | None
    to_level: int | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_note: str | None
    assigned_to: str | None
    ticket_id: int | None
    ticket_number: str | None
    level: int | None
    call_id: int | None
    number: str | None
    call_state: str | None
    call_answered_at: datetime | None
    customer: str | None
    contract: str | None
    alerts: int
    last_alert_at: datetime | None
    ack_timeout: timedelta
    last_note: str | None
    last_note_by: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def withdrawn(self) -> bool:
        return self.acknowledged_by == SYSTEM

    @property
    def overdue_from(self) -> datetime:
        """The deadline that was missed (a warning's is still ahead), else when it was raised."""
        return self.due_at or self.raised_at

    @property
    def next_alert_at(self) -> datetime | None:
        """When it re-alerts next if nobody acknowledges it (tier chains re-alert as new rows)."""
        if self.acknowledged or self.kind == "tier":
            return None
        return self.raised_at + self.ack_timeout * (self.alerts + 1)

    @property
    def item(self) -> str:
        return self.ticket_number or self.number or ""

    @property
    def what(self) -> str:
        return what_text(self.kind, self.tier, self.reason, self.from_level, self.to_level)


def what_text(kind: str, tier: str | None, reason: str, from_level: int | None,
              to_level: int | None) -> str:
    """A short description of an escalation, in the current language."""
    if kind == "tier" and tier:
        return _("Escalated to {tier}").format(tier=display_names.tier(tier))
    if kind == "level_up" and to_level:
        return _("Level raised L{a} → L{b}").format(a=from_level, b=to_level)
    if kind == "breach" and reason:
        return _("{target} breached").format(target=display_names.target(reason))
    if kind == "warning" and reason:
        return _("{target} near its limit").format(target=display_names.target(reason))
    return display_names.escalation(kind)


def load_queue(engine: Engine, sla: SlaEngine, now: datetime,
               flt: QueueFilter = QueueFilter(), *, limit: int = 500) -> list[QueueRow]:
    """The queue: unacknowledged first, most overdue first; then recent acknowledgements."""
    kinds = KIND_FILTERS.get(flt.kinds)
    if flt.kinds not in KIND_FILTERS:
        raise InputError(_("Unknown filter {name!r}.").format(name=flt.kinds))
    stmt = (
        sa.select(Escalation, col(Ticket.number), col(Ticket.level), Call, col(Customer.name),
                  col(Contract.code), policy_expr())
        .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
        .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
        .outerjoin(Customer, col(Customer.id) == sa.func.coalesce(col(Ticket.customer_id),
                                                                   col(Call.customer_id)))
        .outerjoin(Contract, col(Contract.id) == sa.func.coalesce(col(Ticket.contract_id),
                                                                   col(Call.contract_id)))
    )
    if flt.show_acknowledged:
        stmt = stmt.where(sa.or_(col(Escalation.acknowledged_at).is_(None),
                                 col(Escalation.acknowledged_at) >= now - flt.acknowledged_within))
    else:
        stmt = stmt.where(col(Escalation.acknowledged_at).is_(None))
    if kinds is not None:
        stmt = stmt.where(col(Escalation.kind).in_(kinds))
    if flt.assigned_to is not None:
        stmt = stmt.where(col(Escalation.assigned_to) == flt.assigned_to)
    stmt = stmt.order_by(col(Escalation.acknowledged_at).is_not(None),
                         sa.func.coalesce(col(Escalation.due_at), col(Escalation.raised_at)),
                         col(Escalation.id)).limit(limit)
    with Session(engine) as s:
        rows = s.execute(stmt).all()
        ids = [esc.id for esc, *_rest in rows if esc.id is not None]
        alerts = _alerts_of(s, ids)
        notes = _last_notes(s, ids)
    timeouts: dict[str | None, timedelta] = {}
    out: list[QueueRow] = []
    for esc, ticket_number, level, call, customer, contract, policy in rows:
        assert esc.id is not None
        if policy not in timeouts:
            timeouts[policy] = ack_timeout(sla, policy)
        n, last_at = alerts.get(esc.id, (0, None))
        note, note_by = notes.get(esc.id, (None, None))
        out.append(QueueRow(
            escalation_id=esc.id, kind=esc.kind, tier=esc.tier, reason=esc.reason,
            raised_at=esc.raised_at, due_at=esc.due_at, from_level=esc.from_level,
            to_level=esc.to_level, acknowledged_at=esc.acknowledged_at,
            acknowledged_by=esc.acknowledged_by, ack_note=esc.note,
            assigned_to=esc.assigned_to, ticket_id=esc.ticket_id, ticket_number=ticket_number,
            level=level, call_id=esc.call_id,
            number=shown_number(call.number_raw, call.number_e164)[0] if call else None,
            call_state=call.state if call else None,
            call_answered_at=call.answered_at if call else None,
            customer=customer, contract=contract, alerts=n, last_alert_at=last_at,
            ack_timeout=timeouts[policy], last_note=note, last_note_by=note_by))
    return sort_queue(out)


def sort_queue(rows: Sequence[QueueRow]) -> list[QueueRow]:
    """Unacknowledged first, the longest overdue first; then the latest acknowledged."""
    open_rows = sorted((r for r in rows if not r.acknowledged),
                       key=lambda r: (r.overdue_from, r.escalation_id))
    done = sorted((r for r in rows if r.acknowledged),
                  key=lambda r: (r.acknowledged_at, r.escalation_id), reverse=True)
    return [*open_rows, *done]


def _alerts_of(s: Session, ids: Sequence[int]) -> dict[int, tuple[int, datetime | None]]:
    if not ids:
        return {}
    rows = s.exec(select(EscalationAlert.escalation_id, func.max(EscalationAlert.n),
                         func.max(EscalationAlert.at))
                  .where(col(EscalationAlert.escalation_id).in_(ids))
                  .group_by(col(EscalationAlert.escalation_id))).all()
    return {eid: (int(n), at) for eid, n, at in rows}


NOTE_EVENTS = ("escalation_note", "escalation_reassigned", "escalation_acknowledged")


def _last_notes(s: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = s.exec(select(Event.escalation_id, Event.actor, Event.data)
                  .where(col(Event.escalation_id).in_(ids), col(Event.kind).in_(NOTE_EVENTS))
                  .order_by(col(Event.at), col(Event.id))).all()
    out: dict[int, tuple[str, str]] = {}
    for eid, actor, data in rows:
        note = str(json.loads(data or "{}").get("note") or "").strip()
        if eid is not None and note:
            out[eid] = (note, actor)
    return out


# --- history of one escalation ---------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    text: str


def history(engine: Engine, escalation_id: int) -> list[HistoryEntry]:
    """Everything that happened to one escalation, oldest first."""
    with Session(engine) as s:
        esc = s.get(Escalation, escalation_id)
        if esc is None:
            raise NotFound(_("There is no escalation {id}.").format(id=escalation_id))
        events = s.exec(select(Event).where(Event.escalation_id == escalation_id)
                        .order_by(col(Event.at), col(Event.id))).all()
    out = []
    for ev in events:
        data = json.loads(ev.data or "{}")
        note = str(data.get("note") or "").strip()
        if ev.kind == "escalation_raised":
            text = _("raised: {what}").format(what=what_text(
                esc.kind, esc.tier, esc.reason, esc.from_level, esc.to_level))
        elif ev.kind == "escalation_acknowledged":
            text = _("acknowledged") if not data.get("with") else _(
                "acknowledged with the alert it repeats")
        elif ev.kind == "escalation_reassigned":
            text = _("reassigned to {who}").format(who=data.get("to") or "?")
            if data.get("from"):
                text += " " + _("(was {who})").format(who=data["from"])
        elif ev.kind == "escalation_note":
            text = _("note")
        elif ev.kind == "escalation_realerted":
            text = _("re-alerted: unacknowledged for {duration}").format(
                duration=duration(timedelta(minutes=int(data.get("minutes", 0)))))
        elif ev.kind == "escalation_not_followed_up":
            text = _("not followed up for {duration} since acknowledged: told again").format(
                duration=duration(timedelta(minutes=int(data.get("minutes", 0)))))
        elif ev.kind == "escalation_withdrawn":
            text = display_names.withdrawn(data.get("reason"))
        else:
            text = ev.kind.replace("_", " ")
        if note:
            text += ": " + note
        out.append(HistoryEntry(ev.at, ev.actor, text))
    out.extend(notification_entries(engine, escalation_id))
    out.sort(key=lambda h: h.at)
    return out


def notification_entries(engine: Engine, escalation_id: int) -> list[HistoryEntry]:
    """Each message the escalation caused: to whom, on which channel, sent or failed and why."""
    from hotline.views.notifications import of_escalation

    with Session(engine) as s:
        rows = of_escalation(s, escalation_id)
    out = []
    for n in rows:
        who = n.recipient if n.recipient != "desk" else _("the desk group")
        if n.address and n.recipient != "desk":
            who += f" <{n.address}>"
        if n.state == "sent":
            text = _("notified {who} by {channel}: sent ({answer})").format(
                who=who, channel=n.channel, answer=n.answer or "")
            at = n.sent_at or n.created_at
        elif n.state == "failed":
            text = _("notified {who} by {channel}: failed: {why}").format(
                who=who, channel=n.channel, why=n.last_error or "?")
            at = n.failed_at or n.created_at
        elif n.attempts:
            text = _("notified {who} by {channel}: attempt {n} failed, retrying: {why}").format(
                who=who, channel=n.channel, n=n.attempts, why=n.last_error or "?")
            at = n.created_at
        else:
            text = _("notified {who} by {channel}: waiting to be sent").format(
                who=who, channel=n.channel)
            at = n.created_at
        out.append(HistoryEntry(at, "notify", text))
    return out


# --- what each seat rings its bell for ------------------------------------------------


@dataclass(frozen=True)
class AlertMark:
    """The newest re-alert and escalation a seat has seen."""

    alert_id: int
    escalation_id: int


@dataclass(frozen=True)
class Alert:
    escalation_id: int
    at: datetime
    what: str
    item: str
    minutes: int  # unacknowledged for


def alerts_since(engine: Engine, mark: AlertMark | None) -> tuple[list[Alert], AlertMark]:
    """Re-alerts recorded since ``mark`` (none on the first look, which sets the mark).

    A re-alert is a recorded ``escalation_alert``, or a tier alert the engine
    raised because the previous one went unacknowledged. Only items still
    unacknowledged are returned.
    """
    with Session(engine) as s:
        top_alert = s.exec(select(func.max(EscalationAlert.id))).one() or 0
        top_esc = s.exec(select(func.max(Escalation.id))).one() or 0
        new_mark = AlertMark(int(top_alert), int(top_esc))
        if mark is None:
            return [], new_mark
        out: list[Alert] = []
        rows = s.exec(
            select(EscalationAlert, Escalation, Ticket.number, Call)
            .join(Escalation, col(Escalation.id) == col(EscalationAlert.escalation_id))
            .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
            .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
            .where(col(EscalationAlert.id) > mark.alert_id,
                   col(EscalationAlert.id) <= new_mark.alert_id,
                   col(Escalation.acknowledged_at).is_(None))
            .order_by(col(EscalationAlert.id))).all()
        for alert, esc, number, call in rows:
            assert esc.id is not None
            out.append(Alert(esc.id, alert.at, what_text(esc.kind, esc.tier, esc.reason,
                                                         esc.from_level, esc.to_level),
                             _item(number, call),
                             int((alert.at - esc.raised_at).total_seconds() // 60)))
        tiers = s.exec(
            select(Escalation, Ticket.number)
            .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
            .where(col(Escalation.id) > mark.escalation_id,
                   col(Escalation.id) <= new_mark.escalation_id,
                   Escalation.kind == "tier", Escalation.reason == "unacknowledged",
                   col(Escalation.acknowledged_at).is_(None))
            .order_by(col(Escalation.id))).all()
        for esc, number in tiers:
            assert esc.id is not None
            out.append(Alert(esc.id, esc.raised_at, what_text(esc.kind, esc.tier, esc.reason,
                                                              esc.from_level, esc.to_level),
                             number or "", 0))
    return out, new_mark


def _item(ticket_number: str | None, call: Call | None) -> str:
    if ticket_number:
        return ticket_number
    if call is not None:
        return shown_number(call.number_raw, call.number_e164)[0]
    return ""


def describe_alert(alert: Alert) -> str:
    """The toast text of a re-alert."""
    what = f"{alert.what} · {alert.item}" if alert.item else alert.what
    if alert.minutes:
        return _("Still unacknowledged after {duration}: {what}").format(
            duration=duration(timedelta(minutes=alert.minutes)), what=what)
    return _("Not acknowledged in time, escalated: {what}").format(what=what)


