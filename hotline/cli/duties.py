"""``hotline duties``: the contract's planned and open duties, and their planning.

``hotline duties`` lists each contract's duties by due date; ``plan`` opens a
year's duties from the policies' schedules; ``open`` opens one duty (a document
request, an inspection asked for…); ``reschedule`` moves a duty's planned date;
``exchange`` records technical-exchange days and ``exchanges`` shows the year's
count against its target.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hotline.cli.usage import UsageError
from hotline.errors import InputError
from hotline.i18n import N_, _
from hotline.sla.policy import DUTY_KINDS
from hotline.sla.render import table
from hotline.timefmt import MAX_TEXT, countdown, iso_local, parse_date, parse_time, shown

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.views.duties import DutyRow

#: How ``hotline duties`` names a row's state.
STATE_WORDS = {"running": N_("running"), "warning": N_("warning"),
               "breached": N_("breached"), "paused": N_("paused"), "waiting": N_("waiting"),
               "done": N_("done")}


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("duties", parents=parents,
                       help=_("the contracts' planned and open duties (inspections, meetings, "
                              "reports…)"),
                       description=_("List each contract's planned and open duties by due date, "
                                     "plan a year's duties, open one, record exchange days."))
    p.add_argument("--contract", metavar="CODE", help=_("only this contract"))
    p.add_argument("--all", action="store_true", help=_("closed duties too"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(handler=list_command)
    actions = p.add_subparsers(dest="duties_action", metavar="ACTION")

    plan = actions.add_parser("plan", parents=parents,
                              help=_("open a year's duties from the policies' schedules"))
    plan.add_argument("--year", required=True, metavar="YYYY", help=_("the year to plan"))
    plan.add_argument("--contract", metavar="CODE", help=_("only this contract"))
    plan.set_defaults(handler=plan_command)

    opening = actions.add_parser("open", parents=parents, help=_("open one duty"))
    opening.add_argument("kind", metavar="KIND", help=_("one of: {kinds}").format(
        kinds=", ".join(DUTY_KINDS)))
    opening.add_argument("--contract", required=True, metavar="CODE", help=_("contract code"))
    opening.add_argument("--subject", required=True, metavar="TEXT", help=_("what it is"))
    opening.add_argument("--planned", metavar="DATE",
                         help=_("planned date (YYYY-MM-DD, or 'YYYY-MM-DD HH:MM')"))
    opening.add_argument("--on-request", action="store_true",
                         help=_("an inspection the customer asked for (counts from the "
                                "request)"))
    opening.add_argument("--at", metavar="TIME", help=_("when the request came (default now)"))
    opening.set_defaults(handler=open_command)

    move = actions.add_parser("reschedule", parents=parents,
                              help=_("move a duty's planned date"))
    move.add_argument("ticket", help=_("ticket number (e.g. 261125-0001) or id"))
    move.add_argument("--planned", required=True, metavar="DATE", help=_("the new date"))
    move.add_argument("--reason", required=True, metavar="TEXT", help=_("why it moves"))
    move.set_defaults(handler=reschedule_command)

    exchange = actions.add_parser("exchange", parents=parents,
                                  help=_("record days of technical exchange"))
    exchange.add_argument("--contract", required=True, metavar="CODE", help=_("contract code"))
    exchange.add_argument("--day", required=True, metavar="YYYY-MM-DD",
                          help=_("the day it took place (its first day)"))
    exchange.add_argument("--days", required=True, metavar="N",
                          help=_("days it counts (halves allowed; negative corrects)"))
    exchange.add_argument("--subject", required=True, metavar="TEXT", help=_("what it was"))
    exchange.set_defaults(handler=exchange_command)

    tally = actions.add_parser("exchanges", parents=parents,
                               help=_("a year's exchange days against the target"))
    tally.add_argument("--year", required=True, metavar="YYYY", help=_("the year"))
    tally.add_argument("--contract", metavar="CODE", help=_("only this contract"))
    tally.set_defaults(handler=tally_command)


def parse_year(text: str) -> int:
    """A year as typed: four digits in the desk's range; refused with :class:`UsageError`."""
    from hotline.timefmt import MAX_YEAR, MIN_YEAR

    s = text.strip() if isinstance(text, str) else ""
    if not (len(s) == 4 and s.isascii() and s.isdigit()) or not MIN_YEAR <= int(s) <= MAX_YEAR:
        raise UsageError(_("--year {text}: write a year from {lo} to {hi}.").format(
            text=shown(str(text)), lo=MIN_YEAR, hi=MAX_YEAR))
    return int(s)


def parse_days(text: str) -> float:
    """Exchange days as typed (``1``, ``0.5``, ``-2``); refused with :class:`UsageError`."""
    s = text.strip() if isinstance(text, str) else ""
    if not s or len(s) > 12 or not s.isascii():
        raise UsageError(_("--days {text}: write a number of days, e.g. 1 or 0.5.").format(
            text=shown(str(text))))
    try:
        value = float(s)
    except ValueError:
        raise UsageError(_("--days {text}: write a number of days, e.g. 1 or 0.5.").format(
            text=shown(text))) from None
    if not math.isfinite(value):
        raise UsageError(_("--days {text}: write a number of days, e.g. 1 or 0.5.").format(
            text=shown(text)))
    return value


def parse_planned(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """A planned date: ``YYYY-MM-DD`` (00:00 of that day) or a time; :class:`UsageError`."""
    if not isinstance(text, str) or len(text.strip()) > MAX_TEXT:
        raise UsageError(_("--planned {text}: write YYYY-MM-DD or 'YYYY-MM-DD HH:MM'.").format(
            text=shown(str(text))))
    try:
        return parse_time(text, tz, now)
    except InputError as exc:
        raise UsageError(f"--planned: {exc}") from None


def list_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.views.duties import load_duties

    desk = ctx.desk(ask_secret=False)
    now = desk.now()
    tz = ctx.settings.tz
    rows = load_duties(desk.engine, now, contract=args.contract, include_closed=args.all)
    if args.json:
        print(json.dumps([_row_json(r, tz, now) for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No duties."))
        return 0
    body = []
    for r in rows:
        left = "" if r.due_at is None else countdown(r.due_at - now)
        body.append([r.contract or "", r.ticket_number, r.kind, r.subject[:40],
                     _when(r.planned_at, tz), r.next_target or "", _when(r.due_at, tz),
                     left, _(STATE_WORDS[r.state])
                     + (f" ({r.breaches}✗)" if r.breaches else "")])
    print(table([_("Contract"), _("Ticket"), _("Kind"), _("Subject"), _("Planned"),
                 _("Next"), _("Due"), _("Left"), _("State")], body))
    return 0


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _row_json(r: DutyRow, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    def t(value: datetime | None) -> str | None:
        return None if value is None else iso_local(value, tz)

    return {"ticket": r.ticket_number, "kind": r.kind, "contract": r.contract,
            "customer": r.customer, "subject": r.subject, "planned": t(r.planned_at),
            "next": r.next_target, "due": t(r.due_at), "warn": t(r.warn_at),
            "seconds_left": r.time_left(now), "state": r.state, "status": r.status,
            "breaches": r.breaches}


def plan_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.duties.operations import plan_year

    year = parse_year(args.year)
    desk = ctx.desk()
    result = plan_year(desk, year, contract=args.contract)
    if result.in_force == 0:
        # Say why nothing was opened rather than a bare "0 opened".
        if args.contract is not None:
            print(_("Contract {code} is not in force in {year}: no duties to plan.").format(
                code=args.contract, year=year))
        elif result.not_in_force:
            print(_("None of the {n} contracts is in force in {year} (see their valid "
                    "from/to dates): no duties to plan.").format(n=result.not_in_force,
                                                                  year=year))
        else:
            print(_("There are no contracts yet: no duties to plan."))
        return 0
    print(_("{opened} duties opened for {year}; {already} planned before; {past} left out "
            "(their day had passed).").format(opened=len(result.opened), year=year,
                                               already=result.already, past=result.past))
    return 0


def open_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.duties.operations import open_duty

    if args.kind not in DUTY_KINDS:
        raise UsageError(_("{kind}: not a duty; choose one of: {known}.").format(
            kind=shown(args.kind), known=", ".join(DUTY_KINDS)))
    tz = ctx.settings.tz
    now = ctx.clock.now()
    planned = parse_planned(args.planned, tz, now) if args.planned is not None else None
    at = None
    if args.at is not None:
        try:
            at = parse_time(args.at, tz, now)
        except InputError as exc:
            raise UsageError(f"--at: {exc}") from None
    desk = ctx.desk()
    ticket_id = open_duty(desk, args.kind, args.contract, args.subject, planned=planned,
                          on_request=args.on_request, at=at)
    from hotline.views.duties import load_duties

    row = next(r for r in load_duties(desk.engine, desk.now(), contract=args.contract)
               if r.ticket_id == ticket_id)
    print(_("Duty {number} opened: {next} due {due}.").format(
        number=row.ticket_number, next=row.next_target or "-", due=_when(row.due_at, tz) or "-"))
    return 0


def reschedule_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.duties.operations import reschedule
    from hotline.views.ticket import find_ticket_id

    planned = parse_planned(args.planned, ctx.settings.tz, ctx.clock.now())
    desk = ctx.desk()
    ticket_id = find_ticket_id(desk.engine, args.ticket)
    reschedule(desk, ticket_id, planned, args.reason)
    print(_("{ticket} now planned for {planned}.").format(
        ticket=args.ticket.strip(), planned=_when(planned, ctx.settings.tz)))
    return 0


def exchange_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.duties.operations import record_exchange

    try:
        day = parse_date(args.day)
    except InputError as exc:
        raise UsageError(f"--day: {exc}") from None
    days = parse_days(args.days)
    desk = ctx.desk()
    record_exchange(desk, args.contract, day, days, args.subject)
    print(_("{days:g} exchange days recorded for {contract} on {day}.").format(
        days=days, contract=args.contract.strip(), day=day.isoformat()))
    return 0


def tally_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.duties.operations import exchange_tallies

    year = parse_year(args.year)
    desk = ctx.desk(ask_secret=False)
    rows = [[t.contract, f"{t.days:g}", "" if t.target is None else f"{t.target:g}",
             "" if t.short is None else f"{t.short:g}"]
            for t in exchange_tallies(desk, year, contract=args.contract)]
    print(table([_("Contract"), _("Days {year}").format(year=year), _("Target"),
                 _("Still owed")], rows))
    return 0
