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
        # cheap hashing: a test checks secrets, not the cost of guessing them
        "secret_cost": 4,
    }
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


#: The role a test desk's actor has when the desk has no account for them: the tests
#: that are not about permissions act as a manager (who may do everything); those
#: about permissions give their actors accounts (``add_account``) with the roles
#: they test.
TEST_ROLE = "manager"


def build_desk(settings: Settings, clock: FixedClock, actor: str = "zhangwei"):  # type: ignore[no-untyped-def]
    from hotline.desk.operations import Desk
    from hotline.sla import SlaEngine
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade

    engine = make_engine(settings.db_url)
    upgrade(engine)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    return Desk(engine, clock, settings, sla, actor, role=TEST_ROLE)




def give_role(desk, login: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """Make ``login``'s account (if the desk has one) have ``role``, as a test's scenario
    needs: the demo roster's duty engineers may not do what the tests of the supervisor's
    work do as them."""
    import sqlalchemy as sa

    from hotline.store.models import Engineer

    with desk.engine.begin() as conn:
        conn.execute(sa.update(Engineer).where(Engineer.login == login).values(role=role))


def backend_url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The database of a fixture parametrised ``["sqlite", "postgresql"]``: a SQLite
    file in ``tmp_path``, or a fresh PostgreSQL schema (skipped where none is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.db'}"
    return str(request.getfixturevalue("pg_url"))
