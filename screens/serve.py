"""``hotline serve``: the desk in a browser, through textual-serve.

Each browser tab opens a websocket; the server starts one desk process for it
(``python -m screens.main desk --sign-in``, or ``wall``) and ends it when the
tab closes. No desk process outlives the server: on SIGTERM or Ctrl+C the
server quits every desk it started and waits for them; and each desk asks
the kernel to end it when the server's process goes, however that goes
(:func:`end_with_server`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
from typing import TYPE_CHECKING

from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import ServeRequest

#: Linux ``prctl`` option: the signal this process gets when its parent ends.
PR_SET_PDEATHSIG = 1


def serve(request: ServeRequest) -> int:
    """Run the web server until SIGTERM or Ctrl+C; every tab's desk ends with it."""
    from textual_serve.server import Server

    server = Server(request.command, host=request.host, port=request.port,
                    title=request.title, public_url=request.public_url)
    print(_("Serving the {what} on {url} (Ctrl+C stops it, and every desk it opened).").format(
        what=_("wallboard") if "wall" in request.command.split() else _("desk"),
        url=request.public_url or f"http://{request.host}:{request.port}"), flush=True)
    try:
        server.serve()
    finally:
        _end_children()
    return 0


def end_with_server() -> None:
    """In a tab's desk process: end when the server that started it ends (Linux).

    The server names itself in ``HOTLINE_SERVED_BY``; when it is this process's
    parent, the kernel is asked to end this one when that parent goes, even if
    it is killed outright and could not quit its desks. SIGKILL, not SIGTERM:
    a desk whose server is gone has no screen left, and Textual's web driver
    takes SIGTERM as a request to quit that it could not finish writing to a
    closed pipe (the desk stayed). Every change is already committed, one
    transaction each, so nothing half-written is left behind.
    """
    served_by = os.environ.get("HOTLINE_SERVED_BY")
    if not served_by or not sys.platform.startswith("linux"):
        return
    if str(os.getppid()) != served_by:
        if os.getppid() == 1:  # the server already went, before this desk began
            sys.exit(0)
        return
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if str(os.getppid()) != served_by:  # it went meanwhile
        sys.exit(0)


def _end_children() -> None:
    """Quit every desk process still running (SIGTERM, then SIGKILL), and reap them."""
    import time

    children = _children()
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while children and time.monotonic() < deadline:
        children = [pid for pid in children if not _reaped(pid)]
        if children:
            time.sleep(0.05)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _reaped(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not ours to wait for, or already reaped
    return done == pid


def _children() -> list[int]:
    """This process's children (from /proc; none where there is no /proc)."""
    me = str(os.getpid())
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold spaces and brackets
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == me:
            found.append(int(entry))
    return found
