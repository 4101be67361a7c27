"""Run a full-screen program in a real terminal (tmux) and watch it: start time, CPU use."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for text in child.read_text().split():
            out.append(int(text))
    return out


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (threads included)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


class Pane:
    """A tmux pane, read and driven through one control-mode client.

    Polling with a new ``tmux capture-pane`` process each time costs a process
    start (milliseconds, and CPU taken from the program being measured on a
    small machine); a control-mode client answers the same command on a pipe
    in a tenth of a millisecond. Its output notifications are switched off.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._client: subprocess.Popen[str] | None = None

    def _command(self, command: str) -> str:
        """Run a tmux command through the control client; its output."""
        if self._client is None:
            self._client = subprocess.Popen(
                ["tmux", "-C", "attach-session", "-t", self.name], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, bufsize=1)
            self._reply()  # the attach's own (empty) reply
            self._command("refresh-client -f no-output")
        assert self._client.stdin is not None
        self._client.stdin.write(command + "\n")
        self._client.stdin.flush()
        return self._reply()

    def _reply(self) -> str:
        assert self._client is not None and self._client.stdout is not None
        lines: list[str] = []
        inside = False
        while True:
            line = self._client.stdout.readline()
            if not line:
                raise RuntimeError(f"tmux control client for {self.name} ended")
            if line.startswith("%begin"):
                inside, lines = True, []
            elif line.startswith(("%end", "%error")) and inside:
                if line.startswith("%error"):
                    raise RuntimeError("tmux: " + "".join(lines).strip())
                return "".join(lines)
            elif inside:
                lines.append(line)

    def close(self) -> None:
        if self._client is not None:
            if self._client.stdin is not None:
                self._client.stdin.close()
            self._client.wait(timeout=5)
            self._client = None

    def capture(self) -> str:
        return self._command(f"capture-pane -p -t {self.name}")

    def send(self, *keys: str) -> None:
        quoted = " ".join('"' + k.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
                          + '"' for k in keys)
        self._command(f"send-keys -t {self.name} {quoted}")

    def pane_pid(self) -> int:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.strip())

    def pids(self) -> list[int]:
        return descendants(self.pane_pid())

    def wait_for(self, text: str, timeout: float = 60.0, poll: float = 0.01) -> float:
        """Seconds until ``text`` appears on the screen."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if text in self.capture():
                return time.perf_counter() - start
            time.sleep(poll)
        raise TimeoutError(f"{text!r} did not appear within {timeout} s:\n{self.capture()}")


@contextmanager
def server() -> Iterator[None]:
    """Keep one tmux server up across sessions (a server with no session exits, and a
    session started meanwhile can find it gone)."""
    name = f"bench-keeper-{uuid.uuid4().hex[:6]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "sleep 86400"], check=True)
    try:
        yield
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


@contextmanager
def tmux(command: str, env: Mapping[str, str] | None = None, width: int = 120,
         height: int = 35) -> Iterator[tuple[Pane, float]]:
    """Start ``command`` in a new tmux session; yields the pane and the start moment."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    exports = " ".join(f"{k}={v}" for k, v in (env or {}).items())
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(width), "-y",
                    str(height), f"env {exports} {command}"], check=True)
    pane = Pane(name)
    try:
        yield pane, started
    finally:
        pane.close()
        subprocess.run(["tmux", "kill-session", "-t", name], check=False,
                       capture_output=True)
