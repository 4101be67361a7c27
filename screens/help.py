"""The help screen: every key of the desk, from the bindings themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from hotline.i18n import N_, _
from screens.translated_bindings import TranslatedModalScreen, keys_for, translated

#: Keys that belong to the built-in widgets rather than our bindings.
#: One short line each, so that the table's columns stay narrow enough for the binding
#: ids to show too.
BUILT_IN: list[tuple[str, str]] = [
    ("tab / shift+tab", N_("Next / previous panel or field")),
    ("↑ ↓", N_("Move in a table")),
    ("PgUp PgDn Home End", N_("Move in a table by page, to the top or end")),
    ("enter", N_("On a ringing call: answer it")),
    ("enter", N_("On an answered call: log it")),
    ("enter", N_("On a work item or an escalation: open its ticket")),
    ("ctrl+p", N_("Command palette: every action by name")),
]


def screen_sections() -> list[tuple[str, type[DOMNode]]]:
    """The screens whose keys the help lists after the keys of everywhere, with the
    heading shown for each (imported when the help opens, not at start-up)."""
    from screens.dashboard import DashboardScreen
    from screens.dialogs import Confirm
    from screens.directory import DirectoryScreen
    from screens.directory_forms import DirectoryForm
    from screens.duties import DutiesScreen, DutyForm
    from screens.escalations import EscalationQueueScreen
    from screens.handover import HandoverScreen
    from screens.intake import IntakeScreen
    from screens.reports import ReportsScreen
    from screens.search import SearchScreen
    from screens.step_form import StepForm
    from screens.ticket import TicketScreen

    return [
        (N_("Dashboard"), DashboardScreen),
        (N_("Intake form"), IntakeScreen),
        (N_("Ticket"), TicketScreen),
        (N_("Step form"), StepForm),
        (N_("Search"), SearchScreen),
        (N_("Directory"), DirectoryScreen),
        (N_("Directory form"), DirectoryForm),
        (N_("Escalation queue"), EscalationQueueScreen),
        (N_("Shift handover"), HandoverScreen),
        (N_("Reports"), ReportsScreen),
        (N_("Duties"), DutiesScreen),
        (N_("Duty form"), DutyForm),
        (N_("Questions"), Confirm),
    ]


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares itself, as written (one row per binding)."""
    return [b for b in cls.BINDINGS if isinstance(b, Binding) and not b.system]


class HelpScreen(TranslatedModalScreen[None]):
    """Every key: the application's (``everywhere``), then each screen's."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, everywhere: Sequence[Binding], keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.everywhere = list(everywhere)
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help") as box:
            box.border_title = _("Keys")
            yield Static(_("Everything works from the keyboard. Keys can be changed in the "
                           "config file's [keymap] table by binding id."), classes="info",
                         markup=False)
            table: DataTable[str] = DataTable(cursor_type="row", id="help-keys")
            yield table

    def on_mount(self) -> None:
        self._rows = self._key_rows()
        self._layout = ""
        self._fill()
        self.query_one("#help-keys", DataTable).focus()

    def on_resize(self) -> None:
        if self.is_mounted and hasattr(self, "_rows"):
            self._fill()

    def _key_rows(self) -> list[tuple[str, str, str, str]]:
        """Where, key, what it does, binding id: one row per binding."""
        rows: list[tuple[str, str, str, str]] = []
        sections = [(N_("Everywhere"), self.everywhere)] + [
            (heading, _own_bindings(cls)) for heading, cls in screen_sections()]
        for heading, bindings in sections:
            for b in bindings:
                shown = ", ".join(self.app.get_key_display(Binding(k, b.action))
                                  for k in keys_for(b, self.keymap).split(","))
                rows.append((_(heading), shown, translated(b).description, b.id or ""))
        for keys, does in BUILT_IN:
            rows.append((_("Everywhere"), keys, _(does), ""))
        return rows

    @property
    def key_rows(self) -> list[tuple[str, str, str, str]]:
        """Where, key, what it does, binding id: every row the help shows, whatever its
        layout."""
        return list(self._rows)

    def _fill(self) -> None:
        """The place heads its keys (a line of its own) rather than taking a column, so
        that what a key does and its binding id fit beside the key; on a narrow terminal
        (80 columns) each binding id goes under what its key does. No id is ever cut."""
        table = self.query_one("#help-keys", DataTable)
        widths = [max(cell_len(h), *(cell_len(r[i + 1]) for r in self._rows)) + 2
                  for i, h in enumerate((_("Key"), _("Does"), _("Binding id")))]
        room = (table.scrollable_content_region.width or self.app.size.width - 16) - 2
        layout = "columns" if sum(widths) <= room else "lines"
        if layout == self._layout:
            return
        self._layout = layout
        table.clear(columns=True)
        if layout == "columns":
            table.add_columns(_("Key"), _("Does"), _("Binding id"))
        else:
            table.add_columns(_("Key"), _("Does") + " · " + _("Binding id"))
        where = None
        for place, key, does, binding_id in self._rows:
            if place != where:
                where = place
                table.add_row(Text(place, style="bold"), *[""] * (len(table.columns) - 1))
            if layout == "columns":
                table.add_row(key, does, binding_id)
            elif binding_id:
                table.add_row(key, Text.assemble(does, "\n", (binding_id, "dim")), height=2)
            else:
                table.add_row(key, does)

    def action_close(self) -> None:
        self.dismiss(None)
