"""Duty clocks (issue 16) from the seed's numbers, across 2026's holidays and make-up days.

2026 (data/calendar/cn-2026.toml): Mid-Autumn 09-25…09-27 off, National Day 10-01…10-07
off, make-up working days Sunday 09-20 and Saturday 10-10.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.paths import shipped_data_dir
from hotline.sla import Evaluation, SlaEngine, SlaEvent, TargetState, TicketFacts
from tests.support import TZ

SHIPPED = shipped_data_dir() / "policies"
GD = "guangdong-transmission"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def ev(name: str, at: str, key: str | None = None, planned: str | None = None) -> SlaEvent:
    return SlaEvent(name, local(at), key, planned=local(planned) if planned else None)


@pytest.fixture(scope="module")
def engine() -> SlaEngine:
    return SlaEngine.load([SHIPPED], [], TZ)


def duty(policy: str, kind: str, opened: str, planned: str | None = None,
         conditions: frozenset[str] = frozenset()) -> TicketFacts:
    return TicketFacts(policy, "A" if policy == "standard" else "", None, kind, None,
                       local(opened), conditions,
                       planned_at=local(planned) if planned else None)


def target(result: Evaluation, key: str) -> TargetState:
    return next(t for t in result.targets if t.key == key)


# (policy, kind, opened, planned, events, target key, due — local time)
CASES = [
    # 资料更新服务: 5 working days from the request, across National Day:
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon, 10-13 Tue -> 24:00 of 10-13.
    (GD, "document_request", "2026-09-30T10:00", None, [], "document_delivery",
     "2026-10-14T00:00"),
    ("standard", "document_request", "2026-09-30T10:00", None, [], "document_delivery",
     "2026-10-14T00:00"),
    # 升级需求响应 2 working days: 10-08, 10-09.
    (GD, "upgrade_request", "2026-09-30T10:00", None, [], "upgrade_response",
     "2026-10-10T00:00"),
    # 申请 5 working days from the confirmation: 10-10 (make-up), 12, 13, 14, 15.
    (GD, "upgrade_request", "2026-09-30T10:00", None,
     [ev("upgrade_responded", "2026-10-09T11:00")], "upgrade_applied", "2026-10-16T00:00"),
    # 备件同步升级 2 days (calendar) after the upgrade.
    (GD, "upgrade_request", "2026-09-30T10:00", None,
     [ev("upgrade_responded", "2026-10-09T11:00"), ev("upgrade_applied", "2026-10-12T09:00"),
      ev("upgrade_done", "2026-10-20T09:00")], "spares_upgraded", "2026-10-22T09:00"),
    # Routine inspection by the end of its planned day.
    (GD, "inspection", "2026-03-02T09:00", "2026-12-31T00:00", [], "inspection",
     "2027-01-01T00:00"),
    # Inspection on request: 5 working days from the request.
    (GD, "inspection", "2026-09-30T10:00", None, [], "inspection_on_request",
     "2026-10-14T00:00"),
    # Change notice counted back 10 working days from Fri 10-16: 10-15, 14, 13, 12,
    # 10-10 (make-up), 09, 08, [holiday], 09-30, 29, 28 -> 24:00 of 09-28.
    (GD, "inspection", "2026-09-01T09:00", "2026-10-16T00:00", [], "inspection_change_notice",
     "2026-09-29T00:00"),
    # Generic joint inspection: 15 working days: … 09-28, [09-25…27 off], 09-24, 23, 22, 21,
    # 09-20 (make-up Sunday) -> 24:00 of 09-20.
    ("standard", "inspection", "2026-09-01T09:00", "2026-10-16T00:00", [],
     "inspection_change_notice", "2026-09-21T00:00"),
    ("fire-maintenance", "inspection", "2026-09-01T09:00", "2026-10-16T00:00", [],
     "inspection_change_notice", "2026-09-21T00:00"),
    # Inspection report: 7 working days (generic 3) after the inspection.
    (GD, "inspection", "2026-09-01T09:00", "2026-09-30T00:00",
     [ev("inspected", "2026-09-30T15:00")], "inspection_report", "2026-10-16T00:00"),
    ("standard", "inspection", "2026-09-01T09:00", "2026-09-30T00:00",
     [ev("inspected", "2026-09-30T15:00")], "inspection_report", "2026-10-11T00:00"),
    # 服务例会 response 5 working days from Fri 09-18: 09-20 (make-up Sunday), 21, 22, 23, 24.
    (GD, "meeting", "2026-09-18T10:00", "2026-09-30T00:00",
     [ev("meeting_notice", "2026-09-18T10:00")], "meeting_response", "2026-09-25T00:00"),
    # Each item raised at a meeting: 5 working days.
    (GD, "meeting", "2026-09-01T10:00", "2026-09-30T00:00",
     [ev("meeting_held", "2026-09-30T14:00"), ev("item_raised", "2026-09-30T16:00",
                                                  "meeting_reply#1")],
     "meeting_reply#1", "2026-10-14T00:00"),
    # The monthly report on September, planned for 10-15: by 24:00 of the 15th.
    (GD, "service_report", "2026-09-01T00:00", "2026-10-15T00:00", [], "service_report",
     "2026-10-16T00:00"),
    # A hotline-number change at 10-10 09:00: the written notice at least 3 days before.
    (GD, "number_change", "2026-09-30T10:00", "2026-10-10T09:00", [], "number_change_notice",
     "2026-10-07T09:00"),
]


@pytest.mark.parametrize(("policy", "kind", "opened", "planned", "events", "key", "due"),
                         CASES)
def test_duty_deadlines_from_the_seed(engine: SlaEngine, policy: str, kind: str, opened: str,
                                      planned: str | None, events: list[SlaEvent], key: str,
                                      due: str) -> None:
    conditions = frozenset({"on_request"}) if kind == "inspection" and planned is None \
        else frozenset()
    facts = duty(policy, kind, opened, planned, conditions)
    at = max([facts.opened_at, *(e.at for e in events)])
    clock = target(engine.evaluate(facts, events, at), key)
    assert clock.due_at == local(due)
    assert clock.state in ("running", "warning")


def test_part_return_on_a_fault_counts_15_days_from_each_loan(engine: SlaEngine) -> None:
    facts = TicketFacts(GD, "", 1, "fault", "广州", local("2026-09-30T08:00"))
    events = [ev("part_lent", "2026-09-30T10:00"), ev("part_lent", "2026-10-02T10:00"),
              ev("part_returned", "2026-10-10T10:00")]
    r = engine.evaluate(facts, events, local("2026-10-16T00:00"))
    first, second = target(r, "part_return#1"), target(r, "part_return#2")
    assert first.state == "met" and first.due_at == local("2026-10-15T10:00")
    assert second.state == "warning" and second.due_at == local("2026-10-17T10:00")
    late = engine.evaluate(facts, events, local("2026-10-17T10:00:01"))
    assert target(late, "part_return#2").state == "breached"


def test_a_change_in_time_is_met_and_the_inspection_moves(engine: SlaEngine) -> None:
    facts = duty(GD, "inspection", "2026-09-01T09:00", "2026-10-16T00:00")
    moved = [ev("rescheduled", "2026-09-28T17:00", planned="2026-11-20T00:00")]
    r = engine.evaluate(facts, moved, local("2026-09-28T18:00"))
    assert target(r, "inspection_change_notice").state == "met"
    assert target(r, "inspection").due_at == local("2026-11-21T00:00")
    # the next change is due 10 working days before the new date (11-20 Fri: 11-06)
    again = target(r, "inspection_change_notice#2")
    assert again.due_at == local("2026-11-07T00:00")
    assert r.penalties == []


def test_a_change_after_the_back_counted_deadline_is_a_breach(engine: SlaEngine) -> None:
    facts = duty(GD, "inspection", "2026-09-01T09:00", "2026-10-16T00:00")
    # 24:00 of 09-28 passed: nothing owed yet — the clock ends without a breach …
    quiet = engine.evaluate(facts, [], local("2026-10-05T12:00"))
    assert target(quiet, "inspection_change_notice").state == "cancelled"
    assert quiet.penalties == [] and quiet.escalations == []
    # … and a change made after it is the breach, scored −1.
    late = [ev("rescheduled", "2026-09-29T00:00:01", planned="2026-10-30T00:00")]
    r = engine.evaluate(facts, late, local("2026-10-05T12:00"))
    notice = target(r, "inspection_change_notice")
    assert notice.state == "breached"
    assert notice.breached_at == local("2026-09-29T00:00:01")
    assert [(p.rule, p.points) for p in r.penalties] == [("inspection_change_late", -1)]
    assert target(r, "inspection").due_at == local("2026-10-31T00:00")


def test_a_missed_inspection_scores_five_points(engine: SlaEngine) -> None:
    facts = duty(GD, "inspection", "2026-03-02T09:00", "2026-06-30T00:00")
    r = engine.evaluate(facts, [], local("2026-07-01T00:00:01"))
    assert target(r, "inspection").state == "breached"
    assert [(p.rule, p.points) for p in r.penalties] == [("inspection_missed", -5)]
    done = engine.evaluate(facts, [ev("inspected", "2026-06-30T23:59")],
                           local("2026-07-02T00:00"))
    assert target(done, "inspection").state == "met" and done.penalties == []


@pytest.mark.parametrize(("kind", "events", "at", "rule"), [
    ("document_request", [], "2026-10-14T00:00:01", "document_request_late"),
    ("meeting", [ev("meeting_notice", "2026-09-30T10:00")], "2026-10-14T00:00:01",
     "meeting_response_late"),
    ("meeting", [ev("meeting_held", "2026-09-30T11:00"),
                 ev("item_raised", "2026-09-30T12:00", "meeting_reply#1")],
     "2026-10-14T00:00:01", "meeting_followup_late"),
    ("inspection", [ev("inspected", "2026-09-30T11:00")], "2026-10-16T00:00:01",
     "inspection_report_late"),
    ("upgrade_request", [ev("upgrade_responded", "2026-09-30T11:00"),
                         ev("upgrade_applied", "2026-09-30T12:00"),
                         ev("upgrade_done", "2026-09-30T13:00")],
     "2026-10-02T13:00:01", "spares_upgrade_late"),
])
def test_late_duties_score_their_rule(engine: SlaEngine, kind: str, events: list[SlaEvent],
                                      at: str, rule: str) -> None:
    facts = duty(GD, kind, "2026-09-30T10:00", "2026-09-30T00:00")
    just_before = engine.evaluate(facts, events, local(at) - timedelta(seconds=2))
    assert not [p for p in just_before.penalties if p.rule == rule]
    r = engine.evaluate(facts, events, local(at))
    assert [p.points for p in r.penalties if p.rule == rule] == [-1]


def test_the_upgrade_response_breach_is_shown_not_scored(engine: SlaEngine) -> None:
    facts = duty(GD, "upgrade_request", "2026-09-30T10:00")
    r = engine.evaluate(facts, [], local("2026-10-10T00:00:01"))
    assert target(r, "upgrade_response").state == "breached"
    assert r.penalties == []


def test_a_duty_without_its_planned_time_has_no_anchored_clock(engine: SlaEngine) -> None:
    facts = duty(GD, "service_report", "2026-09-01T00:00")
    r = engine.evaluate(facts, [], local("2026-09-02T00:00"))
    assert all(t.name != "service_report" or t.state == "pending" for t in r.targets)
