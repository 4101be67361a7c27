"""Notifications on screen: each in the escalation's story, failing deliveries in the header."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.notify.sender import run_round
from hotline.notify.setup import load_setup
from hotline.supervision.rota import rota_for
from screens.app import HotlineApp
from screens.dashboard import DeskHeader
from tests.notify.servers import free_port
from tests.screens.test_supervisor_screens import SIZE, open_queue


async def test_a_failing_delivery_shows_in_the_story_and_the_header(
        demo_desk: Desk, clock: FixedClock) -> None:
    setup = load_setup({
        "channels": {"hook": {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/"}},
        "rules": [{"events": ["complaint"], "to": ["desk"], "channels": ["hook"]}]})
    demo_desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                              description="engineer never came"))
    clock.advance(minutes=4)
    assert run_round(demo_desk, setup, rota_for(demo_desk.settings)).retried == 1
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        header = str(app.screen.query_one(DeskHeader).render())
        assert "notifications failing since 10:04" in header
        await open_queue(pilot)
        await pilot.pause(0.2)
        detail = str(app.screen.query_one("#queue-detail").render())
        assert ("notify  notified the desk group by hook: attempt 1 failed, retrying: "
                "cannot reach the server") in detail


async def test_a_long_story_scrolls_from_the_raised_line_to_the_last_message(
        demo_desk: Desk, clock: FixedClock) -> None:
    """Eight messages and the raised line are more than the panel shows: Tab reaches the
    story, which starts at the raised line, and End shows the last message."""
    port = free_port()
    channels = {f"hook{i}": {"type": "webhook", "url": f"http://127.0.0.1:{port}/{i}"}
                for i in range(1, 9)}
    setup = load_setup({"channels": channels, "rules": [
        {"events": ["complaint"], "to": ["desk"], "channels": sorted(channels)}]})
    demo_desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                              description="engineer never came"))
    clock.advance(minutes=4)
    assert run_round(demo_desk, setup, rota_for(demo_desk.settings)).retried == 8
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.pause(0.2)
        panel = app.screen.query_one("#queue-detail-panel", VerticalScroll)
        story = str(app.screen.query_one("#queue-detail", Static).render())
        lines = story.splitlines()
        assert "raised: Complaint" in lines[1]  # the first entry, at the top
        assert "notified the desk group by hook8" in lines[-1]
        assert panel.max_scroll_y > 0 and panel.scroll_offset.y == 0
        await pilot.press("tab")
        assert app.screen.focused is panel
        await pilot.press("end")
        await pilot.pause()
        assert panel.scroll_offset.y == panel.max_scroll_y
        visible = panel.scroll_offset.y + panel.scrollable_content_region.height
        assert visible >= len(lines)  # the last message's line is in view
