"""The Textual application: one desk, one dashboard, live from the database."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from hotline import demo
from hotline.db import ChangeWatcher
from hotline.desk import Desk
from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.notices import FeedStatus, header_notices, load_feed_statuses
from hotline.queries import Snapshot, load_snapshot
from hotline.roster import roster
from hotline.telephony.simulator import DemoCaller
from screens.dashboard import DashboardScreen
from screens.dialogs import Confirm
from screens.help import HelpScreen
from screens.i18n_bindings import translate_bindings
from screens.messages import DeskFailed, SnapshotLoaded
from screens.signin import SignInScreen
from screens.widgets.live_table import Now


class HotlineApp(App[None]):
    """The desk. Every figure on screen comes from the database through ``desk``."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "hotline"
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
        Binding("q", "quit", "Quit", id="app.quit_q"),
        Binding("slash", "search", "Search tickets", id="app.search"),
        Binding("f2", "directory", "Directory", id="app.directory"),
    ]

    #: How often the screen checks for other seats' changes, and re-evaluates clocks.
    WATCH_INTERVAL = 0.5
    EVALUATE_INTERVAL = 1.0

    def __init__(self, desk: Desk, *, simulator: DemoCaller | None = None,
                 offer_demo: bool = False, banner: str = "", live: bool = True,
                 sign_in: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.desk = desk
        self.simulator = simulator
        self.offer_demo = offer_demo
        self.banner = banner
        self.live = live
        self.sign_in = sign_in
        self.now_ref = Now(desk.now())
        self.snapshot: Snapshot | None = None
        self.notices: list[str] = []
        self.feeds: list[FeedStatus] = []  # call feeds' states, read with each snapshot
        self.dashboard = DashboardScreen()
        self._watcher = ChangeWatcher(desk.engine)
        self._load_seq = 0
        self._shown_seq = 0
        if desk.settings.keymap:
            self.set_keymap(dict(desk.settings.keymap))

    def get_default_screen(self) -> Screen[None]:
        return self.dashboard

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(1.0, self.tick, name="tick")
            self.set_interval(self.WATCH_INTERVAL, self.watch_changes, name="watch")
            self.set_interval(self.EVALUATE_INTERVAL, self.evaluate, name="evaluate")
        if self.simulator is not None:
            self.run_simulator()
        if self.offer_demo and demo.should_offer(self.desk):
            self.push_screen(Confirm(_("Welcome"), _(
                "This desk has no directory yet. Load the demo customers, contacts, "
                "contracts and engineers, to try the desk?")), self._demo_answer)
        else:
            self._ask_sign_in()

    def _demo_answer(self, yes: bool | None) -> None:
        try:
            demo.record_offer(self.desk, accepted=bool(yes))
            if yes:
                demo.load_directory(self.desk)
                self.notify(_("Demo directory loaded. Try: hotline ring 13800138000 in another "
                              "terminal, or run hotline demo."), timeout=10)
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
        self.reload()
        self._ask_sign_in()

    def _ask_sign_in(self) -> None:
        """Without --as, a desk with a roster asks who works this seat."""
        if not self.sign_in or self.desk.signed_in:
            return
        members = roster(self.desk.engine)
        if not members:
            return

        def chosen(login: str | None) -> None:
            if login is None:
                return
            try:
                self.desk.sign_in(login)
            except HotlineError as exc:
                self.notify(str(exc), severity="error")
                self._ask_sign_in()
                return
            self.dashboard.tick()
            self.notify(_("Signed in as {who}.").format(who=login), timeout=4)

        self.push_screen(SignInScreen(members), chosen)

    def roster_logins(self) -> list[str]:
        return [m.login for m in roster(self.desk.engine)]

    def open_ticket(self, ticket_id: int) -> None:
        from screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket_id))

    # --- time and data -----------------------------------------------------------

    def tick(self) -> None:
        self.now_ref.at = self.desk.now()
        if self.feeds:  # a feed's heartbeat ages by the second: connected → stale
            self.notices = header_notices(self.desk.sla, self.now_ref.at,
                                          self.desk.settings.tz, self.feeds)
        self.dashboard.tick()
        screen = self.screen
        if screen is not self.dashboard and hasattr(screen, "tick"):
            screen.tick()

    def refresh_now(self) -> None:
        """Evaluate and reload at once (start-up, tests)."""
        try:
            self.desk.evaluate()
            snapshot = load_snapshot(self.desk.engine, self.desk.now(), self.desk.settings.tz)
            self.feeds = load_feed_statuses(self.desk.engine)
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
            return
        self._load_seq += 1
        self._apply(snapshot, self._load_seq)
        self.tick()

    def reload(self) -> None:
        """Read a fresh snapshot in a worker; the newest one wins."""
        self._load_seq += 1
        self._load(self._load_seq)

    @work(thread=True, group="load")
    def _load(self, seq: int) -> None:
        try:
            snapshot = load_snapshot(self.desk.engine, self.desk.now(), self.desk.settings.tz)
            self.feeds = load_feed_statuses(self.desk.engine)
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(DeskFailed(_("Cannot read the desk: {error}").format(error=exc)))
            return
        self.post_message(SnapshotLoaded(snapshot, seq))

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self._apply(message.snapshot, message.seq)

    def _apply(self, snapshot: Snapshot, seq: int) -> None:
        if seq < self._shown_seq:
            return
        self._shown_seq = seq
        self.snapshot = snapshot
        self.now_ref.at = self.desk.now()
        self.notices = header_notices(self.desk.sla, self.now_ref.at, self.desk.settings.tz,
                                      self.feeds)
        self.dashboard.show(snapshot)

    def on_desk_failed(self, message: DeskFailed) -> None:
        self.notify(message.text, severity="error", timeout=10)

    def watch_changes(self) -> None:
        if self._watcher.changed():
            self.reload()

    @work(thread=True, exclusive=True, group="evaluate")
    def evaluate(self) -> None:
        try:
            self.desk.evaluate()
        except Exception as exc:  # keep the desk up; say what went wrong
            self.post_message(DeskFailed(_("Cannot evaluate the clocks: {error}").format(
                error=exc)))

    @work(thread=True, exclusive=True, group="simulator")
    def run_simulator(self) -> None:
        assert self.simulator is not None
        me = get_current_worker()
        while not me.is_cancelled:
            try:
                self.simulator.step()
            except HotlineError as exc:
                self.post_message(DeskFailed(str(exc)))
            self.simulator.wait(0.5)

    # --- actions -----------------------------------------------------------------

    def action_search(self) -> None:
        from screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers every action of the dashboard, with its key."""
        yield from super().get_system_commands(screen)
        if screen is self.dashboard:
            for b in self.dashboard._bindings.key_to_bindings.values():
                for binding in b:
                    keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
                    yield SystemCommand(
                        binding.description,
                        _("Key: {key}").format(key=keys),
                        partial(self.dashboard.run_action, binding.action),
                    )
        yield SystemCommand(_("Help: every key"), _("Key: F1 or ?"), self.action_help)
        yield SystemCommand(_("Directory: customers, sites, contacts, contracts"),
                            _("Key: F2"), self.action_directory)

    def on_unmount(self) -> None:
        self._watcher.close()
        if self.simulator is not None:
            self.simulator.stop()

    # --- directory (issue #4) -------------------------------------------------------

    def action_directory(self) -> None:
        """Open the directory over the current screen (not over a form)."""
        from textual.screen import ModalScreen

        from screens.directory import DirectoryScreen

        if isinstance(self.screen, ModalScreen | DirectoryScreen):
            self.bell()
            return
        self.push_screen(DirectoryScreen())
