"""Who is on duty in a shift instance.

Stored per instance (``shift_duty``); until someone sets it, the rota's
default crew of that shift applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.accounts.permissions import require
from hotline.errors import InputError
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer, ShiftDuty
from hotline.supervision.rota import ShiftInstance

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


def engineers_by_login(s: Session) -> dict[str, Engineer]:
    return {e.login: e for e in s.exec(select(Engineer)).all()}


def duty_member(directory: dict[str, Engineer], login: str, role: str) -> DutyMember:
    e = directory.get(login)
    return DutyMember(login, e.name if e else login, role, e.seat if e else None, e is not None)


def duty_rows(s: Session, inst: ShiftInstance) -> list[ShiftDuty]:
    return list(s.exec(select(ShiftDuty).where(ShiftDuty.shift_day == inst.day,
                                               ShiftDuty.shift == inst.spec.id)
                       .order_by(col(ShiftDuty.id))).all())


def crew_of(engine: Engine, inst: ShiftInstance) -> Crew:
    with Session(engine) as s:
        return read_crew(s, inst)


def read_crew(s: Session, inst: ShiftInstance) -> Crew:
    directory = engineers_by_login(s)
    rows = duty_rows(s, inst)
    if rows:
        sup = next((r for r in rows if r.role == "supervisor"), None)
        return Crew(inst, duty_member(directory, sup.login, "supervisor") if sup else None,
                    tuple(duty_member(directory, r.login, "engineer") for r in rows
                          if r.role != "supervisor"), False)
    spec = inst.spec
    return Crew(inst, duty_member(directory, spec.supervisor, "supervisor") if spec.supervisor
                else None, tuple(duty_member(directory, e, "engineer") for e in spec.engineers
                                 if e != spec.supervisor), True)


def check_logins(s: Session, logins: list[str]) -> None:
    known = {e.login for e in s.exec(select(Engineer).where(col(Engineer.active).is_(True)))}
    if not known:
        return
    unknown = [x for x in logins if x not in known]
    if unknown:
        raise InputError(_("{login} is not an engineer of this desk (known: {known}).").format(
            login=unknown[0], known=", ".join(sorted(known))))


def set_crew(seat: Seat, inst: ShiftInstance, *, supervisor: str | None,
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
    require(seat, "set_crew", shift=inst.key)
    with seat.write() as tx:
        s, now = tx.session, tx.now
        check_logins(s, [*([supervisor] if supervisor else []), *engineers])
        before = read_crew(s, inst)
        for row in duty_rows(s, inst):
            s.delete(row)
        s.flush()
        for login, role in [*([(supervisor, "supervisor")] if supervisor else []),
                            *((e, "engineer") for e in engineers)]:
            s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=login, role=role,
                            assigned_at=now, assigned_by=tx.actor))
        tx.record_event("duty_changed", now, shift=inst.key, supervisor=supervisor,
                        engineers=engineers,
                        before=[m.login for m in before.members] if not before.from_rota else None)
        s.flush()
        return read_crew(s, inst)




# --- whom to send -------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchChoice:
    """An engineer of the roster, as the dispatch step offers them."""

    login: str
    name: str
    on_duty: bool  # in the crew of the shift running now


def dispatch_choices(engine: Engine, inst: ShiftInstance | None) -> list[DispatchChoice]:
    """The desk's roster for choosing who goes on site: those on duty in ``inst`` first
    (in the crew's order: its engineers, then its supervisor), then everybody else by
    role and login. A crew member no longer on the roster is not offered; without a
    shift, nobody is on duty."""
    from hotline.desk.roster import roster

    members = roster(engine)
    order: list[str] = []
    if inst is not None:
        crew = crew_of(engine, inst)
        order = [m.login for m in (*crew.engineers, *([crew.supervisor] if crew.supervisor
                                                     else []))]
    by_login = {m.login: m for m in members}
    first = [by_login[login] for login in dict.fromkeys(order) if login in by_login]
    rest = [m for m in members if m.login not in set(order)]
    return ([DispatchChoice(m.login, m.name, True) for m in first]
            + [DispatchChoice(m.login, m.name, False) for m in rest])
