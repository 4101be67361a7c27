"""The Textual application: one desk, one dashboard, live from the database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import get_current_worker

from hotline.errors import ConfigError, HotlineError
from hotline.i18n import _
from screens.context import DeskContext, DeskScreen
from screens.dashboard import DashboardScreen
from screens.dialogs import Confirm, KeepsDialogs
from screens.garbage_collection import IdleCollector
from screens.messages import (
    AlertsRaised,
    ChangesSeen,
    DeskChanged,
    DeskFailed,
    DeskOpened,
    DeskOpenFailed,
    ShiftChanged,
    ShiftRefreshed,
    SnapshotLoaded,
)
from screens.translated_bindings import (
    declared_actions,
    key_name,
    keys_for,
    translated,
)
from screens.widgets.live_table import Now

# Everything that needs the database (SQLAlchemy, the models, the SLA engine, phone
# number metadata) is imported where it is used: the desk paints its frame first and
# opens the database in a worker, so start-up is not held by imports.
if TYPE_CHECKING:
    from hotline.desk.operations import Desk
    from hotline.supervision.escalation_queue import AlertMark
    from hotline.supervision.rota import Rota
    from hotline.telephony.simulator import DemoCaller
    from hotline.views.dashboard import Snapshot
    from hotline.views.feeds import FeedStatus

#: Before the desk is open, the countdowns have nothing to count against.
_NOT_YET = datetime(2000, 1, 1, tzinfo=UTC)


class HotlineApp(KeepsDialogs[None]):
    """The desk. Every figure on screen comes from the database through ``desk``.

    The screens are handed ``context`` (the open desk, the time reference, the rota,
    the keymap) and post messages (screens.messages) for what they want of the app.
    """

    CSS_PATH = ["styles/app.tcss", "styles/supervisor.tcss", "styles/wall.tcss"]
    TITLE = "hotline"
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
        Binding("q", "quit", "Quit", id="app.quit_q"),
        Binding("slash", "search", "Search tickets", id="app.search"),
        Binding("f2", "directory", "Directory", id="app.directory"),
        Binding("f3,E", "escalations", "Escalation queue", id="app.escalations"),
        Binding("f4,H", "handover", "Shift handover", id="app.handover"),
        Binding("f5,R", "reports", "Reports", id="app.reports"),
        # not on the key bar (F1 and the palette list it): the bar is full at 80 columns
        Binding("f6,W", "wall", "Wallboard", id="app.wall", show=False),
        Binding("f7,U", "duties", "Duties", id="app.duties", show=False),
    ]

    #: How often the screen checks for other seats' changes, and re-evaluates clocks.
    WATCH_INTERVAL = 0.5
    EVALUATE_INTERVAL = 1.0

    def __init__(self, desk: Desk | None, *, opener: Callable[[], Desk] | None = None,
                 simulator: DemoCaller | None = None, offer_demo: bool = False,
                 banner: str = "", live: bool = True, sign_in: bool = False,
                 wall: bool = False) -> None:
        """``desk``: an open desk; or None with ``opener``, which opens it in a worker once
        the frame is on screen (the command line does that, for a fast start).

        ``wall``: the wallboard alone (``hotline wall``): read-only, nobody signs in, no
        key but quit and help acts, and the desk's clocks are left to the desks."""
        super().__init__()
        if desk is None and opener is None:
            raise ValueError("a desk or a way to open one is needed")
        self._opener = opener
        self.simulator = simulator
        self.offer_demo = offer_demo
        self.live = live
        self.sign_in = sign_in and not wall
        self.wall_only = wall
        self.now_ref = Now(_NOT_YET)
        #: What the screens are handed: the desk once it is open, the time, the rota.
        self.context = DeskContext(self.now_ref, live=live)
        self.context.awaiting_sign_in = self.sign_in
        self.snapshot: Snapshot | None = None
        self.feeds: list[FeedStatus] = []  # call feeds' states, read with each snapshot
        #: Since when notifications fail to be delivered (None: they do not), ditto.
        self.notify_failing: datetime | None = None
        self.dashboard = DashboardScreen(self.context, banner=banner)
        self._load_seq = 0
        self._shown_seq = 0
        self._loading = False  # a snapshot is being read
        self.collector = IdleCollector()  # started with the first snapshot (live desks)
        self._reload_pending = False  # asked for meanwhile: read once more after it
        self._watching = False  # a worker is looking for other seats' changes
        self._watch_lock = threading.Lock()
        self.failure: str | None = None
        #: The idle lock is on screen; when the last key was pressed (the desk's clock).
        self.idle_locked = False
        self.last_input: datetime | None = None
        self._asking_to_quit = False  # "Quit anyway?" is on screen
        if desk is not None:
            self._attach_desk(desk)

    @property
    def desk(self) -> Desk:
        return self.context.desk

    @property
    def ready(self) -> bool:
        """The database is open (until then the dashboard shows its empty frame)."""
        return self.context.ready

    def _attach_desk(self, desk: Desk) -> None:
        self.context.attach(desk)
        self._watcher = desk.watch_changes()
        if self.context.keymap:
            self.set_keymap(dict(self.context.keymap))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The desk's screens wait for the desk to be open (help and quit do not), and
        for the secret while the desk is locked (quit does not)."""
        if self.idle_locked:
            return True if action == "quit" else None
        if self.wall_only:  # nothing on the wall may change the desk
            return action in ("help", "quit", "bell")
        if self.ready or action in ("help", "quit", "command_palette", "bell"):
            return True
        return None

    # --- the idle lock -------------------------------------------------------------

    def check_idle_lock(self) -> None:
        """Lock the desk once nobody pressed a key for the configured time (with a person
        signed in; ``idle_lock_minutes = 0``: never)."""
        from screens.lock import LockScreen

        if not self.ready or self.idle_locked or not self.desk.signed_in:
            return
        minutes = self.desk.settings.idle_lock_minutes
        now = self.desk.now()
        if self.last_input is None:
            self.last_input = now
        if minutes <= 0 or (now - self.last_input).total_seconds() < minutes * 60:
            return
        self.idle_locked = True
        desk = self.desk
        who = desk.actor

        def unlocked(_who: str | None) -> None:
            self.idle_locked = False
            self.last_input = desk.now()
            self.refresh_bindings()

        self.push_screen(LockScreen(who, minutes, lambda secret: desk.sign_in(who, secret)),
                         unlocked)

    def get_default_screen(self) -> Screen[None]:
        return self.dashboard

    def on_mount(self) -> None:
        if not self.ready:
            # After the first paint: opening the database imports the data layer, and that
            # thread would otherwise hold the interpreter while the frame is drawn.
            self.call_after_refresh(self._open)
        else:
            self._start()
            # The dashboard is mounted after this: it shows the snapshot in its first frame.
            self.first_paint()

    @work(thread=True, exclusive=True, group="open")
    def _open(self) -> None:
        assert self._opener is not None
        try:
            desk = self._opener()
        except ConfigError as exc:
            self.post_message(DeskOpenFailed(_("Configuration: {error}").format(error=exc), 2))
            return
        except HotlineError as exc:
            self.post_message(DeskOpenFailed(str(exc), 1))
            return
        except Exception as exc:  # any other failure to open: said plainly, no traceback
            self.post_message(DeskOpenFailed(_("Cannot open the desk: {error}").format(
                error=exc), 1))
            return
        self.post_message(DeskOpened(desk))

    def on_desk_opened(self, message: DeskOpened) -> None:
        self._attach_desk(message.desk)
        self.first_paint()
        self._start()

    def on_desk_open_failed(self, message: DeskOpenFailed) -> None:
        self.failure = message.text  # printed by Textual after the screen is restored
        self.exit(return_code=message.code, message=message.text)

    def _start(self) -> None:
        """The desk is open: the clocks tick, other seats are watched, the seat signs in."""
        from hotline import demo

        self._supervision_start()
        if self.live:
            self.set_interval(1.0, self.tick, name="tick")
            self.set_interval(self.WATCH_INTERVAL, self.watch_changes, name="watch")
            if not self.wall_only:
                self.set_interval(self.EVALUATE_INTERVAL, self.evaluate_when_due,
                                  name="evaluate")
        if self.wall_only:
            from screens.wall import WallScreen

            self.push_screen(WallScreen(self.context, standalone=True))
            return
        if self.simulator is not None:
            self.run_simulator()
        if self.offer_demo and demo.should_offer(self.desk):
            self.push_screen(Confirm(_("Welcome"), _(
                "This desk has no directory yet. Load the demo customers, contacts, "
                "contracts and engineers, to try the desk?")), self._demo_offer_answered)
        else:
            self._ask_sign_in()

    def _demo_offer_answered(self, yes: bool | None) -> None:
        """Record the answer (and load the demo directory) in a worker, then sign in."""
        from hotline import demo
        from screens.operations import run_operation

        desk = self.desk

        def answer() -> bool:
            demo.record_offer(desk, accepted=bool(yes))
            if yes:
                demo.load_directory(desk)
            return bool(yes)

        def recorded(loaded: bool) -> None:
            if loaded:
                self.notify(_("Demo directory loaded. Try: hotline ring 13800138000 in another "
                              "terminal, or run hotline demo."), timeout=10)
            self._ask_sign_in()

        run_operation(self, answer, key="demo", then=recorded,
                      failed=lambda _error: self._ask_sign_in())

    def _ask_sign_in(self) -> None:
        """Without --as, a desk with a roster asks who works this seat."""
        from hotline.desk.roster import roster
        from screens.signin import SignInScreen

        if not self.sign_in or self.desk.signed_in:
            self._signed_in()
            return
        members = roster(self.desk.engine)  # once, as the desk starts
        if not members:
            self._signed_in()
            return

        def signed_in(login: str | None) -> None:
            if login is None:
                return
            self._signed_in()
            self.notify(_("Signed in as {who}.").format(who=login), timeout=4)

        self.push_screen(SignInScreen(members, self.desk.sign_in,
                                      login=self.desk.settings.login or None), signed_in)

    def _signed_in(self) -> None:
        """Somebody works the seat now (or it asks nobody): the header names them."""
        self.context.awaiting_sign_in = False
        self.dashboard.tick()

    # --- what the screens ask for ------------------------------------------------

    def on_desk_changed(self, message: DeskChanged) -> None:
        # After the next paint: the screen the key opened (the intake form on an answer)
        # is drawn first, then the open work is read again behind it.
        self.call_after_refresh(self.reload)

    def on_shift_changed(self, message: ShiftChanged) -> None:
        self.refresh_shift()

    # --- time and data -----------------------------------------------------------

    def _notices(self) -> list[str]:
        from hotline.views.notices import header_notices

        return header_notices(self.desk.sla, self.now_ref.at, self.desk.settings.tz,
                              self.feeds, shift=self.shift_text,
                              notify_failing=self.notify_failing)

    def _read_snapshot(self) -> Snapshot:
        """The dashboard's data (and the call feeds' states) as of now."""
        from hotline.views.dashboard import load_snapshot
        from hotline.views.feeds import load_feed_statuses
        from hotline.views.notifications import failing_since

        snapshot = load_snapshot(self.desk.engine, self.desk.now(), self.desk.settings.tz)
        self.feeds = load_feed_statuses(self.desk.engine)
        self.notify_failing = failing_since(self.desk.engine, self.desk.now())
        return snapshot

    def tick(self) -> None:
        if not self.ready:
            return
        self.now_ref.at = self.desk.now()
        self.check_idle_lock()
        self.collector.poll()
        if self.feeds:  # a feed's heartbeat ages by the second: connected → stale
            self.dashboard.notices = self._notices()
        self.dashboard.tick()
        screen = self.screen
        if screen is not self.dashboard and hasattr(screen, "tick"):
            screen.tick()

    def first_paint(self) -> None:
        """Show the desk as it is at once; clocks due meanwhile are evaluated just after."""
        if not self.ready:
            return
        if not self.live:
            self.refresh_now()
            return
        try:
            snapshot = self._read_snapshot()
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
            return
        self._load_seq += 1
        self._apply(snapshot, self._load_seq)
        self.tick()
        if not self.wall_only:
            self.evaluate()

    def refresh_now(self) -> None:
        """Evaluate and reload at once (start-up, tests)."""
        try:
            if not self.wall_only:
                self.desk.evaluate()
            snapshot = self._read_snapshot()
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
            return
        self._load_seq += 1
        self._apply(snapshot, self._load_seq)
        self.tick()

    def reload(self) -> None:
        """Read a fresh snapshot in a worker; the newest one wins.

        Asks that come while one is being read make one more read after it, not one
        each: an answer, its escalation and the change counter would otherwise read the
        desk three times at once, each slowing the keys the engineer presses next.
        """
        self._request_load()

    def _request_load(self) -> None:
        self._load_seq += 1
        if self._loading:
            self._reload_pending = True
            return
        self._loading = True
        self._load(self._load_seq)

    @work(thread=True, group="load")
    def _load(self, seq: int) -> None:
        self._look_for_changes()  # what changed so far, the read below sees
        try:
            snapshot = self._read_snapshot()
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(DeskFailed(_("Cannot read the desk: {error}").format(error=exc)))
            self.post_message(SnapshotLoaded(None, seq))
            return
        self.post_message(SnapshotLoaded(snapshot, seq))

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self._loading = False
        if message.snapshot is not None:
            self._apply(message.snapshot, message.seq)
        if self._reload_pending:
            self._reload_pending = False
            self._loading = True
            self._load(self._load_seq)

    def _apply(self, snapshot: Snapshot, seq: int) -> None:
        if seq < self._shown_seq:
            return
        self._shown_seq = seq
        self.snapshot = snapshot
        self.now_ref.at = self.desk.now()
        self.dashboard.notices = self._notices()
        self.dashboard.show(snapshot)
        if self.live and not self.collector.started:  # (tests run many apps in one process)
            self.call_after_refresh(self._after_first_snapshot)

    def _after_first_snapshot(self) -> None:
        """The desk is on screen: load what the first keys need, then start the collector.

        The forms and the ticket screen are imported here, while the engineer reads the
        dashboard, not on the first answer, ticket or search (a first key press used to
        take three times as long as the next ones).
        """
        import screens.intake
        import screens.search
        import screens.ticket  # noqa: F401

        # and the intake form and the dialogs built, which the first answer or
        # question used to build (two to four times the next ones' time) — not on the
        # wallboard alone, which takes no call and asks nothing: building them there
        # made its tables lay out again, narrower, after they were first drawn
        if not self.wall_only:
            self.dashboard.build_intake_ahead()
            self.build_dialogs_ahead()
        self.collector.start()

    def on_key(self, event: events.Key) -> None:
        """A character that came back unused while a text field has focus goes into it.

        Keys typed quickly are all sent on before the first is handled, to the widget
        focused then; a key that moves the focus to a field (/ in the directory, say)
        is handled after the characters typed behind it were sent on, and they came back
        unused. A focused text field uses every character it gets, so none of these
        can have come from it.
        """
        field = self.focused
        if event.is_printable and isinstance(field, Input | TextArea):
            event.stop()
            field.post_message(events.Key(event.key, event.character))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.collector.input_seen()  # the collector waits until the desk is quiet
            if self.ready:  # the person is there: the idle lock counts from the last key
                self.last_input = self.desk.now()
        await super().on_event(event)

    def on_desk_failed(self, message: DeskFailed) -> None:
        self.notify(message.text, severity="error", timeout=10)

    def watch_changes(self) -> None:
        """Twice a second: has any seat committed? Asked in a worker (on PostgreSQL a
        lost connection is retried there), one look at a time."""
        if self._watching:
            return
        self._watching = True
        self._watch()

    @work(thread=True, group="watch")
    def _watch(self) -> None:
        self.post_message(ChangesSeen(self._look_for_changes()))

    def _look_for_changes(self) -> bool:
        """Whether anything changed since the last look (True when it cannot tell)."""
        with self._watch_lock:  # one watcher, one connection: one thread at a time
            try:
                return self._watcher.changed()
            except Exception:
                return True

    def on_changes_seen(self, message: ChangesSeen) -> None:
        self._watching = False
        if message.changed:
            self._request_load()

    def evaluate_when_due(self) -> None:
        """Each second: evaluate the desk if something can have fallen due.

        The last snapshot says when the soonest clock or ringing call falls due, and
        this seat knows when its next re-alert can; until then an evaluation would
        find nothing (any change at any seat brings a fresh snapshot first).
        """
        snap, desk = self.snapshot, self.desk
        now = desk.now()
        if (snap is not None and not self._loading and not self._reload_pending
                and desk.realerts_due_at is not None and now < desk.realerts_due_at
                and (snap.next_due_at is None or now < snap.next_due_at)):
            return
        self.evaluate()

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

    async def action_search(self) -> None:
        from screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            # Awaited: the keys typed behind "/" are handled once the search field is
            # there and focused (at mount), and go into it (see on_key).
            await self.push_screen(SearchScreen(self.context))

    def open_work(self) -> str | None:
        """What would be lost by quitting now (None: nothing): a form open, or a call this
        seat answered and has not logged yet."""
        from screens.directory_forms import DirectoryForm
        from screens.handover import NoteEditor
        from screens.intake import IntakeScreen
        from screens.step_form import StepForm

        for screen in reversed(self.screen_stack):
            if isinstance(screen, IntakeScreen):
                return _("The call's form is open and not saved.")
            if isinstance(screen, StepForm | DirectoryForm | NoteEditor):
                return _("A form is open and not saved.")
        if self.ready and self.snapshot is not None:
            me = self.desk.actor
            mine = [c for c in self.snapshot.calls
                    if c.state == "answered" and c.answered_by == me]
            if mine:
                return _("You answered {number} and have not logged the call yet.").format(
                    number=mine[0].number)
        return None

    async def action_quit(self) -> None:
        """Quit; with work open (an answered call not logged, a form), ask first."""
        if self._asking_to_quit:
            return  # the question is on screen: y or n answers it
        reason = self.open_work()
        if reason is None:
            self.exit()
            return
        self._asking_to_quit = True

        def answered(yes: bool | None) -> None:
            self._asking_to_quit = False
            if yes:
                self.exit()

        self.push_screen(Confirm(_("Quit?"), reason + "\n" + _("Quit anyway?")), answered)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            everywhere = [b for b in self.BINDINGS if isinstance(b, Binding)]
            self.push_screen(HelpScreen(everywhere, self.context.keymap))

    def get_key_display(self, binding: Binding) -> str:
        """Keys as the desk names them everywhere (key bar, help, palette): ``F3``."""
        if binding.key_display:
            return binding.key_display
        return key_name(super().get_key_display(binding))

    def keys_shown(self, binding: Binding) -> str:
        """Every key of ``binding`` (as the keymap gives them), as the key bar shows keys."""
        return ", ".join(self.get_key_display(Binding(key, binding.action))
                         for key in keys_for(binding, self.context.keymap).split(","))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers every action of the dashboard, with its key."""
        yield from super().get_system_commands(screen)
        if screen is self.dashboard:
            for binding in declared_actions(DashboardScreen):
                yield SystemCommand(
                    translated(binding).description,
                    _("Key: {key}").format(key=self.keys_shown(binding)),
                    partial(self.dashboard.run_action, binding.action),
                )
        yield SystemCommand(_("Help: every key"), _("Key: {key}").format(key="F1, ?"),
                            self.action_help)
        yield from self._supervision_commands(screen)
        yield SystemCommand(_("Directory: customers, sites, contacts, contracts"),
                            _("Key: {key}").format(key="F2"), self.action_directory)

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.ready and self._watch_lock.acquire(blocking=False):  # not mid-look
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
        self.push_screen(DirectoryScreen(self.context))

    # --- supervision (issue #5): escalation queue, shifts and handover, reports ----------

    #: The current shift for the header ("Day shift 08:00–16:00 · 王强"), read by a worker.
    shift_text: str | None = None
    #: How many times this seat rang the bell for a re-alert (tests read it).
    bells: int = 0
    _alert_mark: AlertMark | None = None

    def _read_rota(self) -> Rota:
        """The shift rota; the shipped one if the configured file cannot be read."""
        from hotline.paths import shipped_data_dir
        from hotline.supervision.rota import load_rota, rota_for

        try:
            return rota_for(self.desk.settings)
        except ConfigError as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return load_rota(shipped_data_dir() / "shifts.toml", self.desk.settings.tz)

    def _supervision_start(self) -> None:
        self.context.rota = self._read_rota()  # read the rota file once, on this thread
        self.refresh_shift()
        self.check_alerts()
        self.check_audit_trail()
        if self.live:
            self.set_interval(30, self.refresh_shift, name="shift")

    @on(SnapshotLoaded)
    def _supervision_changed(self, message: SnapshotLoaded) -> None:
        """Something changed at the desk: ring for re-alerts, refresh the supervisor's screens."""
        from screens.duties import DutiesScreen
        from screens.escalations import EscalationQueueScreen
        from screens.handover import HandoverScreen
        from screens.wall import WallScreen

        if self.wall_only:  # the wall rings no bell and raises no notice
            if isinstance(self.screen, WallScreen):
                self.screen.refresh_data(message.snapshot)
            return
        self.check_alerts()
        if isinstance(self.screen, EscalationQueueScreen | HandoverScreen | DutiesScreen):
            self.screen.refresh_data()
        elif isinstance(self.screen, WallScreen):
            self.screen.refresh_data(message.snapshot)

    @work(thread=True, exclusive=True, group="shift")
    def refresh_shift(self) -> None:
        from hotline.supervision.current_shift import shift_now

        desk = self.desk
        try:
            text = shift_now(desk.engine, self.context.rota, desk.now()).text(desk.settings.tz)
        except Exception:  # the header can do without it; the desk must not stop
            return
        self.post_message(ShiftRefreshed(text))

    def on_shift_refreshed(self, message: ShiftRefreshed) -> None:
        if message.text == self.shift_text:
            return
        self.shift_text = message.text
        self.dashboard.notices = self._notices()
        self.dashboard.tick()

    @work(thread=True, exclusive=True, group="audit")
    def check_audit_trail(self) -> None:
        """As the desk opens: do the newest links of the audit chain hold? Red if not."""
        from hotline.views.audit_trail import tail_notice

        try:
            notice = tail_notice(self.desk)
        except Exception:  # the check must never keep the desk from opening
            return
        if notice is not None:
            self.call_from_thread(self.notify, notice, title=_("Audit trail broken"),
                                  severity="error", timeout=60)

    @work(thread=True, group="alerts")
    def check_alerts(self) -> None:
        from hotline.supervision.escalation_queue import alerts_since

        if self.wall_only:
            return
        since = self._alert_mark
        try:
            alerts, mark = alerts_since(self.desk.engine, since)
        except Exception:  # checked again at the next change
            return
        self.post_message(AlertsRaised(alerts, since, mark))

    def on_alerts_raised(self, message: AlertsRaised) -> None:
        if message.since != self._alert_mark:
            return  # another look overtook this one; its alerts are counted there
        self._alert_mark = message.mark
        if not message.alerts:
            return
        if self.desk.settings.bell:
            self.bells += 1
            self.bell()
        from hotline.supervision.escalation_queue import describe_alert

        # One notice for them all (a stack of them hid the dashboard, and each notice on
        # screen is drawn again with every screen the engineer opens).
        lines = [describe_alert(alert) for alert in message.alerts[:3]]
        if len(message.alerts) > 3:
            lines.append(_("… and {n} more escalations re-alerted (F3).").format(
                n=len(message.alerts) - 3))
        self.notify("\n".join(lines), title=_("Re-alert"), severity="warning", timeout=20)

    def _open_supervision(self, cls: type[DeskScreen]) -> None:
        from textual.screen import ModalScreen

        if isinstance(self.screen, cls):
            return
        if isinstance(self.screen, ModalScreen):
            self.bell()
            return
        if any(isinstance(s, cls) for s in self.screen_stack):
            while not isinstance(self.screen, cls):
                self.pop_screen()
            return
        self.push_screen(cls(self.context))

    def action_escalations(self) -> None:
        from screens.escalations import EscalationQueueScreen

        self._open_supervision(EscalationQueueScreen)

    def action_handover(self) -> None:
        from screens.handover import HandoverScreen

        self._open_supervision(HandoverScreen)

    def action_reports(self) -> None:
        from screens.reports import ReportsScreen

        self._open_supervision(ReportsScreen)

    def action_wall(self) -> None:
        from screens.wall import WallScreen

        self._open_supervision(WallScreen)

    def action_duties(self) -> None:
        from screens.duties import DutiesScreen

        self._open_supervision(DutiesScreen)

    def _supervision_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The supervisor's screens in the palette, and their actions when one is open."""
        from screens.duties import DutiesScreen
        from screens.escalations import EscalationQueueScreen
        from screens.handover import HandoverScreen
        from screens.reports import ReportsScreen

        app_bindings = declared_actions(type(self))
        for binding_id, action in (("app.escalations", self.action_escalations),
                                   ("app.handover", self.action_handover),
                                   ("app.reports", self.action_reports),
                                   ("app.wall", self.action_wall),
                                   ("app.duties", self.action_duties)):
            binding = next(b for b in app_bindings if b.id == binding_id)
            yield SystemCommand(translated(binding).description,
                                _("Key: {key}").format(key=self.keys_shown(binding)), action)
        if isinstance(screen, EscalationQueueScreen | HandoverScreen | ReportsScreen
                      | DutiesScreen):
            seen: set[str] = set()
            for binding in declared_actions(type(screen)):
                if binding.id in seen or binding.action == "close":
                    continue
                seen.add(binding.id or binding.action)
                yield SystemCommand(translated(binding).description,
                                    _("Key: {key}").format(key=self.keys_shown(binding)),
                                    partial(screen.run_action, binding.action))
