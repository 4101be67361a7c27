"""The SLA engine as the ``policy``, ``calendar`` and ``sla`` commands load it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.cli.usage import UsageError
from hotline.errors import NotFound
from hotline.sla.engine import SlaEngine

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.sla.policy import Policy


def load_engine(ctx: CliContext) -> SlaEngine:
    """The engine with the settings' policy folders, calendar files and time zone."""
    s = ctx.settings
    return SlaEngine.load(s.policy_dirs, s.calendar_files, s.tz)


def find_policy(engine: SlaEngine, name: str) -> Policy:
    """The policy called ``name``; an unknown one is a usage error."""
    try:
        return engine.policy(name)
    except NotFound as exc:
        raise UsageError(str(exc)) from None
