"""Errors raised while reading policy and calendar files."""

from __future__ import annotations

from pathlib import Path

from hotline.errors import ConfigError


class PolicyError(ConfigError):
    """A policy or calendar file is not acceptable.

    The message names the file, the key (dotted, as written in the file) and
    what is wrong, e.g. ``standard.toml:52: targets.restore.limits.A.2: "12
    hours" is not a duration — write 12h, 30min, 3d or "2 working days"`` —
    with the line the key is written on, where it can be found.
    """

    def __init__(self, file: Path | str | None, key: str | None, problem: str,
                 line: int | None = None) -> None:
        self.file = Path(file) if file is not None else None
        self.key = key
        self.problem = problem
        self.line = line
        where = []
        if self.file is not None:
            name = self.file.name if _is_shipped(self.file) else str(self.file)
            where.append(f"{name}:{line}" if line else name)
        if key:
            where.append(key)
        super().__init__(": ".join([*where, problem]))


class CalendarError(PolicyError):
    """A working-day calendar file is not acceptable."""


def _is_shipped(path: Path) -> bool:
    from hotline.paths import shipped_data_dir

    try:
        path.resolve().relative_to(shipped_data_dir().resolve())
    except ValueError:
        return False
    return True
