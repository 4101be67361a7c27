"""``hotline shift``: the rota's current shift and who is on duty, a shift's crew, the rota."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.cli.usage import UsageError, option_date
from hotline.errors import InputError
from hotline.i18n import _

if TYPE_CHECKING:
    from hotline.cli.context import CliContext


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
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


def _instance(args: argparse.Namespace, ctx: CliContext) -> Any:
    from hotline.supervision.rota import rota_for

    desk = ctx.desk()
    rota = rota_for(desk.settings)
    shift = getattr(args, "shift", None)
    day_text = getattr(args, "date", None)
    try:
        if day_text or shift:
            if not shift:
                raise UsageError(_("With --date, say which shift: --shift ID ({known}).").format(
                    known=", ".join(rota.ids())))
            day = option_date("--date", day_text) if day_text else desk.now().astimezone(
                desk.settings.tz).date()
            return desk, rota, rota.instance(day, shift)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
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
        raise UsageError(str(exc)) from exc
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
