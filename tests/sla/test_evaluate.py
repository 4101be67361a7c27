"""A ticket's clocks, escalations and penalties as the replay computes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.paths import shipped_data_dir
from hotline.sla import Evaluation, Limit, SlaEngine, SlaEvent, TargetState, TicketFacts
from hotline.sla.policy_file import load_policy_dirs
from hotline.sla.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
SHIPPED = shipped_data_dir() / "policies"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def ev(name: str, at: str, key: str | None = None, level: int | None = None) -> SlaEvent:
    return SlaEvent(name, local(at), key, level)


@pytest.fixture(scope="module")
def engine() -> SlaEngine:
    return SlaEngine.load([SHIPPED], [], TZ)


def target(result: Evaluation, key: str) -> TargetState:
    return next(t for t in result.targets if t.key == key)


# Standard, grade A, level 3, opened Monday 2 Nov 2026 09:00:
# restore 3d -> Thu 5 Nov 09:00; resolve 10d -> Thu 12 Nov 09:00.
A3 = TicketFacts("standard", "A", 3, "fault", None, local("2026-11-02T09:00"))


def test_running_then_warning_then_breached(engine: SlaEngine) -> None:
    r = engine.evaluate(A3, [], local("2026-11-02T10:00"))
    restore = target(r, "restore")
    assert restore.state == "running"
    assert restore.due_at == local("2026-11-05T09:00")
    assert restore.warn_at == local("2026-11-04T18:36")   # 80% of 72 h
    assert restore.level == 3 and restore.limit == Limit.of(days=3)
    assert r.next_change_at == restore.warn_at
    assert target(engine.evaluate(A3, [], local("2026-11-04T18:36")), "restore").state == (
        "warning")
    at_due = engine.evaluate(A3, [], local("2026-11-05T09:00"))
    assert target(at_due, "restore").state == "warning"        # not yet: due means "by"
    assert at_due.escalations == []
    assert at_due.next_change_at == local("2026-11-05T09:00") + timedelta(microseconds=1)


def test_met_at_exactly_the_due_time(engine: SlaEngine) -> None:
    r = engine.evaluate(A3, [ev("restore", "2026-11-05T09:00")], local("2026-11-06T00:00"))
    restore = target(r, "restore")
    assert restore.state == "met"
    assert restore.met_at == local("2026-11-05T09:00")
    assert r.escalations == [] and r.penalties == []


def test_late_stop_is_breached_and_done(engine: SlaEngine) -> None:
    r = engine.evaluate(A3, [ev("restore", "2026-11-05T09:00:01"),
                             ev("resolve", "2026-11-05T10:00")], local("2026-11-06T00:00"))
    restore = target(r, "restore")
    assert restore.state == "breached"              # the upgrade does not re-time a breach
    assert restore.due_at == local("2026-11-05T09:00") and restore.level == 3
    assert restore.breached_at == local("2026-11-05T09:00")
    assert restore.done_at == local("2026-11-05T09:00:01")
    assert restore.breaches == 1
    assert target(r, "resolve").state == "met"      # re-timed at the upgrade: L2 3d
    assert [s.key for s in r.escalations] == ["restore:L3->L2"]
    assert [(p.key, p.points) for p in r.penalties] == [("overdue_fault:restore", -5)]


def test_pending_targets_show_their_limit(engine: SlaEngine) -> None:
    r = engine.evaluate(A3, [], local("2026-11-02T10:00"))
    states = {t.key: t.state for t in r.targets}
    assert states == {"remote_response": "pending", "onsite_arrival": "pending",
                      "restore": "running", "resolve": "running",
                      "handling_form": "pending", "analysis_report": "pending"}
    assert target(r, "onsite_arrival").limit == Limit.days_working(1)
    assert target(r, "handling_form").due_at is None


def test_automatic_escalation_chain(engine: SlaEngine) -> None:
    """L3 -> L2 on the restore breach (restore stays breached, resolve is re-timed), L2 -> L1
    on the re-timed resolve's breach; with nothing left running, supervisor -> manager."""
    events = [ev("acknowledge", "2026-11-08T09:40")]
    r = engine.evaluate(A3, events, local("2026-11-08T09:50"))
    assert r.level == 1
    steps = [(s.key, s.at, s.from_level, s.to_level, s.tier, s.reason) for s in r.escalations]
    assert steps == [
        ("restore:L3->L2", local("2026-11-05T09:00"), 3, 2, None, "restore"),
        ("resolve:L2->L1", local("2026-11-08T09:00"), 2, 1, None, "resolve"),
        ("restore:tier:supervisor:1", local("2026-11-08T09:00"), 1, 1, "supervisor", "restore"),
        ("resolve:tier:supervisor:1", local("2026-11-08T09:00"), 1, 1, "supervisor", "resolve"),
        ("restore:tier:manager:1", local("2026-11-08T09:30"), 1, 1, "manager", "unacknowledged"),
        ("resolve:tier:manager:1", local("2026-11-08T09:30"), 1, 1, "manager", "unacknowledged"),
    ]
    assert all(s.acknowledged_at == local("2026-11-08T09:40") for s in r.escalations)
    assert r.escalations[2].ack_due == local("2026-11-08T09:30")
    # restore keeps its level-3 limit, due time and single breach through both upgrades.
    restore = target(r, "restore")
    assert restore.state == "breached" and restore.level == 3
    assert restore.limit == Limit.of(days=3)
    assert restore.started_at == local("2026-11-02T09:00")
    assert restore.due_at == restore.breached_at == local("2026-11-05T09:00")
    assert restore.breaches == 1 and restore.retimed_at is None
    # resolve was re-timed once, at the first upgrade (L2 3d from then), and breached.
    resolve = target(r, "resolve")
    assert resolve.state == "breached" and resolve.level == 2
    assert resolve.retimed_at == local("2026-11-05T09:00")
    assert resolve.due_at == resolve.breached_at == local("2026-11-08T09:00")
    assert [p.key for p in r.penalties] == ["overdue_fault:restore", "overdue_fault:resolve"]
    assert r.next_change_at is None


def test_acknowledging_one_escalation_by_key(engine: SlaEngine) -> None:
    events = [ev("acknowledge", "2026-11-08T09:10", key="restore:tier:supervisor:1")]
    r = engine.evaluate(A3, events, local("2026-11-08T10:00"))
    tiers = [s for s in r.escalations if s.tier]
    assert [s.key for s in tiers] == ["restore:tier:supervisor:1", "resolve:tier:supervisor:1",
                                      "resolve:tier:manager:1"]
    assert tiers[0].acknowledged_at == local("2026-11-08T09:10")
    assert all(s.acknowledged_at is None for s in tiers[1:])
    # The level upgrades were not named, so they stay unacknowledged.
    assert all(s.acknowledged_at is None for s in r.escalations if s.tier is None)


def test_restoring_stops_the_re_alerts(engine: SlaEngine) -> None:
    events = [ev("restore", "2026-11-08T09:45")]
    r = engine.evaluate(A3, events, local("2026-11-08T12:00"))
    assert [s.key for s in r.escalations if s.tier and s.target == "restore"] == [
        "restore:tier:supervisor:1", "restore:tier:manager:1"]
    assert target(r, "restore").state == "breached"
    assert target(r, "restore").done_at == local("2026-11-08T09:45")
    assert target(r, "handling_form").started_at == local("2026-11-08T09:45")
    # resolve is still overdue: its alerts go on (09:00, 09:30 … 11:30).
    assert len([s for s in r.escalations if s.tier and s.target == "resolve"]) == 6


def test_after_downtime_every_missed_escalation_has_its_real_time(engine: SlaEngine) -> None:
    early = engine.evaluate(A3, [], local("2026-11-08T09:50"))
    late = engine.evaluate(A3, [], local("2026-11-09T00:00"))
    assert late.escalations[: len(early.escalations)] == early.escalations
    tiers = [s for s in late.escalations if s.target == "restore" and s.tier]
    assert len(tiers) == 30                          # 09:00, 09:30 … 23:30
    assert [s.at for s in tiers] == [local("2026-11-08T09:00") + timedelta(minutes=30 * i)
                                     for i in range(30)]
    resolve_steps = [s.key for s in late.escalations if s.target == "resolve"]
    assert resolve_steps[:3] == ["resolve:L2->L1", "resolve:tier:supervisor:1",
                                 "resolve:tier:manager:1"]
    assert [p.key for p in late.penalties] == ["overdue_fault:restore", "overdue_fault:resolve"]
    assert late.penalties[1].at == local("2026-11-08T09:00")


def test_pause_stops_the_clock_and_keeps_the_time_through_a_level_change(
        engine: SlaEngine) -> None:
    facts = TicketFacts("standard", "A", 2, "fault", None, local("2026-11-02T09:00"))
    # restore 12h -> 21:00; paused 11:00-14:00 -> 24:00.
    paused = engine.evaluate(facts, [ev("pause", "2026-11-02T11:00")], local("2026-11-02T12:00"))
    assert target(paused, "restore").state == "paused"
    assert target(paused, "restore").due_at == local("2026-11-02T22:00")  # if resumed now
    assert target(paused, "restore").paused_for == timedelta(hours=1)
    assert target(paused, "remote_response").state == "pending"
    events = [ev("pause", "2026-11-02T11:00"), ev("resume", "2026-11-02T14:00")]
    r = engine.evaluate(facts, events, local("2026-11-02T15:00"))
    restore = target(r, "restore")
    assert restore.state == "running"
    assert restore.due_at == local("2026-11-03T00:00")
    assert restore.paused_for == timedelta(hours=3)
    assert target(r, "resolve").due_at == local("2026-11-05T12:00")   # 3d + 3h
    # Paused again across a manual reclassification to level 1: the pause goes on in the
    # re-timed clock, and the total paused time is kept.
    events += [ev("pause", "2026-11-02T16:00"), ev("level_set", "2026-11-02T17:00", level=1),
               ev("resume", "2026-11-02T18:00")]
    r = engine.evaluate(facts, events, local("2026-11-02T18:30"))
    restore = target(r, "restore")
    assert r.level == 1 and restore.level == 1
    assert restore.limit == Limit.of(hours=4)
    assert restore.due_at == local("2026-11-02T22:00")                 # 17:00 + 4h + 1h paused
    assert restore.paused_for == timedelta(hours=5)
    assert r.escalations == []                                         # by hand: not an escalation


def test_pause_one_target_by_key(engine: SlaEngine) -> None:
    facts = TicketFacts("standard", "A", 2, "fault", None, local("2026-11-02T09:00"))
    events = [ev("pause", "2026-11-02T10:00", key="resolve"),
              ev("resume", "2026-11-02T12:00", key="resolve")]
    r = engine.evaluate(facts, events, local("2026-11-02T13:00"))
    assert target(r, "restore").paused_for == timedelta(0)
    assert target(r, "resolve").paused_for == timedelta(hours=2)


def test_unpausable_targets_ignore_a_pause(engine: SlaEngine) -> None:
    facts = TicketFacts("standard", "A", 2, "fault", None, local("2026-11-02T09:00"))
    events = [ev("remote_requested", "2026-11-02T09:05"), ev("pause", "2026-11-02T09:10")]
    r = engine.evaluate(facts, events, local("2026-11-02T09:50"))
    assert target(r, "remote_response").state == "breached"
    assert target(r, "remote_response").due_at == local("2026-11-02T09:35")


def test_events_in_any_order(engine: SlaEngine) -> None:
    events = [ev("restore", "2026-11-03T09:00"), ev("dispatched", "2026-11-02T10:00"),
              ev("onsite_arrival", "2026-11-02T15:00"), ev("remote_requested", "2026-11-02T09:30"),
              ev("remote_response", "2026-11-02T10:30")]
    r1 = engine.evaluate(A3, events, local("2026-11-04T00:00"))
    r2 = engine.evaluate(A3, list(reversed(events)), local("2026-11-04T00:00"))
    assert r1 == r2
    assert {t.key: t.state for t in r1.targets if t.state != "running"} == {
        "remote_response": "met", "onsite_arrival": "met", "restore": "met"}


def test_events_after_at_are_not_looked_at(engine: SlaEngine) -> None:
    r = engine.evaluate(A3, [ev("restore", "2026-11-03T09:00")], local("2026-11-03T08:00"))
    assert target(r, "restore").state == "running"


def test_callbacks_are_separate_instances(engine: SlaEngine) -> None:
    facts = TicketFacts("standard", "B", None, "consultation", None, local("2026-11-25T10:00"))
    events = [ev("callback_promised", "2026-11-25T10:01"),
              ev("callback_promised", "2026-11-25T10:20", key="2"),
              ev("callback_made", "2026-11-25T10:30", key="2"),
              ev("callback_made", "2026-11-25T10:40")]
    r = engine.evaluate(facts, events, local("2026-11-25T11:00"))
    cb1, cb2 = target(r, "callback#1"), target(r, "callback#2")
    assert (cb1.instance, cb1.state, cb1.breached_at) == (1, "breached",
                                                           local("2026-11-25T10:31"))
    assert cb1.done_at == local("2026-11-25T10:40")
    assert (cb2.instance, cb2.state, cb2.met_at) == (2, "met", local("2026-11-25T10:30"))
    assert [p.key for p in r.penalties] == ["late_reply:callback#1"]
    assert target(r, "consultation_reply").due_at == local("2026-11-27T00:00")


def test_closing_cancels_and_documents_stay_due(engine: SlaEngine) -> None:
    events = [ev("restore", "2026-11-02T12:00"), ev("closed", "2026-11-02T13:00")]
    r = engine.evaluate(A3, events, local("2026-11-03T00:00"))
    states = {t.key: t.state for t in r.targets}
    assert states["resolve"] == "cancelled"
    assert states["handling_form"] == "running"
    assert target(r, "handling_form").due_at == local("2026-11-04T12:00")
    assert "remote_response" not in states          # never started, ticket closed


def test_reopening_restarts_restore_and_resolve(engine: SlaEngine) -> None:
    events = [ev("resolve", "2026-11-02T12:00"), ev("closed", "2026-11-02T12:05"),
              ev("reopened", "2026-11-03T09:00")]
    r = engine.evaluate(A3, events, local("2026-11-03T10:00"))
    assert target(r, "restore").state == "met"
    assert target(r, "resolve").state == "met"
    restore2 = target(r, "restore#2")
    assert (restore2.instance, restore2.state) == (2, "running")
    assert restore2.due_at == local("2026-11-06T09:00")
    assert target(r, "resolve#2").due_at == local("2026-11-13T09:00")


def test_guangdong_level2_breach_brings_the_level1_restore_clock(engine: SlaEngine) -> None:
    facts = TicketFacts("guangdong-transmission", "A", 2, "fault", "深圳",
                        local("2026-11-02T09:00"), frozenset({"nms_crash", "onsite"}))
    r = engine.evaluate(facts, [], local("2026-11-03T09:30"))
    assert r.level == 1
    assert [s.key for s in r.escalations] == ["resolve:L2->L1"]
    assert target(r, "resolve").state == "breached"            # no level-1 resolve limit
    restore = target(r, "restore")
    assert (restore.state, restore.limit, restore.due_at) == (
        "running", Limit.of(hours=5), local("2026-11-03T14:00"))
    assert target(r, "depart").due_at == local("2026-11-03T10:00")
    assert [(p.key, p.points) for p in r.penalties] == [("overdue_ticket", -5)]
    # Restore missed as well: still one overdue ticket (每单扣5分), and the tiers alert.
    r = engine.evaluate(facts, [], local("2026-11-03T14:10"))
    assert [(p.key, p.points) for p in r.penalties] == [("overdue_ticket", -5)]
    assert r.escalations[-1].key == "restore:tier:supervisor:1"


def test_scored_events(engine: SlaEngine) -> None:
    facts = TicketFacts("guangdong-transmission", "A", 3, "fault", None, local("2026-11-02T09:00"))
    events = [ev("written_complaint", "2026-11-02T10:00"),
              ev("thanks_letter", "2026-11-05T10:00", key="letter-17"),
              ev("unauthorised_operation", "2026-11-03T10:00")]
    r = engine.evaluate(facts, events, local("2026-11-06T00:00"))
    assert [(p.key, p.points) for p in r.penalties] == [
        ("written_complaint:20261102T020000.000000Z", -2),
        ("unauthorised_operation:20261103T020000.000000Z", -10),
        ("thanks_letter:letter-17", 1),
    ]


def test_notes_for_what_the_policy_does_not_know(engine: SlaEngine) -> None:
    facts = TicketFacts("guangdong-transmission", "A", 1, "fault", "Beijing",
                        local("2026-11-02T09:00"), frozenset({"onsite", "flying"}))
    r = engine.evaluate(facts, [ev("level_set", "2026-11-02T09:30", level=9)],
                        local("2026-11-02T10:00"))
    assert len(r.notes) == 3
    assert target(r, "restore").limit == Limit.of(hours=3)  # strictest without a region
    # The note names the time in the desk's zone (09:30 there), not in UTC (01:30).
    assert "level_set at 2026-11-02 09:30:00: 9 is not a level" in r.notes[-1]


def test_unknown_policy(engine: SlaEngine) -> None:
    from hotline.errors import NotFound

    facts = TicketFacts("gold", "A", 1, "fault", None, local("2026-11-02T09:00"))
    with pytest.raises(NotFound, match="known: fire-maintenance, guangdong-transmission, "
                                       "standard"):
        engine.evaluate(facts, [], local("2026-11-02T10:00"))


ASSURED = """
[policy]
name = "assured"
grades = ["A"]
levels = [1, 2]

[targets.restore]
start = "opened"
stop = "restore"
limits = { A = { 1 = "4h", 2 = "12h" } }

[targets.consultation_reply]
kinds = ["consultation"]
start = "opened"
stop = "consultation_answered"
limit = "2 working days"

[[assurance]]
name = "国庆保障"
start = 2026-10-01
end = 2026-10-07
factor = 0.5
standby = true

[[assurance]]
name = "Flood season"
start = 2026-06-01T08:00:00
end = 2026-06-30T20:00:00
limits = { consultation_reply = "1 working day", restore = { A = { 2 = "6h" } } }
"""


@pytest.fixture()
def assured(tmp_path: Path) -> SlaEngine:
    (tmp_path / "assured.toml").write_text(ASSURED, encoding="utf-8")
    return SlaEngine(load_policy_dirs([tmp_path], TZ), WorkCalendar(), TZ)


def test_assurance_periods_tighten_limits(assured: SlaEngine) -> None:
    args: dict[str, Any] = dict(grade="A", kind="fault", region=None)
    assert assured.limit("assured", "restore", level=1, **args) == Limit.of(hours=4)
    assert assured.limit("assured", "restore", level=1, at=local("2026-10-07T23:59"),
                         **args) == Limit.of(hours=2)
    assert assured.limit("assured", "restore", level=1, at=local("2026-10-08T00:00"),
                         **args) == Limit.of(hours=4)
    assert assured.limit("assured", "restore", level=2, at=local("2026-06-10T00:00"),
                         **args) == Limit.of(hours=6)
    assert assured.limit("assured", "restore", level=1, at=local("2026-06-10T00:00"),
                         **args) == Limit.of(hours=4)
    assert assured.limit("assured", "consultation_reply", grade="A", level=None,
                         kind="consultation", region=None,
                         at=local("2026-06-30T19:59")) == Limit.days_working(1)
    period = assured.active_assurance(None, local("2026-10-03T12:00"))
    assert period is not None and period.name == "国庆保障" and period.effect.standby
    assert period.start == local("2026-10-01T00:00") and period.end == local("2026-10-08T00:00")
    assert assured.active_assurance("assured", local("2026-09-30T23:59")) is None
    # The limit a clock gets is the one in force when it starts.
    facts = TicketFacts("assured", "A", 1, "fault", None, local("2026-09-30T23:00"))
    r = assured.evaluate(facts, [], local("2026-10-01T01:00"))
    assert target(r, "restore").due_at == local("2026-10-01T03:00")


def test_next_change_is_strictly_after_at_on_a_re_alert_moment(engine: SlaEngine) -> None:
    """At the re-alert moment itself nothing has changed yet; the change is just after."""
    r = engine.evaluate(A3, [], local("2026-11-08T09:30"))
    assert [s.key for s in r.escalations if s.tier] == ["restore:tier:supervisor:1",
                                                         "resolve:tier:supervisor:1"]
    assert r.next_change_at == local("2026-11-08T09:30") + timedelta(microseconds=1)
    r = engine.evaluate(A3, [], r.next_change_at)
    assert [s.key for s in r.escalations if s.tier] == [
        "restore:tier:supervisor:1", "resolve:tier:supervisor:1", "restore:tier:manager:1",
        "resolve:tier:manager:1"]


def test_a_breached_clock_keeps_its_due_time_when_the_level_changes(
        engine: SlaEngine) -> None:
    """Fire contract: 24 h at every level. The miss raises the level once and stands: the
    clock does not fall due again; with no clock left to miss, the tiers are alerted."""
    facts = TicketFacts("fire-maintenance", "A", 3, "fault", None, local("2026-11-02T09:00"))
    events = [ev("callback_promised", "2026-11-03T08:50")]
    r = engine.evaluate(facts, events, local("2026-11-05T09:30"))
    assert r.level == 2
    assert [(s.key, s.at) for s in r.escalations][:3] == [
        ("resolve:L3->L2", local("2026-11-03T09:00")),
        ("resolve:tier:supervisor:1", local("2026-11-03T09:00")),
        ("resolve:tier:manager:1", local("2026-11-03T09:30")),
    ]
    resolve = target(r, "resolve")
    assert resolve.due_at == local("2026-11-03T09:00") and resolve.breaches == 1
    assert resolve.level == 3 and resolve.retimed_at is None
    # The overdue on-site arrival keeps its deadline and its one breach …
    arrival = target(r, "onsite_arrival")
    assert arrival.due_at == local("2026-11-02T11:00") and arrival.breaches == 1
    assert arrival.state == "breached" and arrival.retimed_at is None
    # … and a running clock whose limit does not change keeps its deadline.
    r = engine.evaluate(facts, events, local("2026-11-03T09:10"))
    assert r.level == 2
    callback = target(r, "callback#1")
    assert callback.due_at == local("2026-11-03T09:20") and callback.level == 2


def test_callbacks_named_by_any_key(engine: SlaEngine) -> None:
    facts = TicketFacts("standard", "B", None, "consultation", None, local("2026-11-25T10:00"))
    events = [ev("callback_promised", "2026-11-25T10:01", key="cb-a"),
              ev("callback_promised", "2026-11-25T10:02", key="cb-b"),
              ev("callback_made", "2026-11-25T10:20", key="cb-b")]
    r = engine.evaluate(facts, events, local("2026-11-25T10:40"))
    assert {t.key: t.state for t in r.targets if t.name == "callback"} == {
        "callback#1": "breached", "callback#2": "met"}


def test_a_clock_re_timed_during_a_ticket_pause_starts_paused(engine: SlaEngine) -> None:
    """A breached clock does not pause; re-timed while the ticket is paused, it waits too."""
    facts = TicketFacts("standard", "A", 2, "fault", None, local("2026-11-02T09:00"))
    # restore: L2 12h -> breach 21:00 -> L1; resolve (L2 3d) re-timed then: L1 24h.
    events = [ev("pause", "2026-11-03T02:00"), ev("level_set", "2026-11-03T03:00", level=2)]
    r = engine.evaluate(facts, events, local("2026-11-03T04:00"))
    assert [s.key for s in r.escalations if s.tier is None] == ["restore:L2->L1"]
    assert [s.key for s in r.escalations if s.tier] == []  # resolve was still running
    restore = target(r, "restore")
    assert restore.state == "breached" and restore.level == 2
    assert restore.due_at == local("2026-11-02T21:00") and restore.paused_for == timedelta(0)
    resolve = target(r, "resolve")
    assert resolve.state == "paused" and resolve.level == 2
    assert resolve.retimed_at == local("2026-11-03T03:00")
    assert resolve.paused_for == timedelta(hours=2)      # paused since 02:00, kept across
    assert resolve.due_at == local("2026-11-06T04:00")   # 03:00 + 3 d + 1 h paused so far
