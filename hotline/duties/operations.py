"""Opening, moving and planning the contract's duties; counting technical-exchange days.

Each function is one operation: one transaction that writes the change and the event
recording it. A duty is a ticket of a duty kind; its clocks come from the contract's
policy like a fault's, so the monitor warns, breaches, escalates and scores them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.accounts.permissions import require
from hotline.desk.clocks import evaluate_ticket
from hotline.desk.intake import next_ticket_number
from hotline.desk.steps import StepInput, record_step
from hotline.duties.kinds import DUTY_KINDS, PLANNED_KINDS
from hotline.errors import InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.sla.policy import PERIODS_PER_YEAR
from hotline.store.models import Contract, Event, ExchangeDay, Site, Ticket
from hotline.store.transaction import Transaction
from hotline.timefmt import MAX_YEAR, MIN_YEAR

#: The condition of an inspection asked for outside the year's plan.
ON_REQUEST = "on_request"
MAX_SUBJECT = 4000
#: The most days one exchange record may count (either way, to correct a mistake).
MAX_EXCHANGE_DAYS = 366


@dataclass(frozen=True)
class PlannedDuty:
    """One duty of a year's plan (pure: see :func:`year_plan`)."""

    key: str  # stable, so that planning twice opens it once
    kind: str
    planned_on: date
    subject: str
    site: str | None = None


def planned_moment(day: date, seat: Seat) -> datetime:
    """A planned date as the desk keeps it: 00:00 local time of the day, in UTC."""
    return datetime.combine(day, time(0), seat.settings.tz).astimezone(UTC)


def _contract(s: Session, code: str) -> Contract:
    found = s.exec(select(Contract).where(Contract.code == code.strip())).first()
    if found is None:
        raise NotFound(_("There is no contract {code!r}.").format(code=code.strip()[:60]))
    return found


def _subject(text: str) -> str:
    value = text.strip()
    if not value:
        raise InputError(_("Say what the duty is (a subject)."))
    if len(value) > MAX_SUBJECT or "\x00" in value:
        raise InputError(_("The subject is too long or not text (at most {n} characters)."
                           ).format(n=MAX_SUBJECT))
    return value


def open_duty(seat: Seat, kind: str, contract: str, subject: str, *,
              planned: datetime | None = None, on_request: bool = False,
              at: datetime | None = None, site: str | None = None) -> int:
    """Open a duty of ``kind`` under the contract (its code); returns the ticket id.

    ``planned``: the planned time (an inspection's or meeting's date, the time a
    hotline number changes, the day a monthly report is due) — required for those
    kinds; an inspection asked for by the customer (``on_request``) counts from the
    request instead. ``at``: when the request came (default now).
    """
    if kind not in DUTY_KINDS:
        raise InputError(_("{kind!r} is not a duty; choose one of: {known}.").format(
            kind=kind[:40], known=", ".join(DUTY_KINDS)))
    text = _subject(subject)
    if on_request and kind != "inspection":
        raise InputError(_("Only an inspection is asked for on request."))
    if planned is not None and planned.tzinfo is None:
        raise InputError(_("The planned date needs a time zone."))
    if planned is None and kind in PLANNED_KINDS and not on_request:
        raise InputError(_("A duty of this kind needs its planned date."))
    with seat.write() as tx:
        return _open(tx, seat, kind, _contract(tx.session, contract), text,
                     planned=planned, on_request=on_request, when=tx.when(at), site=site)


def _open(tx: Transaction, seat: Seat, kind: str, contract: Contract, subject: str, *,
          planned: datetime | None, on_request: bool, when: datetime, site: str | None,
          plan_key: str | None = None) -> int:
    s = tx.session
    policy = seat.sla.policy(contract.policy)
    if kind not in policy.kinds:
        raise InputError(_("Policy {policy} of contract {code} does not track {kind} duties."
                           ).format(policy=policy.name, code=contract.code, kind=kind))
    conditions: list[str] = []
    if on_request:
        if ON_REQUEST not in policy.conditions:
            raise InputError(_("Policy {policy} has no inspections on request.").format(
                policy=policy.name))
        conditions.append(ON_REQUEST)
    if planned is not None:
        planned = planned.astimezone(UTC)
        if not MIN_YEAR <= planned.year <= MAX_YEAR:
            raise InputError(_("The planned date must be in the years {lo} to {hi}.").format(
                lo=MIN_YEAR, hi=MAX_YEAR))
    ticket = Ticket(number=next_ticket_number(tx, when), kind=kind, level=None,
                    initial_level=None, policy=policy.name, grade=contract.grade,
                    region=contract.region, conditions=",".join(conditions),
                    customer_id=contract.customer_id, contract_id=contract.id,
                    site=(site or "").strip()[:200] or None, description=subject,
                    opened_at=when, opened_by=tx.actor, planned_at=planned)
    s.add(ticket)
    s.flush()
    assert ticket.id is not None
    tx.record_event("ticket_opened", when, ticket_id=ticket.id, number=ticket.number,
                    kind=kind, level=None, policy=policy.name, grade=contract.grade,
                    contract=contract.code, description=subject,
                    planned=planned.isoformat() if planned else None,
                    conditions=conditions)
    if plan_key is not None:
        tx.record_event("duty_planned", when, ticket_id=ticket.id, key=plan_key,
                        contract=contract.code)
    evaluate_ticket(tx, seat.sla, ticket)
    return ticket.id


def reschedule(seat: Seat, ticket_id: int, planned: datetime, reason: str, *,
               at: datetime | None = None) -> int:
    """Move a duty's planned time; its anchored clocks count from the new one, and a
    change notified later than the policy's notice time is breached. Returns the
    ticket's new version."""
    return record_step(seat, ticket_id, "rescheduled", StepInput(planned=planned, text=reason),
                       at=at)


# -- the year's plan ------------------------------------------------------------


def _period_ends(year: int, per_year: int) -> list[date]:
    """The last day of each of the year's ``per_year`` equal periods."""
    months = 12 // per_year
    out = []
    for i in range(1, per_year + 1):
        month = i * months
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        out.append(nxt - timedelta(days=1))
    return out


def year_plan(year: int, *, inspections_per_year: int, meetings: dict[str, str],
              service_report_day: int | None, sites: list[str]) -> list[PlannedDuty]:
    """The duties of a contract's year (pure).

    Inspections: each site (or the contract, without sites) once in each of the year's
    periods, planned for its last day (every half year: 30 June and 31 December).
    Meetings: once a period, planned for its last day. Monthly service reports: the
    report on each month is due on ``service_report_day`` of the next month.
    """
    out: list[PlannedDuty] = []
    if inspections_per_year:
        for i, day in enumerate(_period_ends(year, inspections_per_year), 1):
            for n, site in enumerate(sites or [""], 1):
                where = f" — {site}" if site else ""
                out.append(PlannedDuty(
                    key=f"inspection:{year}:{i}:{n}", kind="inspection", planned_on=day,
                    subject=_("Routine inspection {i}/{n} of {year}{where}").format(
                        i=i, n=inspections_per_year, year=year, where=where),
                    site=site or None))
    for name, every in sorted(meetings.items()):
        per_year = PERIODS_PER_YEAR[every]
        for i, day in enumerate(_period_ends(year, per_year), 1):
            out.append(PlannedDuty(
                key=f"meeting:{name}:{year}:{i}", kind="meeting", planned_on=day,
                subject=_("{name} meeting {i}/{n} of {year}").format(
                    name=name.replace("_", " ").capitalize(), i=i, n=per_year, year=year)))
    if service_report_day is not None:
        for month in range(1, 13):
            due = (date(year + 1, 1, service_report_day) if month == 12
                   else date(year, month + 1, service_report_day))
            out.append(PlannedDuty(
                key=f"service_report:{year}-{month:02d}", kind="service_report",
                planned_on=due,
                subject=_("Monthly service report for {year}-{month:02d}").format(
                    year=year, month=month)))
    out.sort(key=lambda d: (d.planned_on, d.kind, d.key))
    return out


@dataclass(frozen=True)
class PlanResult:
    opened: list[int]  # ticket ids of the duties opened now
    already: int  # duties of the plan opened before
    past: int = 0  # duties of the plan whose day had passed when it was made (not opened)
    in_force: int = 0  # contracts in force in the year (planned)
    not_in_force: int = 0  # contracts looked at and left out: not valid in the year


def plan_year(seat: Seat, year: int, *, contract: str | None = None) -> PlanResult:
    """Open the year's planned duties of each contract (or of one), from its policy's
    ``[duties]`` schedule. Planning again opens only what is missing; a duty whose
    planned day has passed is left out (a plan made late does not breach the past)."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(_("Plan a year from {lo} to {hi}.").format(lo=MIN_YEAR, hi=MAX_YEAR))
    require(seat, "plan_duties", year=year, contract=contract)
    opened: list[int] = []
    already = past = in_force = not_in_force = 0
    with seat.write() as tx:
        today = tx.now.astimezone(seat.settings.tz).date()
        s = tx.session
        if contract is not None:
            contracts = [_contract(s, contract)]
        else:
            contracts = list(s.exec(select(Contract).order_by(col(Contract.code))).all())
        for c in contracts:
            if not _valid_in(c, year):
                not_in_force += 1
                continue
            in_force += 1
            schedule = seat.sla.policy(c.policy).duties
            sites = [site.name for site in s.exec(
                select(Site).where(Site.customer_id == c.customer_id)
                .order_by(col(Site.id))).all()]
            plan = year_plan(year, inspections_per_year=schedule.inspections_per_year,
                             meetings=dict(schedule.meetings),
                             service_report_day=schedule.service_report_day, sites=sites)
            done = _planned_keys(s, c)
            for duty in plan:
                if duty.key in done:
                    already += 1
                    continue
                if duty.planned_on < today:
                    past += 1
                    continue
                opened.append(_open(tx, seat, duty.kind, c, duty.subject,
                                    planned=planned_moment(duty.planned_on, seat),
                                    on_request=False, when=tx.now, site=duty.site,
                                    plan_key=duty.key))
                s.flush()
    return PlanResult(opened=opened, already=already, past=past, in_force=in_force,
                      not_in_force=not_in_force)


def _valid_in(contract: Contract, year: int) -> bool:
    if contract.valid_from is not None and contract.valid_from > date(year, 12, 31):
        return False
    return contract.valid_to is None or contract.valid_to >= date(year, 1, 1)


def _planned_keys(s: Session, contract: Contract) -> set[str]:
    rows = s.exec(select(Event.data).join(Ticket, col(Ticket.id) == col(Event.ticket_id))
                  .where(Event.kind == "duty_planned",
                         Ticket.contract_id == contract.id)).all()
    keys = set()
    for data in rows:
        key = json.loads(data or "{}").get("key")
        if isinstance(key, str):
            keys.add(key)
    return keys


# -- technical exchange ------------------------------------------------------


@dataclass(frozen=True)
class ExchangeTally:
    """A contract's technical-exchange days in a year, against the policy's target."""

    contract: str
    year: int
    days: float
    target: float | None

    @property
    def short(self) -> float | None:
        """Days still owed this year (None without a target)."""
        return None if self.target is None else max(0.0, self.target - self.days)


def record_exchange(seat: Seat, contract: str, day: date, days: float, subject: str) -> int:
    """Record ``days`` of technical exchange under the contract on ``day`` (negative days
    correct an earlier record). Returns the record's id."""
    if isinstance(days, bool) or not isinstance(days, int | float) or not math.isfinite(days):
        raise InputError(_("The number of days must be a number."))
    if days == 0 or abs(days) > MAX_EXCHANGE_DAYS or round(days * 2) != days * 2:
        raise InputError(_("Give the days in halves, not zero, at most {n}: 1, 0.5, 2.5 "
                           "(negative to correct a record).").format(n=MAX_EXCHANGE_DAYS))
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InputError(_("The day must be in the years {lo} to {hi}.").format(
            lo=MIN_YEAR, hi=MAX_YEAR))
    text = _subject(subject)
    if len(text) > 300:
        raise InputError(_("The subject is too long or not text (at most {n} characters)."
                           ).format(n=300))
    require(seat, "record_exchange", contract=contract)
    with seat.write() as tx:
        c = _contract(tx.session, contract)
        assert c.id is not None
        row = ExchangeDay(contract_id=c.id, day=day, days=float(days), subject=text,
                          recorded_at=tx.now, recorded_by=tx.actor)
        tx.session.add(row)
        tx.session.flush()
        assert row.id is not None
        tx.record_event("exchange_recorded", tx.now, contract=c.code, day=day.isoformat(),
                        days=float(days), subject=text, exchange_id=row.id)
        return row.id


def exchange_tally(s: Session, contract: Contract, year: int, target: float | None
                   ) -> ExchangeTally:
    total = s.exec(select(sa.func.coalesce(sa.func.sum(ExchangeDay.days), 0.0)).where(
        ExchangeDay.contract_id == contract.id, col(ExchangeDay.day) >= date(year, 1, 1),
        col(ExchangeDay.day) <= date(year, 12, 31))).one()
    return ExchangeTally(contract=contract.code, year=year, days=float(total), target=target)


def exchange_tallies(seat: Seat, year: int, *, contract: str | None = None
                     ) -> list[ExchangeTally]:
    """Each contract's exchange days in ``year`` with its policy's target (a counter the
    reports read)."""
    with seat.read() as s:
        contracts = ([_contract(s, contract)] if contract is not None else
                     list(s.exec(select(Contract).order_by(col(Contract.code))).all()))
        return [exchange_tally(s, c, year, seat.sla.policy(c.policy).duties.exchange_days)
                for c in contracts]
