"""Running the sender: its own process (``hotline notify run``) or a thread of ``hotline feed``."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.notify.sender import RoundResult, run_round
from hotline.notify.setup import NotifySetup, sender_id
from hotline.seat import Seat
from hotline.supervision.rota import Rota

log = logging.getLogger("hotline.notify")


def one_round(seat: Seat, setup: NotifySetup, rota: Rota, owner: str) -> RoundResult:
    """A round that survives what a database or a server can do to it (said in the log)."""
    try:
        return run_round(seat, setup, rota, owner)
    except (HotlineError, sa.exc.SQLAlchemyError) as exc:
        log.error(_("notifications: {error}").format(error=str(exc).splitlines()[0]))
        return RoundResult()


def run_forever(seat: Seat, setup: NotifySetup, rota: Rota, stop: threading.Event) -> None:
    """Rounds until ``stop`` is set: at once again while busy, else every ``poll``."""
    owner = sender_id()
    while not stop.is_set():
        result = one_round(seat, setup, rota, owner)
        if result.busy:
            log.info(_("notifications: {sent} sent, {retried} to retry, {failed} failed")
                     .format(sent=result.sent, retried=result.retried, failed=result.failed))
        if not result.busy:
            stop.wait(setup.poll.total_seconds())


class SenderThread:
    """The sender inside another command (``hotline feed`` with ``in_feed = true``)."""

    def __init__(self, seat: Seat, setup: NotifySetup, rota: Rota) -> None:
        self._args = (seat, setup, rota)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=run_forever, args=(seat, setup, rota, self._stop),
                                        name="notify-sender", daemon=True)

    def __enter__(self) -> SenderThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        # what the command wrote last (a file's calls) is delivered before it ends
        seat, setup, rota = self._args
        one_round(seat, setup, rota, sender_id())
