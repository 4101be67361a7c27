"""The live table redraws, each second, only the lines whose countdown reads differently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.strip import Strip

from screens.widgets.live_table import Countdown, LiveTable, Now, RowSpec

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class CountingTable(LiveTable):
    """Records which lines were drawn."""

    drawn: list[int]

    def render_line(self, y: int) -> Strip:
        self.drawn.append(y)
        return super().render_line(y)


class TableApp(App[None]):
    def __init__(self, now: Now) -> None:
        super().__init__()
        self.now = now

    def compose(self) -> ComposeResult:
        table = CountingTable([("left", "Time left", 10), ("what", "What", None)],
                              countdown_column="left")
        table.drawn = []
        yield table


def spec(key: str, now: Now, due: datetime) -> RowSpec:
    return RowSpec(key, (Countdown(now, due, due - timedelta(minutes=6)), key), due)


def screen_text(app: App[None]) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_a_tick_redraws_only_the_countdowns_that_changed() -> None:
    now = Now(T0)
    app = TableApp(now)
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(CountingTable)
        # a call ringing (seconds change), a ticket days overdue (reads "-10d02h" all hour)
        table.set_rows([spec("ringing", now, T0 + timedelta(seconds=30)),
                        spec("overdue", now, T0 - timedelta(days=10, hours=2))])
        await pilot.pause()
        order = table.keys
        ringing_line = order.index("ringing") + 1
        overdue_line = order.index("overdue") + 1
        assert "00:30" in screen_text(app)

        table.drawn.clear()
        now.at = T0 + timedelta(seconds=3)
        table.tick()
        await pilot.pause()
        assert ringing_line in table.drawn
        assert overdue_line not in table.drawn and 0 not in table.drawn  # nor the header
        assert "00:27" in screen_text(app)

        # past due: the line turns red and counts on, still redrawn alone
        table.drawn.clear()
        now.at = T0 + timedelta(seconds=45)
        table.tick()
        await pilot.pause()
        assert ringing_line in table.drawn and overdue_line not in table.drawn
        assert "-00:15" in screen_text(app)

        # nothing reads differently: nothing is drawn
        table.drawn.clear()
        table.tick()
        await pilot.pause()
        assert table.drawn == []


def test_plain_cells_are_one_line_and_cut_with_an_ellipsis() -> None:
    from screens.widgets.live_table import _plain_cell, _width

    assert _plain_cell("board\nreset", 12).text == " board reset  "
    assert _plain_cell("a long description", 8).text == " a long … "
    assert _plain_cell("主板故障", 8).text == " 主板故障 "  # two cells a character
    assert _plain_cell("主板故障", 6).text == " 主板 … "  # a half character is a space
    assert _width("a\tb") == 3 and _width("故障") == 4


class NarrowApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable([("left", "Time left", 9), ("target", "Target", None),
                         ("state", "State", None), ("due", "Due", None),
                         ("limit", "Limit", None)], countdown_column="left",
                        drop_first=("limit", "due"))


async def test_a_narrow_table_leaves_out_the_less_important_columns_first() -> None:
    now = Now(T0)
    app = NarrowApp()
    async with app.run_test(size=(48, 6)) as pilot:
        table = app.query_one(LiveTable)
        table.set_rows([RowSpec("restore", (Countdown(now, T0, T0), "On-site arrival",
                                            "running", "15:55", "2 h · L1"), T0)])
        await pilot.pause()
        # 11 + 17 + 9 + 7 = 44 cells: the due time fits, the limit (13 more) does not
        assert table.hidden_columns == ["limit"]
        text = screen_text(app)
        assert "running" in text and "15:55" in text and "2 h" not in text
        await pilot.resize_terminal(40, 6)
        await pilot.pause()
        assert table.hidden_columns == ["due", "limit"]
        assert "running" in screen_text(app) and "15:55" not in screen_text(app)
        await pilot.resize_terminal(80, 6)
        await pilot.pause()
        assert table.hidden_columns == []
        assert "2 h · L1" in screen_text(app)
