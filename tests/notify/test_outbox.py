"""The outbox row is written in the transaction of what causes it, once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.store.models import Escalation, OutboxItem
from tests.scenes import busy_morning


def _kinds(desk: Desk) -> Counter[str]:
    with Session(desk.engine) as s:
        return Counter(o.kind for o in s.exec(select(OutboxItem)).all())


def test_the_busy_morning_writes_an_outbox_row_per_escalation_and_level1_fault() -> None:
    desk = busy_morning()
    kinds = _kinds(desk)
    assert kinds["level1_fault"] == 1
    assert kinds["unanswered_call"] >= 2  # the calls left ringing past 30 s
    with Session(desk.engine) as s:
        escalations = s.exec(select(Escalation).where(
            sa.column("acknowledged_at").is_(None))).all()
        rows = s.exec(select(OutboxItem).where(OutboxItem.kind != "level1_fault")).all()
    assert {o.escalation_id for o in rows} == {e.id for e in escalations}
    desk.engine.dispose()


def test_a_level2_fault_and_a_consultation_write_no_outbox_row(desk: Desk) -> None:
    desk.log_call(Intake(number="13380012345", kind="fault", level=3, description="fan"))
    desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                         description="license"))
    assert _kinds(desk)["level1_fault"] == 0


def test_a_complaint_is_in_the_outbox_at_once(desk: Desk) -> None:
    desk.log_call(Intake(number="13380012345", kind="complaint", level=None,
                         description="nobody came"))
    assert _kinds(desk)["complaint"] == 1


def test_a_realert_writes_one_row_per_timeout(desk: Desk, clock: FixedClock) -> None:
    call = desk.ring("13380012345").call_id
    clock.advance(seconds=31)
    desk.evaluate()
    assert _kinds(desk) == Counter({"unanswered_call": 1})
    clock.advance(minutes=61)  # two acknowledgement timeouts of 30 minutes
    desk.evaluate()
    desk.evaluate()  # again: nothing twice
    kinds = _kinds(desk)
    assert kinds["realert"] == 1  # the re-alert due now (the one missed is not repeated)
    with Session(desk.engine) as s:
        keys = [o.key for o in s.exec(select(OutboxItem)).all()]
    assert len(keys) == len(set(keys))
    assert call


def test_an_escalation_rolled_back_leaves_no_outbox_row(desk: Desk, clock: FixedClock) -> None:
    from hotline.desk.escalation_raising import raise_escalation

    desk.ring("13380012345")
    with pytest.raises(RuntimeError), desk.write() as tx:
        raise_escalation(tx, "x", kind="complaint", at=tx.now, call_id=1)
        raise RuntimeError("the operation fails after raising")
    assert _kinds(desk) == Counter()
    clock.advance(timedelta(seconds=1))
