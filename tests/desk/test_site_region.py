"""The region of on-site work: asked for instead of the silent 3-hour default.

Guangdong transmission, level 1 on site: 广州/深圳/东莞 5 h, 珠三角 6 h, 其余地区 8 h,
粤东/粤西 10 h (the seed's table). Run on SQLite and, with HOTLINE_TEST_PG_URL, on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.site_region import check_region
from hotline.desk.steps import StepInput
from hotline.errors import InputError
from hotline.paths import shipped_data_dir
from hotline.sla import SlaEngine
from hotline.store.models import SlaClock, Ticket
from tests.support import TZ, build_desk, make_settings

OPENED = datetime(2026, 11, 25, 22, 0, tzinfo=TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def gd_desk(request: pytest.FixtureRequest, tmp_path: Path,
            clock: FixedClock) -> Iterator[Desk]:
    from hotline import demo

    url = (f"sqlite:///{tmp_path / 'desk.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    d = build_desk(make_settings(url), clock)
    demo.load_directory(d)
    clock.set(OPENED + timedelta(minutes=10))
    yield d
    d.engine.dispose()


def no_region_fault(desk: Desk, level: int = 1) -> int:
    """A Guangdong fault whose contract names no region (the directory left it out)."""
    t = desk.log_call(Intake(number="0757-83301234", kind="fault", level=level,
                             description="光路中断", at=OPENED))
    with desk.engine.begin() as conn:
        conn.execute(sa.update(Ticket).where(col(Ticket.id) == t).values(region=None))
    return t


def ticket(desk: Desk, t: int) -> Ticket:
    with Session(desk.engine) as s:
        row = s.get(Ticket, t)
        assert row is not None
        return row


def restore_due(desk: Desk, t: int) -> datetime:
    with Session(desk.engine) as s:
        row = s.exec(select(SlaClock).where(SlaClock.ticket_id == t,
                                            SlaClock.key == "restore")).one()
        return row.due_at.astimezone(TZ)


def test_dispatching_without_a_region_asks_for_it(gd_desk: Desk) -> None:
    t = no_region_fault(gd_desk)
    before = ticket(gd_desk, t)
    with pytest.raises(InputError, match=r"Give the region of the site: on-site limits of "
                                         r"policy guangdong-transmission depend on it "
                                         r"\(core: 广州.*east_west: 湛江"):
        gd_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    after = ticket(gd_desk, t)
    assert (after.version, after.conditions, after.region) == (before.version, "", None)


# (region as given on dispatch, restore hours from the opening)
ONSITE = [("广州", 5), ("番禺区", 5), ("顺德", 6), ("江门市区", 6), ("新会", 6),
          ("台山", 8), ("江门市开平市", 8), ("揭阳", 8), ("梅县", 10), ("湛江市雷州市", 10)]


@pytest.mark.parametrize(("region", "hours"), ONSITE)
def test_dispatching_with_the_region_times_the_zone(gd_desk: Desk, region: str,
                                                    hours: int) -> None:
    t = no_region_fault(gd_desk)
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=3)  # remote, before
    gd_desk.record(t, "dispatched", StepInput(engineer="chenhao", region=region))
    row = ticket(gd_desk, t)
    assert (row.region, row.conditions) == (region, "onsite")
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=hours)


@pytest.mark.parametrize(("region", "message"), [
    ("Springfield", "has no region for 'Springfield'"),
    ("城区", "has no region for '城区'"),
    ("台山\x00", "not a place name"),
    ("\ud800", "not a place name"),
    ("佛" * 61, "too long"),
])
def test_a_region_the_policy_does_not_know_is_refused(gd_desk: Desk, region: str,
                                                      message: str) -> None:
    t = no_region_fault(gd_desk)
    version = ticket(gd_desk, t).version
    for what in ("dispatched", "region_set"):
        with pytest.raises(InputError, match=message):
            gd_desk.record(t, what, StepInput(engineer="chenhao", region=region))
    assert ticket(gd_desk, t).version == version
    assert ticket(gd_desk, t).region is None


def test_setting_the_region_later_re_times_the_on_site_clock(gd_desk: Desk) -> None:
    t = no_region_fault(gd_desk)
    gd_desk.record(t, "conditions_set", StepInput(conditions=("onsite",)))
    # on site without a region: the strictest figure runs until the region is set
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=3)
    gd_desk.record(t, "region_set", StepInput(region="顺德区"))
    assert ticket(gd_desk, t).region == "顺德区"
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=6)
    with pytest.raises(InputError, match="Nothing changed"):
        gd_desk.record(t, "region_set", StepInput(region="顺德区"))
    gd_desk.record(t, "region_set", StepInput(region="台山"))  # a correction
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=8)


def test_a_level_whose_limits_ignore_the_region_is_dispatched_without_one(
        gd_desk: Desk) -> None:
    t = no_region_fault(gd_desk, level=2)
    gd_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    assert ticket(gd_desk, t).conditions == "onsite"


def test_the_intake_takes_the_sites_region(gd_desk: Desk) -> None:
    t = gd_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                description="光路中断", region="江门市台山市", at=OPENED))
    assert ticket(gd_desk, t).region == "江门市台山市"
    gd_desk.record(t, "dispatched", StepInput(engineer="chenhao"))
    assert restore_due(gd_desk, t) == OPENED + timedelta(hours=8)
    with Session(gd_desk.engine) as s:
        count = len(s.exec(select(Ticket.id)).all())
    with pytest.raises(InputError, match="has no region for 'Atlantis'"):
        gd_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                description="光路中断", region="Atlantis", at=OPENED))
    with Session(gd_desk.engine) as s:
        assert len(s.exec(select(Ticket.id)).all()) == count


ENGINE = SlaEngine.load([shipped_data_dir() / "policies"], [], TZ)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80), st.sampled_from(["guangdong-transmission", "standard"]))
def test_check_region_returns_a_known_place_or_refuses(text: str, policy_name: str) -> None:
    policy = ENGINE.policy(policy_name)
    try:
        region = check_region(policy, text)
    except InputError as exc:
        assert str(exc)
        return
    assert region == text.strip() and 0 < len(region) <= 60
    region.encode("utf-8")
    if policy.regions:
        assert policy.zone_of(region) is not None
