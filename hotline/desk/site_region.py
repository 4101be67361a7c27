"""The region of a ticket's site: checked against the policy's regions, and asked for
when on-site limits depend on it.

A policy with regions (Guangdong: 广州/深圳/东莞, 珠三角, 其余地区, 粤东/粤西) times
level-1 on-site work by the region of the site. A ticket whose region is unknown
would silently take the strictest figure; instead the dispatch step refuses
without one, the intake form takes one, and the ticket screen says "region
needed" until a step sets it.
"""

from __future__ import annotations

from hotline.errors import InputError
from hotline.i18n import _
from hotline.sla.policy import Policy
from hotline.store.models import Ticket

#: The longest region a ticket keeps (its column).
MAX_REGION = 60


def check_region(policy: Policy, text: str) -> str:
    """The region as typed (trimmed), if the policy knows it; refused with its regions."""
    region = text.strip()
    if not region:
        raise InputError(_("Give the region of the site: its city, district or county."))
    if len(region) > MAX_REGION:
        raise InputError(_("The region is too long ({n} characters; at most {max}).").format(
            n=len(region), max=MAX_REGION))
    if not region.isprintable() or not _encodable(region):
        raise InputError(_("The region is not a place name: it holds control or "
                           "undecodable characters."))
    if policy.regions and policy.zone_of(region) is None:
        raise InputError(_("Policy {policy} has no region for {region!r}; give the site's "
                           "city, district or county ({known}).").format(
                               policy=policy.name, region=region,
                               known=policy.region_list()))
    return region


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ticket_conditions(ticket: Ticket) -> frozenset[str]:
    return frozenset(c for c in ticket.conditions.split(",") if c)


def region_needed(policy: Policy, ticket: Ticket,
                  conditions: frozenset[str] | None = None,
                  region: str | None = None) -> bool:
    """Whether the ticket's limits depend on a region it does not have (at its level)."""
    return policy.region_needed(
        grade=ticket.grade, level=ticket.level, kind=ticket.kind,
        conditions=ticket_conditions(ticket) if conditions is None else conditions,
        region=ticket.region if region is None else region)


def region_refusal(policy: Policy) -> str:
    return _("Give the region of the site: on-site limits of policy {policy} depend on it "
             "({known}).").format(policy=policy.name, known=policy.region_list())
