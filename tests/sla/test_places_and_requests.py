"""County-level places find their zone; a target may wait for another event (``after``).

The places are the Guangdong contract's regions (珠三角 lists 江门市区, the city proper:
Jiangmen's county-level cities are "other areas"); the divisions are the Ministry of
Civil Affairs' list.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.paths import shipped_data_dir
from hotline.sla import Limit, PolicyError, SlaEngine, SlaEvent, TicketFacts
from hotline.sla.policy_file import read_policy_text

TZ = ZoneInfo("Asia/Shanghai")
GD = "guangdong-transmission"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="module")
def engine() -> SlaEngine:
    return SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)


# (place as written, zone, level-1 on-site restore hours)
PLACES = [
    ("顺德", "prd", 6), ("顺德区", "prd", 6), ("佛山市顺德区", "prd", 6),
    ("广东省佛山市南海区", "prd", 6), ("新会区", "prd", 6), ("江门市区", "prd", 6),
    ("江门市蓬江区", "prd", 6), ("江门", "prd", 6), ("Xinhui", "prd", 6),
    ("台山", "other", 8), ("台山市", "other", 8), ("江门市台山市", "other", 8),
    ("开平", "other", 8), ("鹤山市", "other", 8), ("Enping", "other", 8),
    ("番禺", "core", 5), ("广州市番禺区", "core", 5), ("宝安区", "core", 5),
    ("英德市", "prd", 6), ("连山壮族瑶族自治县", "prd", 6), ("博罗", "prd", 6),
    ("斗门区", "prd", 6),
    ("普宁", "other", 8), ("四会市", "other", 8), ("阳春", "other", 8), ("罗定", "other", 8),
    ("乳源", "other", 8), ("陆丰市", "other", 8), ("龙川县", "other", 8),
    ("雷州", "east_west", 10), ("梅县", "east_west", 10), ("梅县区", "east_west", 10),
    ("潮阳区", "east_west", 10), ("饶平", "east_west", 10), ("电白区", "east_west", 10),
    ("兴宁市", "east_west", 10),
]


@pytest.mark.parametrize(("place", "zone", "hours"), PLACES)
def test_a_county_level_place_takes_its_zones_limits(engine: SlaEngine, place: str,
                                                      zone: str, hours: int) -> None:
    policy = engine.policy(GD)
    assert policy.zone_of(place) == zone
    assert engine.limit(GD, "restore", grade="", level=1, kind="fault", region=place,
                        conditions=frozenset({"onsite"})) == Limit.of(hours=hours)
    assert not policy.region_needed(grade="", level=1, kind="fault",
                                    conditions=frozenset({"onsite"}), region=place)


@pytest.mark.parametrize("place", [None, "", "某某县", "城区", "Springfield", "台北", "\x00",
                                   "\ud800", "市市市市市", "江" * 500])
def test_an_unknown_place_needs_the_region_on_site(engine: SlaEngine,
                                                   place: str | None) -> None:
    policy = engine.policy(GD)
    assert policy.zone_of(place) is None
    onsite = frozenset({"onsite"})
    assert policy.region_needed(grade="", level=1, kind="fault", conditions=onsite,
                                region=place)
    # remote work, or a level whose limits do not depend on the region: nothing to ask
    assert not policy.region_needed(grade="", level=1, kind="fault", conditions=frozenset(),
                                    region=place)
    assert not policy.region_needed(grade="", level=2, kind="fault", conditions=onsite,
                                    region=place)
    assert not engine.policy("fire-maintenance").region_needed(
        grade="", level=1, kind="fault", conditions=frozenset({"local"}), region=place)


def test_every_place_of_the_shipped_file_is_in_one_zone_only(engine: SlaEngine) -> None:
    policy = engine.policy(GD)
    for region in policy.regions:
        for place in (*region.cities, *region.places):
            assert policy.zone_of(place) == region.zone, place
    counts = {r.zone: len(r.places) for r in policy.regions}
    # 广州 11 + 深圳 9; 珠海 3, 佛山 5, 惠州 5, 清远 8 (+2 short), 江门市区 3 (+3 pinyin);
    # 江门 4 (+4 pinyin), 韶关 10 (+1), 河源 6, 汕尾 3, 阳江 4, 肇庆 8, 揭阳 5, 云浮 5;
    # 湛江 9, 茂名 5, 汕头 7, 潮州 3, 梅州 8
    assert counts == {"core": 20, "prd": 29, "other": 50, "east_west": 32}


# -- after: a clock that waits for another event ---------------------------------

MINI = """
[policy]
name = "mini"
levels = [1]

[targets.restore]
limit = "3h"

[targets.report]
start = "analysis_requested"
after = ["restore", "resolve"]
stop = "analysis_report"
limit = "5d"
keep_on_close = true
"""


def test_after_holds_an_early_start_until_the_restoration(tmp_path: Path) -> None:
    (tmp_path / "mini.toml").write_text(MINI, encoding="utf-8")
    engine = SlaEngine.load([tmp_path], [], TZ)
    facts = TicketFacts(policy="mini", grade="", level=1, kind="fault", region=None,
                        opened_at=local("2026-09-30 10:00"))
    asked = SlaEvent("analysis_requested", local("2026-09-30 11:00"))
    before = engine.evaluate(facts, [asked], local("2026-10-08 10:00"))
    report = next(t for t in before.targets if t.name == "report")
    assert report.state == "pending" and report.due_at is None  # waits for the restore
    restored = SlaEvent("restore", local("2026-09-30 12:00"))
    after = engine.evaluate(facts, [asked, restored], local("2026-10-01 10:00"))
    report = next(t for t in after.targets if t.name == "report")
    assert report.started_at == local("2026-09-30 12:00")
    assert report.due_at == local("2026-10-05 12:00")  # 5 calendar days, holidays or not


@pytest.mark.parametrize(("change", "key"), [
    ('after = ["analysis_report"]', "targets.report.after"),  # its own stop event
    ('after = ["analysis_requested"]', "targets.report.after"),  # its own start event
    ('after = ["no_such_event"]', "targets.report.after"),
    ("after = 3", "targets.report.after"),
    ("after = []", "targets.report.after"),
])
def test_a_bad_after_is_refused_with_its_key(change: str, key: str) -> None:
    text = MINI.replace('after = ["restore", "resolve"]', change)
    with pytest.raises(PolicyError) as refused:
        read_policy_text(text.encode(), Path("mini.toml"), TZ)
    assert refused.value.key == key


REGIONS = """
[policy]
name = "mini"
levels = [1]

[conditions]
onsite = "on site"

[regions.near]
cities = ["佛山"]
places = ["顺德区"]

[regions.far]
cities = ["湛江"]

[targets.restore]
limit = "3h"

[[targets.restore.variants]]
when = ["onsite"]
zones = ["far"]
limit = "10h"
"""


@pytest.mark.parametrize("places", ['["顺德"]', '"顺德区"', '[" "]', "[1]", '["佛山市"]'])
def test_a_place_in_two_regions_or_not_a_name_is_refused(places: str) -> None:
    text = REGIONS.replace('cities = ["湛江"]', f'cities = ["湛江"]\nplaces = {places}')
    with pytest.raises(PolicyError) as refused:
        read_policy_text(text.encode(), Path("mini.toml"), TZ)
    assert refused.value.key == "regions.far.places"


names = st.one_of(st.text(max_size=20), st.integers(), st.booleans(),
                  st.lists(st.text(max_size=12), max_size=4))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, names)
def test_any_places_or_after_is_read_or_refused_with_a_policy_error(places: object,
                                                                     after: object) -> None:
    text = (REGIONS.replace('cities = ["湛江"]',
                            f"cities = [\"湛江\"]\nplaces = {json.dumps(places)}")
            .replace('limit = "3h"',
                     f'limit = "3h"\nafter = {json.dumps(after)}'))
    try:
        policy = read_policy_text(text.encode("utf-8", "surrogatepass"), Path("m.toml"), TZ)
    except PolicyError as exc:
        assert str(exc)
        return
    for region in policy.regions:
        for place in region.places:
            assert policy.zone_of(place) == region.zone
