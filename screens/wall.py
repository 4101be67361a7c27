"""The wallboard: today's figures in large digits, for a TV across the room.

Read-only: it has no key that changes anything. The figures are
:mod:`hotline.views.wall`'s, made from the dashboard's snapshot; every widget
is made once and updated by its id (the digits, a tile's colour, a list's
rows by key), never rebuilt. The longest wait and how late each escalation is
count up with the desk's clock, once a second, without reading the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Digits, Static

from hotline import display_names
from hotline.i18n import N_, _, pgettext
from hotline.timefmt import countdown
from screens.context import DeskContext, DeskScreen
from screens.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from hotline.views.dashboard import Snapshot
    from hotline.views.wall import EngineerState, Wall
    from hotline.wall_thresholds import Thresholds

#: The tiles: id, label (translated when shown), and the row of the board.
TOP_TILES = (
    ("ringing", N_("Ringing now")),
    ("wait", N_("Longest wait")),
    ("sl-offered", N_("≤30 s of offered %")),
    ("sl-answered", N_("≤30 s of answered %")),
)
LOWER_TILES = (
    ("answered", N_("Answered")),
    ("abandoned", N_("Abandoned")),
    ("callbacks", N_("Callbacks")),
    ("overdue", N_("Overdue")),
    ("level1", N_("L1 faults")),
    ("escalations", N_("Escalations")),
)
STATE_NAMES = {
    "on_call": N_("on a call"),
    "wrap_up": N_("wrap-up"),
    "in_form": N_("in a form"),
    "available": N_("available"),
}
STATE_STYLES = {"on_call": "bold #ffaf00", "wrap_up": "#5fafff", "in_form": "bold #ffaf00",
                "available": "green"}
#: Waits and lateness beyond this are drawn as the most the digits can show, with a ``+``.
MOST_SECONDS = 99 * 3600 + 59 * 60 + 59


class WallReady(Message):
    def __init__(self, wall: Wall | None, error: str = "") -> None:
        super().__init__()
        self.wall = wall
        self.error = error


def clock_digits(seconds: int | None) -> str:
    """A wait as the big digits show it: ``0:42``, ``12:05``, ``1:02:03``; ``-`` for none."""
    if seconds is None:
        return "-"
    capped = min(seconds, MOST_SECONDS)
    hours, rest = divmod(capped, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return text + ("+" if seconds > MOST_SECONDS else "")


def percent_digits(share: float | None) -> str:
    """A service level as the big digits show it: ``96.5``, ``100``; ``-`` for none."""
    if share is None:
        return "-"
    pct = share * 100
    return "100" if pct >= 99.95 else f"{pct:.1f}"


class Tile(Vertical):
    """One figure: its name, and the value in large digits."""

    def __init__(self, tile_id: str, label: str) -> None:
        super().__init__(id=f"tile-{tile_id}", classes="tile")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(_(self.label), classes="tile-label", markup=False)
        yield Digits("-", classes="tile-digits")

    def show(self, text: str, level: str = "ok") -> None:
        digits = self.query_one(Digits)
        if digits.value != text:
            digits.update(text)
        for name in ("ok", "warn", "alarm"):
            self.set_class(name == level, name)


class WallScreen(DeskScreen):
    """The wallboard. ``standalone``: the whole program (``hotline wall``), no way back."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="wall.close"),
    ]

    def __init__(self, context: DeskContext, *, standalone: bool = False) -> None:
        super().__init__(context)
        self.standalone = standalone
        self.wall: Wall | None = None
        self._reading = False
        self._pending: Snapshot | None = None
        self._again = False
        self._built = False  # the widgets are there (ticks may come before)

    def compose(self) -> ComposeResult:
        yield Static(id="wall-title", classes="screen-title")
        with Grid(id="wall-top", classes="wall-row"):
            for tile_id, label in TOP_TILES:
                yield Tile(tile_id, label)
        with Grid(id="wall-lower", classes="wall-row"):
            for tile_id, label in LOWER_TILES:
                yield Tile(tile_id, label)
        with Horizontal(id="wall-lists"):
            with Vertical(id="wall-escalations-panel", classes="panel"):
                yield DataTable(id="wall-escalations", cursor_type="none", show_cursor=False,
                                zebra_stripes=False)
            with Vertical(id="wall-engineers-panel", classes="panel"):
                yield DataTable(id="wall-engineers", cursor_type="none", show_cursor=False,
                                zebra_stripes=False)
        yield KeyBar()

    def on_mount(self) -> None:
        esc = self.query_one("#wall-escalations", DataTable)
        esc.add_column(_("Late"), key="late", width=9)
        esc.add_column(_("Escalation"), key="what")
        eng = self.query_one("#wall-engineers", DataTable)
        eng.add_column(_("On duty"), key="name")
        eng.add_column(_("State"), key="state")
        eng.add_column(pgettext("how long so far", "For"), key="for", width=8)
        self.query_one("#wall-escalations-panel").border_title = _(
            "Unacknowledged escalations, oldest first")
        self.query_one("#wall-engineers-panel").border_title = _("Engineers")
        self.on_resize()
        self._built = True
        self.tick()
        self.refresh_data()
        if self.context.live:  # who is on duty changes with the shift, not with the calls
            self.set_interval(30, self.refresh_data, name="wall-duty")

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # alone (``hotline wall``) the wall is all there is: q or Ctrl+Q quits
        return not (action == "close" and self.standalone)

    def action_close(self) -> None:
        if not self.standalone:
            self.app.pop_screen()

    # --- reading -------------------------------------------------------------------------

    def refresh_data(self, snapshot: Snapshot | None = None) -> None:
        """Show the desk as of ``snapshot`` (None: read one), with who is on duty now."""
        if not self.context.ready:
            return
        if self._reading:  # one read at a time; the newest snapshot is read after it
            self._pending, self._again = snapshot, True
            return
        self._reading = True
        self._read(snapshot)

    @work(thread=True, group="wall")
    def _read(self, snapshot: Snapshot | None) -> None:
        from hotline.supervision.current_shift import engineer_names, on_duty_now
        from hotline.views.dashboard import load_snapshot
        from hotline.views.wall import wall_of

        desk = self.context.desk
        try:
            now = desk.now()
            snap = snapshot or load_snapshot(desk.engine, now, desk.settings.tz)
            duty = on_duty_now(desk.engine, self.context.rota, now)
            self.post_message(WallReady(wall_of(snap, duty, engineer_names(desk.engine))))
        except Exception as exc:  # a database gone away must not take the wall down
            self.post_message(WallReady(None, _("Cannot read the desk: {error}").format(
                error=exc)))

    def on_wall_ready(self, message: WallReady) -> None:
        self._reading = False
        if message.wall is not None and self._built:
            self.show(message.wall)
        elif message.error:
            self.notify(message.error, severity="error")
        if self._again:
            self._again = False
            self.refresh_data(self._pending)

    # --- showing -------------------------------------------------------------------------

    def _tile(self, tile_id: str) -> Tile:
        return self.query_one(f"#tile-{tile_id}", Tile)

    def show(self, wall: Wall) -> None:
        """Bring every figure in line with ``wall`` (each widget updated where it is)."""
        self.wall = wall
        limits = self.context.desk.settings.wall
        k = wall.kpis
        self._tile("ringing").show(str(wall.ringing), limits.ringing.level(wall.ringing))
        self._show_sl("sl-offered", k.service_level_offered, limits.service_level)
        self._show_sl("sl-answered", k.service_level_answered, limits.service_level)
        self._tile("answered").show(str(k.answered))
        self._tile("abandoned").show(str(k.abandoned), limits.abandoned.level(k.abandoned))
        self._tile("callbacks").show(str(k.callbacks_open))
        self._tile("overdue").show(str(k.callbacks_overdue),
                                   limits.callbacks_overdue.level(k.callbacks_overdue))
        self._tile("level1").show(str(wall.level1_open),
                                  limits.level1_faults.level(wall.level1_open))
        self._tile("escalations").show(str(len(wall.escalations)),
                                       limits.escalations.level(len(wall.escalations)))
        self._show_escalations(wall)
        self._show_engineers(wall.engineers)
        self.tick()

    def _show_sl(self, tile_id: str, share: float | None, limits: Thresholds) -> None:
        self._tile(tile_id).show(percent_digits(share), limits.level(
            None if share is None else share * 100, higher_is_worse=False))

    def _show_escalations(self, wall: Wall) -> None:
        table = self.query_one("#wall-escalations", DataTable)
        wanted = {f"esc:{e.escalation_id}": e for e in wall.escalations}
        for gone in [k for k in table.rows if k.value not in wanted]:
            table.remove_row(gone)
        for key, e in wanted.items():
            what = Text(display_names.escalation(e.kind), style="bold")
            if e.what:
                what.append("  " + e.what)
            if key not in table.rows:
                table.add_row("", what, key=key)
            else:
                table.update_cell(key, "what", what)
        self._tick_escalations()

    def _show_engineers(self, engineers: Sequence[EngineerState]) -> None:
        self.query_one("#wall-engineers-panel").border_subtitle = (
            "" if engineers else _("nobody is named on duty this shift"))
        table = self.query_one("#wall-engineers", DataTable)
        wanted = {f"eng:{e.login}": e for e in engineers}
        keys = [k.value for k in table.rows]
        if keys != list(wanted):  # someone came on or went off duty: the list in order
            table.clear()
            for key, e in wanted.items():
                table.add_row(*self._engineer_cells(e), key=key)
        else:
            for key, e in wanted.items():
                name, state, since = self._engineer_cells(e)
                table.update_cell(key, "name", name)
                table.update_cell(key, "state", state)
                table.update_cell(key, "for", since)

    def _engineer_cells(self, e: EngineerState) -> tuple[Text, Text, str]:
        name = Text(e.name, style="bold" if e.supervisor else "")
        if e.supervisor:
            name.append(" ★", style="#ffaf00")
        state = Text(_(STATE_NAMES[e.state]), style=STATE_STYLES[e.state])
        if e.number and not self.has_class("narrow"):
            state.append(f"  {e.number}", style="")
        since = "" if e.since is None else countdown(self.context.now_ref.at - e.since)
        return name, state, since

    # --- once a second ----------------------------------------------------------------------

    def tick(self) -> None:
        """The clock, the longest wait and the lateness, counting up with the desk's clock."""
        if not self.context.ready or not self._built:
            return
        desk = self.context.desk
        now = self.context.now_ref.at
        title = Text()
        title.append(" " + _("Wallboard") + " ", style="bold reverse")
        title.append("  " + now.astimezone(desk.settings.tz).strftime("%Y-%m-%d %H:%M:%S"),
                     style="bold")
        if self.wall is None:
            title.append("  " + _("reading the desk…"), style="dim")
        self.query_one("#wall-title", Static).update(title)
        if self.wall is None:
            return
        wait = self.wall.longest_wait(now)
        self._tile("wait").show(clock_digits(wait),
                                desk.settings.wall.longest_wait.level(wait))
        self._tick_escalations()
        table = self.query_one("#wall-engineers", DataTable)
        for e in self.wall.engineers:
            key = f"eng:{e.login}"
            if e.since is not None and key in table.rows:
                table.update_cell(key, "for", countdown(now - e.since))

    def _tick_escalations(self) -> None:
        if self.wall is None:
            return
        now = self.context.now_ref.at
        table = self.query_one("#wall-escalations", DataTable)
        for e in self.wall.escalations:
            key = f"esc:{e.escalation_id}"
            if key in table.rows:
                table.update_cell(key, "late", Text(countdown(now - e.raised_at),
                                                    style="bold red"))
