"""A ticket's documents read back: printed, and saved to files."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.errors import InputError
from hotline.i18n import _
from hotline.views.ticket import AttachmentView


def attachment_lines(attachments: list[AttachmentView], tz: ZoneInfo) -> list[str]:
    """Each document under a heading naming it, who added it and when."""
    if not attachments:
        return [_("No attachments.")]
    lines: list[str] = []
    for a in attachments:
        lines.append("=== " + _("{title} · added {time} by {who} · {n} lines").format(
            title=a.title, time=a.added_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            who=a.added_by, n=len(a.content.splitlines())) + " ===")
        lines.extend(a.content.splitlines())
    return lines


def save_attachment(attachment: AttachmentView, path_text: str) -> Path:
    """Write the document to a new file; refused (nothing written) when it cannot be."""
    text = path_text.strip()
    if not text:
        raise InputError(_("Give the file to save it to."))
    path = Path(text).expanduser()
    if path.is_dir():
        raise InputError(_("{path} is a folder: give a file name.").format(path=path))
    if path.exists():
        raise InputError(_("{path} already exists: choose another name.").format(path=path))
    if not path.parent.is_dir():
        raise InputError(_("There is no folder {path}.").format(path=path.parent))
    try:
        with path.open("x", encoding="utf-8", newline="") as out:
            out.write(attachment.content)
    except OSError as exc:
        raise InputError(_("Cannot write {path}: {error}.").format(
            path=path, error=exc.strerror or exc)) from exc
    return path


def export_attachments(attachments: list[AttachmentView], folder: str,
                       tz: ZoneInfo) -> list[Path]:
    """Write each document to the folder (made if missing) under its default name."""
    target = Path(folder.strip() or ".").expanduser()
    if target.exists() and not target.is_dir():
        raise InputError(_("{path} is a file, not a folder.").format(path=target))
    paths = [target / a.file_name(tz) for a in attachments]
    taken = [p for p in paths if p.exists()]
    if taken:
        raise InputError(_("{path} already exists: choose another folder.").format(
            path=taken[0]))
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(_("Cannot make the folder {path}: {error}.").format(
            path=target, error=exc.strerror or exc)) from exc
    return [save_attachment(a, str(p)) for a, p in zip(attachments, paths, strict=True)]
