"""Whose clocks a caller's call runs on, and its answer target.

A caller with a contract in force runs on that contract's policy and grade;
anyone else on the default policy's lowest grade.
"""

from __future__ import annotations

from datetime import datetime

from hotline.directory.callers import CallerMatch
from hotline.errors import InputError
from hotline.i18n import _
from hotline.sla import SlaEngine

DEFAULT_POLICY = "standard"
#: Callers without a contract in force get the lowest grade's limits.
DEFAULT_GRADE = "C"


def policy_of(caller: CallerMatch) -> tuple[str, str]:
    """The policy and grade whose clocks run for ``caller``."""
    return (caller.policy or DEFAULT_POLICY, caller.grade or DEFAULT_GRADE)


def answer_due(sla: SlaEngine, policy: str, grade: str,
               offered_at: datetime) -> tuple[datetime, datetime]:
    """Due and warning times of the answer target of a call offered at ``offered_at``.

    The answer target is call-scoped: it holds for every kind of ticket the
    call may become, so it is looked up as for a fault. A policy without one
    falls back to the default policy's.
    """
    limit = sla.limit(policy, "answer", grade=grade, level=None, kind="fault",
                      region=None, at=offered_at)
    if limit is None:
        policy, grade = DEFAULT_POLICY, DEFAULT_GRADE
        limit = sla.limit(policy, "answer", grade=grade, level=None, kind="fault",
                          region=None, at=offered_at)
    if limit is None or limit.duration is None:
        raise InputError(_("Policy {policy} has no answer target in seconds or minutes.")
                         .format(policy=policy))
    due = offered_at + limit.duration
    return due, sla.warn_at(limit, offered_at, due, sla.policy(policy).warn_share)
