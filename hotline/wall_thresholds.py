"""When the wallboard's figures turn amber and red: the config file's ``[wall]`` table.

Each figure has two thresholds, the warning and the alarm. For counts and
waits a higher value is worse (``ringing = [1, 3]``: amber from one call
ringing, red from three); for the service level a lower one is
(``service_level = [95, 90]``: amber below 95 %, red below 90 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from hotline.errors import ConfigError
from hotline.i18n import _

#: Counts and seconds beyond this are taken for a typing mistake.
MOST = 1_000_000


@dataclass(frozen=True)
class Thresholds:
    """A figure's warning and alarm (``higher`` worse, or lower)."""

    warn: float
    alarm: float

    def level(self, value: float | None, *, higher_is_worse: bool = True) -> str:
        """``ok``, ``warn`` or ``alarm`` for ``value`` (None: nothing to judge, ``ok``)."""
        if value is None:
            return "ok"
        if higher_is_worse:
            return "alarm" if value >= self.alarm else "warn" if value >= self.warn else "ok"
        return "alarm" if value < self.alarm else "warn" if value < self.warn else "ok"


@dataclass(frozen=True)
class WallThresholds:
    """Every threshold of the wallboard (the defaults, unless the config says otherwise)."""

    ringing: Thresholds = Thresholds(1, 3)  # calls ringing now
    longest_wait: Thresholds = Thresholds(20, 30)  # seconds the oldest call has rung
    service_level: Thresholds = Thresholds(95, 90)  # percent (lower is worse)
    abandoned: Thresholds = Thresholds(1, 5)  # calls abandoned today
    callbacks_overdue: Thresholds = Thresholds(1, 3)
    level1_faults: Thresholds = Thresholds(1, 2)  # open level-1 faults
    escalations: Thresholds = Thresholds(1, 3)  # unacknowledged escalations


KEYS = tuple(f.name for f in fields(WallThresholds))


def parse_wall(value: Any) -> WallThresholds:
    """The config's ``[wall]`` table; a key missing keeps its default.

    Raises :class:`ConfigError` saying which key is wrong and why; nothing is
    half taken.
    """
    if value is None:
        return WallThresholds()
    if not isinstance(value, Mapping):
        raise ConfigError(_("Config key 'wall' must be a table of thresholds, such as "
                            "ringing = [1, 3]."))
    unknown = sorted(str(k) for k in value if k not in KEYS)
    if unknown:
        raise ConfigError(_("Config key wall.{key} is unknown (known: {known}).").format(
            key=unknown[0][:40], known=", ".join(KEYS)))
    given = {key: _pair(key, value[key]) for key in KEYS if key in value}
    return WallThresholds(**given)


def _pair(key: str, value: Any) -> Thresholds:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        raise ConfigError(_("Config key wall.{key} must be two numbers, the warning and the "
                            "alarm, such as [1, 3].").format(key=key))
    warn, alarm = float(value[0]), float(value[1])
    if not all(math.isfinite(v) and 0 <= v <= MOST for v in (warn, alarm)):
        raise ConfigError(_("Config key wall.{key}: thresholds are numbers from 0 to "
                            "{most}.").format(key=key, most=MOST))
    if key == "service_level":
        if warn > 100 or alarm > 100:
            raise ConfigError(_("Config key wall.service_level: percentages are at most "
                                "100."))
        if alarm > warn:
            raise ConfigError(_("Config key wall.service_level: the alarm ({alarm}) must "
                                "not be above the warning ({warn}).").format(
                                    alarm=value[1], warn=value[0]))
    elif alarm < warn:
        raise ConfigError(_("Config key wall.{key}: the alarm ({alarm}) must not be below "
                            "the warning ({warn}).").format(key=key, alarm=value[1],
                                                            warn=value[0]))
    return Thresholds(warn, alarm)
