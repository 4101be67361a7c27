"""What a command is handed: the parsed options, settings, clock, the desk and the screens."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from hotline.clock import Clock, SystemClock
from hotline.config import Settings, load_settings
from hotline.errors import HotlineError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.telephony.simulator import DemoCaller


@dataclass(frozen=True)
class ServeRequest:
    """What ``hotline serve`` serves, and where (checked by :mod:`hotline.cli.serve`)."""

    host: str
    port: int
    public_url: str | None
    command: str  # the shell command that runs one tab's desk
    title: str


@dataclass
class UiRequest:
    """What the screens need to open the desk (the core never imports them).

    Either an open ``desk``, or an ``opener`` that the screens call once their
    frame is on screen (so that opening the database does not delay it).
    """

    desk: Desk | None = None
    opener: Callable[[], Desk] | None = None
    simulator: DemoCaller | None = None
    offer_demo: bool = False
    banner: str = ""
    wall: bool = False  # the wallboard alone, read-only (``hotline wall``)
    serve: ServeRequest | None = None  # serve in a browser (``hotline serve``)


#: Runs the desk's screens; returns the exit code.
UiLauncher = Callable[[UiRequest], int]


class CliContext:
    """What a sub-command needs, built lazily from the global options."""

    def __init__(self, args: argparse.Namespace, clock: Clock | None = None,
                 ui: UiLauncher | None = None) -> None:
        self.args = args
        self._clock = clock
        self._ui = ui

    def open_ui(self, request: UiRequest) -> int:
        if self._ui is None:
            raise HotlineError(_("The desk's screens are not available in this installation."))
        return self._ui(request)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(
            db=self.args.db,
            tz=self.args.tz,
            lang=self.args.lang,
            policy_dir=self.args.policy_dir,
            login=self.args.login,
            config=self.args.config,
        )

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            from hotline.clock import clock_from_env

            self._clock = clock_from_env() or SystemClock()
        return self._clock

    def desk(self, *, migrate: bool = True, ask_secret: bool = True) -> Desk:
        """The open desk; with ``--as LOGIN``, signed in once the secret typed at the
        prompt is checked (``ask_secret``; the screens ask it themselves)."""
        from hotline.desk.operations import open_desk

        desk = open_desk(self.settings, self.clock, migrate=migrate)
        if ask_secret and self.settings.login and not desk.signed_in:
            import getpass

            secret = getpass.getpass(_("Secret of {login}: ").format(login=self.settings.login))
            desk.sign_in(self.settings.login, secret)
        return desk
