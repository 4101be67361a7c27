"""``hotline sla explain`` asks for the region of on-site work whose limits depend on it,
takes county-level places, and times the analysis report from the customer's request."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_sla_commands import isolated, run  # noqa: F401  (the fixture)

GD = ["sla", "explain", "--policy", "guangdong-transmission", "--opened", "2026-11-25 22:00",
      "--at", "2026-11-26 05:00"]


@pytest.mark.parametrize("extra", [
    ["--level", "1", "--condition", "onsite"],
    ["--level", "1", "--event", "dispatched=22:10"],
    ["--level", "2", "--condition", "onsite", "--event", "level_set:1=23:00"],
])
def test_on_site_without_a_region_exits_2_with_the_regions(
        capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    code = run(*GD, *extra)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "--region is needed" in captured.err
    for words in ("core: 广州", "prd: 珠海", "other: 韶关", "east_west: 湛江"):
        assert words in captured.err


@pytest.mark.parametrize("extra", [
    ["--level", "1"],  # remote: 3 h whatever the region
    ["--level", "2", "--condition", "onsite"],  # level 2: 7 days, no regional table
])
def test_no_region_is_asked_where_the_limits_do_not_depend_on_it(
        capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    assert run(*GD, *extra) == 0, capsys.readouterr().err


@pytest.mark.parametrize(("region", "restore_due"), [
    ("顺德", "2026-11-26T04:00:00+08:00"),  # 佛山 → 珠三角, 6 h
    ("江门市区", "2026-11-26T04:00:00+08:00"),
    ("台山", "2026-11-26T06:00:00+08:00"),  # 江门's county-level city: other, 8 h
    ("广东省江门市开平市", "2026-11-26T06:00:00+08:00"),
    ("梅县区", "2026-11-26T08:00:00+08:00"),  # 粤东, 10 h
])
def test_a_county_level_place_takes_its_zone(capsys: pytest.CaptureFixture[str], region: str,
                                             restore_due: str) -> None:
    code = run(*GD, "--level", "1", "--region", region, "--event", "dispatched=22:10",
               "--json")
    out = capsys.readouterr().out
    assert code == 0
    targets = {t["name"]: t for t in json.loads(out)["targets"]}
    assert targets["restore"]["due"] == restore_due


@pytest.mark.parametrize(("events", "due"), [
    (["analysis_requested=2026-11-25 23:00", "restore=2026-11-26 01:00"],
     "2026-12-01T01:00:00+08:00"),
    (["restore=2026-11-26 01:00", "analysis_requested=2026-11-26 04:30"],
     "2026-12-01T04:30:00+08:00"),
    (["restore=2026-11-26 01:00"], None),
])
def test_the_analysis_report_runs_from_the_request(capsys: pytest.CaptureFixture[str],
                                                   events: list[str], due: str | None) -> None:
    args = [*GD, "--level", "1", "--json"]
    for e in events:
        args += ["--event", e]
    assert run(*args) == 0
    targets = {t["name"]: t for t in json.loads(capsys.readouterr().out)["targets"]}
    assert targets["analysis_report"]["due"] == due
