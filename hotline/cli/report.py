"""``hotline report`` (SLA and penalty figures) and ``hotline shift`` (rota, crew, handover)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.errors import InputError
from hotline.i18n import _
from hotline.timefmt import parse_date

if TYPE_CHECKING:
    from hotline.cli.main import CliContext
    from hotline.sla import SlaEngine


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report", parents=parents, help=_("SLA and penalty figures for a period"),
        description=_("SLA, KPI and penalty figures for the desk's local days FROM to TO "
                      "(both included), overall and per contract."),
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
                          "(e.g. GD-TX-2026-001:inspections_missed=1); repeatable"))
    p.set_defaults(handler=report_command)

    s = sub.add_parser("shift", parents=parents, help=_("the rota, who is on duty, handovers"),
                       description=_("Show the current shift and who is on duty, set a "
                                     "shift's crew, or check the rota."))
    s.set_defaults(handler=shift_show)
    ssub = s.add_subparsers(dest="shift_command", metavar="ACTION", parser_class=type(s))
    show = ssub.add_parser("show", parents=parents, help=_("a shift and its crew (default: now)"))
    show.add_argument("--date", metavar="DATE", help=_("the local day the shift starts"))
    show.add_argument("--shift", metavar="SHIFT", help=_("the rota's shift id"))
    show.set_defaults(handler=shift_show)
    crew = ssub.add_parser("crew", parents=parents, help=_("set who is on duty in a shift"))
    crew.add_argument("--date", metavar="DATE", help=_("the local day the shift starts"))
    crew.add_argument("--shift", metavar="SHIFT", help=_("the rota's shift id (default: now)"))
    crew.add_argument("--supervisor", metavar="LOGIN", help=_("the shift's supervisor"))
    crew.add_argument("--engineers", metavar="LOGIN,…", default="",
                      help=_("the duty engineers, comma-separated"))
    crew.set_defaults(handler=shift_crew)
    rota = ssub.add_parser("rota", parents=parents, help=_("check and print the rota"))
    rota.add_argument("file", nargs="?", metavar="FILE",
                      help=_("a rota file (default: the desk's)"))
    rota.set_defaults(handler=shift_rota)


# --- report ---------------------------------------------------------------------------------


def _usage(message: str) -> Exception:
    from hotline.cli.main import UsageError

    return UsageError(message)


def _date(text: str, flag: str) -> date:
    try:
        return parse_date(text)
    except InputError as exc:
        raise _usage(f"{flag}: {exc}") from exc


def _days(args: argparse.Namespace) -> tuple[date, date]:
    from datetime import timedelta

    from hotline.reports.periods import parse_month, parse_quarter

    chosen = [f for f, v in (("--month", args.month), ("--quarter", args.quarter),
                             ("--from/--to", args.date_from or args.date_to)) if v]
    if len(chosen) > 1:
        raise _usage(_("Give either {a} or {b}, not both.").format(a=chosen[0], b=chosen[1]))
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
        raise _usage(str(exc)) from exc
    if not args.date_from or not args.date_to:
        raise _usage(_("Say which days: --from DATE --to DATE (or --month / --quarter)."))
    first = _date(args.date_from, "--from")
    last = _date(args.date_to, "--to")
    if first > last:
        raise _usage(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    return first, last


def _check_output(path: Path) -> None:
    """Refuse a path we cannot write before any work is done."""
    if path.is_dir():
        raise _usage(_("-o {path}: that is a folder; name a file.").format(path=path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _usage(_("-o {path}: the folder {folder} does not exist.").format(
            path=path, folder=folder))
    writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK)
    if not writable:
        raise _usage(_("-o {path}: no permission to write there.").format(path=path))


def _metrics(items: list[str]) -> dict[str | None, dict[str, float]]:
    import math
    import re

    out: dict[str | None, dict[str, float]] = {}
    for item in items:
        m = re.match(r"^(?:(?P<code>[^:=]+):)?(?P<name>[a-z0-9_]+)=(?P<value>.+)$", item.strip())
        if not m:
            raise _usage(_("--metric {item!r}: write NAME=VALUE or CODE:NAME=VALUE.").format(
                item=item))
        try:
            value = float(m.group("value"))
        except ValueError:
            raise _usage(_("--metric {item!r}: {value!r} is not a number.").format(
                item=item, value=m.group("value"))) from None
        if not math.isfinite(value):
            raise _usage(_("--metric {item!r}: {value!r} is not a number.").format(
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
                raise _usage(_("--metric {name}: the desk counts this itself.").format(name=name))
            if name not in used:
                raise _usage(_("--metric {name}: no period rule of the policies in the report "
                               "uses it (they use: {known}).").format(
                                   name=name, known=", ".join(sorted(used)) or _("none")))


def report_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline import reports
    from hotline.supervision.rota import rota_for

    fmt = str(args.format).lower()
    if fmt not in reports.FORMATS:
        raise _usage(_("Unknown format {fmt!r}: use table, csv, json, md or xlsx.").format(
            fmt=args.format))
    first, last = _days(args)
    metrics = _metrics(args.metric)
    output = Path(args.output).expanduser() if args.output else None
    if fmt == "xlsx" and output is None:
        raise _usage(_("--format xlsx writes a spreadsheet file: add -o FILE.xlsx."))
    if output is not None:
        _check_output(output)
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
        raise _usage(str(exc)) from exc
    if metrics:
        policies = ({contract.policy} if contract and contract.policy else
                    {c.policy for c in reports.contracts_of(desk.engine) if c.policy})
        _check_metric_names(desk.sla, policies, metrics)
    try:
        report = reports.build_report(desk.engine, desk.sla, period, desk.now(),
                                      contract=contract, rota=rota,
                                      by_shift=args.shift == "*", metrics=metrics)
    except InputError as exc:
        raise _usage(str(exc)) from exc
    doc = reports.report_json(report)
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
        raise _usage(_("-o {path}: cannot write: {error}").format(
            path=output, error=exc.strerror or exc)) from exc
    print(_("Report {period} written to {path}.").format(period=period.label(), path=output))
    return 0


# --- shift ---------------------------------------------------------------------------------


def _instance(args: argparse.Namespace, ctx: CliContext) -> Any:
    from hotline.supervision.rota import rota_for

    desk = ctx.desk()
    rota = rota_for(desk.settings)
    shift = getattr(args, "shift", None)
    day_text = getattr(args, "date", None)
    try:
        if day_text or shift:
            if not shift:
                raise _usage(_("With --date, say which shift: --shift ID ({known}).").format(
                    known=", ".join(rota.ids())))
            day = _date(day_text, "--date") if day_text else desk.now().astimezone(
                desk.settings.tz).date()
            return desk, rota, rota.instance(day, shift)
    except InputError as exc:
        raise _usage(str(exc)) from exc
    return desk, rota, rota.at(desk.now())


def shift_show(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.supervision.crew import crew_of
    from hotline.supervision.handover import handover_of, pending_handover

    desk, rota, inst = _instance(args, ctx)
    tz = desk.settings.tz
    c = crew_of(desk.engine, inst)
    print(_("Shift: {label}").format(label=inst.label(tz)))
    who = c.supervisor.name + f" ({c.supervisor.login})" if c.supervisor else _("not set")
    print("  " + _("Supervisor: {who}").format(who=who))
    names = ", ".join(f"{m.name} ({m.login})" for m in c.engineers) or _("nobody set")
    print("  " + _("Engineers: {names}").format(names=names))
    if c.from_rota:
        print("  " + _("(the rota's default crew: nobody has set this shift's crew)"))
    h = handover_of(desk.engine, rota, inst)
    if h is not None:
        state = (_("accepted by {who} at {time}").format(
            who=h.accepted_by, time=desk.show(h.accepted_at)) if h.accepted_at
                 else _("waiting for the incoming supervisor"))
        print("  " + _("Handed over by {who} at {time}: {state}").format(
            who=h.written_by, time=desk.show(h.written_at), state=state))
    print(_("Next: {label}").format(label=rota.next(inst).label(tz)))
    pending = pending_handover(desk.engine, rota)
    if pending is not None and (h is None or pending.handover_id != h.handover_id):
        print(_("Handover waiting to be accepted: {label}, by {who}").format(
            label=pending.shift.label(tz), who=pending.written_by))
    return 0


def shift_crew(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.supervision.crew import set_crew

    desk, _rota, inst = _instance(args, ctx)
    engineers = [e for e in (args.engineers or "").split(",") if e.strip()]
    try:
        c = set_crew(desk, inst, supervisor=args.supervisor, engineers=engineers)
    except InputError as exc:
        raise _usage(str(exc)) from exc
    print(_("{label}: {names}").format(label=inst.label(desk.settings.tz), names=", ".join(
        f"{m.name} ({m.login}{', ' + _('supervisor') if m.role == 'supervisor' else ''})"
        for m in c.members)))
    return 0


def shift_rota(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.supervision.rota import load_rota, rota_file

    settings = ctx.settings
    path = Path(args.file).expanduser() if args.file else rota_file(settings)
    rota = load_rota(path, settings.tz)
    print(_("Rota {path} ({tz}):").format(path=path, tz=settings.tz))
    for spec in rota.shifts:
        crew = ""
        if spec.supervisor or spec.engineers:
            crew = "  " + _("default crew: {names}").format(
                names=", ".join([*([spec.supervisor] if spec.supervisor else []),
                                 *spec.engineers]))
        print(f"  {spec.id:<10} {spec.hours():<12} {spec.shown_name()}{crew}")
    return 0
