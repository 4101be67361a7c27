"""Secrets read from files: the phone system's AMI secret, a person's secret and a
service account's token (never from the command line, where others can see them)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.desk.operations import Desk


def read_secret(path: Path) -> str:
    """The AMI secret: the file's first line. Warns when others may read the file."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_("The secret file {path} does not exist.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(_("Cannot read the secret file {path}: {error}.").format(
            path=path, error=reason)) from None
    secret = text.splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise UsageError(_("The secret file {path} is empty.").format(path=path))
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(_("Warning: other users can read {path}; run chmod 600 {path}.").format(
            path=path), file=sys.stderr)
    return secret


def read_secret_file(path: Path) -> str:
    """The first line of ``path``, refused when others may read the file (unlike the AMI
    secret, which is only warned about: this one is a desk account's)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0  # said by read_secret, precisely
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(_("Other users can read {path}: run chmod 600 {path} first.").format(
            path=path))
    return read_secret(path)


def sign_in_service(desk: Desk, name: str | None, token_file: str | None) -> None:
    """The seat acts as the service account ``name``, proven by its token file (refused,
    like a person's secret file, when others may read it). Its events name it."""
    from hotline.accounts.accounts import authenticate

    if not name or not token_file:
        raise UsageError(_("A service account needs both --service NAME and --token-file "
                           "FILE."))
    role = authenticate(desk, name, read_secret_file(Path(token_file).expanduser()),
                        service=True)
    desk.actor, desk.role, desk.signed_in = name.strip(), role, True
