"""The desk and the wallboard in a real browser (Debian's chromium, driven by Playwright).

Two servers (``hotline serve`` and ``hotline serve --wall``) on one SQLite file;
a tab of each. A call rung by ``hotline ring`` appears in the desk's tab, is
answered there with ``a``, and the wallboard's tab shows it: ringing, then the
engineer in the call's form. What a tab shows is read from the terminal output
the page receives (its screen is drawn on a canvas); screenshots of each step
are written to ``HOTLINE_BROWSER_SHOTS`` (default: the test's temporary folder).

Skipped, saying why, only where no chromium is installed (``.ci/run`` installs
Debian's when it is missing).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline import demo
from hotline.clock import SystemClock
from hotline.desk.roster import roster
from hotline.store.models import Call
from tests.support import build_desk, make_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
NUMBER = "13800138000"
SHOWN = "138 0013 8000"

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="no chromium browser on this machine: install Debian's with "
           "`apt-get install -y chromium` (.ci/run does)")

#: Keeps what each tab's websocket receives, as text, for the test to read.
RECORD_SCREEN = """
(() => {
  window.__screen = "";
  const decoder = new TextDecoder();
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") { window.__screen += event.data; }
      else if (event.data instanceof ArrayBuffer) {
        window.__screen += decoder.decode(event.data, {stream: true});
      } else if (event.data instanceof Blob) {
        event.data.arrayBuffer().then((b) => {
          window.__screen += decoder.decode(b, {stream: true}); });
      }
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
})();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(db: Path) -> dict[str, str]:
    env = {**os.environ, "HOTLINE_DB": str(db), "HOTLINE_LANG": "en", "LANG": "C.UTF-8"}
    for name in ("HOTLINE_AS", "HOTLINE_NOW", "HOTLINE_CLOCK", "HOTLINE_CONFIG",
                 # each tab's desk is a new process: compiled once, not compiled again in each
                 "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def serve(db: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "serve", "--port",
                               str(port), *extra], cwd=ROOT, env=environment(db),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}/"
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    raise AssertionError("hotline serve did not start listening")


@pytest.fixture
def desk_db(tmp_path: Path) -> Path:
    """A desk with the demo directory (and so a roster to sign in from)."""
    db = tmp_path / "desk.db"
    desk = build_desk(make_settings(f"sqlite:///{db}"), SystemClock())  # type: ignore[arg-type]
    demo.load_directory(desk)
    demo.give_demo_secrets(desk)
    demo.record_offer(desk, accepted=True)
    desk.engine.dispose()
    return db


@pytest.fixture
def servers(desk_db: Path) -> Iterator[tuple[str, str]]:
    desk_server, desk_url = serve(desk_db)
    wall_server, wall_url = serve(desk_db, "--wall")
    try:
        yield desk_url, wall_url
    finally:
        for server in (desk_server, wall_server):
            server.terminate()
        for server in (desk_server, wall_server):
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("HOTLINE_BROWSER_SHOTS") or tmp_path / "shots")
    where.mkdir(parents=True, exist_ok=True)
    return where


def screen_text(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("window.__screen"))


def wait_for_text(page, text: str, *, after: int = 0, timeout: float = 30) -> int:  # type: ignore[no-untyped-def]
    """Wait until ``text`` is drawn in the tab (after offset ``after`` of what it received);
    returns where the received output ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = screen_text(page)
        if text in got[after:]:
            return len(got)
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} never appeared in the tab; its last output: "
                         f"{screen_text(page)[-400:]!r}")


def focus(page) -> None:  # type: ignore[no-untyped-def]
    """Keys to the tab's terminal (not a click: that would choose what is under it)."""
    page.locator(".xterm-helper-textarea").focus()


def sign_in(page, login: str, members: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Sign in at the tab's desk as ``login``: every sign-in step is here, and only here."""
    wait_for_text(page, "Who is working this seat?")
    focus(page)
    for _ in range(members.index(login)):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_text(page, "Secret of")
    page.keyboard.type(demo.DEMO_SECRET)
    page.keyboard.press("Enter")
    wait_for_text(page, f"signed in: {login}")


def test_a_call_rung_appears_is_answered_and_the_wall_follows(  # type: ignore[no-untyped-def]
        servers: tuple[str, str], desk_db: Path, shots: Path) -> None:
    desk_url, wall_url = servers
    build = build_desk(make_settings(f"sqlite:///{desk_db}"), SystemClock())  # type: ignore[arg-type]
    members = [m.login for m in roster(build.engine)]
    build.engine.dispose()
    login = members[0]
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists()
                                                         else shutil.which("chromium")),
                                     args=["--no-sandbox", "--use-gl=swiftshader"])
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(RECORD_SCREEN)
            wall = context.new_page()
            wall.goto(wall_url)
            wait_for_text(wall, "Wallboard")
            desk = context.new_page()
            desk.goto(desk_url)
            sign_in(desk, login, members)
            desk.screenshot(path=str(shots / "1-desk-signed-in.png"))
            wall.screenshot(path=str(shots / "1-wall-quiet.png"))

            subprocess.run([sys.executable, "-m", "screens.main", "ring", NUMBER], cwd=ROOT,
                           env=environment(desk_db), check=True, capture_output=True)
            mark = wait_for_text(desk, SHOWN)
            wall_mark = wait_for_text(wall, "Ringing now")  # the wall redrawn with it
            desk.screenshot(path=str(shots / "2-desk-ringing.png"))
            wall.screenshot(path=str(shots / "2-wall-ringing.png"))

            focus(desk)
            desk.keyboard.press("a")
            try:
                wait_for_text(desk, "what the caller reports", after=mark)  # its form
            finally:
                desk.screenshot(path=str(shots / "3-desk-answered.png"))
            wait_for_text(wall, "in a form", after=wall_mark)
            wait_for_text(wall, SHOWN, after=wall_mark)
            desk.screenshot(path=str(shots / "3-desk-answered.png"))
            wall.screenshot(path=str(shots / "3-wall-answered.png"))
        finally:
            browser.close()
    check = build_desk(make_settings(f"sqlite:///{desk_db}"), SystemClock())  # type: ignore[arg-type]
    with Session(check.engine) as s:
        (call,) = s.exec(select(Call)).all()
    check.engine.dispose()
    assert (call.state, call.answered_by) == ("answered", login)
