"""The contract's fault-level questions, asked from the intake form (Ctrl+L).

Each question is answered yes or no by its number key (or ↑/↓ and Space); the level
the answers propose shows as they change. Ctrl+S takes the answers back to the form,
Esc leaves the form as it was.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from hotline.i18n import _
from hotline.sla.policy import Classification, propose_level
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints

#: The key of each question, in order (a policy asks at most twelve).
QUESTION_KEYS = "123456789abc"


def proposal_text(classification: Classification, answers: tuple[str, ...]) -> str:
    """What the answers propose, in words."""
    level = propose_level(classification, answers)
    if level is None:
        return _("No level proposed: a fault the contract does not define. Choose the level "
                 "the customer gives.")
    return _("Proposed: level {n}.").format(n=level)


class LevelQuestions(TranslatedModalScreen[tuple[str, ...] | None]):
    """Ask the policy's level questions; returns the ids answered yes (None: cancelled)."""

    BINDINGS = [
        Binding("ctrl+s", "done", "Use the answers", id="levelq.done", priority=True),
        Binding("escape", "cancel", "Cancel", id="levelq.cancel"),
        Binding("down", "move(1)", "Next question", id="levelq.down", show=False),
        Binding("up", "move(-1)", "Previous question", id="levelq.up", show=False),
        Binding("space", "toggle_current", "Yes/no", id="levelq.toggle", show=False),
    ]

    def __init__(self, classification: Classification, policy_title: str,
                 answers: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.classification = classification
        self.policy_title = policy_title
        self.yes = [q.id for q in classification.questions if q.id in answers]
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog level-questions") as box:
            box.border_title = _("Fault level — {policy}").format(policy=self.policy_title)
            yield Static(self._questions(), id="questions")
            yield Static(self._proposal(), id="proposal", classes="question", markup=False)
            yield Label(key_hints((f"1–{QUESTION_KEYS[len(self.classification.questions) - 1]}",
                                   _("yes/no")), ("Ctrl+S", _("use the answers")),
                                  ("Esc", _("cancel"))), classes="keys")

    def _questions(self) -> Text:
        out = Text()
        for i, q in enumerate(self.classification.questions):
            mark = "[x]" if q.id in self.yes else "[ ]"
            style = "reverse" if i == self.cursor else ""
            if i:
                out.append("\n")
            out.append(f"{QUESTION_KEYS[i]} {mark} ", style=style or "bold")
            out.append(q.shown_text(), style=style)
            out.append(" → " + _("level {n}").format(n=q.level), style="dim")
        return out

    def _proposal(self) -> str:
        return proposal_text(self.classification, tuple(self.yes))

    def _refresh(self) -> None:
        self.query_one("#questions", Static).update(self._questions())
        self.query_one("#proposal", Static).update(self._proposal())

    def _toggle(self, index: int) -> None:
        qid = self.classification.questions[index].id
        if qid in self.yes:
            self.yes.remove(qid)
        else:
            self.yes.append(qid)
        self.cursor = index
        self._refresh()

    def on_key(self, event: events.Key) -> None:
        key = event.character or ""
        index = QUESTION_KEYS.find(key) if len(key) == 1 else -1
        if 0 <= index < len(self.classification.questions):
            event.stop()
            self._toggle(index)

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.classification.questions)
        self._refresh()

    def action_toggle_current(self) -> None:
        self._toggle(self.cursor)

    def action_done(self) -> None:
        order = [q.id for q in self.classification.questions]
        self.dismiss(tuple(sorted(self.yes, key=order.index)))

    def action_cancel(self) -> None:
        self.dismiss(None)
