"""Plain-text and JSON views of policies, calendars and evaluations (for the CLI)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.humane import count
from hotline.i18n import N_, _, pgettext
from hotline.sla.facts import TicketFacts
from hotline.sla.limits import Limit
from hotline.sla.policy import ANY, TIER_LABELS, LimitTable, Policy, TargetSpec, lookup
from hotline.sla.results import EscalationStep, Evaluation, PenaltyEntry, TargetState
from hotline.sla.workdays import WorkCalendar
from hotline.timefmt import iso_local

STATE_LABELS = {
    "running": N_("running"),
    "warning": N_("warning"),
    "paused": N_("paused"),
    "met": N_("met"),
    "breached": N_("breached"),
    "cancelled": N_("cancelled"),
    "pending": N_("pending"),
}

KIND_LABELS = {
    "fault": N_("fault"),
    "consultation": N_("consultation"),
    "complaint": N_("complaint"),
    "inspection": N_("inspection"),
    "upgrade_request": N_("upgrade request"),
    "document_request": N_("document request"),
    "meeting": N_("meeting"),
    "service_report": N_("service report"),
    "number_change": N_("number change"),
}

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned text table with a rule under the headings."""
    widths = [width(h) for h in headings]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [c + " " * (widths[i] - width(c)) for i, c in enumerate(cells)]
        return "  ".join(parts).rstrip()

    out = [line(headings), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def when(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return "-"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def limit_text(limit: Limit | None) -> str:
    return str(limit) if limit is not None else "—"


# -- policy show -------------------------------------------------------------

def _grid_targets(policy: Policy) -> list[TargetSpec]:
    """Ticket targets whose limits depend on grade or level: the columns of the table."""
    out = []
    for spec in policy.targets:
        if spec.scope != "ticket":
            continue
        keys = set(spec.limits)
        levels = {lvl for row in spec.limits.values() for lvl in row}
        if keys != {ANY} or levels != {ANY}:
            out.append(spec)
    return out


def _table_rows(policy: Policy, tables: Sequence[LimitTable]) -> list[list[str]]:
    grades = list(policy.grades) or [ANY]
    levels: list[int | None] = list(policy.levels) or [None]
    rows = []
    for g in grades:
        for lvl in levels:
            cells = [limit_text(lookup(t, g, lvl)) for t in tables]
            if all(c == "—" for c in cells):
                continue
            label = " · ".join(x for x in (g if g != ANY else "", str(lvl or "")) if x)
            rows.append([label or "*", *cells])
    return rows


def render_policy(policy: Policy, tz: ZoneInfo) -> str:
    lines = [f"{policy.name} — {policy.shown_title()}"]
    if policy.file is not None:
        lines.append(_("File: {path}").format(path=policy.file))
    if policy.description:
        lines.append(policy.description)
    facts = [
        _("Grades: {grades}").format(grades=", ".join(policy.grades) or _("any")),
        _("Levels: {levels} (1 is the most severe)").format(
            levels=", ".join(map(str, policy.levels)) or _("none")),
        _("Warning at {share:.0%} of a limit").format(share=policy.warn_share),
    ]
    lines.append(" · ".join(facts))
    grid = _grid_targets(policy)
    if grid:
        lines.append("")
        lines.append(_("Limits by grade and level"))
        lines.append(table([_("Grade · level"), *(s.shown_label() for s in grid)],
                           _table_rows(policy, [s.limits for s in grid])))
    flat = [s for s in policy.targets if s not in grid]
    if flat:
        lines.append("")
        lines.append(_("The same for every grade and level"))
        rows = []
        for s in flat:
            limit = lookup(s.limits, ANY, None)
            rows.append([s.shown_label(), limit_text(limit), _describe_scope(s)])
        lines.append(table([_("Target"), _("Limit"), _("Applies to")], rows))
    lines.append("")
    lines.append(_("Clocks"))
    rows = []
    for s in policy.targets:
        if s.scope == "call":
            rows.append([s.shown_label(), _("the call is offered"), _("the call is answered"),
                         ""])
            continue
        flags = []
        if s.pausable:
            flags.append(_("pausable"))
        if s.repeat:
            flags.append(_("each promise"))
        if s.keep_on_close:
            flags.append(_("due after closing"))
        if s.restart_on_reopen:
            flags.append(_("restarts on reopen"))
        if s.anchor == "planned":
            flags.append(_("counts from the planned date"))
        elif s.anchor == "before_planned":
            flags.append(_("due that long before the planned date"))
        if s.optional:
            flags.append(_("only if it happens (late is the breach)"))
        if s.name in policy.escalation.upgrade_on:
            flags.append(_("breach escalates"))
        rows.append([s.shown_label(), " / ".join(s.start), " / ".join(s.stop), ", ".join(flags)])
    lines.append(table([_("Target"), _("Starts at"), _("Stops at"), _("Rules")], rows))
    variants = [(s, v) for s in policy.targets for v in s.variants]
    if variants:
        lines.append("")
        lines.append(_("Variants (the first that matches replaces the limits above)"))
        rows = []
        for s, v in variants:
            case = []
            if v.when:
                case.append("+" + ", +".join(sorted(v.when)))
            if v.unless:
                case.append(_("not") + " " + ", ".join(sorted(v.unless)))
            if v.zones:
                case.append(_("region") + " " + ", ".join(sorted(v.zones)))
            cells = []
            for g, row in v.limits.items():
                for lvl, lim in row.items():
                    where = " ".join(x for x in (
                        "" if g == ANY else g,
                        "" if lvl == ANY else _("level {n}").format(n=lvl)) if x)
                    cells.append(f"{where}: {lim}" if where else str(lim))
            rows.append([s.shown_label(), "; ".join(case) or _("always"), "; ".join(cells)])
        lines.append(table([_("Target"), _("When"), _("Limit")], rows))
    if policy.conditions:
        lines.append("")
        lines.append(_("Conditions"))
        lines.extend(f"  {name}: {meaning}" for name, meaning in policy.conditions.items())
    if policy.regions:
        lines.append("")
        lines.append(_("Regions"))
        for r in policy.regions:
            lines.append(f"  {r.zone} — {r.label}: {', '.join(r.cities)}")
    esc = policy.escalation
    lines.append("")
    lines.append(_("Escalation"))
    lines.append("  " + _("A breach of {targets} raises the level by one; at level {top} it "
                          "alerts {tiers}, again every {timeout} until acknowledged.").format(
        targets=", ".join(sorted(esc.upgrade_on)) or "-",
        top=policy.top_level or "-",
        tiers=" → ".join(_(TIER_LABELS[t]) for t in esc.tiers),
        timeout=Limit(duration=esc.ack_timeout)))
    sc = policy.scoring
    if sc.breach or sc.event or sc.period:
        lines.append("")
        lines.append(_("Scoring"))
        rows = []
        for b in sc.breach:
            rows.append([b.id, f"{b.points:+d}", _("breach of {targets}, per {per}").format(
                targets=", ".join(sorted(b.targets)), per=b.per), b.description])
        for e in sc.event:
            rows.append([e.id, f"{e.points:+d}", _("event {event}").format(event=e.event),
                         e.description])
        for p in sc.period:
            if p.each is not None:
                rule = _("{each:+d} per {metric}").format(each=p.each, metric=p.metric)
                pts = f"{p.each:+d} ×"
            else:
                cond = []
                if p.below is not None:
                    cond.append(f"{p.metric} < {p.below:g}")
                if p.above is not None:
                    cond.append(f"{p.metric} > {p.above:g}")
                rule = " or ".join(cond) + (f" ({p.period})" if p.period != "any" else "")
                pts = f"{p.points:+d}" if p.points is not None else ""
            rows.append([p.id, pts, rule, p.description])
        lines.append(table([_("Rule"), _("Points"), _("For"), _("Description")], rows))
    lines.append("")
    lines.append(_("Assurance periods"))
    if not policy.assurance:
        lines.append("  " + _("none defined"))
    for a in policy.assurance:
        eff = []
        if a.effect.factor is not None:
            eff.append(_("wall-clock limits × {f:g}").format(f=a.effect.factor))
        if a.effect.limits:
            eff.append(_("explicit limits for {t}").format(t=", ".join(sorted(a.effect.limits))))
        if a.effect.standby:
            eff.append(_("on-site standby"))
        lines.append(f"  {a.name}: {when(a.start, tz)} – {when(a.end, tz)} · {'; '.join(eff)}"
                     + (f" · {a.effect.note}" if a.effect.note else ""))
    return "\n".join(lines)


def _describe_scope(spec: TargetSpec) -> str:
    if spec.scope == "call":
        return _("every call")
    kinds = ", ".join(_(KIND_LABELS.get(k, k)) for k in sorted(spec.kinds))
    if spec.repeat:
        return _("{kinds}; each promise").format(kinds=kinds)
    return kinds


# -- calendar ----------------------------------------------------------------

def render_calendar(calendar: WorkCalendar, year: int) -> str:
    lines = []
    confirmed = calendar.year_confirmed(year)
    source = calendar.year_source(year)
    if confirmed:
        lines.append(_("{year}: confirmed official schedule · source: {source}").format(
            year=year, source=source))
    else:
        lines.append(_("{year}: NOT CONFIRMED — the official schedule for {year} is not known "
                       "to the desk. The days below are the holidays package's rule-based "
                       "festival dates, without make-up working days; working-day deadlines in "
                       "{year} may move. When the State Council publishes the notice, add "
                       "data/calendar/cn-{year}.toml or a calendar_file in config.toml.").format(
                           year=year))
    days = calendar.special_days(year)
    kinds = {"holiday": _("holiday (day off)"), "makeup_workday": _("make-up working day")}
    rows = [[d.date.isoformat(), _(WEEKDAYS[d.date.weekday()]), kinds[d.kind], d.name, d.source]
            for d in days]
    lines.append("")
    if rows:
        lines.append(table([_("Date"), pgettext("day of the week", "Day"), _("Kind"),
                            _("Name"), _("Source")], rows))
    else:
        lines.append(_("No holidays or make-up working days."))
    from datetime import date

    total = calendar.working_days_between(date(year, 1, 1), date(year, 12, 31))
    lines.append("")
    lines.append(_("Working days in {year}: {n}").format(year=year, n=total))
    return "\n".join(lines)


# -- sla explain --------------------------------------------------------------

def target_label(policy: Policy, state: TargetState) -> str:
    spec = policy.target(state.name)
    label = spec.shown_label() if spec is not None else state.name
    return label if state.instance == 1 else f"{label} #{state.instance}"


def render_evaluation(policy: Policy, facts: TicketFacts, ev: Evaluation, tz: ZoneInfo) -> str:
    zone = policy.zone_of(facts.region)
    head = [policy.name]
    if facts.grade:
        head.append(_("grade {g}").format(g=facts.grade))
    head.append(_("level {n}").format(n=ev.level) if ev.level is not None else _("no level"))
    head.append(_(KIND_LABELS.get(facts.kind, facts.kind)))
    if facts.region:
        head.append(_("region {r}").format(r=facts.region + (f" ({zone})" if zone else "")))
    if facts.conditions:
        head.append("+" + ", +".join(sorted(facts.conditions)))
    lines = [" · ".join(head)]
    lines.append(_("Opened {opened} · as of {at}").format(opened=when(facts.opened_at, tz),
                                                         at=when(ev.at, tz)))
    if facts.planned_at is not None:
        lines.append(_("Planned for {planned} (as first planned)").format(
            planned=when(facts.planned_at, tz)))
    if facts.level is not None and ev.level != facts.level:
        lines.append(_("Level {a} → {b} after escalation or reclassification").format(
            a=facts.level, b=ev.level))
    lines.append("")
    retimed = any(t.retimed_at is not None for t in ev.targets)
    rows = []
    for t in ev.targets:
        outcome = ""
        if t.met_at is not None:
            outcome = _("met {t}").format(t=when(t.met_at, tz))
        elif t.done_at is not None:
            outcome = _("done late {t}").format(t=when(t.done_at, tz))
        if t.breached_at is not None and t.state != "met":
            outcome = (outcome + "; " if outcome else "") + _("breached {t}").format(
                t=when(t.breached_at, tz))
        if t.paused_for:
            outcome = (outcome + "; " if outcome else "") + _("paused {d}").format(
                d=hours_minutes(t.paused_for))
        row = [target_label(policy, t), limit_text(t.limit),
               str(t.level) if t.level is not None else "-", when(t.started_at, tz)]
        if retimed:
            row.append(when(t.retimed_at, tz) if t.retimed_at is not None else "")
        rows.append([*row, when(t.due_at, tz), _(STATE_LABELS[t.state]), outcome])
    if rows:
        headings = [_("Target"), _("Limit"), _("Level"), _("Started")]
        if retimed:
            headings.append(_("Re-timed at"))
        lines.append(table([*headings, _("Due"), _("State"), _("Met / breached")], rows))
        if retimed and facts.planned_at is not None:
            lines.append(_("A re-timed clock counts from the new planned date (or its new "
                           "level's limit from the re-timing), not from its start."))
        elif retimed:
            lines.append(_("A re-timed clock counts its new level's limit from the re-timing, "
                           "not from its start."))
    else:
        lines.append(_("No clocks apply to this ticket."))
    lines.append("")
    lines.append(_("Escalations"))
    if not ev.escalations:
        lines.append("  " + _("none"))
    for group in collapse_realerts(ev.escalations):
        lines.append("  " + _escalation_group_line(group, tz))
    lines.append("")
    lines.append(_("Penalties"))
    if not ev.penalties:
        lines.append("  " + _("none"))
    for p in ev.penalties:
        lines.append(f"  {when(p.at, tz)}  {p.points:+d}  {p.rule}  ({p.source})"
                     + (f"  {p.description}" if p.description else ""))
    if ev.penalties:
        lines.append("  " + _("Total: {n:+d}").format(n=sum(p.points for p in ev.penalties)))
    if ev.next_change_at is not None:
        lines.append("")
        lines.append(_("Next change: {t} — {what}").format(
            t=iso_local(ceil_second(ev.next_change_at), tz),
            what=next_change_text(policy, ev)))
    for note in ev.notes:
        lines.append(_("Note: {note}").format(note=note))
    return "\n".join(lines)


def _escalation_line(s: EscalationStep, tz: ZoneInfo) -> str:
    if s.tier is None:
        what = _("level {a} → {b} ({reason} breached)").format(
            a=s.from_level, b=s.to_level, reason=s.reason)
    else:
        reason = _("not acknowledged") if s.reason == "unacknowledged" else _(
            "{reason} breached").format(reason=s.reason)
        what = _("alert {tier} ({reason})").format(tier=_(TIER_LABELS[s.tier]), reason=reason)
    ack = ""
    if s.acknowledged_at is not None:
        ack = " · " + _("acknowledged {t}").format(t=when(s.acknowledged_at, tz))
    return f"{when(s.at, tz)}  {what}  [{s.key}]{ack}"


def hours_minutes(span: timedelta) -> str:
    """``189 h 0 min``, ``45 min``: a span in whole hours and minutes (truncated), in the
    units the limits are written in."""
    minutes = max(0, int(span.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("{n} min").format(n=minutes)
    return _("{h} h {m} min").format(h=count(hours), m=minutes)


def collapse_realerts(steps: Sequence[EscalationStep]) -> list[list[EscalationStep]]:
    """The escalation steps, with each run of re-alerts of one clock to one tier (not
    acknowledged, every acknowledgement timeout) as one group; other steps alone.

    Groups come in the order of their first step.
    """
    groups: list[list[EscalationStep]] = []
    open_runs: dict[tuple[str, str | None, datetime | None], list[EscalationStep]] = {}
    for step in steps:
        if step.tier is None or step.reason != "unacknowledged":
            groups.append([step])
            continue
        ident = (step.target, step.tier, step.acknowledged_at)
        run = open_runs.get(ident)
        if run is not None and run[-1].ack_due == step.at:
            run.append(step)
            continue
        run = [step]
        open_runs[ident] = run
        groups.append(run)
    return groups


def _escalation_group_line(group: list[EscalationStep], tz: ZoneInfo) -> str:
    if len(group) == 1:
        return _escalation_line(group[0], tz)
    first, last = group[0], group[-1]
    assert first.tier is not None
    every = last.at - group[-2].at
    what = _("alerted {tier} {n} times, every {every}, since {since}; the last at "
             "{last} (not acknowledged)").format(
                 tier=_(TIER_LABELS[first.tier]), n=count(len(group)),
                 every=hours_minutes(every), since=when(first.at, tz), last=when(last.at, tz))
    ack = ""
    if last.acknowledged_at is not None:
        ack = " · " + _("acknowledged {t}").format(t=when(last.acknowledged_at, tz))
    return f"{when(first.at, tz)}  {what}  [{first.key} … {last.key}]{ack}"


def next_change_text(policy: Policy, ev: Evaluation) -> str:
    """What happens at ``ev.next_change_at``, in words."""
    if ev.next_change is None:
        return _("a clock changes")
    what, key = ev.next_change
    state = next((t for t in ev.targets if t.key == key), None)
    label = target_label(policy, state) if state is not None else key
    if what == "warning":
        return _("{target} enters its warning share (the desk warns)").format(target=label)
    if what == "due":
        return _("{target} is breached unless it is met first").format(target=label)
    tiers = policy.escalation.tiers
    sent = sum(1 for s in ev.escalations if s.target == key and s.tier is not None)
    tier = tiers[min(sent, len(tiers) - 1)]
    return _("{tier} is alerted again about {target} unless the alert is acknowledged").format(
        tier=_(TIER_LABELS[tier]), target=label)


def ceil_second(value: datetime) -> datetime:
    """Round up to a whole second: shown times are to the second, and a change due
    a microsecond after a deadline must not print as the deadline itself."""
    if value.microsecond:
        return value.replace(microsecond=0) + timedelta(seconds=1)
    return value


def evaluation_json(policy: Policy, facts: TicketFacts, ev: Evaluation, tz: ZoneInfo
                    ) -> dict[str, Any]:
    def t(value: datetime | None) -> str | None:
        return iso_local(value, tz) if value is not None else None

    return {
        "policy": policy.name,
        "grade": facts.grade or None,
        "kind": facts.kind,
        "region": facts.region,
        "zone": policy.zone_of(facts.region),
        "conditions": sorted(facts.conditions),
        "opened": t(facts.opened_at),
        "planned": t(facts.planned_at) if facts.planned_at is not None else None,
        "at": t(ev.at),
        "level": ev.level,
        "targets": [{
            "name": s.name, "key": s.key, "instance": s.instance,
            "limit": s.limit.spec if s.limit is not None else None,
            "level": s.level, "started": t(s.started_at), "due": t(s.due_at),
            "warn_at": t(s.warn_at), "state": s.state, "met_at": t(s.met_at),
            "breached_at": t(s.breached_at), "done_at": t(s.done_at),
            "paused_seconds": int(s.paused_for.total_seconds()),
            "retimed_at": t(s.retimed_at),
        } for s in ev.targets],
        "escalations": [{
            "key": s.key, "at": t(s.at), "from_level": s.from_level, "to_level": s.to_level,
            "tier": s.tier, "reason": s.reason, "target": s.target, "ack_due": t(s.ack_due),
            "acknowledged_at": t(s.acknowledged_at),
        } for s in ev.escalations],
        "penalties": [_penalty_json(p, t) for p in ev.penalties],
        "next_change_at": t(ceil_second(ev.next_change_at)) if ev.next_change_at else None,
        "next_change": ({"what": ev.next_change[0], "clock": ev.next_change[1]}
                        if ev.next_change else None),
        "notes": list(ev.notes),
    }


def _penalty_json(p: PenaltyEntry, t: Any) -> dict[str, Any]:
    return {"key": p.key, "rule": p.rule, "points": p.points, "at": t(p.at), "source": p.source,
            "description": p.description}
