"""Shifts: the rota, who is on duty, and the handover between supervisors.

The rota (``data/shifts.toml``, or the user's ``shifts.toml``) names the
shifts of a day in the desk's time zone; together they cover the day once. A
*shift instance* is one shift on one local day (a night shift belongs to the
day it starts). Who is on duty is stored per instance (``shift_duty``); until
someone sets it, the rota's default crew of that shift applies.

A handover is written by the outgoing supervisor for their shift, with a
note and a record of everything open at that moment; the incoming supervisor
accepts it, which also records them as the supervisor of the next shift.
Both are rows of ``handover`` with ``handover_written`` /
``handover_accepted`` events.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.errors import ConfigError, Conflict, InputError, NotFound
from hotline.i18n import _, current_language
from hotline.models import Engineer, Handover, ShiftDuty
from hotline.paths import shipped_data_dir
from hotline.queries import CallRow, WorkRow, load_calls, load_work
from hotline.sla import SlaEngine
from hotline.supervision import QueueRow, load_queue

if TYPE_CHECKING:
    from hotline.config import Settings
    from hotline.desk import Desk

DAY_MINUTES = 24 * 60
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
#: A handover written this soon after a change is still the previous shift's.
HANDOVER_GRACE = timedelta(hours=1)
NOTE_MAX = 4000


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


# --- who is on duty -------------------------------------------------------------


@dataclass(frozen=True)
class DutyMember:
    login: str
    name: str
    role: str  # supervisor | engineer
    seat: str | None
    known: bool  # in the desk's directory


@dataclass(frozen=True)
class Crew:
    """Who is on duty in one shift; ``from_rota`` when nobody has been set for it."""

    instance: ShiftInstance
    supervisor: DutyMember | None
    engineers: tuple[DutyMember, ...]
    from_rota: bool

    @property
    def members(self) -> tuple[DutyMember, ...]:
        return (*([self.supervisor] if self.supervisor else []), *self.engineers)


def _directory(s: Session) -> dict[str, Engineer]:
    return {e.login: e for e in s.exec(select(Engineer)).all()}


def _member(directory: dict[str, Engineer], login: str, role: str) -> DutyMember:
    e = directory.get(login)
    return DutyMember(login, e.name if e else login, role, e.seat if e else None, e is not None)


def _duty_rows(s: Session, inst: ShiftInstance) -> list[ShiftDuty]:
    return list(s.exec(select(ShiftDuty).where(ShiftDuty.shift_day == inst.day,
                                               ShiftDuty.shift == inst.spec.id)
                       .order_by(col(ShiftDuty.id))).all())


def crew(engine: Engine, inst: ShiftInstance) -> Crew:
    with Session(engine) as s:
        return _crew(s, inst)


def _crew(s: Session, inst: ShiftInstance) -> Crew:
    directory = _directory(s)
    rows = _duty_rows(s, inst)
    if rows:
        sup = next((r for r in rows if r.role == "supervisor"), None)
        return Crew(inst, _member(directory, sup.login, "supervisor") if sup else None,
                    tuple(_member(directory, r.login, "engineer") for r in rows
                          if r.role != "supervisor"), False)
    spec = inst.spec
    return Crew(inst, _member(directory, spec.supervisor, "supervisor") if spec.supervisor
                else None, tuple(_member(directory, e, "engineer") for e in spec.engineers
                                 if e != spec.supervisor), True)


def _check_logins(s: Session, logins: list[str]) -> None:
    known = {e.login for e in s.exec(select(Engineer).where(col(Engineer.active).is_(True)))}
    if not known:
        return
    unknown = [x for x in logins if x not in known]
    if unknown:
        raise InputError(_("{login} is not an engineer of this desk (known: {known}).").format(
            login=unknown[0], known=", ".join(sorted(known))))


def set_crew(desk: Desk, inst: ShiftInstance, *, supervisor: str | None,
             engineers: list[str]) -> Crew:
    """Say who is on duty in ``inst`` (replacing what was set). One transaction."""
    engineers = [e.strip() for e in engineers if e.strip()]
    supervisor = supervisor.strip() if supervisor and supervisor.strip() else None
    if len(set(engineers)) != len(engineers):
        raise InputError(_("An engineer is named twice."))
    if supervisor in engineers:
        engineers.remove(supervisor)
    if supervisor is None and not engineers:
        raise InputError(_("Name at least one person on duty."))
    now = desk.now()
    with desk.session() as s:
        _check_logins(s, [*([supervisor] if supervisor else []), *engineers])
        before = _crew(s, inst)
        for row in _duty_rows(s, inst):
            s.delete(row)
        s.flush()
        for login, role in [*([(supervisor, "supervisor")] if supervisor else []),
                            *((e, "engineer") for e in engineers)]:
            s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=login, role=role,
                            assigned_at=now, assigned_by=desk.actor))
        desk._event(s, "duty_changed", now, shift=inst.key, supervisor=supervisor,
                    engineers=engineers,
                    before=[m.login for m in before.members] if not before.from_rota else None)
        s.flush()
        return _crew(s, inst)


# --- what is open at the change ------------------------------------------------------


@dataclass(frozen=True)
class OpenItems:
    """Everything a shift hands over: calls, callbacks, tickets' next deadlines, escalations."""

    taken_at: datetime
    calls: list[CallRow]
    callbacks: list[WorkRow]
    tickets: list[WorkRow]
    tickets_total: int
    escalations: list[QueueRow]

    @property
    def ringing(self) -> int:
        return sum(1 for c in self.calls if c.state == "ringing")


def open_items(engine: Engine, sla: SlaEngine, now: datetime) -> OpenItems:
    with Session(engine) as s:
        calls = load_calls(s)
        work, total = load_work(s)
    callbacks = [w for w in work if w.target == "callback"]
    tickets = [w for w in work if w.target != "callback"]
    escalations = load_queue(engine, sla, now)
    return OpenItems(now, calls, callbacks, tickets, total - len(callbacks), escalations)


def _items_json(items: OpenItems, tz: ZoneInfo) -> str:
    def t(v: datetime | None) -> str | None:
        return v.astimezone(tz).isoformat(timespec="seconds") if v else None

    data = {
        "taken_at": t(items.taken_at),
        "calls": [{"number": c.number, "customer": c.customer, "state": c.state,
                   "offered_at": t(c.offered_at)} for c in items.calls],
        "callbacks": [{"ticket": w.ticket_number, "key": w.key, "customer": w.customer,
                       "due_at": t(w.due_at)} for w in items.callbacks],
        "tickets": [{"ticket": w.ticket_number, "target": w.target, "level": w.level,
                     "customer": w.customer, "due_at": t(w.due_at), "owner": w.assigned_to}
                    for w in items.tickets],
        "escalations": [{"id": e.escalation_id, "kind": e.kind, "tier": e.tier,
                         "reason": e.reason, "item": e.item, "raised_at": t(e.raised_at),
                         "assigned_to": e.assigned_to} for e in items.escalations],
    }
    return json.dumps(data, ensure_ascii=False)


# --- handovers ---------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverView:
    handover_id: int
    shift: ShiftInstance
    next_shift: ShiftInstance
    written_at: datetime
    written_by: str
    note: str
    ringing: int
    callbacks: int
    tickets: int
    unacknowledged: int
    accepted_at: datetime | None
    accepted_by: str | None
    accept_note: str | None
    items: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None


def _view(rota: Rota, h: Handover) -> HandoverView:
    assert h.id is not None
    try:
        shift = rota.instance(h.shift_day, h.shift)
        nxt = rota.instance(h.next_day, h.next_shift)
    except InputError:
        # the rota changed since: show the recorded shift names with a zero-length span
        placeholder = ShiftSpec(h.shift, h.shift, None, 0, 1)
        start = datetime.combine(h.shift_day, time(0), rota.tz).astimezone(UTC)
        shift = ShiftInstance(placeholder, h.shift_day, start, start)
        placeholder_next = ShiftSpec(h.next_shift, h.next_shift, None, 0, 1)
        start_next = datetime.combine(h.next_day, time(0), rota.tz).astimezone(UTC)
        nxt = ShiftInstance(placeholder_next, h.next_day, start_next, start_next)
    return HandoverView(h.id, shift, nxt, h.written_at, h.written_by, h.note, h.ringing,
                        h.callbacks, h.tickets, h.unacknowledged, h.accepted_at, h.accepted_by,
                        h.accept_note, json.loads(h.items or "{}"))


def outgoing_shift(engine: Engine, rota: Rota, now: datetime) -> ShiftInstance:
    """The shift a handover written now is for.

    Normally the current one; in the first hour of a shift, the previous one
    if it has not been handed over yet (the outgoing supervisor is late).
    """
    current = rota.at(now)
    if now - current.start < HANDOVER_GRACE:
        prev = rota.previous(current)
        with Session(engine) as s:
            done = s.exec(select(Handover.id).where(Handover.shift_day == prev.day,
                                                    Handover.shift == prev.spec.id)).first()
        if done is None:
            return prev
    return current


def hand_over(desk: Desk, rota: Rota, note: str, *,
              shift: ShiftInstance | None = None) -> int:
    """Write (or rewrite, until accepted) the handover of the outgoing shift."""
    note = note.strip()
    if not note:
        raise InputError(_("Write a handover note: what the next shift must know."))
    if len(note) > NOTE_MAX:
        raise InputError(_("A handover note may have at most {n} characters.").format(
            n=NOTE_MAX))
    now = desk.now()
    inst = shift or outgoing_shift(desk.engine, rota, now)
    nxt = rota.next(inst)
    items = open_items(desk.engine, desk.sla, now)
    counts = {"ringing": items.ringing, "callbacks": len(items.callbacks),
              "tickets": items.tickets_total, "unacknowledged": len(items.escalations)}
    with desk.session() as s:
        row = s.exec(select(Handover).where(Handover.shift_day == inst.day,
                                            Handover.shift == inst.spec.id)).first()
        if row is not None and row.accepted_at is not None:
            raise Conflict(_("{who} already took this shift over at {time}.").format(
                who=row.accepted_by or "?", time=desk._show(row.accepted_at)))
        revised = row is not None
        if row is None:
            row = Handover(shift_day=inst.day, shift=inst.spec.id, next_day=nxt.day,
                           next_shift=nxt.spec.id, written_at=now, written_by=desk.actor)
        row.written_at = now
        row.written_by = desk.actor
        row.note = note
        row.items = _items_json(items, desk.settings.tz)
        row.ringing = counts["ringing"]
        row.callbacks = counts["callbacks"]
        row.tickets = counts["tickets"]
        row.unacknowledged = counts["unacknowledged"]
        s.add(row)
        s.flush()
        assert row.id is not None
        desk._event(s, "handover_revised" if revised else "handover_written", now,
                    handover_id=row.id, shift=inst.key, next_shift=nxt.key, note=note,
                    ringing=counts["ringing"], callbacks=counts["callbacks"],
                    tickets=counts["tickets"], unacknowledged=counts["unacknowledged"])
        return row.id


def accept_handover(desk: Desk, rota: Rota, handover_id: int, note: str = "") -> None:
    """The incoming supervisor takes the shift over: recorded, and on duty as supervisor."""
    note = note.strip()
    if len(note) > 1000:
        raise InputError(_("A note may have at most {n} characters.").format(n=1000))
    now = desk.now()
    with desk.session() as s:
        row = s.get(Handover, handover_id)
        if row is None:
            raise NotFound(_("There is no handover {id}.").format(id=handover_id))
        if row.accepted_at is not None:
            raise Conflict(_("{who} already took this shift over at {time}.").format(
                who=row.accepted_by or "?", time=desk._show(row.accepted_at)))
        if row.written_by == desk.actor:
            raise Conflict(_("You wrote this handover: the incoming supervisor takes it over, "
                             "signed in as themselves."))
        result = s.execute(sa.update(Handover).where(col(Handover.id) == handover_id,
                                                     col(Handover.accepted_at).is_(None))
                           .values(accepted_at=now, accepted_by=desk.actor,
                                   accept_note=note or None))
        if result.rowcount != 1:
            raise Conflict(_("Someone took this shift over a moment ago."))
        try:
            nxt = rota.instance(row.next_day, row.next_shift)
        except InputError:
            nxt = None
        if nxt is not None:
            _make_supervisor(s, desk, nxt, now)
        desk._event(s, "handover_accepted", now, handover_id=handover_id,
                    shift=f"{row.shift_day.isoformat()}/{row.shift}",
                    next_shift=f"{row.next_day.isoformat()}/{row.next_shift}", note=note)


def _make_supervisor(s: Session, desk: Desk, inst: ShiftInstance, now: datetime) -> None:
    """Record ``desk.actor`` as the supervisor of ``inst`` (the rota's crew kept otherwise)."""
    current = _crew(s, inst)
    rows = _duty_rows(s, inst)
    if not rows:  # materialise the rota's default crew first
        for m in current.engineers:
            s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=m.login,
                            role="engineer", assigned_at=now, assigned_by=desk.actor))
    for row in rows:
        if row.role == "supervisor" or row.login == desk.actor:
            s.delete(row)
    s.flush()
    s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=desk.actor,
                    role="supervisor", assigned_at=now, assigned_by=desk.actor))
    desk._event(s, "duty_changed", now, shift=inst.key, supervisor=desk.actor,
                engineers=[m.login for m in current.engineers if m.login != desk.actor],
                before=None)


def handover_of(engine: Engine, rota: Rota, inst: ShiftInstance) -> HandoverView | None:
    with Session(engine) as s:
        row = s.exec(select(Handover).where(Handover.shift_day == inst.day,
                                            Handover.shift == inst.spec.id)).first()
        return _view(rota, row) if row is not None else None


def pending_handover(engine: Engine, rota: Rota) -> HandoverView | None:
    """The newest handover nobody has accepted yet."""
    with Session(engine) as s:
        row = s.exec(select(Handover).where(col(Handover.accepted_at).is_(None))
                     .order_by(col(Handover.written_at).desc()).limit(1)).first()
        return _view(rota, row) if row is not None else None


def recent_handovers(engine: Engine, rota: Rota, limit: int = 20) -> list[HandoverView]:
    with Session(engine) as s:
        rows = s.exec(select(Handover).order_by(col(Handover.shift_day).desc(),
                                                col(Handover.written_at).desc())
                      .limit(limit)).all()
        return [_view(rota, r) for r in rows]


# --- the shift now, for the header ------------------------------------------------------


@dataclass(frozen=True)
class ShiftNow:
    instance: ShiftInstance
    supervisor: str | None  # name

    def text(self, tz: ZoneInfo) -> str:
        """``Day shift 08:00–16:00 · 王强``."""
        out = f"{self.instance.spec.shown_name()} {self.instance.spec.hours()}"
        if self.supervisor:
            out += f" · {self.supervisor}"
        return out


def shift_now(engine: Engine, rota: Rota, now: datetime) -> ShiftNow:
    inst = rota.at(now)
    c = crew(engine, inst)
    return ShiftNow(inst, c.supervisor.name if c.supervisor else None)
