"""The intake form and the ticket screen are built once; showing them again is cheap."""

from __future__ import annotations

from textual.dom import DOMNode

from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.intake import IntakeScreen
from tests.screens.test_dashboard import SIZE, settle


def restyled(app: HotlineApp) -> list[DOMNode]:
    """Record the nodes the app restyles (the full pass a screen gets when shown)."""
    seen: list[DOMNode] = []
    original = app.update_styles

    def spy(node: DOMNode, animate: bool = True) -> None:
        seen.append(node)
        original(node, animate=animate)

    app.update_styles = spy  # type: ignore[method-assign]
    return seen


async def test_the_intake_form_is_restyled_only_after_a_change_of_theme(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        await pilot.press("escape")
        await settle(pilot)
        seen = restyled(app)
        await pilot.press("n")  # the same form again: no full pass over it
        await settle(pilot)
        assert app.screen is form
        assert form not in seen
        await pilot.press("escape")
        await settle(pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot)
        await pilot.press("n")  # the theme changed while it was away: restyled
        await settle(pilot)
        assert form in seen
