"""Time limits: a stretch of wall-clock time, or a number of working days.

Policy files write limits as short text — ``30s``, ``30min``, ``4h``, ``3d``,
``1h30min`` or ``"2 working days"`` — and :func:`parse_limit` is the one
place that reads them. Anything else (``"12 hours"``, a bare number) is
refused, because a number without a unit is exactly the kind of typo that
would silently turn four hours into four minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from hotline.i18n import N_, _, ngettext

_COMPACT = re.compile(r"^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)min)?(?:([0-9]+)s)?$")
_WORKING = re.compile(r"^([0-9]+)\s*(?:working\s*days?|wd|个?工作日)$", re.IGNORECASE)

LIMIT_SYNTAX_HINT = N_('write 12h, 30min, 3d or "2 working days"')

#: The longest limits a policy may set: a year of wall-clock time, or of working days.
MAX_DURATION = timedelta(days=366)
MAX_WORKING_DAYS = 250
#: Longer text than any limit is written in is refused before it is read.
_MAX_TEXT = 40


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: exactly one of ``duration`` (wall-clock) or ``working_days``.

    ``in_days`` only affects display: a limit written ``3d`` shows as
    "3 days", one written ``72h`` as "72 h" — the same length, compared equal.
    """

    duration: timedelta | None = None
    working_days: int | None = None
    in_days: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if (self.duration is None) == (self.working_days is None):
            raise ValueError("a Limit is either a duration or a number of working days")
        if self.duration is not None and self.duration <= timedelta(0):
            raise ValueError("a duration limit must be positive")
        if self.working_days is not None and self.working_days < 1:
            raise ValueError("a working-day limit must be at least one day")

    @classmethod
    def of(cls, **kwargs: float) -> Limit:
        """``Limit.of(hours=4)`` — a wall-clock limit from ``timedelta`` arguments."""
        return cls(duration=timedelta(**kwargs))

    @classmethod
    def days_working(cls, n: int) -> Limit:
        return cls(working_days=n)

    @property
    def is_working_days(self) -> bool:
        return self.working_days is not None

    @property
    def minutes(self) -> float | None:
        """The wall-clock length in minutes; None for a working-day limit."""
        if self.duration is None:
            return None
        return self.duration.total_seconds() / 60

    @property
    def spec(self) -> str:
        """The canonical policy-file text (``4h``, ``1h30min``, ``3d``, ``2 working days``).

        Language-independent: used in JSON output and as a stable identifier.
        """
        if self.working_days is not None:
            n = self.working_days
            return f"{n} working day" if n == 1 else f"{n} working days"
        days, hours, minutes, seconds = self._parts()
        return "".join(f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "min"),
                                              (seconds, "s")) if v)

    def _parts(self) -> tuple[int, int, int, int]:
        """Days (only if written in days), hours, minutes, seconds."""
        assert self.duration is not None
        total = int(self.duration.total_seconds())
        days = 0
        if self.in_days:
            days, total = divmod(total, 86400)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return days, hours, minutes, seconds

    def scaled(self, factor: float) -> Limit:
        """This limit multiplied by ``factor``, to whole seconds (at least one).

        Working-day limits are returned unchanged: half a working day has no
        meaning in a contract, so tightening one needs an explicit value.
        """
        if self.duration is None:
            return self
        seconds = max(1, round(self.duration.total_seconds() * factor))
        return Limit(duration=timedelta(seconds=seconds))

    def __str__(self) -> str:
        if self.working_days is not None:
            n = self.working_days
            return ngettext("{n} working day", "{n} working days", n).format(n=n)
        days, hours, minutes, seconds = self._parts()
        parts = []
        if days:
            parts.append(ngettext("{n} day", "{n} days", days).format(n=days))
        if hours:
            parts.append(_("{n} h").format(n=hours))
        if minutes:
            parts.append(_("{n} min").format(n=minutes))
        if seconds:
            parts.append(_("{n} s").format(n=seconds))
        return " ".join(parts)


def parse_limit(text: object) -> Limit:
    """Read a limit as a policy file writes it; raises ``ValueError`` with a hint.

    >>> parse_limit("90min").minutes
    90.0
    >>> parse_limit("2 working days").working_days
    2
    """
    shown = f'"{text}"' if isinstance(text, str) else repr(text)
    if not isinstance(text, str):
        raise ValueError(_("{value} is not a duration — {hint}").format(
            value=shown, hint=_(LIMIT_SYNTAX_HINT)))
    s = text.strip()
    if len(s) > _MAX_TEXT:
        shown = f'"{s[:_MAX_TEXT]}…"'
        raise ValueError(_("{value} is not a duration — {hint}").format(
            value=shown, hint=_(LIMIT_SYNTAX_HINT)))
    too_long = _("{value}: a limit may be at most {days} days or {working} working days").format(
        value=shown, days=MAX_DURATION.days, working=MAX_WORKING_DAYS)
    m = _WORKING.match(s)
    if m:
        digits = m.group(1).lstrip("0")
        if len(digits) > 6 or int(digits or 0) > MAX_WORKING_DAYS:
            raise ValueError(too_long)
        n = int(digits or 0)
        if n < 1:
            raise ValueError(_("{value}: a working-day limit must be at least 1").format(
                value=shown))
        return Limit(working_days=n)
    compact = re.sub(r"\s+", "", s).lower()
    m = _COMPACT.match(compact)
    if not compact or not m or not any(m.groups()):
        raise ValueError(_("{value} is not a duration — {hint}").format(
            value=shown, hint=_(LIMIT_SYNTAX_HINT)))
    parts = [g.lstrip("0") if g else "" for g in m.groups()]
    if any(len(p) > 12 for p in parts):
        raise ValueError(too_long)
    d, h, mi, sec = (int(p) if p else 0 for p in parts)
    seconds = ((d * 24 + h) * 60 + mi) * 60 + sec
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(too_long)
    if seconds <= 0:
        raise ValueError(_("{value}: a limit must be longer than zero").format(value=shown))
    return Limit(duration=timedelta(seconds=seconds), in_days=bool(d))


#: A limit as :meth:`Limit.__str__` says it in English (how a clock stores it).
_SAID = re.compile(r"([0-9]+) (working days?|days?|h|min|s)")


def shown_limit(text: str) -> str:
    """A clock's stored limit (``5 days``, ``1 h 30 min``, ``2 working days``, written
    in English when the clock was set) in the desk's language now.

    Anything else (text stored in another language) is shown as it is.
    """
    s = text.strip()
    parts = _SAID.findall(s)
    if not parts or " ".join(f"{n} {unit}" for n, unit in parts) != s:
        return text
    if parts[0][1].startswith("working"):
        if len(parts) != 1 or int(parts[0][0]) < 1:
            return text
        return str(Limit(working_days=int(parts[0][0])))
    seconds = {"day": 86400, "days": 86400, "h": 3600, "min": 60, "s": 1}
    total = sum(int(n) * seconds.get(unit, 0) for n, unit in parts)
    if total <= 0 or any(unit.startswith("working") for _n, unit in parts):
        return text
    return str(Limit(duration=timedelta(seconds=total),
                     in_days=parts[0][1].startswith("day")))
