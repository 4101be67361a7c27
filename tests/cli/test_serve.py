"""``hotline serve``: where it may listen, and no desk process outlives the server."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.cli.main import run
from hotline.cli.serve import (
    check_host,
    check_port,
    check_public_url,
    is_loopback,
    serve_request,
)
from hotline.cli.usage import UsageError

ROOT = Path(__file__).resolve().parents[2]


def args(**kw: object) -> argparse.Namespace:
    values: dict[str, object] = {"host": "127.0.0.1", "port": "8000", "wall": False,
                                 "public_url": None, "demo": False}
    values.update(kw)
    return argparse.Namespace(**values)


def test_loopback_by_default_and_the_desk_signs_in_per_tab() -> None:
    req = serve_request(args())
    assert (req.host, req.port, req.public_url) == ("127.0.0.1", 8000, None)
    assert req.command.startswith("exec ")
    assert req.command.endswith("-m screens.main desk --sign-in")
    assert serve_request(args(wall=True)).command.endswith("-m screens.main wall")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "localhost", "::1", "[::1]"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)
    serve_request(args(host=host))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "desk.example.cn", "::"])
def test_another_address_needs_a_public_url(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="without TLS"):
        serve_request(args(host=host))
    req = serve_request(args(host=host, public_url="https://desk.example.cn/"))
    assert req.public_url == "https://desk.example.cn"
    assert run(["serve", "--host", host]) == 2
    assert "--public-url" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["http://desk.example.cn", "desk.example.cn", "https://",
                                 "https://u:p@desk.example.cn", "https://desk.example.cn/?a=1",
                                 "https://desk\x00.cn", "https://desk.example.cn:99999",
                                 "javascript:alert(1)", "https://桌面.cn"])
def test_a_public_url_must_be_https_and_plain(url: str) -> None:
    with pytest.raises(UsageError, match="https address"):
        check_public_url(url)


@pytest.mark.parametrize("port", ["0", "65536", "-1", "80a", "", "٣٤", "1" * 400, "8000.5"])
def test_ports_out_of_range_are_refused(port: str) -> None:
    with pytest.raises(UsageError, match="from 1 to 65535"):
        check_port(port)


@given(st.text(max_size=30))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_port_text_is_a_port_or_refused(text: str) -> None:
    try:
        port = check_port(text)
    except UsageError:
        return
    assert 1 <= port <= 65535 and int(text.strip()) == port


@given(st.text(max_size=60))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_host_text_is_an_address_or_refused(text: str) -> None:
    try:
        host = check_host(text)
    except UsageError as exc:
        assert "--host" in str(exc)
        return
    assert host and host.isascii() and "\x00" not in host and " " not in host


@given(st.text(max_size=80))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_public_url_text_is_https_or_refused(text: str) -> None:
    try:
        url = check_public_url(text)
    except UsageError:
        return
    assert url.startswith("https://") and url.isprintable() and "@" not in url.split("/")[2]


# --- the process tree ends with the server ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text(errors="replace")
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if fields[1] == str(pid) and fields[0] != "Z":
                out.append(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def start_server(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOTLINE_DB": str(tmp_path / "desk.db"), "HOTLINE_LANG": "en"}
    env.pop("HOTLINE_AS", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # each tab's desk is a new process: compile once
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "serve", "--port",
                               str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(600):  # up to a minute on a busy machine
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError as exc:
            if server.poll() is not None:
                raise AssertionError(
                    f"the server ended with code {server.returncode}") from exc
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start listening")


async def end_server_under_a_session(port: int, server: subprocess.Popen[bytes],
                                     how: signal.Signals) -> tuple[list[int], bytes]:
    """Open a tab's session, and end the server while it is open.

    Returns the desk processes the tab had, and the first bytes of its screen.
    """
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24")
        got = b""
        while b"hotline" not in got:
            msg = await ws.receive(timeout=60)
            if msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                break
            got += msg.data if isinstance(msg.data, bytes) else msg.data.encode()
        desks = children_of(server.pid)
        assert all(alive(pid) for pid in desks)
        server.send_signal(how)
        await asyncio.to_thread(server.wait, 30)
        return desks, got


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_no_desk_process_outlives_the_server(tmp_path: Path, how: signal.Signals) -> None:
    port = free_port()
    server = start_server(tmp_path, port)
    try:
        desks, screen = asyncio.run(asyncio.wait_for(
            end_server_under_a_session(port, server, how), 120))
        assert b"hotline" in screen  # the desk drew its first frame in the tab
        assert desks, "no desk process was started for the tab"
        for _ in range(100):
            if not any(alive(pid) for pid in desks):
                break
            time.sleep(0.1)
        assert not [pid for pid in desks if alive(pid)]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
