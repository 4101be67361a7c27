"""The reports screen's figures per engineer (p) and service level per hour of day."""

from __future__ import annotations

from textual.widgets import DataTable

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.reports import ReportsScreen
from screens.widgets.charts import ColumnChart
from tests.screens.test_dashboard import SIZE, settle


async def test_p_shows_each_engineer_of_the_period(demo_desk: Desk, clock: FixedClock) -> None:
    first = demo_desk.ring("13902251234").call_id
    clock.advance(seconds=10)
    demo_desk.answer(first)
    second = demo_desk.ring("18620001234").call_id
    clock.advance(seconds=40)
    demo_desk.answer(second)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        table = screen.query_one("#rep-engineers", DataTable)
        assert not table.display
        await pilot.press("p")
        await pilot.pause()
        assert table.display and app.focused is table
        assert not screen.query_one("#rep-figures", DataTable).display
        row = [getattr(c, "plain", str(c)) for c in table.get_row("zhangwei")]
        # answered 2, mean (10 + 40) / 2, 90 %: the 2nd of 10, 40
        assert row[:4] == ["张伟", "2", "25 s", "40 s"]
        hours = screen.query_one("#rep-sl-hour", ColumnChart)
        values = [c.value for c in hours.columns]
        assert values[10] == 0.5  # 10:00 local: one of two in time
        assert values.count(None) == 23  # no call in any other hour: not 0 %
        await pilot.press("p")
        await pilot.pause()
        assert not table.display
