"""Figures per engineer against hand-computed answers, on SQLite and PostgreSQL.

The month end of tests/reports/scene.py: zhangwei answers C1 (15 s), C2 (40 s), C5 (10 s)
and C6 (rang 23:59:50 on 11-30, answered 35 s later, so November's), opens T1, T2 and T3
and owns their clocks; wangqiang acknowledges the tier alert (9 min after it was raised)
and C4's unanswered-call escalation (6 min). A second desk has calls a phone system
answered and hung up (talk time) and a fault resolved.
"""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline import demo, reports
from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.reports.engineers import EngineerFigures
from hotline.reports.render import render_text
from hotline.telephony.agents import set_agent
from hotline.telephony.jsonl import apply_lines
from tests.reports.scene import REPORT_AT, month_end
from tests.support import TZ, build_desk, make_settings

ZHANGWEI_NOVEMBER = EngineerFigures(
    login="zhangwei", name="张伟", answered=4,
    mean_answer_s=25.0,  # (15 + 40 + 10 + 35) / 4
    p90_answer_s=40.0,  # nearest rank: ⌈0.9 × 4⌉ = 4th of 10, 15, 35, 40
    talk_calls=0, mean_talk_s=None,  # answered at the desk: no hang-up reported
    callbacks_promised=3,  # T1#1 08:01, T2#1 10:01, T1#2 23:50
    callbacks_kept=1,  # T1#1 (T2#1 never made, T1#2 made 5 min late)
    escalations_acknowledged=0, mean_ack_s=None,
    tickets_opened=3, faults_resolved=0,
    clock_breaches=2,  # T2's callback#1 (10:31), T1's restore (11:01)
)
WANGQIANG_NOVEMBER = EngineerFigures(
    login="wangqiang", name="王强", escalations_acknowledged=2,
    mean_ack_s=450.0,  # (540 + 360) / 2
)


def people(engineers: tuple[EngineerFigures, ...]) -> dict[str, EngineerFigures]:
    return {e.login: e for e in engineers}


def check_november(desk: Desk) -> None:
    report = reports.build_report(desk.engine, desk.sla, reports.month(2026, 11, TZ), REPORT_AT)
    assert people(report.engineers) == {"zhangwei": ZHANGWEI_NOVEMBER,
                                        "wangqiang": WANGQIANG_NOVEMBER}
    # December so far: C7 (20 s); T1's callback#2 (00:20) and T3's reply (12-02) breached
    december = reports.build_report(desk.engine, desk.sla, reports.days(
        REPORT_AT.date().replace(day=1), REPORT_AT.date(), TZ), REPORT_AT)
    zw = people(december.engineers)["zhangwei"]
    assert (zw.answered, zw.mean_answer_s, zw.p90_answer_s) == (1, 20.0, 20.0)
    assert (zw.tickets_opened, zw.callbacks_promised, zw.clock_breaches) == (0, 0, 2)


@pytest.fixture(scope="module")
def scene():  # type: ignore[no-untyped-def]
    desk = month_end()
    yield desk
    desk.engine.dispose()


def test_per_engineer_in_november(scene: Desk) -> None:
    check_november(scene)


def test_per_engineer_on_postgresql(pg_url: str) -> None:
    desk = month_end(pg_url)
    try:
        check_november(desk)
    finally:
        desk.engine.dispose()


def test_one_contract_only(scene: Desk) -> None:
    """GD's calls are C1 and C5; its ticket T1 (T3 has no contract in force? it is GD's)."""
    gd = reports.find_contract(scene.engine, "GD-TX-2026-001")
    report = reports.build_report(scene.engine, scene.sla, reports.month(2026, 11, TZ),
                                  REPORT_AT, contract=gd)
    zw = people(report.engineers)["zhangwei"]
    assert (zw.answered, zw.mean_answer_s) == (2, 12.5)  # C1 15 s, C5 10 s


def pbx_desk(db_url: str) -> tuple[Desk, FixedClock]:
    start = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    clock = FixedClock(start)
    desk = build_desk(make_settings(db_url), clock)
    demo.load_directory(desk)
    set_agent(desk, "lina", "PJSIP/8002")

    def line(event: str, call: str, minute: int, second: int, **more: str) -> str:
        at = (start + timedelta(minutes=minute, seconds=second)).isoformat()
        fields = {"event": event, "call_id": call, "at": at, **more}
        return "{" + ", ".join(f'"{k}": "{v}"' for k, v in fields.items()) + "}"

    clock.set(start + timedelta(minutes=25))
    apply_lines(desk, [
        line("ring", "P1", 0, 0, number="13902251234"),
        line("answer", "P1", 0, 6, agent="PJSIP/8002"),
        line("hangup", "P1", 4, 6),  # 240 s of talk
        line("ring", "P2", 10, 0, number="18620001234"),
        line("answer", "P2", 10, 12, agent="PJSIP/8002"),
        line("hangup", "P2", 12, 12),  # 120 s
        line("ring", "P3", 20, 0, number="13800138000"),
        line("answer", "P3", 20, 30, agent="PJSIP/8002"),  # still talking
    ])
    clock.set(start + timedelta(minutes=30))
    desk.actor = "lina"
    ticket = desk.log_call(Intake(number="13902251234", kind="fault", level=3,
                                  description="fan alarm"))
    clock.advance(minutes=20)
    desk.record(ticket, "resolve", StepInput(fault_category="power", cause="fan",
                                             solution="fan replaced"))
    return desk, clock


def check_pbx(desk: Desk, clock: FixedClock) -> dict[str, Any]:
    report = reports.build_report(desk.engine, desk.sla, reports.days(
        datetime(2026, 11, 25).date(), datetime(2026, 11, 25).date(), TZ), clock.now())
    lina = people(report.engineers)["lina"]
    # P1 6 s, P2 12 s, P3 30 s, and the call taken at the desk to log the fault (0 s)
    assert (lina.answered, lina.mean_answer_s, lina.p90_answer_s) == (4, 12.0, 30.0)
    assert (lina.talk_calls, lina.mean_talk_s) == (2, 180.0)  # (240 + 120) / 2
    assert (lina.tickets_opened, lina.faults_resolved) == (1, 1)
    return reports.report_json(report)


def test_talk_time_and_faults_resolved(tmp_path: Path) -> None:
    desk, clock = pbx_desk(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        doc = check_pbx(desk, clock)
    finally:
        desk.engine.dispose()
    (lina,) = [p for p in doc["engineers"] if p["login"] == "lina"]
    assert lina["mean_talk_s"] == 180.0 and lina["name"] == "李娜"
    # every format carries them
    text = render_text(doc, "table")
    assert "Per engineer" in text and "Mean talk time" in text and "3 min" in text
    md = render_text(doc, "md")
    assert "## Per engineer" in md and "| Faults resolved |" in md
    csv_lines = render_text(doc, "csv").splitlines()
    assert "engineer,lina,mean_talk_s,180.0" in csv_lines
    assert "engineer,lina,faults_resolved,1" in csv_lines
    path = tmp_path / "report.xlsx"
    reports.write_xlsx(doc, path)
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
        sheets = [z.read(n).decode() for n in sorted(z.namelist())
                  if n.startswith("xl/worksheets/sheet")]
    assert 'name="Engineers"' in workbook
    assert "<t>李娜</t>" in strings and "<t>Mean talk time</t>" in strings
    (engineers,) = [x for x in sheets if "<v>180</v>" in x]
    assert "<f>" not in engineers


def test_talk_time_on_postgresql(pg_url: str) -> None:
    desk, clock = pbx_desk(pg_url)
    try:
        check_pbx(desk, clock)
    finally:
        desk.engine.dispose()


def test_service_level_per_hour_leaves_hours_without_calls_out(scene: Desk) -> None:
    doc = reports.report_json(reports.build_report(
        scene.engine, scene.sla, reports.month(2026, 11, TZ), REPORT_AT))
    by_hour = doc["series"]["service_level_by_hour"]
    # 07:59:50 C1 in time; 10:00 C2 late, C3 abandoned; 15:59 C4 abandoned; 16:00 C5 in time;
    # 23:59:50 C6 late
    assert by_hour[7] == 1.0 and by_hour[10] == 0.0 and by_hour[15] == 0.0
    assert by_hour[16] == 1.0 and by_hour[23] == 0.0
    assert [h for h, v in enumerate(by_hour) if v is not None] == [7, 10, 15, 16, 23]
    assert by_hour[3] is None  # no call at 03:00: not plotted, not 0 %
