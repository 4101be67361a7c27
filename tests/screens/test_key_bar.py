"""The key bar shows the screen's keys as the keymap names them, and a click runs one."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens.widgets.key_bar import KeyBar


class KeysApp(App[None]):
    BINDINGS = [
        Binding("a", "answer", "Answer", id="answer"),
        Binding("x", "hidden", "Hidden", show=False),
        Binding("l", "log", "Log call", id="log"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.can_log = True

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "log" and not self.can_log:
            return None  # shown, dimmed
        return True

    def action_answer(self) -> None:
        self.done.append("answer")

    def action_log(self) -> None:
        self.done.append("log")


def bar_text(app: KeysApp) -> str:
    return app.query_one(KeyBar).render().plain


async def test_keys_shown_with_the_palette_on_the_right_and_a_click_runs_one() -> None:
    app = KeysApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert " a Answer" in text and " l Log call" in text
        assert "Hidden" not in text
        assert text.rstrip().endswith("palette") and len(text) == 80

        await pilot.click(KeyBar, offset=(2, 0))  # on " a Answer"
        assert app.done == ["answer"]

        app.set_keymap({"answer": "ctrl+a"})
        await pilot.pause()
        assert "^a Answer" in bar_text(app)


async def test_a_key_that_cannot_act_is_dimmed() -> None:
    app = KeysApp()
    async with app.run_test(size=(80, 5)) as pilot:
        app.can_log = False
        app.refresh_bindings()
        await pilot.pause()
        bar = app.query_one(KeyBar)
        rendered = bar.render()
        start = rendered.plain.index(" l ")
        styles = [span.style for span in rendered.spans if span.start == start]
        assert styles and all(getattr(s, "dim", False) for s in styles)


async def test_a_narrow_terminal_keeps_the_palette_key() -> None:
    app = KeysApp()
    async with app.run_test(size=(24, 5)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert len(text) == 24 and "palette" in text and text.startswith(" a Answer")


async def test_a_click_on_a_dimmed_key_does_nothing() -> None:
    app = KeysApp()
    async with app.run_test(size=(120, 5)) as pilot:
        app.can_log = False
        app.refresh_bindings()
        await pilot.pause()
        text = bar_text(app)
        assert "Answer  l Log call" in text  # wide: a space between keys
        await pilot.click(KeyBar, offset=(text.index(" l ") + 1, 0))
        assert app.done == []


async def test_narrow_bar_draws_keys_closer() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        assert "Answer l Log call" in bar_text(app)


async def test_a_key_that_does_not_fit_is_left_out_not_cut() -> None:
    app = KeysApp()
    # narrow, keys come without gaps: " a Answer" (9), " l Log call" (11), "▏ ^p palette " (13)
    async with app.run_test(size=(32, 5)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert " a Answer" in text and "Log" not in text and "l " not in text
        assert len(text) == 32 and text.rstrip().endswith("palette")
        await pilot.resize_terminal(33, 5)
        await pilot.pause()
        assert " l Log call" in bar_text(app)


async def test_the_palette_key_is_described_in_the_desks_language() -> None:
    from hotline.i18n import set_language

    set_language("zh_CN")
    try:
        app = KeysApp()
        async with app.run_test(size=(80, 5)) as pilot:
            await pilot.pause()
            assert bar_text(app).rstrip().endswith("命令面板")
    finally:
        set_language("en")


async def test_the_chinese_dashboard_shows_every_f_key_at_120_columns(demo_desk) -> None:  # type: ignore[no-untyped-def]
    """The screen's keys and F1–F5 fit at 120 columns in Chinese (short key-bar names,
    keys closer together); q and / give way first."""
    from hotline.i18n import set_language
    from screens.app import HotlineApp

    set_language("zh_CN")
    try:
        app = HotlineApp(demo_desk, live=False)
        async with app.run_test(size=(120, 35)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = app.screen.query_one(KeyBar).render().plain
            for key in ("F1 帮助", "F2 资料", "F3 升级", "F4 交接", "F5 报表", " a 接听",
                        " o 打开工单"):
                assert key in text, text
            assert "f3" not in text and "搜索工单" not in text
            # at 80 columns the screen's own keys come first, each whole
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            text = app.screen.query_one(KeyBar).render().plain
            assert " o 打开工单" in text and "F5" not in text and cell_len(text) == 80
    finally:
        set_language("en")


async def test_the_chinese_escalation_queue_keeps_the_other_screens_f_keys(  # type: ignore[no-untyped-def]
        demo_desk) -> None:
    """The queue's own keys have short key-bar names, and its bar leaves out F3 (the
    queue itself): F1, F2, F4 and F5 fit at 120 columns in Chinese."""
    from hotline.i18n import set_language
    from screens.app import HotlineApp

    set_language("zh_CN")
    try:
        app = HotlineApp(demo_desk, live=False)
        async with app.run_test(size=(120, 35)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("f3")
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = app.screen.query_one(KeyBar).render().plain
            for key in ("k 确认", "o 工单", "a 已确认", "esc 返回", "F1 帮助", "F2 资料",
                        "F4 交接", "F5 报表"):
                assert key in text, text
            assert "F3" not in text
    finally:
        set_language("en")


class RankedApp(App[None]):
    """Application keys (F-keys and others) and a screen with keys of its own."""

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("f2", "directory", "Directory", id="app.directory"),
        Binding("f3", "escalations", "Escalation queue", id="app.escalations"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyBar()

    def get_key_display(self, binding: Binding) -> str:
        from screens.translated_bindings import key_name

        return key_name(super().get_key_display(binding))

    def action_directory(self) -> None: ...

    def action_escalations(self) -> None: ...


async def test_function_keys_give_way_after_the_screens_and_before_the_others() -> None:
    from textual.screen import Screen

    class Own(Screen[None]):
        BINDINGS = [Binding("a", "answer", "Answer"), Binding("l", "log", "Log call")]

        def compose(self) -> ComposeResult:
            yield Static("own")
            yield KeyBar()

    app = RankedApp()
    async with app.run_test(size=(120, 5)) as pilot:
        await app.push_screen(Own())
        await pilot.pause()
        wide = app.screen.query_one(KeyBar).render().plain
        # the F-keys by their key-bar names, named "F3", in their own order after the rest
        assert "F2 Directory" in wide and "F3 Escalations" in wide and "q Quit" in wide
        # " a Answer l Log call" 20, " F2 Directory" 13, " F3 Escalations" 15, palette 13
        await pilot.resize_terminal(20 + 13 + 15 + 13, 5)
        await pilot.pause()
        text = app.screen.query_one(KeyBar).render().plain
        assert "Log call" in text and "F3 Escalations" in text and "Quit" not in text
        await pilot.resize_terminal(20 + 13 + 13, 5)
        await pilot.pause()
        text = app.screen.query_one(KeyBar).render().plain
        assert "Log call" in text and "F2 Directory" in text and "F3" not in text
