"""``hotline serve``: the desk (or the wallboard) in a browser, one desk process per tab.

The address is checked here (loopback unless a public URL behind a TLS proxy
is given); the screens run the web server (:mod:`screens.serve`), so that
the core never imports the toolkit.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from hotline.cli.context import ServeRequest
from hotline.cli.usage import UsageError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext

#: Global options handed to each tab's desk process through its environment.
PASSED_ON = {"db": "HOTLINE_DB", "tz": "HOTLINE_TZ", "lang": "HOTLINE_LANG",
             "policy_dir": "HOTLINE_POLICY_DIR", "config": "HOTLINE_CONFIG"}
#: Set in each tab's desk process: the server's process id (the desk ends with it).
SERVED_BY = "HOTLINE_SERVED_BY"


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", parents=parents,
                       help=_("serve the desk (or the wallboard) in a browser"),
                       description=_("Serve the desk in a browser: each tab runs a desk of "
                                     "its own and signs in as at a terminal. Only this "
                                     "machine may connect (127.0.0.1) unless --public-url "
                                     "names the https address of a reverse proxy in front."))
    p.add_argument("--host", default="127.0.0.1",
                   help=_("address to listen on (default 127.0.0.1)"))
    p.add_argument("--port", default="8000", help=_("port to listen on (default 8000)"))
    p.add_argument("--wall", action="store_true", help=_("serve the wallboard instead"))
    p.add_argument("--public-url", metavar="URL", default=None,
                   help=_("the https address browsers reach the desk at, through a "
                          "reverse proxy with TLS (needed to listen on another address)"))
    p.add_argument("--demo", action="store_true",
                   help=_("the demo desk's database (the one hotline demo opens)"))
    p.set_defaults(handler=serve_command)


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.x.y.z`` or ``::1``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port(text: str) -> int:
    """A TCP port, 1 to 65535."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 0 < int(text) < 65536:
        raise UsageError(_("--port must be a number from 1 to 65535, not {text}.").format(
            text=repr(text[:20])))
    return int(text)


def check_host(host: str) -> str:
    """An address to listen on: an IP address or a plain host name."""
    h = host.strip()
    try:
        ipaddress.ip_address(h.strip("[]"))
        return h
    except ValueError:
        pass
    labels = h.split(".")
    if (not h or len(h) > 253 or not h.isascii()
            or not all(lb and len(lb) <= 63 and lb.replace("-", "").isalnum()
                       and not lb.startswith("-") for lb in labels)):
        raise UsageError(_("--host must be an IP address or a host name, not {text}.").format(
            text=repr(host[:40])))
    return h


def check_public_url(url: str) -> str:
    """The https address of the reverse proxy (no path, query or credentials)."""
    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or not text.isprintable() or not text.isascii() or len(text) > 300
            or parts.scheme != "https" or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment
            or (parts.path not in ("",) and not parts.path.startswith("/"))):
        raise UsageError(_("--public-url must be the https address of the reverse proxy, "
                           "such as https://desk.example.cn, not {text}.").format(
                               text=repr(url[:60])))
    del port
    return text


def serve_request(args: argparse.Namespace) -> ServeRequest:
    """What to serve, from the arguments; refuses an address others could reach unaided."""
    host = check_host(args.host)
    port = check_port(args.port)
    public_url = check_public_url(args.public_url) if args.public_url is not None else None
    if not is_loopback(host) and public_url is None:
        raise UsageError(_("Serving on {host} would let anyone on the network reach the "
                           "desk without TLS. Listen on 127.0.0.1 and put a reverse proxy "
                           "with TLS in front, then give its address with --public-url "
                           "(see the README, In a browser).").format(host=host))
    what = ["wall"] if args.wall else ["desk", "--sign-in"]
    # exec: the desk replaces the shell, so it is the server's own child (and ends with it)
    command = "exec " + shlex.join([sys.executable, "-m", "screens.main", *what])
    return ServeRequest(host=host, port=port, public_url=public_url, command=command,
                        title=_("hotline wallboard") if args.wall else _("hotline desk"))


def serve_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.cli.context import UiRequest
    from hotline.cli.open_desk import use_demo_database

    request = serve_request(args)
    if args.demo:
        use_demo_database(ctx)
    settings = ctx.settings  # a wrong setting is said here, not in every tab
    os.environ["HOTLINE_DB"] = settings.db_url
    for name, env in PASSED_ON.items():
        value = getattr(args, name, None)
        if value and name != "db":
            os.environ[env] = str(value)
    # each tab signs in for itself
    os.environ.pop("HOTLINE_AS", None)
    os.environ[SERVED_BY] = str(os.getpid())
    return ctx.open_ui(UiRequest(serve=request))
