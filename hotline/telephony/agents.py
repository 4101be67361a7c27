"""Which engineer a PBX agent is: ``Engineer.agent`` (an interface such as ``PJSIP/8001``,
an agent or a queue member name), set by the desk's administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select

from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer


@dataclass(frozen=True)
class AgentRow:
    login: str
    name: str
    agent: str | None
    active: bool


def list_agents(seat: Seat) -> list[AgentRow]:
    with seat.read() as s:
        rows = s.exec(select(Engineer).order_by(col(Engineer.login))).all()
    return [AgentRow(e.login, e.name, e.agent, e.active) for e in rows]


def set_agent(seat: Seat, login: str, agent: str | None) -> None:
    """Map ``agent`` to the engineer ``login`` (None: remove the mapping). One transaction."""
    value = agent.strip() if agent is not None else None
    if value is not None and not value:
        raise InputError(_("The agent is empty; use --clear to remove a mapping."))
    if value is not None and len(value) > 120:
        raise InputError(_("An agent name may have at most 120 characters."))
    with seat.write() as tx:
        s = tx.session
        engineer = s.exec(select(Engineer).where(Engineer.login == login)).first()
        if engineer is None:
            raise NotFound(_("There is no engineer {login}.").format(login=login))
        if value is not None:
            other = s.exec(select(Engineer).where(func.lower(col(Engineer.agent)) == value.lower(),
                                                  Engineer.login != login)).first()
            if other is not None:
                raise Conflict(_("{agent} is already {login}'s agent.").format(
                    agent=value, login=other.login))
        before = engineer.agent
        engineer.agent = value
        s.add(engineer)
        tx.record_event("engineer_agent_set", tx.now, login=login, agent=value, before=before)
