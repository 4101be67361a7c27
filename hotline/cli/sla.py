"""``hotline sla explain …``: the SLA engine without the desk.

Give it a ticket's facts and events on the command line and it prints every
clock, escalation and penalty as of ``--at`` (default: now, from the program's
clock).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hotline.cli.sla_engine import find_policy, load_engine
from hotline.cli.usage import UsageError
from hotline.errors import InputError
from hotline.i18n import _
from hotline.sla.facts import FLOW_EVENTS, SCORED_EVENTS, SlaEvent, TicketFacts
from hotline.sla.policy import ALL_KINDS, DUTY_KINDS, Policy
from hotline.sla.render import evaluation_json, render_evaluation, when
from hotline.timefmt import MAX_YEAR, MIN_YEAR, parse_time

#: The longest stretch ``sla explain`` replays: a ticket's first year.
MAX_SPAN = timedelta(days=366)

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``sla`` to the ``hotline`` command."""
    sla = subparsers.add_parser("sla", parents=parents, help=_("SLA engine tools"),
                                description=_("SLA engine tools."))
    sla_sub = sla.add_subparsers(dest="sla_command", metavar="ACTION", required=True,
                                 parser_class=type(sla))
    explain = sla_sub.add_parser(
        "explain", parents=parents, help=_("compute a ticket's clocks from the command line"),
        description=_("Compute every clock, escalation and penalty of a ticket described on "
                      "the command line, as of --at (default: now)."),
        epilog=_("Events: {events}. Write NAME=TIME, or NAME:KEY=TIME for an event about one "
                 "thing (acknowledge:KEY, pause:TARGET, callback_made:2); level_set:LEVEL=TIME "
                 "reclassifies; rescheduled:NEW_DATE=TIME moves a duty's planned date. TIME: "
                 "HH:MM, 'YYYY-MM-DD HH:MM' or ISO 8601, in the desk's time zone unless it "
                 "has an offset, in the years {lo}–{hi}; a bare HH:MM "
                 "(in --event and --at) is the first such moment at or after --opened. Events "
                 "fall between --opened and --at, which is at most {days} days later.").format(
                     lo=MIN_YEAR, hi=MAX_YEAR, days=MAX_SPAN.days,
                     events=", ".join(sorted(FLOW_EVENTS))))
    explain.add_argument("--policy", required=True, metavar="NAME", help=_("policy name"))
    explain.add_argument("--grade", metavar="GRADE", help=_("service grade, e.g. A"))
    explain.add_argument("--level", metavar="N", help=_("fault level (1 is the most severe)"))
    explain.add_argument("--kind", default="fault", metavar="KIND",
                         help=_("fault, consultation, complaint or a duty: inspection, "
                                "upgrade_request, document_request, meeting, service_report, "
                                "number_change (default fault)"))
    explain.add_argument("--planned", metavar="TIME",
                         help=_("a duty's planned date ('YYYY-MM-DD' is 00:00 of that day): "
                                "an inspection, meeting, monthly report or number change "
                                "counts from it or back from it"))
    explain.add_argument("--region", metavar="CITY", help=_("city, in Chinese or pinyin"))
    explain.add_argument("--condition", action="append", default=[], metavar="NAME",
                         help=_("a policy condition, e.g. onsite (repeatable)"))
    explain.add_argument("--opened", required=True, metavar="TIME",
                         help=_("when the ticket was opened ('YYYY-MM-DD HH:MM'; a bare HH:MM "
                                "is today)"))
    explain.add_argument("--event", action="append", default=[], metavar="NAME=TIME",
                         help=_("an event (repeatable)"))
    explain.add_argument("--at", metavar="TIME", help=_("evaluate as of this time (default now)"))
    explain.add_argument("--json", action="store_true", help=_("print JSON"))
    explain.set_defaults(handler=sla_explain)


def sla_explain(args: argparse.Namespace, ctx: CliContext) -> int:
    tz = ctx.settings.tz
    now = ctx.clock.now()
    engine = load_engine(ctx)
    policy = find_policy(engine, args.policy)

    if args.kind not in ALL_KINDS or args.kind not in policy.kinds:
        raise UsageError(_("Unknown kind {kind!r} for policy {policy} (known: {known}).").format(
            kind=args.kind, policy=policy.name, known=", ".join(policy.kinds)))
    grade = args.grade or ""
    if not grade and policy.grades and args.kind in DUTY_KINDS:
        grade = policy.grades[0]  # a duty's limits hold for every grade
    if grade and not policy.grades:
        raise UsageError(_("Policy {policy} has no grades: leave out --grade.").format(
            policy=policy.name))
    if policy.grades:
        if not grade:
            raise UsageError(_("--grade is required for policy {policy} ({known}).").format(
                policy=policy.name, known=", ".join(policy.grades)))
        if grade not in policy.grades:
            raise UsageError(_("Unknown grade {grade!r} for policy {policy} (known: {known}).")
                             .format(grade=grade, policy=policy.name,
                                     known=", ".join(policy.grades)))
    level = _level(args.level, policy, args.kind)
    if args.region is not None and policy.regions and not policy.knows_region(args.region):
        known = "; ".join(f"{r.zone}: {', '.join(r.cities)}" for r in policy.regions)
        raise UsageError(_("Unknown region {region!r} for policy {policy} (known: {known}).")
                         .format(region=args.region, policy=policy.name, known=known))
    for cond in args.condition:
        if cond not in policy.conditions:
            raise UsageError(_("Unknown condition {name!r} for policy {policy} (known: {known})."
                               ).format(name=cond, policy=policy.name,
                                        known=", ".join(policy.conditions) or _("none")))
    opened = _time("--opened", args.opened, tz, now)
    planned = _planned(args.planned, policy, args.kind, frozenset(args.condition), tz, now)
    at = _time("--at", args.at, tz, now, after=opened) if args.at else now
    if at < opened:
        raise UsageError(_("--at {at} is before --opened {opened}.").format(
            at=when(at, tz), opened=when(opened, tz)))
    if at - opened > MAX_SPAN:
        raise UsageError(_("--at {at} is more than {days} days after --opened {opened}: "
                           "explain a ticket's first {days} days at most.").format(
                               at=when(at, tz), opened=when(opened, tz), days=MAX_SPAN.days))
    events = [_event(text, policy, tz, now, opened) for text in args.event]
    for text, e in zip(args.event, events, strict=True):
        if e.at < opened:
            raise UsageError(_("--event {text!r}: {t} is before the ticket was opened "
                               "({opened}).").format(text=text, t=when(e.at, tz),
                                                     opened=when(opened, tz)))
        if e.at > at:
            raise UsageError(_("--event {text!r}: {t} is after --at {at}; move --at or leave "
                               "the event out.").format(text=text, t=when(e.at, tz),
                                                        at=when(at, tz)))
    _check_order(args.event, events, tz)
    conditions = list(args.condition)
    if any(e.name == "dispatched" for e in events):
        conditions = policy.dispatched(conditions)

    facts = TicketFacts(policy=policy.name, grade=grade, level=level, kind=args.kind,
                        region=args.region, opened_at=opened,
                        conditions=frozenset(conditions), planned_at=planned)
    ev = engine.evaluate(facts, events, at)
    if args.json:
        print(json.dumps(evaluation_json(policy, facts, ev, tz), ensure_ascii=False, indent=2))
    else:
        print(render_evaluation(policy, facts, ev, tz))
    return 0


def _anchored(policy: Policy, kind: str, conditions: frozenset[str]) -> list[str]:
    """The targets of this case that count from (or back from) the planned time."""
    return [t.name for t in policy.targets
            if t.anchor != "start" and t.scope == "ticket" and t.applies(kind, conditions)]


def _planned(text: str | None, policy: Policy, kind: str, conditions: frozenset[str],
             tz: ZoneInfo, now: datetime) -> datetime | None:
    anchored = _anchored(policy, kind, conditions)
    if text is None:
        if anchored:
            raise UsageError(_("--planned is required: {targets} count from the planned date "
                               "of a {kind} duty.").format(targets=", ".join(anchored),
                                                           kind=kind))
        return None
    if not anchored:
        raise UsageError(_("--planned: no target of a {kind} ticket under policy {policy} "
                           "counts from a planned date; leave it out.").format(
                               kind=kind, policy=policy.name))
    return _time("--planned", text, tz, now)


def _level(text: str | None, policy: Policy, kind: str) -> int | None:
    known = ", ".join(map(str, policy.levels))
    if text is None:
        if kind == "fault" and policy.levels:
            raise UsageError(_("--level is required for a fault under policy {policy} ({known})."
                               ).format(policy=policy.name, known=known))
        return None
    if not _small_number(text) or int(text) not in policy.levels:
        raise UsageError(_("Unknown level {level!r} for policy {policy} (known: {known}).")
                         .format(level=text, policy=policy.name, known=known or _("none")))
    return int(text)


def _small_number(text: str) -> bool:
    s = text.strip()
    return s.isascii() and s.isdigit() and len(s) <= 3


def _time(option: str, text: str, tz: ZoneInfo, now: datetime,
          after: datetime | None = None) -> datetime:
    try:
        return parse_time(text, tz, now, after=after)
    except InputError as exc:
        raise UsageError(f"{option}: {exc}") from None


#: Pairs (earlier, later): the later event cannot come before the first earlier one.
ORDER = (("dispatched", "depart"), ("dispatched", "onsite_arrival"),
         ("depart", "onsite_arrival"), ("remote_requested", "remote_response"),
         ("closed", "reopened"))


def _check_order(texts: list[str], events: list[SlaEvent], tz: ZoneInfo) -> None:
    """Refuse an order of events that cannot happen (an arrival before the departure…)."""
    first: dict[str, tuple[datetime, str]] = {}
    for text, e in zip(texts, events, strict=True):
        if e.name not in first or e.at < first[e.name][0]:
            first[e.name] = (e.at, text)
    for before, after in ORDER:
        if before in first and after in first and first[after][0] < first[before][0]:
            raise UsageError(_("--event {later!r} comes before --event {earlier!r}: {b} cannot "
                               "happen before {a}.").format(
                                   later=first[after][1], earlier=first[before][1],
                                   b=after, a=before))
    if "reopened" in first and "closed" not in first:
        raise UsageError(_("--event {text!r}: a ticket is reopened only after it was closed "
                           "(add closed=TIME).").format(text=first["reopened"][1]))


def _event(text: str, policy: Policy, tz: ZoneInfo, now: datetime,
           opened: datetime) -> SlaEvent:
    """``NAME=TIME`` or ``NAME:KEY=TIME`` (``level_set:LEVEL=TIME``)."""
    allowed = sorted(set(FLOW_EVENTS) | set(SCORED_EVENTS) | policy.events)
    head, sep, when_text = text.partition("=")
    if not sep or not head.strip() or not when_text.strip():
        raise UsageError(_("--event {text!r}: write NAME=TIME or NAME:KEY=TIME, e.g. "
                           "restore=2026-11-25T03:40").format(text=text))
    name, _colon, key = head.strip().partition(":")
    if name not in allowed:
        raise UsageError(_("--event {text!r}: unknown event {name!r} (allowed: {allowed}).")
                         .format(text=text, name=name, allowed=", ".join(allowed)))
    at = _time(f"--event {name}", when_text, tz, now, after=opened)
    level = None
    if name in ("pause", "resume") and key:
        pausable = [t.name for t in policy.targets if t.pausable]
        if key.split("#", 1)[0] not in pausable:
            raise UsageError(_("--event {text!r}: {key!r} is not a clock that can be paused "
                               "(pausable: {known}; no key pauses them all).").format(
                                   text=text, key=key, known=", ".join(pausable) or _("none")))
    planned = None
    if name == "rescheduled":
        if not key.strip():
            raise UsageError(_("--event {text!r}: write rescheduled:NEW_DATE=TIME, e.g. "
                               "rescheduled:2026-10-30=2026-09-30T10:00").format(text=text))
        planned = _time("--event rescheduled", key, tz, now)
        key = ""
    if name == "level_set":
        if not _small_number(key) or int(key) not in policy.levels:
            raise UsageError(_("--event {text!r}: write level_set:LEVEL=TIME with a level of "
                               "the policy ({known}).").format(
                                   text=text, known=", ".join(map(str, policy.levels))))
        level = int(key)
        key = ""
    return SlaEvent(name=name, at=at, key=key or None, level=level, planned=planned)
