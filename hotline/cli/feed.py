"""``hotline feed``: calls from a phone system, live (Asterisk AMI, JSON lines, a listener).

Every open dashboard shows the calls ring within a second, and the feed's
connection state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import queue
import signal
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hotline.cli.summary_limit import LIST_LIMIT
from hotline.cli.usage import UsageError
from hotline.errors import HotlineError, InputError
from hotline.humane import count
from hotline.i18n import _, ngettext

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.desk.operations import Desk
    from hotline.telephony.feed_reporter import FeedReporter
    from hotline.telephony.jsonl import FeedTally

log = logging.getLogger("hotline.feed")

AMI_PORT = 5038


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "feed", parents=parents, help=_("take calls from the phone system (Asterisk, JSON lines)"),
        description=_("Follow a phone system's call events into the desk: every open dashboard "
                      "shows the calls ring within a second, and the feed's connection state."))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--ami", metavar="HOST[:PORT]",
                        help=_("an Asterisk manager interface (port 5038 unless given)"))
    source.add_argument("--jsonl", metavar="FILE",
                        help=_("JSON lines, one call event per line, from FILE or - (standard "
                               "input)"))
    source.add_argument("--listen", metavar="HOST:PORT",
                        help=_("accept JSON lines on a localhost port (off unless given)"))
    p.add_argument("--max-connections", metavar="N", type=_positive_int, default=None,
                   help=_("with --listen: connections open at once, at most (default 64); "
                          "more are turned away"))
    p.add_argument("--idle-timeout", metavar="SECONDS", type=_positive_float, default=None,
                   help=_("with --listen: close a connection silent for this long "
                          "(default 300)"))
    p.add_argument("--user", metavar="USER", help=_("AMI user name (manager.conf)"))
    p.add_argument("--secret-file", metavar="FILE",
                   help=_("file holding the AMI secret (never give it on the command line)"))
    # a secret typed on the command line is refused, without repeating it
    p.add_argument("--secret", "--password", dest="secret_given", nargs="?", const="",
                   default=None, help=argparse.SUPPRESS)
    p.add_argument("--service", metavar="NAME",
                   help=_("the service account the feed's events are recorded under (with "
                          "--token-file; default: pbx)"))
    p.add_argument("--token-file", metavar="FILE",
                   help=_("the service account's token: the first line of FILE (mode 600)"))
    p.add_argument("--name", metavar="NAME",
                   help=_("the feed's name on the dashboards (default from its source)"))
    p.add_argument("-q", "--quiet", action="store_true",
                   help=_("log only warnings and errors, not every call event"))
    p.set_defaults(handler=feed_command)


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) <= 100_000:
        raise argparse.ArgumentTypeError(_("{value!r} is not a whole number from 1 to "
                                           "100000").format(value=text))
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(_("{value!r} is not a number of seconds from 1 to "
                                           "86400").format(value=text))
    return value


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("hotline.feed")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def feed_command(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.secret_given is not None:
        raise UsageError(_("The AMI secret is never given on the command line (other users "
                           "can see it, and it stays in the shell's history): put it in a "
                           "file readable only by you and use --secret-file FILE."))
    if args.ami is None and (args.user or args.secret_file):
        raise UsageError(_("--user and --secret-file go with --ami."))
    if args.listen is None and (args.max_connections is not None
                                or args.idle_timeout is not None):
        raise UsageError(_("--max-connections and --idle-timeout go with --listen."))
    if args.ami is not None:
        host, port = parse_host_port(args.ami, AMI_PORT)
        if not args.user:
            raise UsageError(_("--ami needs --user (the manager user in manager.conf)."))
        if not args.secret_file:
            raise UsageError(_("--ami needs --secret-file FILE: the secret is read from a file, "
                               "never from the command line."))
        from hotline.cli.secret_files import read_secret

        secret = read_secret(Path(args.secret_file))
        desk = _feed_desk(args, ctx)
        _setup_logging(args.quiet)
        with notifications(ctx, desk):
            return run_ami(desk, host, port, args.user, secret, name=args.name)
    if args.listen is not None:
        from hotline.telephony.jsonl import check_listen_address

        try:
            host, port = check_listen_address(args.listen)
        except InputError as exc:
            raise UsageError(str(exc)) from exc
        desk = _feed_desk(args, ctx)
        _setup_logging(args.quiet)
        from hotline.telephony.jsonl import IDLE_TIMEOUT_S, MAX_CONNECTIONS

        with notifications(ctx, desk):
            return run_listener(desk, host, port, name=args.name,
                                max_connections=args.max_connections or MAX_CONNECTIONS,
                                idle_timeout=args.idle_timeout or IDLE_TIMEOUT_S)
    desk = _feed_desk(args, ctx)
    _setup_logging(args.quiet)
    if args.jsonl == "-":
        with notifications(ctx, desk):
            return run_jsonl_stream(desk, sys.stdin, name=args.name)
    path = Path(args.jsonl)
    try:
        f = path.open(encoding="utf-8", errors="replace", newline=None)
    except OSError as exc:
        raise UsageError(_("Cannot read {path}: {error}.").format(
            path=path, error=exc.strerror or exc)) from exc
    with f:
        from hotline.telephony.jsonl import apply_lines

        with notifications(ctx, desk):
            tally = apply_lines(desk, f)
    print(describe_tally(str(path), tally))
    return 1 if tally.bad else 0


def notifications(ctx: CliContext, desk: Desk) -> AbstractContextManager[object]:
    """The notification sender as a thread of the feed, when ``[notify] in_feed = true``."""
    from hotline.notify.setup import load_setup

    setup = load_setup(ctx.settings.notify)
    if not (setup.in_feed and setup.configured):
        return nullcontext()
    from hotline.notify.loop import SenderThread
    from hotline.supervision.rota import rota_for

    return SenderThread(desk, setup, rota_for(desk.settings))


def _feed_desk(args: argparse.Namespace, ctx: CliContext) -> Desk:
    """The desk the feed writes to, as its service account when one is given (proven the
    way ``hotline ring --service`` proves it); refused before any event is read."""
    desk = ctx.desk()
    if args.service or args.token_file:
        from hotline.accounts.accounts import SignInRefused
        from hotline.cli.secret_files import sign_in_service

        try:
            sign_in_service(desk, args.service, args.token_file)
        except SignInRefused as exc:
            raise UsageError(str(exc)) from exc
        desk.feed_actor = desk.actor
    return desk


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, str(default_port)
    host = host.strip("[]").strip()
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(_("{value!r} is not HOST:PORT (e.g. pbx.example.cn:5038).").format(
            value=text))
    return host, int(port_text)


def _feed_name(kind: str, where: str, name: str | None) -> str:
    return name or f"{kind} {where}"


def run_ami(desk: Desk, host: str, port: int, user: str, secret: str, *,
            name: str | None = None) -> int:
    from hotline.telephony.ami import AmiFeed, AmiSettings
    from hotline.telephony.feed_reporter import FeedReporter

    settings = AmiSettings(host=host, port=port, user=user, secret=secret)
    reporter = FeedReporter(desk, _feed_name("ami", settings.where, name), "ami")

    async def main() -> int:
        stop = asyncio.Event()
        _on_signals(stop)
        log.info(_("following {where} as {user}; Ctrl+C stops").format(
            where=settings.where, user=user))
        return await AmiFeed(desk, settings, reporter, stop).run()

    code = asyncio.run(main())
    if code:
        raise HotlineError(reporter_failure(reporter) or _("The feed stopped."))
    return 0


def reporter_failure(reporter: FeedReporter) -> str:
    from hotline.store.models import PbxFeed

    with reporter.seat.read() as s:
        row = s.get(PbxFeed, reporter.name)
        return row.detail if row is not None else ""


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def run_listener(desk: Desk, host: str, port: int, *, name: str | None = None,
                 max_connections: int = 64, idle_timeout: float = 300.0) -> int:
    from hotline.telephony.feed_reporter import FeedReporter
    from hotline.telephony.jsonl import JsonlListener

    reporter = FeedReporter(desk, _feed_name("listen", f"{host}:{port}", name), "listen")

    def count() -> None:
        reporter.events += 1

    async def main() -> int:
        stop = asyncio.Event()
        _on_signals(stop)
        listener = JsonlListener(desk, on_applied=count, max_connections=max_connections,
                                 idle_timeout=idle_timeout)
        try:
            server = await asyncio.start_server(listener.handle, host, port)
        except OSError as exc:
            raise HotlineError(_("Cannot listen on {host}:{port}: {error}.").format(
                host=host, port=port, error=exc.strerror or exc)) from None
        await asyncio.to_thread(reporter.set_state, "connected")
        log.info(_("listening on {host}:{port} for JSON lines; Ctrl+C stops").format(
            host=host, port=port))
        listener.log_limits()
        with _Heartbeat(reporter):
            async with server:
                await stop.wait()
            await listener.close()
        await asyncio.to_thread(reporter.set_state, "stopped")
        print(describe_tally(f"{host}:{port}", listener.tally))
        return 0

    return asyncio.run(main())


class _Heartbeat:
    """Beats for a feed whose main loop blocks (standard input, a listener)."""

    def __init__(self, reporter: FeedReporter) -> None:
        from hotline.telephony.feed_reporter import HEARTBEAT_S

        self.reporter = reporter
        self.interval = HEARTBEAT_S
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reporter.heartbeat()
            except HotlineError as exc:
                log.error(_("cannot record the feed's heartbeat: {error}").format(error=exc))

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_jsonl_stream(desk: Desk, stream: TextIO, *, name: str | None = None) -> int:
    """Standard input: a live feed (its state shows on the dashboards) until the stream ends.

    A thread reads the lines as they come; each transaction takes every line
    that has arrived since the previous commit (up to a batch), so a lone
    line is written at once and a burst in few transactions.
    """
    from hotline.errors import StorageError
    from hotline.telephony.ami import backoff_delays
    from hotline.telephony.caller_cache import CallerCache
    from hotline.telephony.feed_reporter import FeedReporter
    from hotline.telephony.jsonl import BATCH, FeedTally, apply_batch

    reporter = FeedReporter(desk, _feed_name("jsonl", "stdin", name), "jsonl")
    reporter.set_state("connected")
    tally = FeedTally()
    arrived: queue.Queue[tuple[int, str] | None] = queue.Queue(maxsize=4 * BATCH)

    def read() -> None:
        try:
            for lineno, text in enumerate(stream, start=1):
                arrived.put((lineno, text))
        finally:
            arrived.put(None)

    reader = threading.Thread(target=read, name="feed-stdin", daemon=True)
    lookups = CallerCache(desk)
    pause = threading.Event()  # only waited on, never set: a sleep that reads as one
    try:
        with _Heartbeat(reporter):
            reader.start()
            ended = False
            while not ended:
                first = arrived.get()
                if first is None:
                    break
                batch = [first]
                while len(batch) < BATCH:
                    try:
                        item = arrived.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        ended = True
                        break
                    batch.append(item)
                delays = backoff_delays(0.5, 30.0)
                lookups = lookups.renewed()  # the directory as it is now
                while True:
                    try:
                        results = apply_batch(desk, batch, tally, lookups=lookups)
                        break
                    except StorageError as exc:
                        # the lines are not saved yet: keep them and try again, in order
                        delay = delays()
                        log.error(_("line {n}: {error}; trying again in {s:.0f} s").format(
                            n=batch[0][0] if len(batch) == 1 else f"{batch[0][0]}–{batch[-1][0]}",
                            error=exc, s=delay))
                        pause.wait(delay)
                reporter.events += sum(1 for r in results if r is not None)
    finally:
        with contextlib.suppress(HotlineError):
            reporter.set_state("stopped")
    print(describe_tally(_("standard input"), tally))
    return 1 if tally.bad else 0


def describe_tally(where: str, tally: FeedTally) -> str:
    from hotline.telephony.call_events import APPLIED, CREATED, RECORDED, UNCHANGED

    got = tally.by_outcome
    read = tally.lines - tally.blank
    lines = [ngettext("{where}: {n} line read.", "{where}: {n} lines read.", read).format(
        where=where, n=count(read))]
    lines.append("  " + _("{applied} applied ({created} created by an event that came before "
                          "its ring), {unchanged} already known, {recorded} kept for an "
                          "unknown call id or a contradiction.").format(
        applied=count(got.get(APPLIED, 0) + got.get(CREATED, 0)),
        created=count(got.get(CREATED, 0)), unchanged=count(got.get(UNCHANGED, 0)),
        recorded=count(got.get(RECORDED, 0))))
    if tally.bad:
        lines.append("  " + ngettext("{n} bad line skipped:", "{n} bad lines skipped:",
                                     len(tally.bad)).format(n=count(len(tally.bad))))
        for lineno, error in tally.bad[:LIST_LIMIT]:
            lines.append("    " + _("line {n}: {error}").format(n=lineno, error=error))
        if len(tally.bad) > LIST_LIMIT:
            lines.append("    " + _("… and {n} more").format(n=count(len(tally.bad) - LIST_LIMIT)))
    return "\n".join(lines)
