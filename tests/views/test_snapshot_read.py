"""The dashboard's snapshot read gives the figures the plain per-figure queries give.

The read puts the figures in few statements built once (named bound values for
the moment and the day); these tests hold it to the straightforward queries it
replaced, one a figure, on a desk with calls of every state, fault tickets of
several levels, missed calls and escalations acknowledged and not, read at
several moments (so a statement built once must take each moment's values).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from hotline.clock import FixedClock
from hotline.desk.call_states import CallState
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.store.models import Call, Escalation, MissedCall, SlaClock, Ticket
from hotline.views.dashboard import OPEN_STATUSES, Kpis, load_snapshot
from tests.support import TZ, backend_url, build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def rich_desk(request: pytest.FixtureRequest, tmp_path,  # type: ignore[no-untyped-def]
              clock: FixedClock) -> Iterator[Desk]:
    url = backend_url(request, tmp_path)
    desk = build_desk(make_settings(url), clock)
    from hotline import demo

    demo.load_directory(desk)
    known, unknown, _service = demo.simulator_numbers(desk)
    numbers = [*known[:6], *unknown[:3]]
    ids = [desk.ring(n).call_id for n in numbers]
    clock.advance(timedelta(seconds=10))
    desk.answer(ids[0])
    desk.answer(ids[1])
    clock.advance(timedelta(seconds=40))
    desk.answer(ids[2])  # late
    desk.abandon(ids[3])  # a missed call to call back
    desk.abandon(ids[4])
    for cid, level in ((ids[0], 1), (ids[1], 2)):
        desk.log_call(Intake(number=numbers[0], kind="fault", level=level,
                             description="optical path down"), cid)
    desk.log_call(Intake(number="0757-83301234", kind="fault", level=3,
                         description="board alarm", promise_callback=True))
    desk.log_call(Intake(number="0757-83301234", kind="consultation", level=None,
                         description="asked about the bill"))
    clock.advance(timedelta(minutes=40))  # ringing calls and missed calls overdue
    desk.evaluate()
    with Session(desk.engine) as s:
        first = s.exec(select(Escalation.id).order_by(col(Escalation.id))).first()
    assert first is not None, "the fixture should have escalations"
    desk.acknowledge(first)
    desk.ring(known[0])  # one ringing inside its target
    yield desk
    desk.engine.dispose()


def plain_kpis(desk: Desk, now: datetime, tz: ZoneInfo) -> tuple[Kpis, int, datetime | None]:
    """The figures, work total and next due as the read gave them with one query each."""
    local = now.astimezone(tz).date()
    start = datetime.combine(local, datetime.min.time(), tz)
    end = start + timedelta(days=1)
    with Session(desk.engine) as s:
        day = [c for c in s.exec(select(Call)).all() if start <= c.offered_at < end]
        offered = len(day)
        answered = sum(c.answered_at is not None for c in day)
        abandoned = sum(c.state == CallState.ABANDONED for c in day)
        in_time = sum(c.answered_at is not None and c.answered_at <= c.answer_due_at
                      for c in day)
        undecided = sum(c.state == CallState.RINGING and c.answer_due_at > now for c in day)
        clocks = [k for k in s.exec(select(SlaClock)).all()
                  if k.target == "callback" and k.state in ("running", "paused")]
        missed = [m for m in s.exec(select(MissedCall)).all() if m.state == "open"]
        tickets = list(s.exec(select(Ticket)).all())
        levels: dict[int, int] = {}
        for t in tickets:
            if t.kind == "fault" and t.status in OPEN_STATUSES and t.level is not None:
                levels[t.level] = levels.get(t.level, 0) + 1
        unacked = s.exec(select(func.count()).select_from(Escalation)
                         .where(col(Escalation.acknowledged_at).is_(None))).one()
        total = (sum(t.next_due_at is not None for t in tickets) + len(clocks) + len(missed))
        dues = [t.next_check_at for t in tickets if t.next_check_at is not None]
        dues += [c.answer_due_at for c in s.exec(select(Call)).all()
                 if c.state == CallState.RINGING and c.escalated_at is None]
        dues += [m.due_at for m in missed if m.escalated_at is None]
    kpis = Kpis(offered=offered, answered=answered, abandoned=abandoned,
                answered_in_time=in_time, undecided=undecided,
                callbacks_open=len(clocks) + len(missed),
                callbacks_overdue=sum(k.due_at < now for k in clocks)
                + sum(m.due_at < now for m in missed),
                faults_by_level=levels, unacknowledged=unacked)
    return kpis, total, min(dues) if dues else None


@pytest.mark.parametrize("later", [timedelta(0), timedelta(seconds=29), timedelta(minutes=31),
                                   timedelta(hours=9), timedelta(days=1)])
def test_the_snapshot_figures_are_those_of_one_query_a_figure(
        rich_desk: Desk, clock: FixedClock, later: timedelta) -> None:
    # read once at the fixture's moment first: the statements are then compiled and
    # cached, and the later read must still use its own moment
    load_snapshot(rich_desk.engine, clock.now(), TZ)
    now = clock.now() + later
    snap = load_snapshot(rich_desk.engine, now, TZ)
    kpis, total, due = plain_kpis(rich_desk, now, TZ)
    assert snap.kpis == kpis
    assert snap.work_total == total
    assert snap.next_due_at == due


def test_the_fixture_has_every_figure_to_compare(rich_desk: Desk, clock: FixedClock) -> None:
    k = load_snapshot(rich_desk.engine, clock.now(), TZ).kpis
    assert k.offered and k.answered and k.abandoned and k.answered_in_time
    assert k.undecided and k.callbacks_open and k.callbacks_overdue and k.unacknowledged
    assert len(k.faults_by_level) >= 2
    with Session(rich_desk.engine) as s:
        acked = s.exec(select(func.count()).select_from(Escalation)
                       .where(sa.not_(col(Escalation.acknowledged_at).is_(None)))).one()
    assert acked >= 1
    snap = load_snapshot(rich_desk.engine, clock.now(), TZ)
    assert snap.escalations and snap.work and snap.calls


def test_the_escalations_acknowledged_drop_out_after_eight_hours(
        rich_desk: Desk, clock: FixedClock) -> None:
    now = load_snapshot(rich_desk.engine, clock.now(), TZ)
    later = load_snapshot(rich_desk.engine, clock.now() + timedelta(hours=9), TZ)
    acked = {e.escalation_id for e in now.escalations if e.acknowledged_at is not None}
    assert acked
    assert not acked & {e.escalation_id for e in later.escalations}
