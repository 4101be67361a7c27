"""Period rules: the month's answer rate, counted items."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.errors import InputError
from hotline.paths import shipped_data_dir
from hotline.sla import SlaEngine
from hotline.sla.penalties import period_kind

TZ = ZoneInfo("Asia/Shanghai")
NOV = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
DEC = datetime(2026, 12, 1, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="module")
def engine() -> SlaEngine:
    return SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)


def test_answer_rate_below_95_percent_of_offered(engine: SlaEngine) -> None:
    entries = engine.period_penalties("standard", NOV, DEC,
                                      {"answer_rate_offered": 0.93, "calls_offered": 120})
    assert [(e.key, e.rule, e.points, e.at) for e in entries] == [
        ("answer_rate:2026-11-01", "answer_rate", -2, DEC)]
    assert engine.period_penalties("standard", NOV, DEC, {"answer_rate_offered": 0.95,
                                                         "calls_offered": 120}) == []


def test_no_rate_without_calls_and_no_rule_without_its_metric(engine: SlaEngine) -> None:
    assert engine.period_penalties("standard", NOV, DEC, {"answer_rate_offered": 0.0,
                                                         "calls_offered": 0}) == []
    assert engine.period_penalties("standard", NOV, DEC, {"calls_offered": 10}) == []


def test_a_monthly_rule_is_not_applied_to_a_quarter(engine: SlaEngine) -> None:
    q4 = datetime(2026, 10, 1, tzinfo=TZ).astimezone(UTC)
    q1 = datetime(2027, 1, 1, tzinfo=TZ).astimezone(UTC)
    assert engine.period_penalties("standard", q4, q1, {"answer_rate_offered": 0.5,
                                                       "calls_offered": 300}) == []


def test_counted_items_score_each(engine: SlaEngine) -> None:
    entries = engine.period_penalties("guangdong-transmission", NOV, DEC,
                                      {"inspection_faults_major": 2, "meetings_unprepared": 1,
                                       "documents_mismatched": 0})
    assert {(e.rule, e.points) for e in entries} == {("inspection_fault_major", -8),
                                                     ("meeting_unprepared", -1)}
    with pytest.raises(InputError, match="whole number"):
        engine.period_penalties("guangdong-transmission", NOV, DEC,
                                {"inspection_faults_major": 1.5})
    with pytest.raises(InputError, match="not a number"):
        engine.period_penalties("standard", NOV, DEC, {"answer_rate_offered": float("nan")})
    with pytest.raises(InputError, match="ends before"):
        engine.period_penalties("standard", DEC, NOV, {})


def test_period_kind() -> None:
    assert period_kind(NOV, DEC, TZ) == "month"
    assert period_kind(datetime(2026, 10, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ),
                       TZ) == "quarter"
    assert period_kind(datetime(2026, 1, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ),
                       TZ) == "year"
    assert period_kind(datetime(2026, 11, 2, tzinfo=TZ), DEC, TZ) is None
    # Midnight UTC is 08:00 in Shanghai: not a local month.
    assert period_kind(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                       TZ) is None
