"""Report figures against hand-computed answers (see tests/reports/scene.py for the story).

The scene: seven calls around the end of November 2026 (Asia/Shanghai), one of
them ringing across midnight into December, three tickets, callbacks kept,
made late and never made, a restore breached at level 1 with its tier alert,
and the monitor running as open screens would.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline import reports
from hotline.paths import shipped_data_dir
from hotline.reports import periods
from hotline.supervision.rota import load_rota
from tests.reports.scene import GD, REPORT_AT, STD, month_end
from tests.support import TZ

ROTA = load_rota(shipped_data_dir() / "shifts.toml", TZ)


@pytest.fixture(scope="module")
def scene():  # type: ignore[no-untyped-def]
    desk = month_end()
    yield desk
    desk.engine.dispose()


def doc(desk: Any, period: periods.Period, **kw: Any) -> dict[str, Any]:
    return reports.report_json(reports.build_report(desk.engine, desk.sla, period,
                                                    REPORT_AT, rota=ROTA, **kw))


def contract(d: dict[str, Any], code: str | None) -> dict[str, Any]:
    return next(c for c in d["contracts"] if c["code"] == code)


def test_november_overall(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.month(2026, 11, TZ))
    assert d["period"] == {"from": "2026-11-01", "to": "2026-11-30",
                           "start": "2026-11-01T00:00:00+08:00",
                           "end": "2026-12-01T00:00:00+08:00", "kind": "month", "shift": None,
                           "time_zone": "Asia/Shanghai"}
    # C1…C6 rang in November (C6 at 23:59:50 on the 30th, answered in December)
    assert d["calls"] == {
        "offered": 6, "answered": 4, "abandoned": 2, "short_abandoned": 1, "waiting": 0,
        "answered_within_30s": 2,  # C1 (15 s), C5 (10 s)
        "service_level_offered": 0.3333,  # 2 / 6
        "service_level_answered": 0.5,  # 2 / 4
        "mean_answer_s": 25.0,  # (15 + 40 + 10 + 35) / 4
        "p90_answer_s": 40.0,  # nearest rank: ceil(0.9 × 4) = 4th of 10, 15, 35, 40
        "longest_answer_s": 40.0,
    }
    # promised: T1#1 08:01 (made 08:20), T2#1 10:01 (never), T1#2 23:50 (made 00:25, due 00:20)
    assert d["callbacks"] == {"promised": 3, "kept": 1, "missed": 2, "made_late": 1,
                              "not_made": 1, "open": 0, "cancelled": 0}
    # T2 answered 12-01 09:00 (due end of 12-01); T3 never (due end of 12-01)
    assert d["consultations"] == {"opened": 2, "answered_in_time": 1, "answered_late": 0,
                                  "not_answered": 1, "open": 0, "share_in_time": 0.5}
    assert d["faults"] == {"reported": 1, "by_level": {"1": 1}, "upgraded": 0,
                           "still_open": 1, "by_category": {"power": 1}}
    # by when they were met or breached: C2, C4 (waited 45 s), C6 missed the answer target
    assert d["targets"] == {"answer": {"met": 2, "breached": 3},
                            "callback": {"met": 1, "breached": 1},
                            "restore": {"met": 0, "breached": 1}}
    # acknowledged by a person: the tier alert after 9 min, C4's after 6 min
    assert d["escalations"] == {
        "raised": 6,
        "by_kind": {"breach": 1, "callback_overdue": 1, "tier": 1, "unanswered_call": 2,
                    "warning": 1},
        "acknowledged": 2, "withdrawn": 1, "unacknowledged": 3,
        "mean_ack_s": 450.0, "p90_ack_s": 540.0,
    }
    # T1 overdue (−5, GD), T2's callback late (−1, standard), STD's month below 95% (−2)
    assert d["penalties"]["total"] == -8
    assert d["penalties"]["by_rule"] == {"answer_rate": -2, "late_reply": -1,
                                         "overdue_ticket": -5}
    assert d["penalties"]["stored"] == {"late_reply": -1, "overdue_ticket": -5}
    [rule] = d["penalties"]["period_rules"]
    assert (rule["rule"], rule["points"], rule["period"], rule["from"], rule["to"]) == (
        "answer_rate", -2, "month", "2026-11-01", "2026-11-30")


def test_november_per_contract(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.month(2026, 11, TZ))
    gd, std, none = contract(d, GD), contract(d, STD), contract(d, None)
    assert gd["calls"]["offered"] == 2 and gd["calls"]["answered_within_30s"] == 2
    assert gd["calls"]["service_level_offered"] == 1.0
    assert (gd["calls"]["mean_answer_s"], gd["calls"]["p90_answer_s"]) == (12.5, 15.0)
    assert std["calls"] == {
        "offered": 3, "answered": 2, "abandoned": 1, "short_abandoned": 0, "waiting": 0,
        "answered_within_30s": 0, "service_level_offered": 0.0, "service_level_answered": 0.0,
        "mean_answer_s": 37.5, "p90_answer_s": 40.0, "longest_answer_s": 40.0}
    assert none["title"] == "no contract"
    assert (none["calls"]["offered"], none["calls"]["short_abandoned"]) == (1, 1)
    assert none["calls"]["service_level_answered"] is None
    assert gd["penalties"]["by_rule"] == {"overdue_ticket": -5}
    assert std["penalties"]["by_rule"] == {"answer_rate": -2, "late_reply": -1}
    assert (gd["escalations"]["raised"], gd["escalations"]["mean_ack_s"]) == (3, 540.0)
    assert (std["escalations"]["raised"], std["escalations"]["mean_ack_s"]) == (3, 360.0)
    assert gd["callbacks"]["promised"] == 2 and std["callbacks"]["not_made"] == 1
    # the contracts add up to the whole
    blocks = d["contracts"]
    for figure in ("offered", "answered", "abandoned", "answered_within_30s"):
        assert sum(c["calls"][figure] for c in blocks) == d["calls"][figure]
    assert sum(c["penalties"]["total"] for c in blocks) == d["penalties"]["total"]
    assert sum(c["escalations"]["raised"] for c in blocks) == d["escalations"]["raised"]
    # every contract in force is listed, with or without calls
    assert {c["code"] for c in blocks} >= {GD, STD, "GD-TX-2026-002", None}


def test_one_contract_only(scene) -> None:  # type: ignore[no-untyped-def]
    info = reports.find_contract(scene.engine, STD)
    d = doc(scene, reports.month(2026, 11, TZ), contract=info)
    assert d["contract"] == STD
    assert [c["code"] for c in d["contracts"]] == [STD]
    assert d["calls"]["offered"] == 3 and d["penalties"]["total"] == -3
    assert d["series"]["days"][29] == {"date": "2026-11-30", "offered": 3, "answered": 2,
                                       "answered_within_30s": 0, "service_level": 0.0}


def test_the_call_across_midnight_counts_on_the_day_it_rang(scene) -> None:  # type: ignore[no-untyped-def]
    nov30 = doc(scene, reports.days(date(2026, 11, 30), date(2026, 11, 30), TZ))
    dec1 = doc(scene, reports.days(date(2026, 12, 1), date(2026, 12, 1), TZ))
    assert nov30["period"]["kind"] == "day"
    assert nov30["calls"]["offered"] == 6 and dec1["calls"]["offered"] == 1  # C7 only
    assert dec1["calls"]["answered_within_30s"] == 1 and dec1["calls"]["mean_answer_s"] == 20.0
    # decided on 12-01: callback#2 breached 00:20, T2 answered 09:00, T1's form 10:00, C7
    assert dec1["targets"] == {"answer": {"met": 1, "breached": 0},
                               "callback": {"met": 0, "breached": 1},
                               "consultation_reply": {"met": 1, "breached": 0},
                               "handling_form": {"met": 1, "breached": 0}}
    # C6's escalation was raised at its due time, 00:00:20 on 12-01
    assert dec1["escalations"]["by_kind"] == {"callback_overdue": 1, "unanswered_call": 1}
    assert dec1["penalties"]["total"] == 0
    # no penalties on a single day: the month's answer rate is a month rule
    assert nov30["penalties"]["period_rules"] == []
    assert nov30["penalties"]["total"] == -6
    # the hour chart puts C6 at 23:00 and C1 at 07:00
    hours = nov30["series"]["offered_by_hour"]
    assert (hours[7], hours[10], hours[15], hours[16], hours[23]) == (1, 2, 1, 1, 1)
    assert sum(hours) == 6
    assert nov30["series"]["answer_time"] == [
        {"range": "0–10s", "calls": 1}, {"range": "10–20s", "calls": 1},
        {"range": "20–30s", "calls": 0}, {"range": "30–60s", "calls": 2},
        {"range": "60–120s", "calls": 0}, {"range": ">120s", "calls": 0}]


def test_shifts_of_the_last_day(scene) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 11, 30)
    night = doc(scene, reports.days(day, day, TZ, rota=ROTA, shift="night"))
    dayshift = doc(scene, reports.days(day, day, TZ, rota=ROTA, shift="day"))
    evening = doc(scene, reports.days(day, day, TZ, rota=ROTA, shift="evening"))
    # C1 rang at 07:59:50, before the change at 08:00, and was answered after it
    assert night["calls"]["offered"] == 1 and night["calls"]["answered_within_30s"] == 1
    assert dayshift["period"]["shift"] == "day"
    assert dayshift["period"]["start"] == "2026-11-30T08:00:00+08:00"
    assert dayshift["calls"] == {
        "offered": 3, "answered": 1, "abandoned": 2, "short_abandoned": 1, "waiting": 0,
        "answered_within_30s": 0, "service_level_offered": 0.0, "service_level_answered": 0.0,
        "mean_answer_s": 40.0, "p90_answer_s": 40.0, "longest_answer_s": 40.0}
    assert (dayshift["callbacks"]["promised"], dayshift["callbacks"]["kept"],
            dayshift["callbacks"]["missed"]) == (2, 1, 1)
    assert dayshift["escalations"]["raised"] == 6
    assert dayshift["penalties"] == {"total": -6,
                                     "by_rule": {"late_reply": -1, "overdue_ticket": -5},
                                     "stored": {"late_reply": -1, "overdue_ticket": -5},
                                     "period_rules": []}
    # the evening shift ends at midnight: C6 (23:59:50) is in it, answered in the next shift
    assert evening["period"]["end"] == "2026-12-01T00:00:00+08:00"
    assert (evening["calls"]["offered"], evening["calls"]["answered"],
            evening["calls"]["answered_within_30s"]) == (2, 2, 1)
    assert evening["calls"]["mean_answer_s"] == 22.5  # (10 + 35) / 2
    assert evening["callbacks"] == {"promised": 1, "kept": 0, "missed": 1, "made_late": 1,
                                    "not_made": 0, "open": 0, "cancelled": 0}
    # the shift breakdown of the whole day gives the same figures
    whole = doc(scene, reports.days(day, day, TZ), by_shift=True)
    by_id = {s["shift"]: s for s in whole["shifts"]}
    assert by_id["day"]["calls"] == dayshift["calls"]
    assert by_id["evening"]["calls"] == evening["calls"]
    assert sum(s["calls"]["offered"] for s in whole["shifts"]) == whole["calls"]["offered"]


def test_december_after_the_month_end(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.month(2026, 12, TZ))
    assert d["calls"]["offered"] == 1 and d["calls"]["service_level_offered"] == 1.0
    assert d["callbacks"]["promised"] == 0 and d["consultations"]["opened"] == 0
    # T3's reply was due at 24:00 on 12-01 and breached at that moment, on 12-02
    assert d["targets"]["consultation_reply"] == {"met": 1, "breached": 1}
    assert d["escalations"]["by_kind"] == {"breach": 1, "callback_overdue": 1,
                                           "unanswered_call": 1}
    assert d["penalties"]["by_rule"] == {"consultation_late": -1}
    # STD had no call in December: no answer rate to fall short of
    assert d["penalties"]["period_rules"] == []


def test_a_range_is_not_a_month_and_excludes_the_day_after(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.days(date(2026, 11, 15), date(2026, 12, 1), TZ))
    assert d["period"]["kind"] == "range"
    assert d["calls"]["offered"] == 7
    assert d["penalties"]["period_rules"] == []  # no whole month inside
    # T3's breach at 00:00 on 12-02 is the first moment after the range
    assert d["penalties"]["total"] == -6


def test_the_quarter_assesses_each_month(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.quarter(2026, 4, TZ))
    assert d["period"]["kind"] == "quarter"
    assert [(p["rule"], p["from"], p["to"]) for p in d["penalties"]["period_rules"]] == [
        ("answer_rate", "2026-11-01", "2026-11-30")]
    assert d["penalties"]["by_rule"] == {"answer_rate": -2, "consultation_late": -1,
                                         "late_reply": -1, "overdue_ticket": -5}
    assert d["penalties"]["total"] == -9


def test_figures_the_desk_cannot_count_are_given_per_contract(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.month(2026, 11, TZ), metrics={GD: {"inspection_faults_major": 1}})
    assert contract(d, GD)["penalties"]["by_rule"] == {"inspection_fault_major": -4,
                                                        "overdue_ticket": -5}
    assert d["penalties"]["total"] == -12


def test_a_range_of_months_adds_up_its_months(scene) -> None:  # type: ignore[no-untyped-def]
    d = doc(scene, reports.days(date(2026, 10, 15), date(2026, 12, 31), TZ))
    nov = doc(scene, reports.month(2026, 11, TZ))
    dec = doc(scene, reports.month(2026, 12, TZ))
    assert d["period"]["kind"] == "range"
    # the seven calls: mean (15 + 40 + 10 + 35 + 20) / 5; nearest rank: the 5th of 5
    assert (d["calls"]["offered"], d["calls"]["answered"]) == (7, 5)
    assert (d["calls"]["mean_answer_s"], d["calls"]["p90_answer_s"]) == (24.0, 40.0)
    for block in ("callbacks", "consultations", "faults"):
        for figure, value in d[block].items():
            if isinstance(value, int):
                assert value == nov[block][figure] + dec[block][figure], (block, figure)
    # November's answer rate is assessed as a month inside the range; December's has no call
    assert [(p["rule"], p["period"], p["from"]) for p in d["penalties"]["period_rules"]] == [
        ("answer_rate", "month", "2026-11-01")]
    assert contract(d, STD)["calls"]["offered"] == 3 and contract(d, GD)["calls"]["offered"] == 3


def test_the_shifts_in_one_pass_as_one_at_a_time(scene, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hotline.reports import figures

    cases: list[tuple[periods.Period, dict[str, Any]]] = [
        (reports.month(2026, 11, TZ), {}),
        (reports.days(date(2026, 11, 29), date(2026, 12, 2), TZ), {}),
        (reports.month(2026, 11, TZ), {"contract": reports.find_contract(scene.engine, STD)}),
        (reports.days(date(2026, 11, 30), date(2026, 12, 1), TZ, rota=ROTA, shift="day"), {}),
        # one shift of one day: a single labelled interval, its label a constant
        (reports.days(date(2026, 11, 30), date(2026, 11, 30), TZ, rota=ROTA, shift="day"), {})]
    grouped = [doc(scene, period, by_shift=True, **kw) for period, kw in cases]
    # shifts overlapping in time (boundaries inside a clock change) are read one by one
    monkeypatch.setattr(figures, "_disjoint", lambda labelled: [])
    one_by_one = [doc(scene, period, by_shift=True, **kw) for period, kw in cases]
    assert grouped == one_by_one
    # night: C1 (07:59:50), C7 (12-01 00:10); day: C2, C3, C4; evening: C5, C6 (23:59:50)
    assert [(s["shift"], s["calls"]["offered"]) for s in grouped[1]["shifts"]] == [
        ("night", 2), ("day", 3), ("evening", 2)]
    assert [s["shift"] for s in grouped[3]["shifts"]] == ["day"]
    assert [(s["shift"], s["calls"]) for s in grouped[4]["shifts"]] == [
        ("day", grouped[4]["calls"])]
    assert grouped[4]["calls"]["offered"] == 3


def test_period_sql_pieces_against_python() -> None:
    """within, label_of and bucket on SQLite agree with the same tests done in Python."""
    import random
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from hotline.reports import sql
    from hotline.store.models import UTCDateTime

    rng = random.Random(7)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    meta = sa.MetaData()
    table = sa.Table("t", meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("at", UTCDateTime()))
    engine = sa.create_engine("sqlite://")
    meta.create_all(engine)
    moments = [t0 + timedelta(seconds=rng.randrange(0, 40 * 86400)) for _ in range(400)]
    moments += [t0 + timedelta(days=d) for d in range(41)]  # on the boundaries
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "at": m} for i, m in enumerate(moments)])
        for _ in range(30):
            # unsorted, overlapping, adjacent and empty intervals
            intervals = []
            for _ in range(rng.randrange(0, 12)):
                a = t0 + timedelta(days=rng.randrange(0, 40), hours=rng.choice((0, 8, 16)))
                intervals.append((a, a + timedelta(hours=rng.choice((0, 8, 16, 30)))))
            inside = {r[0] for r in conn.execute(
                sa.select(table.c.id).where(sql.within(table.c.at, intervals)))}
            assert inside == {i for i, m in enumerate(moments)
                              if any(a <= m < b for a, b in intervals)}
            spans = sql.merged(intervals)
            assert all(b1 < a2 for (_a1, b1), (a2, _b2) in pairwise(spans))
            if spans:
                labelled = [(a, n) for n, (a, _b) in enumerate(spans)]
                got = dict(conn.execute(sa.select(table.c.id, sql.label_of(table.c.at, labelled))
                                        .where(sql.within(table.c.at, spans))).all())
                assert got == {i: next(n for n, (a, b) in enumerate(spans) if a <= m < b)
                               for i, m in enumerate(moments) if i in inside}
            bounds = sorted({a for a, _b in intervals})
            got = dict(conn.execute(sa.select(table.c.id, sql.bucket(table.c.at, bounds))).all())
            assert got == {i: sum(b <= m for b in bounds) for i, m in enumerate(moments)}


@pytest.mark.parametrize("version", [(3, 40, 1), (3, 31, 1)])
def test_durations_on_sqlite_are_exact(version: tuple[int, ...], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Whole seconds plus microseconds: a 20 s wait is 20 s, not julianday's 20.0000122."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from hotline.reports import sql
    from hotline.store.models import UTCDateTime

    # the module SQLAlchemy's SQLite dialect uses; before 3.38, strftime('%s')
    monkeypatch.setattr(sqlite3.dbapi2, "sqlite_version_info", version)
    meta = sa.MetaData()
    table = sa.Table("t", meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("a", UTCDateTime()), sa.Column("b", UTCDateTime()))
    engine = sa.create_engine("sqlite://")
    meta.create_all(engine)
    start = datetime(2026, 11, 30, 16, 10, tzinfo=UTC)
    waits = [timedelta(seconds=s) for s in (0, 5, 10, 20, 30, 60, 120, 86400 * 40)]
    waits += [timedelta(seconds=4, microseconds=999_999), timedelta(microseconds=506_261),
              timedelta(seconds=20, microseconds=1)]
    rows = [{"id": i, "a": start + timedelta(microseconds=250_000 * (i % 2)), "b": None}
            for i in range(len(waits))]
    for row, wait in zip(rows, waits, strict=True):
        row["b"] = row["a"] + wait
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        got = dict(conn.execute(sa.select(table.c.id, sql.seconds_between(table.c.b, table.c.a)))
                   .all())
    compiled = str(sa.select(sql.seconds_between(table.c.b, table.c.a)).compile(engine))
    assert ("unixepoch" in compiled) == (version >= (3, 38))
    for i, wait in enumerate(waits):
        assert got[i] == pytest.approx(wait.total_seconds(), abs=1e-9)
        if wait.microseconds == 0:
            assert got[i] == wait.total_seconds()  # exactly, on the boundaries


def test_the_same_figures_on_postgresql(pg_url: str) -> None:
    desk = month_end(pg_url)
    info = reports.find_contract(desk.engine, STD)
    cases: list[tuple[periods.Period, dict[str, Any]]] = [
        (reports.month(2026, 11, TZ), {}),
        (reports.days(date(2026, 11, 30), date(2026, 11, 30), TZ, rota=ROTA, shift="evening"),
         {}),
        (reports.quarter(2026, 4, TZ), {"by_shift": True}),
        (reports.days(date(2026, 11, 15), date(2026, 12, 31), TZ), {"contract": info}),
        (reports.days(date(2026, 11, 30), date(2026, 11, 30), TZ, rota=ROTA, shift="day"),
         {"by_shift": True}),
        (reports.month(2026, 11, TZ), {"by_shift": True}),
    ]
    try:
        lite_desk = month_end()
        try:
            for period, kw in cases:
                assert doc(desk, period, **kw) == doc(lite_desk, period, **kw)
        finally:
            lite_desk.engine.dispose()
    finally:
        desk.engine.dispose()


def test_period_helpers() -> None:
    assert periods.parse_month("2026-02") == (2026, 2)
    assert periods.parse_quarter("2026-Q4") == (2026, 4)
    assert periods.whole_periods(date(2026, 10, 15), date(2027, 1, 31)) == [
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
        ("month", date(2026, 12, 1), date(2026, 12, 31)),
        ("month", date(2027, 1, 1), date(2027, 1, 31))]
    assert ("quarter", date(2026, 10, 1), date(2026, 12, 31)) in periods.whole_periods(
        date(2026, 10, 1), date(2026, 12, 31))
    for bad in ("2026-13", "Nov 2026"):
        with pytest.raises(Exception, match="not a month"):
            periods.parse_month(bad)
    # a shift crossing midnight belongs to the day it starts
    p = reports.days(date(2026, 11, 30), date(2026, 12, 1), TZ, rota=ROTA, shift="evening")
    assert [(a.astimezone(TZ).isoformat(), b.astimezone(TZ).isoformat())
            for a, b in p.intervals] == [
        ("2026-11-30T16:00:00+08:00", "2026-12-01T00:00:00+08:00"),
        ("2026-12-01T16:00:00+08:00", "2026-12-02T00:00:00+08:00")]


def test_faults_by_category_in_the_report_text(scene) -> None:  # type: ignore[no-untyped-def]
    from hotline.i18n import set_language

    d = doc(scene, reports.month(2026, 11, TZ))
    assert "| Category: power | 1 | 0 | 1 |" in reports.render_text(d, "md")
    set_language("zh_CN")
    try:
        assert "| 故障类别:电源 | 1 | 0 | 1 |" in reports.render_text(d, "md")
    finally:
        set_language("en")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 1.5, 2.0, 2.0, 7.25, 30.0])
                          | st.floats(0, 600, allow_nan=False)), min_size=1, max_size=40))
def test_the_nearest_rank_on_postgresql_is_the_window_s(pg_url: str,
                                                          rows: list[tuple[int, float]]) -> None:
    """PostgreSQL's ordered-set percentile (the reports' form there) and the window form
    (SQLite's) give the same value per group — ties included — and both the nearest
    rank: the ⌈0.9 n⌉-th smallest."""
    import sqlalchemy as sa

    from hotline.reports.sql import nearest_rank_p90

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TEMPORARY TABLE w (k integer, v double precision)")
            conn.execute(sa.text("INSERT INTO w VALUES (:k, :v)"),
                         [{"k": k, "v": v} for k, v in rows])
            w = sa.table("w", sa.column("k"), sa.column("v"))
            ordered = dict(conn.execute(sa.select(w.c.k, nearest_rank_p90(w.c.v))
                                        .group_by(w.c.k)).all())
            ranked = sa.select(w.c.k, w.c.v, sa.func.cume_dist().over(
                partition_by=w.c.k, order_by=w.c.v).label("c")).subquery()
            window = dict(conn.execute(sa.select(ranked.c.k, sa.func.min(ranked.c.v))
                                       .where(ranked.c.c >= 0.9).group_by(ranked.c.k)).all())
    finally:
        engine.dispose()
    expected = {}
    for k in {k for k, _v in rows}:
        values = sorted(v for g, v in rows if g == k)
        expected[k] = values[(9 * len(values) + 9) // 10 - 1]  # ⌈0.9 n⌉, in integers
    assert ordered == window == expected
