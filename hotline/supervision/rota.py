"""The rota: the shifts of a day, in the desk's time zone.

The rota (``data/shifts.toml``, or the user's ``shifts.toml``) names the
shifts of a day; together they cover the day once. A *shift instance* is one
shift on one local day (a night shift belongs to the day it starts).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hotline.errors import ConfigError, InputError
from hotline.i18n import _, current_language
from hotline.paths import shipped_data_dir

if TYPE_CHECKING:
    from hotline.config import Settings

DAY_MINUTES = 24 * 60
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")


# --- the rota ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftSpec:
    """One shift of the rota: minutes after local midnight, ``end`` ≤ ``start`` crosses it."""

    id: str
    name: str
    name_zh: str | None
    start: int
    end: int
    supervisor: str | None = None
    engineers: tuple[str, ...] = ()

    @property
    def minutes(self) -> int:
        return (self.end - self.start) % DAY_MINUTES or DAY_MINUTES

    def shown_name(self) -> str:
        if current_language() == "zh_CN" and self.name_zh:
            return self.name_zh
        return self.name

    def hours(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end, end=True)}"


def _hhmm(minutes: int, *, end: bool = False) -> str:
    if end and minutes % DAY_MINUTES == 0:
        return "24:00"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class ShiftInstance:
    """One shift on one local day: ``[start, end)`` in UTC."""

    spec: ShiftSpec
    day: date
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}/{self.spec.id}"

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def label(self, tz: ZoneInfo) -> str:
        """``Day shift 11-25 08:00–16:00``."""
        a = self.start.astimezone(tz)
        return f"{self.spec.shown_name()} {a:%m-%d} {self.spec.hours()}"


@dataclass(frozen=True)
class Rota:
    shifts: tuple[ShiftSpec, ...]
    tz: ZoneInfo
    file: Path | None = None
    _by_id: dict[str, ShiftSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.shifts})

    def ids(self) -> list[str]:
        return [s.id for s in self.shifts]

    def get(self, shift_id: str) -> ShiftSpec:
        spec = self._by_id.get(shift_id)
        if spec is None:
            raise InputError(_("Unknown shift {name!r} (the rota has: {known}).").format(
                name=shift_id, known=", ".join(self.ids())))
        return spec

    def instance(self, day: date, shift_id: str) -> ShiftInstance:
        spec = self.get(shift_id)
        start = datetime.combine(day, time(spec.start // 60, spec.start % 60), self.tz)
        end_day = day + timedelta(days=1) if spec.end <= spec.start else day
        end_min = spec.end % DAY_MINUTES
        if spec.end == DAY_MINUTES:
            end_day = day + timedelta(days=1)
        end = datetime.combine(end_day, time(end_min // 60, end_min % 60), self.tz)
        return ShiftInstance(spec, day, start.astimezone(UTC), end.astimezone(UTC))

    def on_day(self, day: date) -> list[ShiftInstance]:
        """The shifts that start on ``day``, in order."""
        return sorted((self.instance(day, s.id) for s in self.shifts), key=lambda i: i.start)

    def at(self, moment: datetime) -> ShiftInstance:
        """The shift running at ``moment``."""
        day = moment.astimezone(self.tz).date()
        candidates = [*self.on_day(day - timedelta(days=1)), *self.on_day(day)]
        for inst in candidates:
            if inst.contains(moment):
                return inst
        # a time-zone change swallowed the moment: the shift that started last before it
        started = [i for i in candidates if i.start <= moment]
        return started[-1] if started else candidates[0]

    def next(self, inst: ShiftInstance) -> ShiftInstance:
        return self.at(inst.end)

    def previous(self, inst: ShiftInstance) -> ShiftInstance:
        return self.at(inst.start - timedelta(microseconds=1))

    def between(self, first_day: date, last_day: date,
                shift_id: str | None = None) -> list[ShiftInstance]:
        """Every shift (or only ``shift_id``) starting on the days ``first_day``…``last_day``."""
        out: list[ShiftInstance] = []
        day = first_day
        while day <= last_day:
            out.extend(i for i in self.on_day(day) if shift_id is None or i.spec.id == shift_id)
            day += timedelta(days=1)
        return out


def rota_file(settings: Settings) -> Path:
    return settings.shifts_file or shipped_data_dir() / "shifts.toml"


def load_rota(path: Path, tz: ZoneInfo) -> Rota:
    """Read and check a rota file; :class:`ConfigError` names the file and the problem."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(_("Rota file {path} does not exist.").format(path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("Rota file {path} is not valid TOML: {error}").format(
            path=path, error=exc)) from exc
    except OSError as exc:
        raise ConfigError(_("Rota file {path} cannot be read: {error}").format(
            path=path, error=exc.strerror or exc)) from exc
    return Rota(parse_rota(data, str(path)), tz, path)


def parse_rota(data: dict[str, Any], where: str) -> tuple[ShiftSpec, ...]:
    def fail(message: str) -> ConfigError:
        return ConfigError(_("Rota {file}: {problem}").format(file=where, problem=message))

    unknown = sorted(set(data) - {"shift"})
    if unknown:
        raise fail(_("unknown key {key} (a rota has [[shift]] tables only)").format(
            key=unknown[0]))
    items = data.get("shift")
    if not isinstance(items, list) or not items:
        raise fail(_("no [[shift]] tables"))
    shifts: list[ShiftSpec] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise fail(_("shift {n} is not a table").format(n=n))
        extra = sorted(set(item) - {"id", "name", "name_zh", "start", "end", "supervisor",
                                     "engineers"})
        if extra:
            raise fail(_("shift {n}: unknown key {key}").format(n=n, key=extra[0]))
        sid = item.get("id")
        if not isinstance(sid, str) or not _ID.match(sid):
            raise fail(_("shift {n}: id must be a short lower-case name such as \"day\"")
                       .format(n=n))
        if any(s.id == sid for s in shifts):
            raise fail(_("shift id {id!r} is used twice").format(id=sid))
        name = item.get("name", sid)
        name_zh = item.get("name_zh")
        if not isinstance(name, str) or (name_zh is not None and not isinstance(name_zh, str)):
            raise fail(_("shift {id}: name and name_zh must be text").format(id=sid))
        start = _minutes(item.get("start"), allow_24=False)
        end = _minutes(item.get("end"), allow_24=True)
        if start is None:
            raise fail(_("shift {id}: start must be a time HH:MM (00:00–23:59)").format(id=sid))
        if end is None:
            raise fail(_("shift {id}: end must be a time HH:MM (00:00–24:00)").format(id=sid))
        if end == start:
            raise fail(_("shift {id} starts and ends at the same time").format(id=sid))
        supervisor = item.get("supervisor")
        engineers = item.get("engineers", [])
        if supervisor is not None and not isinstance(supervisor, str):
            raise fail(_("shift {id}: supervisor must be a login").format(id=sid))
        if not isinstance(engineers, list) or not all(isinstance(e, str) for e in engineers):
            raise fail(_("shift {id}: engineers must be a list of logins").format(id=sid))
        shifts.append(ShiftSpec(sid, name, name_zh, start, end, supervisor, tuple(engineers)))
    covered: dict[int, str] = {}
    for spec in shifts:
        for m in range(spec.start, spec.start + spec.minutes):
            minute = m % DAY_MINUTES
            if minute in covered:
                raise fail(_("shifts {a} and {b} overlap at {time}").format(
                    a=covered[minute], b=spec.id, time=_hhmm(minute)))
            covered[minute] = spec.id
    if len(covered) != DAY_MINUTES:
        gap = min(m for m in range(DAY_MINUTES) if m not in covered)
        raise fail(_("no shift covers {time}: the shifts must cover the whole day").format(
            time=_hhmm(gap)))
    return tuple(sorted(shifts, key=lambda s: s.start))


def _minutes(value: Any, *, allow_24: bool) -> int | None:
    if not isinstance(value, str):
        return None
    m = _HHMM.match(value.strip())
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2))
    if allow_24 and (hh, mm) == (24, 0):
        return DAY_MINUTES
    if hh > 23 or mm > 59:
        return None
    return hh * 60 + mm


def rota_for(settings: Settings) -> Rota:
    return load_rota(rota_file(settings), settings.tz)


