"""At 80×24 the dashboard's tables fit the width: the less useful columns are left out,
the last one is elided, nothing scrolls sideways (issue #17, point 7)."""

from __future__ import annotations

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.widgets.live_table import LiveTable
from tests.screens.test_dashboard import settle
from tests.screens.test_missed_calls import select_missed

SMALL = (80, 24)


def shown_lines(table: LiveTable) -> list[str]:
    """The table's lines as drawn on screen (header first)."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


async def test_the_dashboard_fits_80_columns(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.abandon(demo_desk.ring("15011223344").call_id)
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await select_missed(app, pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")  # no answer: the row says "1 try · no answer"
        await settle(pilot)
        for table in app.screen.query(LiveTable):
            assert table.virtual_size.width <= table.scrollable_content_region.width, (
                table.id, table.hidden_columns)
            assert table.show_horizontal_scrollbar is False, table.id
        work = app.screen.query_one("#work", LiveTable)
        assert work.hidden_columns == ["due", "level", "caller"]
        header, missed = shown_lines(work)[:2]
        assert "Ticket" in header and "Owner" in header
        assert "150 1122 3344" in missed  # the whole number, not "150 1122 3…"
        assert "1 try" in missed
        calls = app.screen.query_one("#calls", LiveTable)
        assert "State" in shown_lines(calls)[0]
        assert "ringing" in shown_lines(calls)[1]


async def test_the_columns_come_back_at_120(demo_desk: Desk) -> None:
    demo_desk.abandon(demo_desk.ring("15011223344").call_id)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        work = app.screen.query_one("#work", LiveTable)
        assert work.hidden_columns == []
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert work.hidden_columns == ["due", "level", "caller"]
        await pilot.resize_terminal(120, 35)
        await settle(pilot)
        assert work.hidden_columns == []


async def test_the_help_shows_every_binding_id_whole_at_80_and_120(demo_desk: Desk) -> None:
    from textual.widgets import DataTable

    from screens.help import HelpScreen

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        for size, columns in ((SMALL, 2), ((120, 35), 3)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            table = screen.query_one("#help-keys", DataTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width, size
            assert len(table.columns) == columns
            shown = "\n".join(str(cell) for i in range(table.row_count)
                              for cell in table.get_row_at(i))
            for _where, _key, _does, binding_id in screen.key_rows:
                assert binding_id in shown
