"""The help screen: every key of the desk, from the bindings themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from hotline.i18n import N_, _
from screens.i18n_bindings import translate_bindings

#: Screens whose keys the help lists, with the heading shown for each.
SECTIONS: list[tuple[str, str]] = [
    ("screens.app:HotlineApp", N_("Everywhere")),
    ("screens.dashboard:DashboardScreen", N_("Dashboard")),
    ("screens.intake:IntakeScreen", N_("Intake form")),
    ("screens.ticket:TicketScreen", N_("Ticket")),
    ("screens.step_form:StepForm", N_("Step form")),
    ("screens.search:SearchScreen", N_("Search")),
    ("screens.directory:DirectoryScreen", N_("Directory")),
    ("screens.directory_forms:DirectoryForm", N_("Directory form")),
    ("screens.escalations:EscalationQueueScreen", N_("Escalation queue")),
    ("screens.handover:HandoverScreen", N_("Shift handover")),
    ("screens.reports:ReportsScreen", N_("Reports")),
    ("screens.dialogs:Confirm", N_("Questions")),
]

#: Keys that belong to the built-in widgets rather than our bindings.
BUILT_IN: list[tuple[str, str]] = [
    ("tab / shift+tab", N_("Next / previous panel or field")),
    ("↑ ↓ PgUp PgDn Home End", N_("Move in a table")),
    ("enter", N_("On a ringing call: answer; on an answered call: log it; on a work item "
                 "or an escalation: open its ticket")),
    ("ctrl+p", N_("Command palette: every action by name")),
]


def _bindings(path: str) -> list[Binding]:
    import importlib

    module, name = path.split(":")
    cls = getattr(importlib.import_module(module), name)
    return [b for b in cls.BINDINGS if isinstance(b, Binding)]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help") as box:
            box.border_title = _("Keys")
            yield Static(_("Everything works from the keyboard. Keys can be changed in the "
                           "config file's [keymap] table by binding id."), classes="info",
                         markup=False)
            table: DataTable[str] = DataTable(cursor_type="row", id="help-keys")
            yield table

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns(_("Where"), _("Key"), _("Does"), _("Binding id"))
        keymap = self.app._keymap
        for path, heading in SECTIONS:
            for b in _bindings(path):
                keys = keymap.get(b.id, b.key) if b.id else b.key
                shown = ", ".join(self.app.get_key_display(Binding(k, b.action))
                                  for k in keys.split(","))
                table.add_row(_(heading), shown, _(b.description), b.id or "")
        for keys, does in BUILT_IN:
            table.add_row(_("Everywhere"), keys, _(does), "")
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
