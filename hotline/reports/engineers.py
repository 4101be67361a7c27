"""Figures per engineer for a period: what each one answered, promised, acknowledged, solved.

Each figure is one aggregate query grouped by engineer, over the period's
intervals (and one contract's rows, when the report is for one):

* **calls answered** (``answered_by``), rung in the period; the **mean** and
  **90th percentile** (nearest rank) of their time to answer; the **mean talk
  time** of those a phone system reported the hang-up of (``ami``, ``jsonl``,
  ``queue_log``: the time from the answer to the hang-up);
* **callbacks promised** on their tickets (the ticket's owner: whom it is
  assigned to, else who opened it) in the period, and those **kept on time**;
* **escalations acknowledged** by them in the period and the mean time from
  raising to acknowledging;
* **tickets opened** by them, and **faults resolved** by them (the ``resolve``
  step recorded in their name);
* **clock breaches** on their tickets in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from hotline.reports.sql import Interval, count_if, nearest_rank_p90, seconds_between, within
from hotline.store.models import Call, Engineer, Escalation, Event, SlaClock, Ticket

#: Call sources whose hang-up after the answer a phone system reports.
PBX_SOURCES = ("ami", "jsonl", "queue_log")
#: Who acknowledges by itself (withdrawn warnings): not an engineer.
SYSTEM = "system"


@dataclass(frozen=True)
class EngineerFigures:
    login: str
    name: str
    answered: int = 0
    mean_answer_s: float | None = None
    p90_answer_s: float | None = None
    talk_calls: int = 0  # answered calls whose hang-up the phone system reported
    mean_talk_s: float | None = None
    callbacks_promised: int = 0
    callbacks_kept: int = 0  # made in time
    escalations_acknowledged: int = 0
    mean_ack_s: float | None = None
    tickets_opened: int = 0
    faults_resolved: int = 0
    clock_breaches: int = 0


FIELDS = ("answered", "mean_answer_s", "p90_answer_s", "talk_calls", "mean_talk_s",
          "callbacks_promised", "callbacks_kept", "escalations_acknowledged", "mean_ack_s",
          "tickets_opened", "faults_resolved", "clock_breaches")


def _owner() -> Any:
    return func.coalesce(col(Ticket.assigned_to), col(Ticket.opened_by))


def engineer_figures(s: Session, intervals: Sequence[Interval], *,
                     contract_id: int | None = None, only_contract: bool = False
                     ) -> tuple[EngineerFigures, ...]:
    """Everyone who did something in the period, by name (the desk's engineers by their
    directory name; anyone else, such as an unclaimed PBX agent, by login)."""
    values: dict[str, dict[str, Any]] = defaultdict(dict)

    def contract_of(column: Any) -> list[Any]:
        if not only_contract:
            return []
        return [column.is_(None) if contract_id is None else column == contract_id]

    # calls answered, time to answer, talk time
    wait = seconds_between(col(Call.answered_at), col(Call.offered_at))
    talk = seconds_between(col(Call.ended_at), col(Call.answered_at))
    from_pbx = sa.and_(col(Call.source).in_(PBX_SOURCES), col(Call.ended_at).is_not(None))
    answered_where = [within(col(Call.offered_at), intervals),
                      col(Call.answered_at).is_not(None), col(Call.answered_by).is_not(None),
                      *contract_of(col(Call.contract_id))]
    for login, n, mean_wait, talks, mean_talk in s.execute(
            sa.select(col(Call.answered_by), func.count(), func.avg(wait), count_if(from_pbx),
                      func.avg(sa.case((from_pbx, talk))))
            .where(*answered_where).group_by(col(Call.answered_by))).all():
        values[login].update(answered=int(n), mean_answer_s=_f(mean_wait),
                             talk_calls=int(talks), mean_talk_s=_f(mean_talk))
    if values:
        # nearest rank: the smallest wait whose share of the engineer's waits not above it
        # reaches 90 %, one sort for every engineer
        if s.get_bind().dialect.name == "postgresql":
            for login, p90 in s.execute(
                    sa.select(col(Call.answered_by), nearest_rank_p90(wait))
                    .where(*answered_where).group_by(col(Call.answered_by))).all():
                values[login]["p90_answer_s"] = _f(p90)
        else:
            _window_p90(s, values, wait, answered_where)

    # callbacks promised on their tickets, kept on time
    owner = _owner()
    for login, promised, kept in s.execute(
            sa.select(owner, func.count(), count_if(col(SlaClock.state) == "met"))
            .select_from(SlaClock).join(Ticket, col(Ticket.id) == col(SlaClock.ticket_id))
            .where(col(SlaClock.target) == "callback",
                   within(col(SlaClock.started_at), intervals),
                   *contract_of(col(Ticket.contract_id)))
            .group_by(owner)).all():
        values[login].update(callbacks_promised=int(promised), callbacks_kept=int(kept))

    # escalations acknowledged, mean time to acknowledge
    ack = seconds_between(col(Escalation.acknowledged_at), col(Escalation.raised_at))
    esc_contract = func.coalesce(col(Ticket.contract_id), col(Call.contract_id))
    for login, n, mean_ack in s.execute(
            sa.select(col(Escalation.acknowledged_by), func.count(), func.avg(ack))
            .select_from(Escalation)
            .outerjoin(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
            .outerjoin(Call, col(Call.id) == col(Escalation.call_id))
            .where(within(col(Escalation.acknowledged_at), intervals),
                   col(Escalation.acknowledged_by).is_not(None),
                   col(Escalation.acknowledged_by) != SYSTEM, *contract_of(esc_contract))
            .group_by(col(Escalation.acknowledged_by))).all():
        values[login].update(escalations_acknowledged=int(n), mean_ack_s=_f(mean_ack))

    # tickets opened
    for login, n in s.execute(
            sa.select(col(Ticket.opened_by), func.count())
            .where(within(col(Ticket.opened_at), intervals),
                   *contract_of(col(Ticket.contract_id)))
            .group_by(col(Ticket.opened_by))).all():
        values[login]["tickets_opened"] = int(n)

    # faults resolved: the resolve step, in their name
    for login, n in s.execute(
            sa.select(col(Event.actor), func.count(sa.distinct(col(Event.ticket_id))))
            .select_from(Event).join(Ticket, col(Ticket.id) == col(Event.ticket_id))
            .where(col(Event.kind) == "resolve", within(col(Event.at), intervals),
                   *contract_of(col(Ticket.contract_id)))
            .group_by(col(Event.actor))).all():
        values[login]["faults_resolved"] = int(n)

    # clock breaches on their tickets
    for login, n in s.execute(
            sa.select(owner, func.count()).select_from(SlaClock)
            .join(Ticket, col(Ticket.id) == col(SlaClock.ticket_id))
            .where(within(col(SlaClock.breached_at), intervals),
                   *contract_of(col(Ticket.contract_id)))
            .group_by(owner)).all():
        values[login]["clock_breaches"] = int(n)

    values.pop(SYSTEM, None)
    if not values:
        return ()
    names = dict(s.execute(sa.select(col(Engineer.login), col(Engineer.name))
                           .where(col(Engineer.login).in_(list(values)))).all())
    out = [EngineerFigures(login=login, name=names.get(login, login), **v)
           for login, v in values.items() if login]
    return tuple(sorted(out, key=lambda e: (e.name, e.login)))


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _window_p90(s: Session, values: dict[str, dict[str, Any]], wait: Any,
                answered_where: list[Any]) -> None:
    """The nearest-rank 90th percentile of each engineer's waits by a window over the
    waits (SQLite has no ordered-set aggregates)."""
    ranked = (sa.select(col(Call.answered_by).label("k"), wait.label("v"),
                        func.cume_dist().over(partition_by=col(Call.answered_by),
                                              order_by=wait).label("c"))
              .where(*answered_where).subquery())
    for login, p90 in s.execute(sa.select(ranked.c.k, func.min(ranked.c.v))
                                .where(ranked.c.c >= 0.9).group_by(ranked.c.k)).all():
        values[login]["p90_answer_s"] = _f(p90)
