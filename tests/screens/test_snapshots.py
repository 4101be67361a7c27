"""What the main screens look like, at 120×35 in English and Chinese (Textual is pinned)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.i18n import set_language
from screens.app import HotlineApp
from tests.scenes import busy_morning


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def test_dashboard_english(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=(120, 35), run_before=_settle)


def test_dashboard_chinese(snap_compare, chinese: None) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(lang="zh_CN"), live=False)
    assert snap_compare(app, terminal_size=(120, 35), run_before=_settle)


def test_dashboard_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_intake_form(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("a")
        await _settle(pilot)

    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=(120, 35), run_before=answer)


def test_intake_form_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("a")
        await _settle(pilot)

    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=answer)
