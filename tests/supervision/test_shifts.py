"""The rota, who is on duty, and the handover between supervisors."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.config import load_settings
from hotline.desk.operations import Desk
from hotline.errors import ConfigError, Conflict, InputError
from hotline.paths import shipped_data_dir
from hotline.store.models import Event, Handover
from hotline.supervision.crew import crew_of, set_crew
from hotline.supervision.current_shift import shift_now
from hotline.supervision.handover import (
    accept_handover,
    hand_over,
    handover_of,
    outgoing_shift,
    pending_handover,
    recent_handovers,
)
from hotline.supervision.rota import Rota, load_rota, parse_rota, rota_for
from tests.support import START, TZ

ROTA = load_rota(shipped_data_dir() / "shifts.toml", TZ)


def local(day: int, hh: int, mm: int = 0, ss: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=TZ)


# --- the rota ---------------------------------------------------------------------------


def test_the_shipped_rota_covers_the_day() -> None:
    assert ROTA.ids() == ["night", "day", "evening"]
    cases = [
        (local(25, 7, 59, 59), "night", date(2026, 11, 25)),
        (local(25, 8), "day", date(2026, 11, 25)),
        (local(25, 15, 59, 59), "day", date(2026, 11, 25)),
        (local(25, 16), "evening", date(2026, 11, 25)),
        (local(25, 23, 59, 59), "evening", date(2026, 11, 25)),
        (local(26, 0), "night", date(2026, 11, 26)),
    ]
    for moment, shift, day in cases:
        inst = ROTA.at(moment)
        assert (inst.spec.id, inst.day) == (shift, day), moment
    evening = ROTA.at(local(30, 20))
    assert evening.end == local(1, 0, month=12)
    assert ROTA.next(evening).key == "2026-12-01/night"
    assert ROTA.previous(ROTA.at(local(25, 0, 30))).key == "2026-11-24/evening"
    assert evening.label(TZ) == "Evening shift 11-30 16:00–24:00"


def test_a_shift_may_cross_midnight() -> None:
    rota = Rota(parse_rota({"shift": [
        {"id": "day", "start": "06:00", "end": "14:00"},
        {"id": "late", "start": "14:00", "end": "22:00"},
        {"id": "night", "start": "22:00", "end": "06:00", "name_zh": "夜班"},
    ]}, "test"), TZ)
    inst = rota.at(local(26, 3))
    assert (inst.spec.id, inst.day) == ("night", date(2026, 11, 25))
    assert (inst.start, inst.end) == (local(25, 22), local(26, 6))
    assert rota.next(inst).key == "2026-11-26/day"
    assert [i.key for i in rota.between(date(2026, 11, 25), date(2026, 11, 26), "night")] == [
        "2026-11-25/night", "2026-11-26/night"]


@pytest.mark.parametrize(("data", "message"), [
    ({}, "no [[shift]] tables"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "12:00"}]},
     "no shift covers 12:00"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "13:00"},
                {"id": "b", "start": "12:00", "end": "24:00"}]},
     "shifts a and b overlap at 12:00"),
    ({"shift": [{"id": "a", "start": "8am", "end": "24:00"}]}, "start must be a time HH:MM"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "25:00"}]}, "end must be a time HH:MM"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "00:00"}]}, "starts and ends at the same"),
    ({"shift": [{"id": "Day", "start": "00:00", "end": "24:00"}]}, "lower-case name"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "12:00"},
                {"id": "a", "start": "12:00", "end": "24:00"}]}, "used twice"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "24:00", "boss": "x"}]},
     "unknown key boss"),
    ({"shifts": []}, "unknown key shifts"),
    ({"shift": [{"id": "a", "start": "00:00", "end": "24:00", "engineers": "lina"}]},
     "engineers must be a list"),
])
def test_a_wrong_rota_is_refused_with_the_reason(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match="Rota rota.toml: .*" + message.replace("[", r"\[")
                       .replace("]", r"\]")):
        parse_rota(data, "rota.toml")


def test_the_rota_file_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    rota = tmp_path / "rota.toml"
    rota.write_text('[[shift]]\nid = "all"\nstart = "00:00"\nend = "24:00"\n', "utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'shifts = "{rota}"\n', "utf-8")
    settings = load_settings(config=str(config), environ={})
    assert settings.shifts_file == rota
    assert rota_for(settings).ids() == ["all"]
    config.write_text(f'shifts = "{tmp_path / "missing.toml"}"\n', "utf-8")
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config=str(config), environ={})
    rota.write_text("[[shift]\n", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rota(rota, TZ)


# --- who is on duty --------------------------------------------------------------------


def test_crew_defaults_to_the_rota_until_set(demo_desk: Desk) -> None:
    rota = Rota(parse_rota({"shift": [
        {"id": "day", "start": "08:00", "end": "20:00", "supervisor": "wangqiang",
         "engineers": ["zhangwei", "lina"]},
        {"id": "night", "start": "20:00", "end": "08:00"}]}, "t"), TZ)
    inst = rota.at(START)
    crew = crew_of(demo_desk.engine, inst)
    assert crew.from_rota and crew.supervisor is not None
    assert (crew.supervisor.name, [m.name for m in crew.engineers]) == ("王强", ["张伟", "李娜"])
    crew = set_crew(demo_desk, inst, supervisor="wangqiang",
                           engineers=["chenhao", "wangqiang"])
    assert not crew.from_rota
    assert [m.login for m in crew.members] == ["wangqiang", "chenhao"]
    [ev] = [e for e in _events(demo_desk, "duty_changed")]
    assert json.loads(ev.data)["engineers"] == ["chenhao"]
    with pytest.raises(InputError, match="ghost is not an engineer"):
        set_crew(demo_desk, inst, supervisor=None, engineers=["ghost"])
    with pytest.raises(InputError, match="at least one"):
        set_crew(demo_desk, inst, supervisor=None, engineers=[])
    with pytest.raises(InputError, match="twice"):
        set_crew(demo_desk, inst, supervisor=None, engineers=["lina", "lina"])
    assert [m.login for m in crew_of(demo_desk.engine, inst).members] == [
        "wangqiang", "chenhao"]


def _events(desk: Desk, kind: str) -> list[Event]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Event).where(Event.kind == kind)
                           .order_by(col(Event.id))).all())


# --- the handover -------------------------------------------------------------------------


def test_the_change_of_shift_is_recorded(demo_desk: Desk, clock: FixedClock) -> None:
    desk = demo_desk
    # open at the change: a ringing call, a callback, an open ticket, an escalation
    clock.set(local(25, 15, 40))
    call = desk.ring("020-38881234").call_id
    desk.answer(call)
    from hotline.desk.operations import Intake

    desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                         description="question", promise_callback=True), call)
    clock.set(local(25, 15, 49))
    desk.ring("13902251234")
    clock.set(local(25, 15, 50))
    desk.evaluate()
    desk.actor = "wangqiang"
    assert outgoing_shift(desk.engine, ROTA, clock.now()).key == "2026-11-25/day"
    hid = hand_over(desk, ROTA, "Ring down at 福田 still open; customer expects a call.")
    [h] = recent_handovers(desk.engine, ROTA)
    assert (h.handover_id, h.shift.key, h.next_shift.key) == (
        hid, "2026-11-25/day", "2026-11-25/evening")
    assert (h.ringing, h.callbacks, h.tickets, h.unacknowledged) == (1, 1, 1, 1)
    assert h.items["calls"][0]["number"] == "139 0225 1234"
    assert h.items["callbacks"][0]["due_at"] == "2026-11-25T16:10:00+08:00"
    assert not h.accepted
    with pytest.raises(Conflict, match="You wrote this handover"):
        accept_handover(desk, ROTA, hid)
    # revised before anyone took it over: still one handover, a second event
    clock.set(local(25, 15, 55))
    assert hand_over(desk, ROTA, "Ring down at 福田 still open.") == hid
    assert [e.kind for e in _events(desk, "handover_written") + _events(
        desk, "handover_revised")] == ["handover_written", "handover_revised"]
    with pytest.raises(InputError, match="Write a handover note"):
        hand_over(desk, ROTA, "  ")
    # the incoming supervisor takes over after the change
    clock.set(local(25, 16, 2))
    desk.actor = "liujing"
    pending = pending_handover(desk.engine, ROTA)
    assert pending is not None and pending.handover_id == hid
    accept_handover(desk, ROTA, hid, "taken over, will call 福田")
    h2 = handover_of(desk.engine, ROTA, ROTA.at(local(25, 12)))
    assert h2 is not None and h2.accepted_by == "liujing"
    assert h2.accepted_at == local(25, 16, 2) and h2.accept_note == "taken over, will call 福田"
    assert pending_handover(desk.engine, ROTA) is None
    evening = crew_of(desk.engine, ROTA.at(local(25, 17)))
    assert evening.supervisor is not None and evening.supervisor.login == "liujing"
    [ev] = _events(desk, "handover_accepted")
    assert ev.actor == "liujing" and json.loads(ev.data)["handover_id"] == hid
    with pytest.raises(Conflict, match="liujing already took this shift over"):
        accept_handover(desk, ROTA, hid)
    desk.actor = "wangqiang"
    with pytest.raises(Conflict, match="already took this shift over"):
        hand_over(desk, ROTA, "too late", shift=ROTA.at(local(25, 12)))
    with Session(desk.engine) as s:
        assert len(s.exec(select(Handover)).all()) == 1


def test_a_late_handover_is_still_the_outgoing_shift(demo_desk: Desk,
                                                     clock: FixedClock) -> None:
    clock.set(local(25, 16, 20))  # the evening shift began 20 minutes ago
    demo_desk.actor = "wangqiang"
    hand_over(demo_desk, ROTA, "quiet day")
    [h] = recent_handovers(demo_desk.engine, ROTA)
    assert h.shift.key == "2026-11-25/day"
    # handed over, not yet taken over: still the day shift's (w revises it), so the
    # handover screen shows the one just given
    assert outgoing_shift(demo_desk.engine, ROTA, clock.now()).key == "2026-11-25/day"
    assert hand_over(demo_desk, ROTA, "quiet day, revised") == h.handover_id
    # once taken over, the next one written is the evening's
    demo_desk.actor = "liujing"
    accept_handover(demo_desk, ROTA, h.handover_id)
    assert outgoing_shift(demo_desk.engine, ROTA, clock.now()).key == (
        "2026-11-25/evening")
    clock.set(local(25, 17, 30))  # more than an hour in: the current shift
    assert outgoing_shift(demo_desk.engine, ROTA, clock.now()).key == (
        "2026-11-25/evening")


def test_the_header_names_the_shift_and_its_supervisor(demo_desk: Desk) -> None:
    from hotline.views.notices import InfoNotice, header_notices

    inst = ROTA.at(START)
    set_crew(demo_desk, inst, supervisor="wangqiang", engineers=["zhangwei"])
    now = shift_now(demo_desk.engine, ROTA, START)
    assert now.text(TZ) == "Day shift 08:00–16:00 · 王强"
    notices = header_notices(demo_desk.sla, START, TZ, shift=now.text(TZ))
    # warnings first (2027's holidays are not confirmed yet), the shift last
    assert notices == ["2027 holidays unconfirmed", "Day shift 08:00–16:00 · 王强"]
    assert isinstance(notices[-1], InfoNotice) and not notices[-1].warning
    # at midnight the evening shift's supervisor is gone: nobody set for the night
    later = START.replace(hour=0) + timedelta(days=1)
    assert shift_now(demo_desk.engine, ROTA, later).text(TZ) == "Night shift 00:00–08:00"
