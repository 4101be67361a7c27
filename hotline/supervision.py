"""The escalation queue: what the shift supervisor sees and does, and its monitor.

Operations (one transaction each, with their events):

* :func:`acknowledge` — one or many escalations, with a note. A tier alert
  takes the earlier and later alerts of the same chain with it (the SLA
  engine stops the whole chain at the first acknowledgement).
* :func:`reassign` — hand an escalation (and its ticket) to an engineer.
* :func:`add_note` — say what is being done, without acknowledging.

:func:`monitor` runs with the desk's evaluation (``Desk.evaluate``) and is
idempotent, like :mod:`hotline.ticket_clocks`:

* **warnings** — a ticket clock that has run its policy's warning share
  (default 80%) enters the queue once per deadline, keyed by ticket, clock
  and due time (a re-timed clock warns again). Callbacks do not: they are the
  duty engineer's own list. A warning whose clock stops, breaches or is
  re-timed is withdrawn by the system (the breach has its own escalation).
* **re-alerts** — an escalation left unacknowledged for the policy's
  ``[escalation] ack_timeout`` re-alerts, and again after each further
  timeout; each re-alert is recorded once (``escalation_alert``), so every
  seat rings its bell for it. Tier alerts are not re-alerted here: the
  engine raises the next tier's alert at that moment instead.
* tier alerts of a chain that someone acknowledged are marked acknowledged
  with it.
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

from hotline import labels
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import N_, _
from hotline.models import (
    Call,
    Contract,
    Customer,
    Engineer,
    Escalation,
    EscalationAlert,
    Event,
    Ticket,
)
from hotline.queries import shown_number
from hotline.sla import SlaEngine
from hotline.sla.policy import EscalationSpec
from hotline.ticket_clocks import evaluate_ticket

if TYPE_CHECKING:
    from hotline.desk import Desk

#: Who acknowledges what the monitor withdraws.
SYSTEM = "system"
#: Targets that never raise a warning escalation.
NO_WARNING_TARGETS = frozenset({"callback"})
#: Policy used for calls from callers without a contract (as in the desk).
DEFAULT_POLICY = "standard"
NOTE_MAX = 1000

#: Queue filters: id -> the escalation kinds shown (None: every kind).
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
WITHDRAWN = {
    "met": N_("withdrawn: the target was met"),
    "breached": N_("withdrawn: the target is breached (see its breach)"),
    "cancelled": N_("withdrawn: the clock was cancelled"),
    "retimed": N_("withdrawn: the deadline changed"),
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
        return _("Escalated to {tier}").format(tier=labels.tier(tier))
    if kind == "level_up" and to_level:
        return _("Level raised L{a} → L{b}").format(a=from_level, b=to_level)
    if kind == "breach" and reason:
        return _("{target} breached").format(target=labels.target(reason))
    if kind == "warning" and reason:
        return _("{target} near its limit").format(target=labels.target(reason))
    return labels.escalation(kind)


def withdrawn_text(code: str | None) -> str:
    return _(WITHDRAWN[code]) if code in WITHDRAWN else _("withdrawn")


def ack_timeout(sla: SlaEngine, policy: str | None) -> timedelta:
    """The acknowledgement timeout of ``policy`` (the default policy's when unknown)."""
    for name in (policy, DEFAULT_POLICY):
        if name and name in sla.policy_names():
            return sla.policy(name).escalation.ack_timeout
    return EscalationSpec().ack_timeout


def _policy_expr() -> sa.ColumnElement[str]:
    return sa.func.coalesce(col(Ticket.policy), col(Contract.policy))


def load_queue(engine: Engine, sla: SlaEngine, now: datetime,
               flt: QueueFilter = QueueFilter(), *, limit: int = 500) -> list[QueueRow]:
    """The queue: unacknowledged first, most overdue first; then recent acknowledgements."""
    kinds = KIND_FILTERS.get(flt.kinds)
    if flt.kinds not in KIND_FILTERS:
        raise InputError(_("Unknown filter {name!r}.").format(name=flt.kinds))
    stmt = (
        sa.select(Escalation, col(Ticket.number), col(Ticket.level), Call, col(Customer.name),
                  col(Contract.code), _policy_expr())
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
            text = _("re-alerted: unacknowledged for {minutes} min").format(
                minutes=int(data.get("minutes", 0)))
        elif ev.kind == "escalation_withdrawn":
            text = withdrawn_text(data.get("reason"))
        else:
            text = ev.kind.replace("_", " ")
        if note:
            text += ": " + note
        out.append(HistoryEntry(ev.at, ev.actor, text))
    return out


# --- operations -------------------------------------------------------------------


def _note(text: str) -> str:
    note = text.strip()
    if len(note) > NOTE_MAX:
        raise InputError(_("A note may have at most {n} characters.").format(n=NOTE_MAX))
    return note


def _escalation(s: Session, escalation_id: int) -> Escalation:
    esc = s.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound(_("There is no escalation {id}.").format(id=escalation_id))
    return esc


def _engine_key(esc: Escalation) -> str:
    """The key the SLA engine knows the escalation by (without the ``t<ticket>:`` prefix)."""
    return esc.key.split(":", 1)[1] if ":" in esc.key else esc.key


def acknowledge(desk: Desk, escalation_ids: Sequence[int], note: str = "") -> int:
    """Acknowledge escalations with one note. Returns how many were acknowledged.

    With one id, an escalation someone already acknowledged is refused; with
    several (acknowledging a filtered list at once), those are skipped.
    """
    note = _note(note)
    ids = list(dict.fromkeys(escalation_ids))
    if not ids:
        raise InputError(_("Select an escalation to acknowledge."))
    now = desk.now()
    done = 0
    tickets: set[int] = set()
    with desk.session() as s:
        for escalation_id in ids:
            esc = _escalation(s, escalation_id)
            if esc.acknowledged_at is not None:
                if len(ids) == 1:
                    raise Conflict(_("{who} acknowledged this at {time}.").format(
                        who=esc.acknowledged_by or "?", time=desk._show(esc.acknowledged_at)))
                continue
            if not _mark_acknowledged(s, desk, esc, now, desk.actor, note):
                if len(ids) == 1:
                    raise Conflict(_("Someone acknowledged this escalation a moment ago."))
                continue
            done += 1
            if esc.kind == "tier":
                done += acknowledge_chain(s, desk, esc, now, desk.actor)
            if esc.ticket_id is not None:
                tickets.add(esc.ticket_id)
        for ticket_id in sorted(tickets):
            ticket = s.get(Ticket, ticket_id)
            if ticket is not None:
                evaluate_ticket(s, desk, ticket, now)
    return done


def _mark_acknowledged(s: Session, desk: Desk, esc: Escalation, at: datetime, who: str,
                       note: str, *, with_id: int | None = None, actor: str | None = None
                       ) -> bool:
    result = s.execute(
        sa.update(Escalation)
        .where(col(Escalation.id) == esc.id, col(Escalation.acknowledged_at).is_(None))
        .values(acknowledged_at=at, acknowledged_by=who, note=note or None))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    data: dict[str, object] = {"key": _engine_key(esc), "note": note}
    if with_id is not None:
        data["with"] = with_id
    desk._event(s, "escalation_acknowledged", at, call_id=esc.call_id, ticket_id=esc.ticket_id,
                escalation_id=esc.id, actor=actor or who, **data)
    return True


def acknowledge_chain(s: Session, desk: Desk, esc: Escalation, at: datetime, who: str,
                       *, actor: str | None = None) -> int:
    """The other unacknowledged alerts of the same tier chain (same ticket and clock)."""
    siblings = s.exec(select(Escalation).where(
        Escalation.ticket_id == esc.ticket_id, Escalation.kind == "tier",
        Escalation.clock_id == esc.clock_id, col(Escalation.id) != esc.id,
        col(Escalation.acknowledged_at).is_(None), col(Escalation.raised_at) <= at)).all()
    n = 0
    for other in siblings:
        if _mark_acknowledged(s, desk, other, at, who, "", with_id=esc.id, actor=actor):
            n += 1
    return n


def engineers(engine: Engine) -> list[Engineer]:
    with Session(engine) as s:
        return list(s.exec(select(Engineer).where(col(Engineer.active).is_(True))
                           .order_by(col(Engineer.login))).all())


def reassign(desk: Desk, escalation_id: int, login: str, note: str = "") -> None:
    """Hand the escalation — and its ticket, if it has one — to ``login``."""
    login = login.strip()
    note = _note(note)
    if not login:
        raise InputError(_("Say who takes the escalation over."))
    now = desk.now()
    with desk.session() as s:
        known = s.exec(select(Engineer.login).where(col(Engineer.active).is_(True))).all()
        if known and login not in known:
            raise InputError(_("{login} is not an engineer of this desk (known: {known}).")
                             .format(login=login, known=", ".join(sorted(known))))
        esc = _escalation(s, escalation_id)
        before = esc.assigned_to
        if before == login:
            raise Conflict(_("This escalation is already assigned to {who}.").format(who=login))
        result = s.execute(
            sa.update(Escalation)
            .where(col(Escalation.id) == escalation_id,
                   col(Escalation.assigned_to).is_(None) if before is None
                   else col(Escalation.assigned_to) == before)
            .values(assigned_to=login))
        if result.rowcount != 1:
            raise Conflict(_("Someone reassigned this escalation a moment ago."))
        ticket_owner = None
        if esc.ticket_id is not None:
            ticket = s.get(Ticket, esc.ticket_id)
            if ticket is not None and ticket.status != "closed":
                ticket_owner = ticket.assigned_to
                ticket.assigned_to = login
                ticket.version += 1
                s.add(ticket)
        desk._event(s, "escalation_reassigned", now, call_id=esc.call_id,
                    ticket_id=esc.ticket_id, escalation_id=escalation_id,
                    to=login, note=note, ticket_owner=ticket_owner, **{"from": before})


def add_note(desk: Desk, escalation_id: int, text: str) -> None:
    """Record what is being done about an escalation (it stays in the queue)."""
    note = _note(text)
    if not note:
        raise InputError(_("The note is empty."))
    with desk.session() as s:
        esc = _escalation(s, escalation_id)
        desk._event(s, "escalation_note", desk.now(), call_id=esc.call_id,
                    ticket_id=esc.ticket_id, escalation_id=escalation_id, note=note)


# --- the monitor ------------------------------------------------------------------


def monitor(desk: Desk, now: datetime | None = None) -> int:
    """Record re-alerts of escalations left unacknowledged past the policy's timeout.

    Warnings are raised and withdrawn by each ticket's own evaluation (at the
    moment its engine says), and acknowledging a tier alert acknowledges its
    chain in the same transaction, so nothing else needs a scan each second.
    One transaction; idempotent. Returns how many re-alerts it recorded (0
    when another seat did the same work at the same moment).
    """
    now = now or desk.now()
    try:
        with desk.session() as s:
            n, next_due = _record_realerts(s, desk, now)
    except sa.exc.IntegrityError:
        return 0
    desk.realerts_due_at = min(next_due or now + REALERT_RESCAN, now + REALERT_RESCAN)
    return n


#: However far off the next re-alert is, look again after this long (another seat may
#: have raised an escalation meanwhile, or a policy's timeout may have changed).
REALERT_RESCAN = timedelta(seconds=60)


def _record_realerts(s: Session, desk: Desk, now: datetime) -> tuple[int, datetime | None]:
    """Record what is due; returns how many, and when the next re-alert falls due."""
    rows = s.exec(
        select(Escalation.id, Escalation.raised_at, _policy_expr(),
               func.max(EscalationAlert.n))
        .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
        .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
        .outerjoin(Contract, col(Contract.id) == sa.func.coalesce(col(Ticket.contract_id),
                                                                   col(Call.contract_id)))
        .outerjoin(EscalationAlert, col(EscalationAlert.escalation_id) == col(Escalation.id))
        .where(col(Escalation.acknowledged_at).is_(None), Escalation.kind != "tier",
               col(Escalation.raised_at) <= now)
        .group_by(col(Escalation.id), col(Escalation.raised_at), _policy_expr())
    ).all()
    timeouts: dict[str | None, timedelta] = {}
    n = 0
    next_due: datetime | None = None
    for escalation_id, raised_at, policy, last in rows:
        if policy not in timeouts:
            timeouts[policy] = ack_timeout(desk.sla, policy)
        timeout = timeouts[policy]
        assert escalation_id is not None
        due = int((now - raised_at) / timeout)
        upcoming = raised_at + timeout * (max(due, last or 0) + 1)
        next_due = upcoming if next_due is None else min(next_due, upcoming)
        if due < 1 or due <= (last or 0):
            continue
        at = raised_at + timeout * due
        s.add(EscalationAlert(escalation_id=escalation_id, n=due, at=at))
        desk._event(s, "escalation_realerted", at, escalation_id=escalation_id, actor=SYSTEM,
                    n=due, minutes=int((at - raised_at).total_seconds() // 60))
        n += 1
    s.flush()
    return n, next_due


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
        return _("Still unacknowledged after {minutes} min: {what}").format(
            minutes=alert.minutes, what=what)
    return _("Not acknowledged in time, escalated: {what}").format(what=what)


__all__ = [
    "KIND_FILTERS",
    "SYSTEM",
    "Alert",
    "AlertMark",
    "HistoryEntry",
    "QueueFilter",
    "QueueRow",
    "acknowledge",
    "add_note",
    "alerts_since",
    "history",
    "load_queue",
    "monitor",
    "reassign",
]
