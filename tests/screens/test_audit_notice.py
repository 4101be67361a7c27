"""The desk checks the newest links of the audit trail as it opens: red if they fail."""

from __future__ import annotations

from hotline.desk.operations import Desk
from screens.app import HotlineApp
from tests.screens.test_dashboard import SIZE, settle


def _notices(app: HotlineApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def test_an_intact_trail_says_nothing(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not [m for m, _s in _notices(app) if "Audit" in m]


async def test_a_changed_event_shows_a_red_notice_with_its_id(demo_desk: Desk) -> None:
    demo_desk.ring("0757-83301234")
    with demo_desk.engine.begin() as conn:
        last = conn.exec_driver_sql("SELECT max(id) FROM event").scalar()
        conn.exec_driver_sql("DROP TRIGGER event_no_update")
        conn.exec_driver_sql(f"UPDATE event SET actor = 'mallory' WHERE id = {last}")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        broken = [(m, s) for m, s in _notices(app) if "Audit chain broken" in m]
        assert broken and broken[0][1] == "error"
        assert f"event #{last} " in broken[0][0] and "changed" in broken[0][0]
