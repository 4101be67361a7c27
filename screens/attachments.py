"""A ticket's documents (a remote session's command log): read, searched, saved to a file.

Keyboard only: the search line has the focus (type to find; Enter or F3 goes to the next match,
Shift+F3 to the previous one); Tab goes to the text
(arrows, PgUp/PgDn scroll it); [ and ] show the previous / next document;
Ctrl+S saves the one shown to a file (the suggested name is the default).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, TextArea
from textual.widgets.text_area import Selection

from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.views.attachments import save_attachment
from hotline.views.ticket import AttachmentView
from screens.dialogs import AskText
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """(row, column) of every case-insensitive occurrence of ``needle``, in order."""
    if not needle:
        return []
    low = needle.lower()
    out: list[tuple[int, int]] = []
    for row, line in enumerate(text.split("\n")):
        hay = line.lower()
        at = hay.find(low)
        while at >= 0:
            out.append((row, at))
            at = hay.find(low, at + max(1, len(low)))
    return out


class AttachmentViewer(TranslatedModalScreen[None]):
    """Read a ticket's attachments, search them, save one to a file."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="attachments.close"),
        Binding("ctrl+s", "save", "Save to a file", id="attachments.save", priority=True),
        Binding("f3", "find(1)", "Next match", id="attachments.next_match", priority=True),
        Binding("shift+f3", "find(-1)", "Previous match", id="attachments.previous_match",
                priority=True),
        Binding("ctrl+f", "focus_search", "Search", id="attachments.search", priority=True),
        Binding("]", "show(1)", "Next attachment", id="attachments.next"),
        Binding("[", "show(-1)", "Previous attachment", id="attachments.previous"),
    ]

    def __init__(self, attachments: list[AttachmentView], *, tz: ZoneInfo) -> None:
        super().__init__()
        self.attachments = attachments
        self.tz = tz
        self.index = 0
        self._matches: list[tuple[int, int]] = []
        self._match = -1

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog attachments") as box:
            box.border_title = _("Attachments")
            yield Static("", id="attachment-title", classes="info-line", markup=False)
            with Horizontal(classes="field"):
                yield Label(_("Find"), classes="label")
                yield Input(compact=True, id="attachment-search",
                            placeholder=_("text to find; Enter: next match"))
            yield Static("", id="attachment-status", classes="info-line", markup=False)
            yield TextArea("", read_only=True, soft_wrap=False, show_line_numbers=True,
                           id="attachment-text")
            yield Label(key_hints(("Enter/F3", _("next match")), ("Shift+F3", _("previous")),
                                  ("Tab", _("to the text")), ("[ ]", _("other attachment")),
                                  ("Ctrl+S", _("save to a file")), ("Esc", _("close"))),
                        classes="keys")

    def on_mount(self) -> None:
        self._show()
        self.query_one("#attachment-search", Input).focus()

    @property
    def shown(self) -> AttachmentView | None:
        return self.attachments[self.index] if self.attachments else None

    def _show(self) -> None:
        title = self.query_one("#attachment-title", Static)
        area = self.query_one("#attachment-text", TextArea)
        a = self.shown
        if a is None:
            title.update(_("This ticket has no attachments."))
            area.load_text("")
            return
        added = a.added_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")
        title.update(Text(_("{i}/{n} · {title} · added {time} by {who} · {lines} lines").format(
            i=self.index + 1, n=len(self.attachments), title=a.title, time=added,
            who=a.added_by, lines=len(a.content.splitlines())), style="bold"))
        area.load_text(a.content)
        self._search(self.query_one("#attachment-search", Input).value)

    def _search(self, needle: str) -> None:
        a = self.shown
        self._matches = find_all(a.content, needle) if a is not None else []
        self._match = -1
        status = self.query_one("#attachment-status", Static)
        if not needle:
            status.update("")
        elif not self._matches:
            status.update(Text(_("“{text}” is not in this attachment.").format(text=needle),
                               style="#ffaf00"))
        else:
            self._step(1, needle)

    def _step(self, direction: int, needle: str) -> None:
        if not self._matches:
            self.app.bell()
            return
        self._match = (self._match + direction) % len(self._matches)
        row, column = self._matches[self._match]
        area = self.query_one("#attachment-text", TextArea)
        area.selection = Selection((row, column), (row, column + len(needle)))
        area.scroll_cursor_visible(center=True)
        self.query_one("#attachment-status", Static).update(
            _("match {i} of {n} · line {line}").format(
                i=self._match + 1, n=len(self._matches), line=row + 1))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "attachment-search":
            self._search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "attachment-search":
            event.stop()
            self._step(1, event.value)

    def action_find(self, direction: int) -> None:
        self._step(direction, self.query_one("#attachment-search", Input).value)

    def action_focus_search(self) -> None:
        self.query_one("#attachment-search", Input).focus()

    def action_show(self, direction: int) -> None:
        if isinstance(self.focused, Input):
            return  # [ and ] typed in the search line are text
        if len(self.attachments) < 2:
            self.app.bell()
            return
        self.index = (self.index + direction) % len(self.attachments)
        self._show()

    def action_save(self) -> None:
        a = self.shown
        if a is None:
            self.app.bell()
            return
        suggested = str(Path.cwd() / a.file_name(self.tz))

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                saved = save_attachment(a, path)
            except HotlineError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.notify(_("Saved to {path}.").format(path=saved), timeout=6)

        self.app.push_screen(AskText(_("Save the attachment"), _(
            "File to save “{title}” to (Enter saves under the suggested name):").format(
                title=a.title), required=True, value=suggested), chosen)

    def action_close(self) -> None:
        self.dismiss(None)


def newest_first(attachments: list[AttachmentView]) -> list[AttachmentView]:
    """The newest document first (the one just attached is the one wanted)."""
    return sorted(attachments, key=lambda a: (a.added_at, a.id), reverse=True)
