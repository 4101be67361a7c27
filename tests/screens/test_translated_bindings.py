"""Keys are described in the desk's language, through Textual's public API (Textual is
pinned: these tests hold screens/translated_bindings.py against that version)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from hotline.desk.operations import Desk
from hotline.i18n import set_language
from screens.app import HotlineApp
from screens.dashboard import DashboardScreen
from screens.translated_bindings import (
    TranslatedScreen,
    declared_bindings,
    keys_for,
    translated,
)
from screens.widgets.key_bar import KeyBar
from tests.screens.test_dashboard import SIZE, settle


class Base(TranslatedScreen[None]):
    BINDINGS = [
        Binding("a", "answer", "Answer", id="t.answer"),
        Binding("b", "back", "Back", id="t.back"),
    ]


class Keys(Base):
    """A screen that rebinds one of its base's keys and binds one key twice."""

    BINDINGS = [Binding("b,l", "log", "Log call", id="t.log")]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyBar()

    def action_answer(self) -> None:
        self.done.append("answer")

    def action_log(self) -> None:
        self.done.append("log")


class KeysApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.keys = Keys()

    def on_mount(self) -> None:
        self.push_screen(self.keys)


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def bar_text(screen: Keys | DashboardScreen) -> str:
    return screen.query_one(KeyBar).render().plain


def panel_text(screen: Keys) -> str:
    """What Textual's keys panel lists (its table, as text)."""
    console = Console(width=60, record=True, file=io.StringIO())
    console.print(screen.query_one("BindingsTable").render())
    return console.export_text()


async def test_declared_bindings_are_the_bindings_textual_merged() -> None:
    app = KeysApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        screen = app.keys
        assert screen.focused is None  # the screen's own bindings, then the app's
        active = {(key, entry.binding.action) for key, entry in screen.active_bindings.items()
                  if entry.node is screen}
        declared = {(b.key, b.action) for b in declared_bindings(Keys)}
        assert declared == active
        assert {("a", "answer"), ("b", "log"), ("l", "log"), ("tab", "app.focus_next")} <= active


async def test_descriptions_follow_the_language_and_the_keymap_still_rebinds(
        chinese: None) -> None:
    app = KeysApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        screen = app.keys
        assert " a 接听" in bar_text(screen) and " b 登记来电" in bar_text(screen)
        descriptions = {entry.binding.description for entry in screen.active_bindings.values()}
        assert {"接听", "登记来电"} <= descriptions
        # Textual's own keys panel reads the same property
        app.action_show_help_panel()
        await pilot.pause()
        assert "登记来电" in panel_text(screen)

        app.set_keymap({"t.answer": "x"})
        await pilot.pause()
        assert " x 接听" in bar_text(screen)
        await pilot.press("a", "x", "l")
        assert screen.done == ["answer", "log"]


def test_a_translated_copy_per_language() -> None:
    binding = Binding("a", "answer", "Answer", id="t.answer")
    assert translated(binding) == binding  # English: as written
    set_language("zh_CN")
    try:
        assert translated(binding).description == "接听"
        assert translated(binding).key == "a" and translated(binding).id == "t.answer"
    finally:
        set_language("en")
    assert translated(binding).description == "Answer"


def test_keys_as_the_keymap_gives_them() -> None:
    binding = Binding("a", "answer", "Answer", id="t.answer")
    assert keys_for(binding, {}) == "a"
    assert keys_for(binding, {"t.answer": "a, space"}) == "a,space"
    assert keys_for(binding, {"t.answer": ""}) == "a"  # an empty entry changes nothing
    assert keys_for(Binding("b", "back"), {"t.answer": "x"}) == "b"


async def test_the_desk_in_chinese_palette_help_and_key_bar(demo_desk: Desk,
                                                            chinese: None) -> None:
    import dataclasses

    from screens.help import HelpScreen

    demo_desk.settings = dataclasses.replace(demo_desk.settings,
                                             keymap={"dashboard.answer": "space"})
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert " space 接听" in bar_text(app.dashboard)
        commands = {c.title: c.help for c in app.get_system_commands(app.dashboard)}
        assert "接听" in commands and "登记来电" in commands
        assert "space" in commands["接听"]
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {row[3]: row for row in app.screen.key_rows}
        assert str(rows["dashboard.answer"][2]) == "接听"
        assert str(rows["dashboard.answer"][1]) == "space"
        assert str(rows["app.escalations"][2]) != "Escalation queue"  # translated
