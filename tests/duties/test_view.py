"""The duties view: rows by due time, with the next target's state at a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from hotline.store.engine import make_engine
from hotline.store.models import Contract, Customer, SlaClock, Ticket
from hotline.store.schema import upgrade
from hotline.views.duties import duty_rows, duty_state

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


def _ticket(s: Session, n: int, kind: str, contract_id: int, *, due: datetime | None,
            warn: datetime | None = None, status: str = "open", breached: bool = False,
            planned: datetime | None = None) -> Ticket:
    t = Ticket(number=f"T{n}", kind=kind, policy="guangdong-transmission", grade="A",
               customer_id=1, contract_id=contract_id, description=f"duty {n}\nmore",
               opened_at=NOW - timedelta(days=1), opened_by="x", status=status,
               planned_at=planned, next_due_at=due, next_clock=kind if due else None)
    s.add(t)
    s.flush()
    if due is not None:
        s.add(SlaClock(ticket_id=t.id, key=kind, target=kind, started_at=NOW - timedelta(days=1),
                       due_at=due, warn_at=warn or due - timedelta(hours=1),
                       breached_at=due if breached else None))
    return t


def test_rows_are_soonest_due_first_with_their_state() -> None:
    engine = make_engine("sqlite://")
    upgrade(engine)
    with Session(engine) as s:
        s.add(Customer(id=1, code="GD", name="Guangdong Telecom"))
        s.flush()
        s.add(Contract(id=1, code="GD-TX", customer_id=1, grade="A",
                       policy="guangdong-transmission"))
        s.add(Contract(id=2, code="OTHER", customer_id=1, grade="A", policy="standard"))
        s.flush()
        _ticket(s, 1, "document_request", 1, due=NOW + timedelta(days=3))
        _ticket(s, 2, "inspection", 1, due=NOW - timedelta(minutes=1), breached=False)
        _ticket(s, 3, "meeting", 1, due=NOW + timedelta(minutes=30))
        _ticket(s, 4, "upgrade_request", 1, due=None,
                planned=NOW + timedelta(days=9))
        _ticket(s, 5, "fault", 1, due=NOW)  # not a duty
        _ticket(s, 6, "service_report", 2, due=NOW + timedelta(days=1))
        _ticket(s, 7, "inspection", 1, due=None, status="closed")
        s.commit()
        rows = duty_rows(s, NOW, contract="GD-TX")
        assert [r.ticket_number for r in rows] == ["T2", "T3", "T1", "T4"]
        assert [r.state for r in rows] == ["breached", "warning", "running", "waiting"]
        assert rows[0].subject == "duty 2"
        assert rows[0].contract == "GD-TX" and rows[0].customer == "Guangdong Telecom"
        assert rows[2].time_left(NOW) == 3 * 86400
        assert rows[3].due_at is None and rows[3].planned_at is not None
        everything = duty_rows(s, NOW, include_closed=True)
        assert {r.ticket_number for r in everything} == {"T1", "T2", "T3", "T4", "T6", "T7"}
        assert next(r for r in everything if r.ticket_number == "T7").state == "done"
        assert [r.ticket_number for r in duty_rows(s, NOW, kinds=("inspection",))] == ["T2"]


def test_state_rules() -> None:
    due = NOW + timedelta(hours=2)
    warn = NOW + timedelta(hours=1)
    assert duty_state(NOW, due_at=due, warn_at=warn, paused=False, closed=False,
                      breaches=0) == "running"
    assert duty_state(warn, due_at=due, warn_at=warn, paused=False, closed=False,
                      breaches=0) == "warning"
    assert duty_state(due, due_at=due, warn_at=warn, paused=False, closed=False,
                      breaches=0) == "breached"
    assert duty_state(NOW, due_at=due, warn_at=warn, paused=True, closed=False,
                      breaches=0) == "paused"
    assert duty_state(NOW, due_at=None, warn_at=None, paused=False, closed=False,
                      breaches=1) == "waiting"
    assert duty_state(NOW, due_at=due, warn_at=warn, paused=False, closed=True,
                      breaches=0) == "done"
