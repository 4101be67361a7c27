"""Helpers shared by the tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.paths import shipped_data_dir

TZ = ZoneInfo("Asia/Shanghai")
#: A Wednesday morning at the desk.
START = datetime(2026, 11, 25, 10, 0, 0, tzinfo=TZ)


def make_settings(db_url: str = "sqlite://", **kw: object) -> Settings:
    values: dict[str, object] = {
        "db_url": db_url,
        "tz": TZ,
        "lang": "en",
        "policy_dirs": (shipped_data_dir() / "policies",),
        "calendar_files": (),
        "login": "zhangwei",
    }
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


def build_desk(settings: Settings, clock: FixedClock, actor: str = "zhangwei"):  # type: ignore[no-untyped-def]
    from hotline.desk.operations import Desk
    from hotline.sla import SlaEngine
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade

    engine = make_engine(settings.db_url)
    upgrade(engine)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    return Desk(engine, clock, settings, sla, actor)


