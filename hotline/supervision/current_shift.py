"""The shift now, for the dashboard's header and ``hotline shift``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hotline.supervision.crew import crew_of
from hotline.supervision.rota import Rota, ShiftInstance
from hotline.views.wall import OnDuty

if TYPE_CHECKING:
    pass


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
    c = crew_of(engine, inst)
    return ShiftNow(inst, c.supervisor.name if c.supervisor else None)


def engineer_names(engine: Engine) -> dict[str, str]:
    """Every engineer of the directory: login → name."""
    from sqlmodel import Session

    from hotline.supervision.crew import engineers_by_login

    with Session(engine) as s:
        return {login: e.name for login, e in engineers_by_login(s).items()}


def on_duty_now(engine: Engine, rota: Rota, now: datetime) -> list[OnDuty]:
    """Who is on duty in the shift running at ``now`` (the supervisor first), for the wall."""
    crew = crew_of(engine, rota.at(now))
    return [OnDuty(m.login, m.name, supervisor=m.role == "supervisor") for m in crew.members]
