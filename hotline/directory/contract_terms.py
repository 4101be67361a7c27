"""A contract's terms: its policy, grade and region, and the dates it is valid.

The policy, grade and region are checked against the policies the desk has
loaded (:class:`~hotline.sla.SlaEngine`); the dates are read as people write
them. Two contracts of one customer in force at once, or a region the policy
has no zone for, are warnings, not refusals: the saving asks for a second
look (see :class:`~hotline.directory.saving.Unconfirmed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from hotline.directory.fields import FieldError, check_text, one_line
from hotline.i18n import N_, _, current_language

if TYPE_CHECKING:
    from hotline.sla import SlaEngine


@dataclass(frozen=True)
class Terms:
    """A contract's policy, grade and region, checked against the loaded policies."""

    policy: str
    grade: str  # "" for a policy without grades, when none was given
    region: str | None
    warnings: tuple[str, ...] = ()


def check_terms(sla: SlaEngine, policy: str | None, grade: str | None,
                region: str | None) -> Terms:
    """The terms as stored (the policy's own spelling, the grade in capitals), or a refusal."""
    names = sla.policy_names()
    wanted = one_line(policy)
    if not wanted:
        raise FieldError("policy", _("Choose the contract's policy: {known}.").format(
            known=", ".join(names)))
    by_key = {n.casefold(): n for n in names}
    name = by_key.get(wanted.casefold())
    if name is None:
        raise FieldError("policy", _("{name!r} is not a policy the desk has loaded; "
                                     "it has: {known}.").format(name=wanted,
                                                                known=", ".join(names)))
    pol = sla.policy(name)
    g = one_line(grade).upper()
    if pol.grades:
        if not g:
            raise FieldError("grade", _("Choose the grade: policy {policy} has grades {grades}.")
                             .format(policy=name, grades="/".join(pol.grades)))
        if g not in pol.grades:
            raise FieldError("grade", _("Policy {policy} has no grade {grade}; it has {grades}.")
                             .format(policy=name, grade=g, grades="/".join(pol.grades)))
    elif g and (len(g) > 4 or not g.isalnum()):
        raise FieldError("grade", _("{grade!r} is not a grade (a letter such as A, B or C).")
                         .format(grade=g))
    place = check_text(region, "region", _("Region"), 60, required=False)
    warnings: list[str] = []
    if place is not None and pol.regions and not pol.knows_region(place):
        warnings.append(_("Policy {policy} has no zone for {region}: its limits for an unknown "
                          "region apply (the strictest on-site times). Cities it knows: "
                          "{cities}.").format(policy=name, region=place,
                                              cities=", ".join(policy_cities(
                                                  sla, name, chinese=not place.isascii()))))
    return Terms(name, g, place, tuple(warnings))


def policy_cities(sla: SlaEngine, policy: str, *, chinese: bool | None = None) -> list[str]:
    """The cities a policy's zones name, in Chinese or pinyin (default: the language's)."""
    if chinese is None:
        chinese = current_language() == "zh_CN"
    cities = [c for r in sla.policy(policy).regions for c in r.cities]
    wanted = [c for c in cities if (not c.isascii()) == chinese]
    return wanted or cities


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_day(value: str | None, fld: str, what: str) -> date | None:
    """``2026-01-31``, ``2026/1/31``, ``2026.1.31``, ``2026年1月31日`` or ``20260131``."""
    text = one_line(value)
    if not text:
        return None
    m = _DAY.fullmatch(text)
    parts = ((m.group(1), m.group(2), m.group(3)) if m
             else (text[:4], text[4:6], text[6:]) if len(text) == 8 and text.isdigit()
             else None)
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise FieldError(fld, _("{what}: {value!r} is not a date; write YYYY-MM-DD "
                            "(e.g. 2026-12-31).").format(what=what, value=text))


def check_validity(valid_from: str | None, valid_to: str | None, *,
                   required: bool = True) -> tuple[date | None, date | None]:
    """The first and last day of a contract (the first is required unless told otherwise)."""
    start = parse_day(valid_from, "valid_from", _("Valid from"))
    end = parse_day(valid_to, "valid_to", _("Valid to"))
    if start is None and required:
        raise FieldError("valid_from", _("The date the contract starts is required "
                                         "(valid from)."))
    if start is not None and end is not None and end < start:
        raise FieldError("valid_to", _("The contract ends ({end}) before it starts ({start}).")
                         .format(end=end.isoformat(), start=start.isoformat()))
    return start, end


def overlaps(a_from: date | None, a_to: date | None, b_from: date | None,
             b_to: date | None) -> bool:
    """Whether two periods (open-ended where a day is None) have a day in common."""
    return ((a_from or date.min) <= (b_to or date.max)
            and (b_from or date.min) <= (a_to or date.max))


def overlap_warning(other_code: str, other_from: date | None, other_to: date | None) -> str:
    """The warning for a contract in force at the same time as another of its customer."""
    return _("Contract {code} of the same customer is in force at the same time ({start} to "
             "{end}): a caller is matched to the contract ending last.").format(
                 code=other_code, start=_day(other_from), end=_day(other_to))


def _day(value: date | None) -> str:
    return value.isoformat() if value else "…"


#: How the screens name a contract's state today.
CONTRACT_STATES = {
    "in_force": N_("in force"),
    "ended": N_("ended"),
    "not_started": N_("not started"),
}


def contract_state(valid_from: date | None, valid_to: date | None, today: date) -> str:
    """``in_force``, ``ended`` or ``not_started`` (a key of :data:`CONTRACT_STATES`)."""
    if valid_from is not None and valid_from > today:
        return "not_started"
    if valid_to is not None and valid_to < today:
        return "ended"
    return "in_force"
