"""``hotline calendar YEAR``: a year's holidays and make-up working days, and their source."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from hotline.cli.sla_engine import load_engine
from hotline.cli.usage import UsageError
from hotline.i18n import _
from hotline.sla.render import render_calendar
from hotline.sla.workdays import MAX_YEAR, MIN_YEAR

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``calendar`` to the ``hotline`` command."""
    calendar = subparsers.add_parser(
        "calendar", parents=parents, help=_("show a year's holidays and make-up working days"),
        description=_("Show every holiday and make-up working day of a year, where it comes "
                      "from, and whether the year's official schedule is confirmed."))
    calendar.add_argument("year", metavar="YEAR", help=_("a year such as 2027"))
    calendar.add_argument("--json", action="store_true", help=_("print JSON"))
    calendar.set_defaults(handler=calendar_show)


def calendar_show(args: argparse.Namespace, ctx: CliContext) -> int:
    text = args.year.strip()
    digits = text.isascii() and text.isdigit() and len(text) == 4
    if not digits or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise UsageError(_("{year!r} is not a year between {lo} and {hi}.").format(
            year=args.year, lo=MIN_YEAR, hi=MAX_YEAR))
    year = int(text)
    engine = load_engine(ctx)
    cal = engine.calendar
    if args.json:
        print(json.dumps({
            "year": year,
            "confirmed": cal.year_confirmed(year),
            "source": cal.year_source(year),
            "days": [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name,
                      "source": d.source} for d in cal.special_days(year)],
        }, ensure_ascii=False, indent=2))
    else:
        print(render_calendar(cal, year))
    return 0
