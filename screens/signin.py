"""Sign in at this seat: choose yourself from the desk's roster, then type your secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
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
    """Choose who works this seat and prove it with the secret; every action is then
    recorded in their name.

    ``sign_in(login, secret)`` checks it (in a worker); the screen stays until it went
    through, so that no key acts in anyone else's name meanwhile. A refusal is said on
    it in the same words for every login, and the secret field is emptied.
    ``login`` (``--as``): that login is chosen already; only the secret is asked.
    """

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="signin.quit", priority=True),
                Binding("escape", "choose_again", "Choose again", id="signin.back",
                        show=False)]

    def __init__(self, members: list[Member], sign_in: Callable[[str, str], None], *,
                 login: str | None = None) -> None:
        super().__init__()
        self.members = members
        self.sign_in = sign_in
        self.login = login
        self._fixed = login is not None  # --as: no list to go back to
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Sign in")
            yield Static(_("Who is working this seat? Everything you do is recorded in your "
                           "name. (↑/↓, Enter; Ctrl+Q quits)"), classes="question",
                         id="signin-question")
            yield OptionList(*[
                Option(f"{m.name} ({m.login}) · {_(ROLES.get(m.role, m.role))}"
                       + (f" · {m.seat}" if m.seat else ""), id=m.login)
                for m in self.members], id="roster")
            yield Static("", id="signin-who", classes="question", markup=False)
            yield Input(password=True, placeholder=_("your secret"), id="secret",
                        max_length=200)
            # said only when there is something to say (signing in, a refusal)
            yield Static("", id="signin-error", classes="error", markup=False).set_styles(
                "display: none;")

    def on_mount(self) -> None:
        if self.login is not None:
            self._ask_secret(self.login)
        else:
            self.query_one("#secret", Input).display = False
            self.query_one("#signin-who", Static).display = False
            self.query_one("#roster", OptionList).focus()

    def _ask_secret(self, login: str) -> None:
        self.login = login
        name = next((m.name for m in self.members if m.login == login), None)
        who = self.query_one("#signin-who", Static)
        who.update(_("Secret of {who}: (Enter signs in; Escape chooses again)").format(
            who=f"{name} ({login})" if name else login) if not self._fixed else
            _("Secret of {who}: (Enter signs in)").format(who=login))
        who.display = True
        self.query_one("#roster", OptionList).display = False
        self.query_one("#signin-question", Static).display = False
        field = self.query_one("#secret", Input)
        field.display = True
        field.value = ""
        field.focus()

    def action_choose_again(self) -> None:
        if self._fixed or self._busy:
            return
        self.login = None
        self.query_one("#secret", Input).display = False
        self.query_one("#signin-who", Static).display = False
        self.query_one("#signin-error", Static).display = False
        self.query_one("#signin-question", Static).display = True
        roster = self.query_one("#roster", OptionList)
        roster.display = True
        roster.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.query_one("#signin-error", Static).display = False
        self._ask_secret(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        login, secret = self.login, event.value
        if login is None or self._busy or not secret:
            return
        error = self.query_one("#signin-error", Static)
        self._busy = True
        if run_operation(self, lambda: self.sign_in(login, secret), key="sign-in",
                         then=lambda _result: self.dismiss(login), failed=self._refused,
                         notify_refusal=False):
            error.update(_("Signing in…"))
            error.display = True
        else:
            self._busy = False

    def _refused(self, error: HotlineError) -> None:
        self._busy = False
        line = self.query_one("#signin-error", Static)
        line.update(str(error))
        line.display = True
        field = self.query_one("#secret", Input)
        field.value = ""
        field.focus()
