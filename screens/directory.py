"""The directory: customers, sites, contacts and contracts — find, add, edit.

One search line filters the tab on show as it is typed (every word must
appear: a name, code, city, or digits of a number). Enter edits the
selected row, n adds one (for the selected row's customer), 1–4 switch tabs,
Esc clears the search, then goes back.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.widgets import Input, Static, TabbedContent, TabPane

from hotline.directory.contract_terms import CONTRACT_STATES
from hotline.directory.listing import list_contacts, list_contracts, list_customers, list_sites
from hotline.errors import HotlineError
from hotline.i18n import N_, _
from screens.context import ChangeWatch, DeskContext, DeskScreen
from screens.directory_forms import FORMS, DirectoryForm
from screens.messages import DeskChanged
from screens.translated_bindings import declared_actions, keys_for, translated
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import LiveTable, RowSpec

if TYPE_CHECKING:
    from hotline.desk.operations import Desk

TABS = ("customers", "sites", "contacts", "contracts")

TAB_TITLES = {
    "customers": N_("Customers"),
    "sites": N_("Sites"),
    "contacts": N_("Contacts"),
    "contracts": N_("Contracts"),
}


class DirectoryChanged(Message):
    """The change watcher looked: whether any seat committed since its last look."""

    def __init__(self, changed: bool) -> None:
        super().__init__()
        self.changed = changed


class TabListed(Message):
    """Rows of one tab, read in a worker."""

    def __init__(self, tab: str, query: str, rows: list[RowSpec], total: int,
                 error: str = "") -> None:
        super().__init__()
        self.tab = tab
        self.query = query
        self.rows = rows
        self.total = total
        self.error = error


class DirectoryCommands(Provider):
    """The palette (Ctrl+P) offers the directory's actions by name, with their keys."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        if not isinstance(screen, DirectoryScreen):
            return []
        out: list[tuple[str, str, Callable[[], object]]] = []
        for b in declared_actions(DirectoryScreen):
            if b.description and b.id and not b.id.endswith("_anywhere"):
                keys = ", ".join(self.app.get_key_display(Binding(k, b.action))
                                 for k in keys_for(b, screen.context.keymap).split(","))
                out.append((_("Directory: {what}").format(what=translated(b).description),
                            _("Key: {key}").format(key=keys),
                            partial(screen.run_action, b.action)))
        return out

    async def discover(self) -> Hits:
        for text, help_text, command in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, command in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)


class DirectoryScreen(DeskScreen):
    """Customers, sites, contacts and contracts, by keyboard."""

    COMMANDS = {DirectoryCommands}

    KEY_BAR_OMITS = frozenset({"app.directory"})  # the key to this screen
    BINDINGS = [
        Binding("escape", "back", "Back", id="directory.back"),
        Binding("n", "add", "New", id="directory.add"),
        Binding("ctrl+n", "add", "New", id="directory.add_anywhere", show=False,
                priority=True),
        Binding("enter", "edit", "Edit", id="directory.edit"),
        Binding("slash", "search", "Search", id="directory.search"),
        Binding("ctrl+f", "search", "Search", id="directory.search_anywhere", show=False,
                priority=True),
        Binding("down", "to_list", "To the list", id="directory.to_list", show=False),
        Binding("1", "tab('customers')", "Customers", id="directory.customers", show=False),
        Binding("2", "tab('sites')", "Sites", id="directory.sites", show=False),
        Binding("3", "tab('contacts')", "Contacts", id="directory.contacts", show=False),
        Binding("4", "tab('contracts')", "Contracts", id="directory.contracts", show=False),
    ]

    def __init__(self, context: DeskContext, tab: str = "customers", query: str = "") -> None:
        super().__init__(context)
        self.initial_tab = tab
        self.initial_query = query
        self._watcher: ChangeWatch | None = None
        self._watching = False  # a worker is looking for other seats' changes
        self._watch_lock = threading.Lock()
        self._cursor_to: dict[str, str] = {}  # tab -> row key to put the cursor on

    def compose(self) -> ComposeResult:
        yield Static(Text(" " + _("Directory") + " ", style="bold reverse"), id="directory-title")
        yield Input(self.initial_query, id="directory-search", compact=True, placeholder=_(
            "search: name, code, city, number … (every word must match)"))
        yield Static("", id="directory-status")
        with TabbedContent(initial=self.initial_tab, id="directory-tabs"):
            with TabPane(f"[1] {_(TAB_TITLES['customers'])}", id="customers"):
                yield LiveTable([
                    ("code", _("Code"), 12), ("name", _("Name"), 28), ("city", _("City"), 8),
                    ("sites", _("Sites"), 5), ("contacts", _("Contacts"), 8),
                    ("contract", _("Contract in force"), None),
                ], countdown_column=None, id="customers-table")
            with TabPane(f"[2] {_(TAB_TITLES['sites'])}", id="sites"):
                yield LiveTable([
                    ("customer", _("Customer"), 12), ("name", _("Site"), 22),
                    ("city", _("City"), 8), ("area", _("Area code"), 9),
                    ("address", _("Address"), None),
                ], countdown_column=None, id="sites-table")
            with TabPane(f"[3] {_(TAB_TITLES['contacts'])}", id="contacts"):
                yield LiveTable([
                    ("customer", _("Customer"), 10), ("name", _("Name"), 10),
                    ("title", _("Title"), 12), ("site", _("Site"), 14),
                    ("numbers", _("Numbers"), None),
                ], countdown_column=None, id="contacts-table")
            with TabPane(f"[4] {_(TAB_TITLES['contracts'])}", id="contracts"):
                yield LiveTable([
                    ("code", _("Code"), 16), ("customer", _("Customer"), 12),
                    ("policy", _("Policy"), 22), ("grade", _("Grade"), 5),
                    ("region", _("Region"), 8), ("from", _("Valid from"), 10),
                    ("to", _("Valid to"), 10), ("state", _("State"), None),
                ], countdown_column=None, id="contracts-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(f"#{self.initial_tab}-table", LiveTable).focus()
        self.reload()
        if self.context.live:
            self._watcher = self.context.desk.watch_changes()
            self.set_interval(1.0, self._watch, name="directory-watch")

    def on_unmount(self) -> None:
        if self._watcher is not None and self._watch_lock.acquire(blocking=False):
            self._watcher.close()  # (not while a look is under way)


    def on_screen_resume(self) -> None:
        self.reload()

    def _watch(self) -> None:
        """Another seat changed something: show it (within a second)."""
        if self._watcher is not None and not self._watching:
            self._watching = True
            self._look()

    @work(thread=True, group="directory-watch")
    def _look(self) -> None:
        """Asked in a worker: the database may be slow or away."""
        with self._watch_lock:
            try:
                changed = self._watcher is not None and self._watcher.changed()
            except Exception:
                changed = True
        self.post_message(DirectoryChanged(changed))

    def on_directory_changed(self, message: DirectoryChanged) -> None:
        self._watching = False
        if message.changed:
            self.reload()

    # --- what is shown -------------------------------------------------------------------

    @property
    def tab(self) -> str:
        return self.query_one("#directory-tabs", TabbedContent).active or "customers"

    @property
    def search(self) -> str:
        return self.query_one("#directory-search", Input).value

    def table(self, tab: str | None = None) -> LiveTable:
        return self.query_one(f"#{tab or self.tab}-table", LiveTable)

    def reload(self) -> None:
        self._list(self.tab, self.search)

    @work(thread=True, exclusive=True, group="directory")
    def _list(self, tab: str, query: str) -> None:
        desk = self.context.desk
        try:
            rows, total = _tab_rows(desk, tab, query)
        except HotlineError as exc:
            self.post_message(TabListed(tab, query, [], 0, str(exc)))
            return
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(TabListed(tab, query, [], 0, _(
                "Cannot read the directory: {error}").format(error=exc)))
            return
        self.post_message(TabListed(tab, query, rows, total))

    def on_tab_listed(self, message: TabListed) -> None:
        if message.tab != self.tab or message.query != self.search:
            return  # an older search, or another tab, finished late
        status = self.query_one("#directory-status", Static)
        if message.error:
            status.update(Text(message.error, style="bold #ffaf00"))
            return
        table = self.table(message.tab)
        table.set_rows(message.rows)
        wanted = self._cursor_to.pop(message.tab, None)
        if wanted is not None and wanted in table.keys:
            table.move_cursor(row=table.keys.index(wanted), animate=False)
        what = _(TAB_TITLES[message.tab])
        shown = len(message.rows)
        if message.total > shown:
            count = _("{shown} of {total} shown — type more to narrow").format(
                shown=shown, total=f"{message.total:,}")
        elif message.query.strip():
            count = _("{n} found").format(n=shown)
        else:
            count = _("{n} in all").format(n=shown)
        hints = _("Enter edit · n new · / search · 1–4 tabs · Esc back")
        line = Text()
        line.append(f"{what} · {count}", style="bold")
        line.append("   " + hints, style="dim")
        status.update(line)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "directory-search":
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "directory-search":
            self.action_to_list()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.reload()

    # --- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        search = self.query_one("#directory-search", Input)
        if search.value:
            search.value = ""
            self.action_to_list()
            return
        self.app.pop_screen()

    # Focus moves at once, so keys typed ahead land where the engineer sent them.
    def action_search(self) -> None:
        self.set_focus(self.query_one("#directory-search", Input))

    def action_to_list(self) -> None:
        self.set_focus(self.table())

    def action_tab(self, tab: str) -> None:
        self.query_one("#directory-tabs", TabbedContent).active = tab
        self.table(tab).focus()

    def _selected_id(self) -> int | None:
        key = self.table().selected_key
        return int(key.split(":", 1)[1]) if key else None

    def _selected_customer(self) -> str:
        """The customer code of the selected row (to add to the same customer)."""
        table = self.table()
        key = table.selected_key
        if key is None:
            return ""
        cell = table.get_row(key)[0 if self.tab in ("customers", "sites", "contacts") else 1]
        value = getattr(cell, "value", cell)
        return str(value.plain if isinstance(value, Text) else value)

    def action_add(self) -> None:
        form, _fill = FORMS[self.tab]
        values = {}
        if self.tab != "customers":
            values["customer"] = self._selected_customer()
        self._open_form(form(self.context.desk, values=values))

    def action_edit(self) -> None:
        row_id = self._selected_id()
        if row_id is None:
            self.notify(_("Nothing selected: press n to add."), severity="warning")
            return
        form, fill = FORMS[self.tab]
        try:
            values = dataclasses.asdict(fill(self.context.desk, row_id))
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
            self.reload()
            return
        self._open_form(form(self.context.desk, row_id, values=values))

    def _open_form(self, form: DirectoryForm) -> None:
        tab = self.tab
        prefix = {"customers": "customer", "sites": "site", "contacts": "contact",
                  "contracts": "contract"}[tab]

        def done(row_id: int | None) -> None:
            if row_id is not None:
                self._cursor_to[tab] = f"{prefix}:{row_id}"
                self.post_message(DeskChanged())
            self.reload()

        self.app.push_screen(form, done)

    def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        self.action_edit()


def _tab_rows(desk: Desk, tab: str, query: str) -> tuple[list[RowSpec], int]:
    """The rows of a tab as table rows (run in a worker thread)."""
    if tab == "customers":
        customers = list_customers(desk, query)
        return [RowSpec(f"customer:{c.id}", (
            c.code, c.name, c.city or "", str(c.sites), str(c.contacts),
            c.contract or Text(_("none in force"), style="#ffaf00")), i)
            for i, c in enumerate(customers.rows)], customers.total
    if tab == "sites":
        sites = list_sites(desk, query)
        return [RowSpec(f"site:{s.id}", (
            s.customer_code, s.name, s.city or "", s.area_code or "", s.address or ""), i)
            for i, s in enumerate(sites.rows)], sites.total
    if tab == "contacts":
        contacts = list_contacts(desk, query)
        return [RowSpec(f"contact:{p.id}", (
            p.customer_code, p.name, p.title or "", p.site or "", " · ".join(p.numbers)), i)
            for i, p in enumerate(contacts.rows)], contacts.total
    contracts = list_contracts(desk, query)
    styles = {"in_force": "green", "ended": "dim", "not_started": "#ffaf00"}
    return [RowSpec(f"contract:{k.id}", (
        k.code, k.customer_code, k.policy, k.grade or "—", k.region or "",
        k.valid_from.isoformat() if k.valid_from else "",
        k.valid_to.isoformat() if k.valid_to else "",
        Text(_(CONTRACT_STATES[k.state]), style=styles[k.state])), i)
        for i, k in enumerate(contracts.rows)], contracts.total
