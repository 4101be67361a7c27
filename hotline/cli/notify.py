"""``hotline notify``: run the sender, list what is pending or failed, test a channel,
set a person's contact channels."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

from hotline.cli.usage import UsageError
from hotline.errors import ConfigError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.notify.setup import NotifySetup


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("notify", parents=parents,
                       help=_("notifications: the sender, their state, channels"),
                       description=_("Deliver the desk's notifications (e-mail, webhooks, "
                                     "WeCom, DingTalk, Feishu, SMS) as the [notify] rules of "
                                     "the config file say."))
    p.set_defaults(handler=notify_status)
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION", parser_class=type(p))
    run = nsub.add_parser("run", parents=parents, help=_("deliver notifications until stopped"))
    run.add_argument("--once", action="store_true",
                     help=_("deliver what is due now, then stop"))
    run.add_argument("--quiet", action="store_true", help=_("log only failures"))
    run.set_defaults(handler=notify_run)
    status = nsub.add_parser("status", parents=parents,
                             help=_("list the notifications pending and failed"))
    status.set_defaults(handler=notify_status)
    test = nsub.add_parser("test", parents=parents,
                           help=_("send a test message on a channel and show the answer"))
    test.add_argument("channel", metavar="CHANNEL", help=_("a channel of [notify.channels]"))
    test.add_argument("--to", metavar="ADDRESS", default="",
                      help=_("an e-mail address or phone number, or robot user ids to mention"))
    test.set_defaults(handler=notify_test)
    contact = nsub.add_parser("contact", parents=parents,
                              help=_("set where a person is notified"))
    contact.add_argument("person", metavar="LOGIN", help=_("the person's login"))
    contact.add_argument("--email", metavar="ADDRESS", help=_("e-mail address ('' clears)"))
    contact.add_argument("--phone", metavar="NUMBER",
                         help=_("mobile number for SMS and DingTalk mentions ('' clears)"))
    contact.add_argument("--mention", metavar="ID",
                         help=_("user id a WeCom or Feishu robot mentions ('' clears)"))
    contact.set_defaults(handler=notify_contact)


def _setup(ctx: CliContext) -> NotifySetup:
    from hotline.notify.setup import load_setup

    setup = load_setup(ctx.settings.notify)
    if not setup.configured:
        raise ConfigError(_("No notification channels are configured: add "
                            "[notify.channels.NAME] to the config file (see the README, "
                            "Notifications)."))
    return setup


def notify_run(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.notify.loop import one_round, run_forever
    from hotline.notify.setup import sender_id
    from hotline.supervision.rota import rota_for

    setup = _setup(ctx)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    desk = ctx.desk()
    rota = rota_for(desk.settings)
    if args.once:
        result = one_round(desk, setup, rota, sender_id())
        print(_("{routed} messages made, {sent} sent, {retried} to retry, {failed} failed.")
              .format(routed=result.routed, sent=result.sent, retried=result.retried,
                      failed=result.failed))
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_a: stop.set())
    run_forever(desk, setup, rota, stop)
    return 0


def notify_status(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.views.notifications import failing_since, pending_and_failed

    desk = ctx.desk()
    rows = pending_and_failed(desk.engine)
    since = failing_since(desk.engine, desk.now())
    if since is not None:
        print(_("Notifications failing since {time}.").format(time=desk.show(since)))
    if not rows:
        print(_("No notification is pending or failed."))
        return 0
    for n in rows:
        if n.state == "failed":
            state = _("failed {time}: {why}").format(time=desk.show(n.failed_at or n.created_at),
                                                     why=n.last_error or "?")
        elif n.attempts:
            state = _("retry at {time} (attempt {n} failed: {why})").format(
                time=desk.show(n.next_at), n=n.attempts, why=n.last_error or "?")
        else:
            state = _("pending since {time}").format(time=desk.show(n.created_at))
        print(f"{n.id:>6}  {n.channel:<12} {n.recipient:<12} {n.subject[:50]:<50}  {state}")
    return 1 if since is not None else 0


def notify_test(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.notify.channels import DeliveryError, Outgoing, send

    setup = _setup(ctx)
    channel = setup.channels.get(args.channel)
    if channel is None:
        raise UsageError(_("There is no channel {name} (configured: {known}).").format(
            name=args.channel[:40], known=", ".join(sorted(setup.channels))))
    address = args.to
    if not address and channel.type in ("smtp", "sms"):
        to = channel.options.get("to", "")
        address = ",".join(to) if isinstance(to, list) else str(to)
    now = ctx.clock.now()
    key = f"test:{args.channel}:{int(now.timestamp())}"
    msg = Outgoing(key, _("hotline: test message"),
                   _("A test message from the hotline desk: this channel works."), address,
                   "test")
    try:
        answer = send(channel, msg, now)
    except DeliveryError as exc:
        print(_("{name}: not delivered: {error}").format(name=args.channel, error=exc))
        return 1
    print(_("{name}: delivered; the server answered: {answer}").format(
        name=args.channel, answer=answer))
    return 0


def notify_contact(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.errors import InputError
    from hotline.notify.contacts import set_contact

    desk = ctx.desk()
    try:
        e = set_contact(desk, args.person, email=args.email, phone=args.phone,
                        mention=args.mention)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    none = _("none")
    print(_("{login}: e-mail {email}, phone {phone}, mention {mention}").format(
        login=e.login, email=e.notify_email or none, phone=e.notify_phone or none,
        mention=e.notify_mention or none))
    return 0
