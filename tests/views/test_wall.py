"""The wallboard's figures (hotline.views.wall) and its thresholds (hotline.wall_thresholds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.clock import FixedClock
from hotline.config import load_settings
from hotline.desk.operations import Desk
from hotline.errors import ConfigError
from hotline.views.dashboard import CallRow, Kpis, Snapshot, load_snapshot
from hotline.views.wall import OnDuty, engineer_states, wall_of
from hotline.wall_thresholds import Thresholds, WallThresholds, parse_wall

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def call(call_id: int, state: str, *, by: str | None = None, source: str = "manual",
         offered: int = 0, answered: int | None = None, ended: int | None = None) -> CallRow:
    at = T0 + timedelta(seconds=offered)
    return CallRow(call_id=call_id, number=f"138 0000 000{call_id}", place="", caller=None,
                   customer=None, contract=None, grade=None, state=state, offered_at=at,
                   due_at=at + timedelta(seconds=30), warn_at=at + timedelta(seconds=20),
                   answered_at=None if answered is None else T0 + timedelta(seconds=answered),
                   answered_by=by, source=source,
                   ended_at=None if ended is None else T0 + timedelta(seconds=ended))


def snapshot(calls: list[CallRow], kpis: Kpis | None = None) -> Snapshot:
    return Snapshot(taken_at=T0, calls=calls, work=[], work_total=0, escalations=[],
                    kpis=kpis or Kpis())


DUTY = [OnDuty("wangqiang", "王强", supervisor=True), OnDuty("zhangwei", "张伟"),
        OnDuty("lina", "李娜"), OnDuty("chenhao", "陈浩")]


def test_each_engineer_state_from_their_calls() -> None:
    calls = [
        call(1, "answered", by="zhangwei", source="ami", answered=5),  # PBX: on a call
        call(2, "answered", by="lina", source="jsonl", answered=8, ended=60),  # hung up
        call(3, "answered", by="chenhao", source="manual", answered=9),  # answered with a
        call(4, "ringing", offered=40),
        call(5, "answered", by="PJSIP/8009", source="ami", answered=12),  # nobody's agent
    ]
    states = {e.login: e for e in engineer_states(snapshot(calls), DUTY)}
    assert [e.login for e in engineer_states(snapshot(calls), DUTY)] == [
        "wangqiang", "zhangwei", "lina", "chenhao", "PJSIP/8009"]
    assert states["wangqiang"].state == "available" and states["wangqiang"].since is None
    assert states["zhangwei"].state == "on_call" and states["zhangwei"].from_pbx
    assert states["zhangwei"].since == T0 + timedelta(seconds=5)
    assert states["lina"].state == "wrap_up"
    assert states["lina"].since == T0 + timedelta(seconds=60)
    assert states["chenhao"].state == "in_form" and not states["chenhao"].from_pbx
    assert states["chenhao"].number == "138 0000 0003"
    assert states["PJSIP/8009"].name == "PJSIP/8009"
    # someone not on duty with a call in hand: named from the directory
    calls.append(call(6, "answered", by="sunli", source="ami", answered=20))
    named = engineer_states(snapshot(calls), DUTY, {"sunli": "孙丽"})
    assert [(e.login, e.name, e.state) for e in named][-1] == ("sunli", "孙丽", "on_call")


def test_a_call_in_hand_wins_over_a_wrap_up() -> None:
    calls = [call(1, "answered", by="lina", source="ami", answered=5, ended=30),
             call(2, "answered", by="lina", source="ami", answered=40)]
    (lina,) = [e for e in engineer_states(snapshot(calls), DUTY) if e.login == "lina"]
    assert lina.state == "on_call" and lina.since == T0 + timedelta(seconds=40)


def test_the_wall_counts_ringing_and_the_longest_wait() -> None:
    calls = [call(1, "ringing", offered=10), call(2, "ringing", offered=3),
             call(3, "answered", by="lina", answered=2)]
    wall = wall_of(snapshot(calls, Kpis(faults_by_level={1: 2, 3: 4})), DUTY)
    assert wall.ringing == 2
    assert wall.level1_open == 2
    assert wall.longest_wait(T0 + timedelta(seconds=45)) == 42  # counts up from call 2
    assert wall_of(snapshot([]), DUTY).longest_wait(T0) is None


def test_the_wall_from_a_desk(demo_desk: Desk, clock: FixedClock) -> None:
    """Figures as the dashboard reads them: a late call escalated, then answered."""
    desk = demo_desk
    first = desk.ring("13800138000").call_id
    clock.advance(seconds=35)
    desk.evaluate()  # not answered in 30 s: escalated
    desk.ring("13900139000")
    clock.advance(seconds=5)
    snap = load_snapshot(desk.engine, clock.now(), desk.settings.tz)
    wall = wall_of(snap, [OnDuty("zhangwei", "张伟")])
    assert wall.ringing == 2
    assert wall.longest_wait(clock.now()) == 40
    assert [e.kind for e in wall.escalations] == ["unanswered_call"]
    assert wall.escalations[0].what == "138 0013 8000"
    desk.answer(first)
    snap = load_snapshot(desk.engine, clock.now(), desk.settings.tz)
    wall = wall_of(snap, [OnDuty("zhangwei", "张伟")])
    assert wall.ringing == 1 and wall.kpis.answered == 1
    assert wall.kpis.service_level_answered == 0.0  # answered after its 30 s
    assert [(e.login, e.state) for e in wall.engineers] == [("zhangwei", "in_form")]


# --- thresholds ----------------------------------------------------------------------------


def test_threshold_levels() -> None:
    t = Thresholds(1, 3)
    assert [t.level(v) for v in (0, 1, 2, 3, 9)] == ["ok", "warn", "warn", "alarm", "alarm"]
    sl = Thresholds(95, 90)
    assert [sl.level(v, higher_is_worse=False) for v in (100, 95, 94.9, 90, 89.9)] == [
        "ok", "ok", "warn", "warn", "alarm"]
    assert t.level(None) == "ok"


def test_thresholds_from_the_config_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text("[wall]\nringing = [2, 5]\nservice_level = [98, 92.5]\n", encoding="utf-8")
    wall = load_settings(config=str(path), environ={}).wall
    assert wall.ringing == Thresholds(2, 5)
    assert wall.service_level == Thresholds(98, 92.5)
    assert wall.longest_wait == WallThresholds().longest_wait  # not given: the default


@pytest.mark.parametrize(("table", "said"), [
    ("ringing = 3", "must be two numbers"),
    ("ringing = [1]", "must be two numbers"),
    ("ringing = [true, 3]", "must be two numbers"),
    ("ringing = ['1', 3]", "must be two numbers"),
    ("ringing = [5, 1]", "must not be below"),
    ("ringing = [-1, 1]", "from 0 to"),
    ("ringing = [1, inf]", "from 0 to"),
    ("ringing = [1, nan]", "from 0 to"),
    ("ringing = [1, 1e300]", "from 0 to"),
    ("service_level = [90, 95]", "must not be above"),
    ("service_level = [101, 95]", "at most 100"),
    ("ringin = [1, 3]", "wall.ringin is unknown"),
])
def test_wrong_thresholds_are_refused_saying_why(tmp_path, table: str,  # type: ignore[no-untyped-def]
                                                 said: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[wall]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=said):
        load_settings(config=str(path), environ={})


def test_wall_not_a_table() -> None:
    with pytest.raises(ConfigError, match="table of thresholds"):
        parse_wall("loud")


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.text(max_size=5), st.lists(st.one_of(st.integers(), st.floats(),
                                                            st.text(max_size=3)), max_size=3))


@given(st.dictionaries(st.sampled_from(["ringing", "service_level", "longest_wait",
                                        "escalations", "x\x00", "\ud800"]), _VALUES,
                       max_size=4))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_wall_table_is_taken_whole_or_refused(table: dict[str, object]) -> None:
    try:
        parsed = parse_wall(table)
    except ConfigError as exc:
        assert str(exc)
        return
    for key, value in table.items():
        t = getattr(parsed, key)
        assert isinstance(value, list)
        assert (t.warn, t.alarm) == (float(value[0]), float(value[1]))
        assert 0 <= t.warn <= 1_000_000 and 0 <= t.alarm <= 1_000_000
