"""Duties in the reports, against a hand-built set of duties (SQLite and PostgreSQL).

The rows are written as the clocks and the scoring leave them, so that every figure
is known by hand. All times local (Asia/Shanghai); the report is made 2026-12-03.

=====  =====================  ========  =========================================  ==========
#      ticket (kind)          contract  clock: what happened                       points
=====  =====================  ========  =========================================  ==========
I1     inspection             GD1       inspection met 11-10 15:00                 —
                                        inspection_report breached 11-20 00:00     −1 (11-20)
                                        (sent 11-21: late)
                                        letter of thanks 11-22 (an event rule)     +1 (11-22)
D1     document_request       GD1       document_delivery breached 10-31 00:00     −1 (10-31)
                                        (October: outside November)
D2     document_request       GD2       document_delivery met 11-05 10:00          —
M1     meeting                STD       meeting_reply#1 met 11-12 09:00            —
                                        meeting_reply#2 breached 12-02 00:00       −1 (12-02)
F1     fault                  GD1       restore breached 11-03 (not a duty)        −5 (11-03)
                                        part_return breached 11-18 (a part lent    — (no rule)
                                        on the fault: a duty)
=====  =====================  ========  =========================================  ==========
"""

from __future__ import annotations

import html
import re
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from hotline import reports
from hotline.desk.operations import Desk
from hotline.paths import shipped_data_dir
from hotline.reports import periods
from hotline.reports.figures import duty_rules, exchange_target
from hotline.reports.render import figure_rows, render_csv, render_md, render_table, write_xlsx
from hotline.store.models import Contract, ExchangeDay, Penalty, SlaClock, Ticket
from hotline.supervision.rota import load_rota
from tests.support import TZ, build_desk, make_settings

GD1 = "GD-TX-2026-001"
GD2 = "GD-TX-2026-002"
STD = "STD-2026-010"
REPORT_AT = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)


def at(month: int, day: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=TZ)


def _ticket(s: Session, number: str, kind: str, contract: str, opened: datetime) -> Ticket:
    c = s.exec(select(Contract).where(Contract.code == contract)).one()
    t = Ticket(number=number, kind=kind, policy=c.policy, grade=c.grade,
               customer_id=c.customer_id, contract_id=c.id, opened_at=opened,
               opened_by="zhangwei", status="open", description=number)
    s.add(t)
    s.flush()
    return t


def _clock(s: Session, t: Ticket, key: str, started: datetime, due: datetime, *,
           met: datetime | None = None, breached: datetime | None = None) -> None:
    state = "running"
    if met is not None:
        state = "late" if breached is not None and met > due else "met"
    assert t.id is not None
    s.add(SlaClock(ticket_id=t.id, key=key, target=key.split("#")[0], started_at=started,
                   due_at=due, warn_at=due - timedelta(hours=1), state=state, met_at=met,
                   breached_at=breached))


def _penalty(s: Session, t: Ticket, rule: str, points: float, when: datetime) -> None:
    s.add(Penalty(key=f"ticket:{t.id}:{rule}:{when.isoformat()}", rule=rule, points=points,
                  at=when, ticket_id=t.id, contract_id=t.contract_id))


def duty_scene(db_url: str = "sqlite://") -> Desk:
    from hotline import demo
    from hotline.clock import FixedClock

    desk = build_desk(make_settings(db_url), FixedClock(REPORT_AT))
    demo.load_directory(desk)
    with Session(desk.engine) as s:
        i1 = _ticket(s, "D-I1", "inspection", GD1, at(10, 1))
        _clock(s, i1, "inspection", at(10, 1), at(11, 11), met=at(11, 10, 15))
        _clock(s, i1, "inspection_report", at(11, 10, 15), at(11, 20),
               met=at(11, 21, 9), breached=at(11, 20))
        _penalty(s, i1, "inspection_report_late", -1, at(11, 20))
        _penalty(s, i1, "thanks_letter", 1, at(11, 22))
        d1 = _ticket(s, "D-D1", "document_request", GD1, at(10, 20))
        _clock(s, d1, "document_delivery", at(10, 20), at(10, 31), breached=at(10, 31))
        _penalty(s, d1, "document_request_late", -1, at(10, 31))
        d2 = _ticket(s, "D-D2", "document_request", GD2, at(11, 2))
        _clock(s, d2, "document_delivery", at(11, 2), at(11, 9), met=at(11, 5, 10))
        m1 = _ticket(s, "D-M1", "meeting", STD, at(11, 11))
        _clock(s, m1, "meeting_reply#1", at(11, 11), at(11, 18), met=at(11, 12, 9))
        _clock(s, m1, "meeting_reply#2", at(11, 25), at(12, 2), breached=at(12, 2))
        _penalty(s, m1, "meeting_followup_late", -1, at(12, 2))
        for code, day, days in ((GD1, date(2025, 12, 20), 1.0), (GD1, date(2026, 3, 10), 2.0),
                                (GD1, date(2026, 11, 15), 1.5), (GD2, date(2026, 11, 2), 1.0),
                                (GD2, date(2026, 12, 1), 0.5)):
            c = s.exec(select(Contract).where(Contract.code == code)).one()
            assert c.id is not None
            s.add(ExchangeDay(contract_id=c.id, day=day, days=days, subject="技术交流",
                              recorded_at=REPORT_AT, recorded_by="wangqiang"))
        f1 = _ticket(s, "D-F1", "fault", GD1, at(11, 3))
        _clock(s, f1, "restore", at(11, 3), at(11, 3, 3), breached=at(11, 3, 3))
        _penalty(s, f1, "overdue_ticket", -5, at(11, 3, 3))
        _clock(s, f1, "part_return", at(11, 3, 10), at(11, 18), breached=at(11, 18))
        s.commit()
    return desk


@pytest.fixture(scope="module")
def scene():  # type: ignore[no-untyped-def]
    desk = duty_scene()
    yield desk
    desk.engine.dispose()


def doc(desk: Desk, period: periods.Period, **kw: Any) -> dict[str, Any]:
    return reports.report_json(reports.build_report(desk.engine, desk.sla, period, REPORT_AT,
                                                    **kw))


def contract(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in d["contracts"] if c["code"] == code)


def gd_target(desk: Desk) -> float | int | None:
    """The Guangdong policy's yearly exchange-days target, as the report writes it."""
    target = exchange_target(desk.sla, "guangdong-transmission")
    return None if target is None else int(target) if target.is_integer() else target


def exchange(desk: Desk, days: float, year: float, contracts: int = 1) -> dict[str, Any]:
    target = gd_target(desk)
    return {"days": days, "year": year,
            "target": None if target is None else target * contracts}


def november_overall(desk: Desk) -> dict[str, Any]:
    """The whole desk's duties in November: GD1's 1.5 exchange days and GD2's 1; in the
    year to 30 November, GD1 3.5 (not the day of December 2025) and GD2 1."""
    out = dict(NOVEMBER_OVERALL)
    overall = exchange(desk, 2.5, 4.5, contracts=3)  # three Guangdong contracts in force
    out["exchange_days"] = overall
    return out


NOVEMBER_OVERALL: dict[str, Any] = {
    # I1's inspection, D2's delivery, M1's first reply; I1's report (breached 11-20) and
    # F1's part not returned (11-18)
    "met": 3, "breached": 2,
    "targets": {"document_delivery": {"met": 1, "breached": 0},
                "inspection": {"met": 1, "breached": 0},
                "inspection_report": {"met": 0, "breached": 1},
                "meeting_reply": {"met": 1, "breached": 0},
                "part_return": {"met": 0, "breached": 1}},
    "points": 0,  # −1 for the late report, +1 for the letter of thanks on a duty
    "points_by_rule": {"inspection_report_late": -1, "thanks_letter": 1},
    "exchange_days": None,
}


def test_november_duties_overall_and_per_contract(scene: Desk) -> None:
    d = doc(scene, reports.month(2026, 11, TZ))
    assert d["duties"] == november_overall(scene)
    assert contract(d, GD1)["duties"] == {
        "met": 1, "breached": 2,
        "targets": {"inspection": {"met": 1, "breached": 0},
                    "inspection_report": {"met": 0, "breached": 1},
                    "part_return": {"met": 0, "breached": 1}},
        "points": 0, "points_by_rule": {"inspection_report_late": -1, "thanks_letter": 1},
        "exchange_days": exchange(scene, 1.5, 3.5)}
    assert contract(d, GD2)["duties"]["exchange_days"] == exchange(scene, 1, 1)
    assert contract(d, GD2)["duties"]["targets"] == {
        "document_delivery": {"met": 1, "breached": 0}}
    assert contract(d, GD2)["duties"]["points"] == 0
    assert contract(d, STD)["duties"] == {
        "met": 1, "breached": 0, "targets": {"meeting_reply": {"met": 1, "breached": 0}},
        "points": 0, "points_by_rule": {},
        "exchange_days": None if exchange_target(scene.sla, "standard") is None else {
            "days": 0, "year": 0, "target": int(exchange_target(scene.sla, "standard") or 0)}}
    # the fault's restore is a target, not a duty; its points are not a duty's
    assert "restore" in d["targets"] and "restore" not in d["duties"]["targets"]
    assert d["penalties"]["by_rule"]["overdue_ticket"] == -5


def test_duty_rules_are_the_policies_rules_on_duty_targets(scene: Desk) -> None:
    rules = duty_rules(scene.sla)
    assert {"inspection_report_late", "document_request_late", "meeting_followup_late",
            "inspection_missed"} <= rules
    assert not {"overdue_ticket", "late_document", "consultation_late"} & rules


def test_each_period_counts_what_fell_in_it(scene: Desk) -> None:
    october = doc(scene, reports.month(2026, 10, TZ))["duties"]
    assert october["targets"] == {"document_delivery": {"met": 0, "breached": 1}}
    assert october["points_by_rule"] == {"document_request_late": -1}
    december = doc(scene, reports.month(2026, 12, TZ))
    assert december["duties"]["targets"] == {"meeting_reply": {"met": 0, "breached": 1}}
    # GD2's half day on 1 December; the year so far is up to the end of the period
    assert contract(december, GD2)["duties"]["exchange_days"] == exchange(scene, 0.5, 1.5)
    # a report of one shift counts no exchange days (they are given by the day)
    rota = load_rota(shipped_data_dir() / "shifts.toml", TZ)
    shift = doc(scene, reports.days(date(2026, 11, 15), date(2026, 11, 15), TZ, rota=rota,
                                    shift="day"))
    assert shift["duties"]["exchange_days"] is None
    assert contract(december, STD)["duties"]["points"] == -1
    # a range across the three months adds up
    fourth = doc(scene, reports.quarter(2026, 4, TZ))["duties"]
    assert (fourth["met"], fourth["breached"], fourth["points"]) == (3, 4, -2)
    # one contract's report
    info = reports.find_contract(scene.engine, GD1)
    one = doc(scene, reports.quarter(2026, 4, TZ), contract=info)
    assert one["duties"]["points_by_rule"] == {"document_request_late": -1,
                                               "inspection_report_late": -1,
                                               "thanks_letter": 1}
    assert (one["duties"]["met"], one["duties"]["breached"]) == (1, 3)
    # a day without duties says nothing of them
    quiet = doc(scene, reports.days(date(2026, 11, 1), date(2026, 11, 1), TZ),
                contract=reports.find_contract(scene.engine, STD))
    assert quiet["duties"]["targets"] == {}
    if exchange_target(scene.sla, "standard") is None:  # nor an exchange target
        assert not [r for r in figure_rows(quiet) if r.section == "duties"]


def test_every_format_shows_the_duties(scene: Desk, tmp_path: Any) -> None:
    d = doc(scene, reports.month(2026, 11, TZ))
    rows = {r.figure: r for r in figure_rows(d)}
    assert rows["duties.met"].value == 3 and rows["duties.breached"].value == 2
    assert rows["duties.targets.inspection_report.breached"].value == 1
    assert rows["duties.points_by_rule.inspection_report_late"].value == -1
    assert rows["duties.exchange_days.days"].value == 2.5
    assert rows["duties.exchange_days.year"].value == 4.5
    table = render_table(d)
    assert "Contract duties" in table
    lines = table.splitlines()
    columns = lines[2].split()  # Overall, then each contract in force, in code order
    line = next(x for x in lines if x.strip().startswith("Duties breached"))
    shown = dict(zip(columns, line.split()[2:], strict=True))
    assert (shown["Overall"], shown[GD1], shown[GD2], shown[STD]) == ("2", "2", "0", "0")
    csv = render_csv(d)
    assert "overall,,duties.breached,2" in csv
    assert f"contract,{GD1},duties.targets.inspection_report.breached,1" in csv
    assert f"contract,{STD},duties.targets.meeting_reply.met,1" in csv
    assert f"contract,{GD1},duties.exchange_days.year,3.5" in csv
    md = render_md(d)
    assert "## Contract duties" in md and "| Duties met in time | 3 |" in md
    path = tmp_path / "r.xlsx"
    write_xlsx(d, path)
    values = _summary_cells(path)
    assert values["Duties breached"][0] == "2"  # overall
    assert values["Duty points"][0] == "0"
    assert values["Duties met in time"][0] == "3"
    assert values["Technical exchange days"][0] == "2.5"


def _summary_cells(path: Any) -> dict[str, list[str]]:
    """The Summary sheet's rows: the label in A, the values after it (as written)."""
    with zipfile.ZipFile(path) as z:
        strings = [html.unescape(m) for m in re.findall(
            r"<si><t[^>]*>(.*?)</t></si>", z.read("xl/sharedStrings.xml").decode())]
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    out: dict[str, list[str]] = {}
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet):
        cells = re.findall(r'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(?:<v>(.*?)</v>)?</c>)', row)
        texts = [strings[int(v)] if 't="s"' in attrs and v else v for _c, attrs, v in cells]
        if texts and texts[0]:
            out[texts[0]] = texts[1:]
    return out


def test_the_same_duty_figures_on_postgresql(pg_url: str, scene: Desk) -> None:
    desk = duty_scene(pg_url)
    try:
        for period in (reports.month(2026, 10, TZ), reports.month(2026, 11, TZ),
                       reports.quarter(2026, 4, TZ)):
            pg, lite = doc(desk, period), doc(scene, period)
            assert pg["duties"] == lite["duties"]
            assert [c["duties"] for c in pg["contracts"]] == [
                c["duties"] for c in lite["contracts"]]
        assert doc(desk, reports.month(2026, 11, TZ))["duties"] == november_overall(desk)
    finally:
        desk.engine.dispose()
