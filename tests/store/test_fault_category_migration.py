"""The fault category, cause and solution columns come and go with their migration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.desk.steps import StepInput
from hotline.store.schema import alembic_config, upgrade
from tests.support import build_desk, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def _columns(engine: sa.Engine) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns("ticket")}


def test_downgrade_drops_and_upgrade_adds_the_columns(url: str, clock: FixedClock) -> None:
    from hotline import demo

    desk = build_desk(make_settings(url), clock)
    try:
        demo.load_directory(desk)
        t = desk.log_call(Intake(number="13902251234", kind="fault", level=2,
                                 description="ring down"))
        desk.record(t, "restore", StepInput(fault_category="fibre_line", cause="fibre cut",
                                            solution="spliced"))
        assert {"fault_category", "cause", "solution"} <= _columns(desk.engine)
        command.downgrade(alembic_config(desk.engine), "0011_subject_keys")
        assert not {"fault_category", "cause", "solution"} & _columns(desk.engine)
        with desk.engine.connect() as conn:  # the ticket itself is still there
            assert conn.execute(sa.text("SELECT status FROM ticket")).scalar_one() == "restored"
        upgrade(desk.engine)
        with desk.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT fault_category, cause FROM ticket")).one() == (None, None)
        desk.record(t, "resolve", StepInput(fault_category="hardware", cause="bad SFP",
                                            solution="SFP replaced"))
        with desk.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT fault_category, cause, solution FROM ticket")
                                ).one() == ("hardware", "bad SFP", "SFP replaced")
    finally:
        desk.engine.dispose()
