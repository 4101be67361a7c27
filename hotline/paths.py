"""Where the program finds its shipped data and keeps the user's files."""

from __future__ import annotations

from pathlib import Path

import platformdirs

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_data_dir() -> Path:
    """The ``data/`` folder shipped with the program.

    In an installed wheel it sits inside the package (``hotline/data``); in a
    source checkout it is the top-level ``data/`` beside the package.
    """
    inside = _PACKAGE_DIR / "data"
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / "data"


def user_data_dir() -> Path:
    """Per-user folder for the embedded database."""
    return Path(platformdirs.user_data_dir("hotline", appauthor=False))


def user_config_dir() -> Path:
    """Per-user folder for ``config.toml``, policies and calendar overrides."""
    return Path(platformdirs.user_config_dir("hotline", appauthor=False))
