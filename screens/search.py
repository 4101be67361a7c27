"""Find a ticket by number in any form, ticket number, customer or words; Enter opens it."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from hotline import display_names
from hotline.errors import HotlineError
from hotline.i18n import _, ngettext
from hotline.timefmt import short_datetime
from hotline.views.search import TicketHit, search_tickets
from screens.context import DeskContext, DeskScreen
from screens.widgets.key_bar import KeyBar
from screens.widgets.live_table import LiveTable, RowSpec


class SearchResults(Message):
    def __init__(self, query: str, hits: list[TicketHit] | None, error: str = "") -> None:
        super().__init__()
        self.query = query
        self.hits = hits
        self.error = error

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchResults)  # typed on: the newest search wins


class SearchScreen(DeskScreen):
    """Tickets found as the query is typed; Enter opens one."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="search.back"),
        Binding("down", "results", "Results", id="search.results", show=False),
        Binding("slash", "search", "Search field", id="search.query"),
    ]

    def __init__(self, context: DeskContext, query: str = "") -> None:
        super().__init__(context)
        self.initial = query
        self.hits: list[TicketHit] = []
        self.shown_query: str | None = None
        self._refused = False  # the status line shows why a query was refused

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(self.initial, id="search-query", placeholder=_(
                "number (any form), ticket number, customer, words — filters: state:open "
                "level:1 kind:fault contract:CODE engineer:LOGIN"))
            yield Static("", id="search-status")
        # The list is its own panel: what it shows is its title, so the title and the
        # rows change in the same frame (a separate line of status came a frame later).
        yield LiveTable([
            ("ticket", _("Ticket"), 11), ("opened", _("Opened"), 11),
            ("kind", _("Kind"), 12), ("status", _("Status"), 9),
            ("customer", _("Customer"), 20), ("contact", _("Contact"), 10),
            ("caller", _("Number"), 14), ("description", _("Description"), None),
        ], countdown_column=None, id="search-results", classes="panel")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#search-results", LiveTable)
        table.border_title = _("Tickets")
        table.border_subtitle = _("Enter opens · ↓ to the list · / back to the search field")
        # at once: the keys typed right after "/" are routed once this screen is mounted
        self.set_focus(self.query_one("#search-query", Input))
        self.run_search(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_results()

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        try:
            hits = search_tickets(self.context.desk.engine, query)
        except HotlineError as exc:
            self.post_message(SearchResults(query, None, str(exc)))
            return
        self.post_message(SearchResults(query, hits))

    def on_search_results(self, message: SearchResults) -> None:
        if message.query != self.query_one("#search-query", Input).value:
            return  # an older search finished late
        status = self.query_one("#search-status", Static)
        table = self.query_one("#search-results", LiveTable)
        if message.hits is None:
            status.update(Text(message.error, style="bold #ffaf00"), layout=False)
            self._refused = True
            # the list still shows the last search that could be read: say so
            table.border_title = _("Earlier results: {title}").format(title=self._title())
            return
        if self._refused:
            status.update("", layout=False)
            self._refused = False
        self.hits = message.hits
        self.shown_query = message.query
        tz = self.context.desk.settings.tz
        now = self.context.now_ref.at
        rows = []
        for i, h in enumerate(message.hits):
            kind = display_names.kind(h.kind) + (f" L{h.level}" if h.level else "")
            rows.append(RowSpec(f"t:{h.ticket_id}", (
                h.number, short_datetime(h.opened_at, tz, now), kind,
                display_names.status(h.status),
                h.customer or "", h.contact or "", h.caller or "", h.description), i))
        table.set_rows(rows)
        table.border_title = self._title()

    def _title(self) -> str:
        """What the list shows, for its title."""
        query = (self.shown_query or "").strip()
        if not query:
            return _("Recent tickets")
        if not self.hits:
            return _("No ticket for “{query}”").format(query=query)
        return ngettext("{n} ticket for “{query}”", "{n} tickets for “{query}”, newest first",
                        len(self.hits)).format(n=len(self.hits), query=query)

    # Focus moves at once (``set_focus``), not after the keys already waiting
    # (``focus()``): Enter typed right after Down opens the ticket, as seen.
    def action_results(self) -> None:
        self.set_focus(self.query_one("#search-results", LiveTable))

    def action_search(self) -> None:
        """Back to the search field (this screen's own "/")."""
        self.set_focus(self.query_one("#search-query", Input))

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        from screens.ticket import show_ticket

        show_ticket(self, int(str(event.row_key.value).split(":", 1)[1]))
