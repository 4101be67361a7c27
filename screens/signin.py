"""Sign in at this seat by choosing yourself from the desk's roster."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from hotline.errors import HotlineError
from hotline.i18n import N_, _
from screens.operations import run_operation
from screens.translated_bindings import TranslatedModalScreen

if TYPE_CHECKING:
    from hotline.desk.roster import Member

ROLES = {"engineer": N_("duty engineer"), "supervisor": N_("shift supervisor"),
         "manager": N_("manager")}


class SignInScreen(TranslatedModalScreen[str]):
    """Choose who works this seat; every action is then recorded in their name.

    ``sign_in`` records it (in a worker); the screen stays until it went through, so
    that no key acts in anyone else's name meanwhile. A refusal is said on it.
    """

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="signin.quit", priority=True)]

    def __init__(self, members: list[Member], sign_in: Callable[[str], None]) -> None:
        super().__init__()
        self.members = members
        self.sign_in = sign_in

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Sign in")
            yield Static(_("Who is working this seat? Everything you do is recorded in your "
                           "name. (↑/↓, Enter; Ctrl+Q quits)"), classes="question")
            yield OptionList(*[
                Option(f"{m.name} ({m.login}) · {_(ROLES.get(m.role, m.role))}"
                       + (f" · {m.seat}" if m.seat else ""), id=m.login)
                for m in self.members], id="roster")
            # said only when there is something to say (signing in, a refusal)
            yield Static("", id="signin-error", classes="error", markup=False).set_styles(
                "display: none;")

    def on_mount(self) -> None:
        self.query_one("#roster", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        login = event.option.id
        assert login is not None
        error = self.query_one("#signin-error", Static)
        if run_operation(self, lambda: self.sign_in(login), key="sign-in",
                         then=lambda _result: self.dismiss(login), failed=self._refused,
                         notify_refusal=False):
            error.update(_("Signing in…"))
            error.display = True

    def _refused(self, error: HotlineError) -> None:
        line = self.query_one("#signin-error", Static)
        line.update(str(error))
        line.display = True
