"""Sign in at this seat by choosing yourself from the desk's roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from hotline.i18n import _
from screens.translated_bindings import TranslatedModalScreen

if TYPE_CHECKING:
    from hotline.desk.roster import Member

ROLES = {"engineer": "duty engineer", "supervisor": "shift supervisor", "manager": "manager"}


class SignInScreen(TranslatedModalScreen[str]):
    """Choose who works this seat; every action is then recorded in their name."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="signin.quit", priority=True)]

    def __init__(self, members: list[Member]) -> None:
        super().__init__()
        self.members = members

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Sign in")
            yield Static(_("Who is working this seat? Everything you do is recorded in your "
                           "name. (↑/↓, Enter; Ctrl+Q quits)"), classes="question")
            yield OptionList(*[
                Option(f"{m.name} ({m.login}) · {_(ROLES.get(m.role, m.role))}"
                       + (f" · {m.seat}" if m.seat else ""), id=m.login)
                for m in self.members], id="roster")

    def on_mount(self) -> None:
        self.query_one("#roster", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(event.option.id)
