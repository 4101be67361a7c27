"""``hotline report``: SLA, KPI and penalty figures for a period, overall and per contract."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.cli.usage import UsageError, option_date
from hotline.errors import InputError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.notify.setup import Channel
    from hotline.sla import SlaEngine


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report", parents=parents, help=_("SLA and penalty figures for a period"),
        description=_("SLA, KPI and penalty figures for the desk's local days FROM to TO "
                      "(both included), overall and per contract. Without a period: this "
                      "month so far (its period-rule points are provisional)."),
        epilog=_("Examples: hotline report --month 2026-11 --format xlsx -o 2026-11.xlsx; "
                 "hotline report --from 2026-11-25 --to 2026-11-25 --shift night; "
                 "hotline report --quarter 2026-Q4 --contract GD-TX-2026-001 --format md."))
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help=_("first day, YYYY-MM-DD (the desk's time zone)"))
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help=_("last day, YYYY-MM-DD, included"))
    p.add_argument("--month", metavar="YYYY-MM", help=_("a calendar month instead of --from/--to"))
    p.add_argument("--quarter", metavar="YYYY-Qn", help=_("a quarter instead of --from/--to"))
    p.add_argument("--contract", metavar="CODE", help=_("only this contract"))
    p.add_argument("--shift", nargs="?", const="*", metavar="SHIFT",
                   help=_("with a shift id (day, evening, night…): only that shift's hours; "
                          "alone: the figures of each shift too"))
    p.add_argument("--format", default="table", metavar="FORMAT",
                   help=_("table (default), csv, json, md or xlsx"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE (xlsx needs it)"))
    p.add_argument("--metric", action="append", default=[], metavar="[CODE:]NAME=VALUE",
                   help=_("a figure the desk cannot count, for the policy's period rules "
                          "(e.g. GD-TX-2026-001:inspection_faults_major=1); repeatable"))
    p.add_argument("--send", metavar="CHANNEL",
                   help=_("also send the report on this notification channel (a robot gets "
                          "its beginning; e-mail the whole text)"))
    p.set_defaults(handler=report_command)


def _days(args: argparse.Namespace, today: date) -> tuple[date, date]:
    from datetime import timedelta

    from hotline.reports.periods import parse_month, parse_quarter

    chosen = [f for f, v in (("--month", args.month), ("--quarter", args.quarter),
                             ("--from/--to", args.date_from or args.date_to)) if v]
    if len(chosen) > 1:
        raise UsageError(_("Give either {a} or {b}, not both.").format(a=chosen[0], b=chosen[1]))
    try:
        if args.month:
            y, m = parse_month(args.month)
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            return date(y, m, 1), nxt - timedelta(days=1)
        if args.quarter:
            y, q = parse_quarter(args.quarter)
            nxt = date(y + (q == 4), (3 * q) % 12 + 1, 1)
            return date(y, 3 * q - 2, 1), nxt - timedelta(days=1)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if not args.date_from and not args.date_to:  # no period given: this month
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return today.replace(day=1), nxt - timedelta(days=1)
    if not args.date_from or not args.date_to:
        raise UsageError(_("Say which days: --from DATE --to DATE (or --month / --quarter)."))
    first = option_date("--from", args.date_from)
    last = option_date("--to", args.date_to)
    if first > last:
        raise UsageError(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    return first, last


def _check_output(path: Path) -> None:
    """Refuse a path we cannot write before any work is done."""
    if path.is_dir():
        raise UsageError(_("-o {path}: that is a folder; name a file.").format(path=path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(_("-o {path}: the folder {folder} does not exist.").format(
            path=path, folder=folder))
    writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK)
    if not writable:
        raise UsageError(_("-o {path}: no permission to write there.").format(path=path))


def _metrics(items: list[str]) -> dict[str | None, dict[str, float]]:
    import math
    import re

    out: dict[str | None, dict[str, float]] = {}
    for item in items:
        m = re.match(r"^(?:(?P<code>[^:=]+):)?(?P<name>[a-z0-9_]+)=(?P<value>.+)$", item.strip())
        if not m:
            raise UsageError(_("--metric {item!r}: write NAME=VALUE or CODE:NAME=VALUE.").format(
                item=item))
        try:
            value = float(m.group("value"))
        except ValueError:
            raise UsageError(_("--metric {item!r}: {value!r} is not a number.").format(
                item=item, value=m.group("value"))) from None
        if not math.isfinite(value):
            raise UsageError(_("--metric {item!r}: {value!r} is not a number.").format(
                item=item, value=m.group("value")))
        out.setdefault(m.group("code"), {})[m.group("name")] = value
    return out


def _check_metric_names(sla: SlaEngine, policies: set[str],
                        metrics: dict[str | None, dict[str, float]]) -> None:
    from hotline.reports import METRIC_NAMES

    used = {r.metric for name in policies if name in sla.policy_names()
            for r in sla.policy(name).scoring.period}
    for values in metrics.values():
        for name in values:
            if name in METRIC_NAMES:
                raise UsageError(_("--metric {name}: the desk counts this itself.").format(
                    name=name))
            if name not in used:
                raise UsageError(_("--metric {name}: no period rule of the policies in the "
                                   "report uses it (they use: {known}).").format(
                                       name=name, known=", ".join(sorted(used)) or _("none")))


def report_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline import reports
    from hotline.supervision.rota import rota_for

    fmt = str(args.format).lower()
    if fmt not in reports.FORMATS:
        raise UsageError(_("Unknown format {fmt!r}: use table, csv, json, md or xlsx.").format(
            fmt=args.format))
    first, last = _days(args, ctx.clock.now().astimezone(ctx.settings.tz).date())
    metrics = _metrics(args.metric)
    output = Path(args.output).expanduser() if args.output else None
    if fmt == "xlsx" and output is None:
        raise UsageError(_("--format xlsx writes a spreadsheet file: add -o FILE.xlsx."))
    if output is not None:
        _check_output(output)
    channel = _channel(ctx, args.send) if args.send else None
    if channel is not None and fmt == "xlsx":
        raise UsageError(_("--send sends text: use --format table, md or csv with it."))
    desk = ctx.desk()
    tz = desk.settings.tz
    rota = rota_for(desk.settings)
    shift = None if args.shift in (None, "*") else args.shift
    try:
        if shift is not None:
            rota.get(shift)
        contract = reports.find_contract(desk.engine, args.contract) if args.contract else None
        period = reports.days(first, last, tz, rota=rota, shift=shift)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if metrics:
        policies = ({contract.policy} if contract and contract.policy else
                    {c.policy for c in reports.contracts_of(desk.engine) if c.policy})
        _check_metric_names(desk.sla, policies, metrics)
    try:
        report = reports.build_report(desk.engine, desk.sla, period, desk.now(),
                                      contract=contract, rota=rota,
                                      by_shift=args.shift == "*", metrics=metrics)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    doc = reports.report_json(report)
    if channel is not None:
        sent = _send(channel, reports.render_text(doc, fmt), period.label(), ctx)
        if sent != 0 or output is None:
            return sent  # sent instead of printed; with -o, written to the file too
    try:
        if fmt == "xlsx":
            assert output is not None
            reports.write_xlsx(doc, output)
        elif output is not None:
            text = reports.render_text(doc, fmt)
            output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        else:
            sys.stdout.write(reports.render_text(doc, fmt))
            return 0
    except OSError as exc:
        raise UsageError(_("-o {path}: cannot write: {error}").format(
            path=output, error=exc.strerror or exc)) from exc
    print(_("Report {period} written to {path}.").format(period=period.label(), path=output))
    return 0


def _channel(ctx: CliContext, name: str) -> Channel:
    from hotline.notify.setup import load_setup

    setup = load_setup(ctx.settings.notify)
    channel = setup.channels.get(name)
    if channel is None:
        raise UsageError(_("There is no channel {name} (configured: {known}).").format(
            name=name[:40], known=", ".join(sorted(setup.channels)) or _("none")))
    return channel


def _send(channel: Channel, text: str, label: str, ctx: CliContext) -> int:
    """Send the report's text; 0 when delivered, 1 (saying why) when not."""
    from hotline.notify.channels import DeliveryError
    from hotline.notify.direct import send_text

    now = ctx.clock.now()
    subject = _("hotline report {period}").format(period=label)
    try:
        answer = send_text(channel, f"report:{label}:{int(now.timestamp())}", subject, text,
                           now)
    except DeliveryError as exc:
        print(_("{name}: not delivered: {error}").format(name=channel.name, error=exc))
        return 1
    print(_("Report {period} sent on {name}; the server answered: {answer}").format(
        period=label, name=channel.name, answer=answer))
    return 0
