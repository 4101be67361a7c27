"""A report as JSON, a text table, Markdown, CSV or a spreadsheet.

Every format is written from the same JSON document (:func:`report_json`),
and the reports screen shows :func:`figure_rows` of it: what the screen, the
terminal and the spreadsheet say cannot differ.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline import display_names
from hotline.humane import count
from hotline.i18n import N_, _, pgettext
from hotline.reports.engineers import EngineerFigures
from hotline.reports.figures import (
    Block,
    ContractInfo,
    DutyFigures,
    PeriodPenalty,
    Report,
)
from hotline.spreadsheet import SafeSheet, csv_writer, xlsx_options
from hotline.timefmt import span

FORMATS = ("table", "csv", "json", "md", "xlsx")
SERVICE_LEVEL_TARGET = 0.95

#: The figures per engineer, in the order every format shows them: (key, label, format).
ENGINEER_FIGURES = (
    ("answered", N_("Calls answered"), "n"),
    ("mean_answer_s", N_("Mean time to answer"), "s"),
    ("p90_answer_s", N_("90% answered within"), "s"),
    ("talk_calls", N_("Calls with talk time (phone system)"), "n"),
    ("mean_talk_s", N_("Mean talk time"), "s"),
    ("callbacks_promised", N_("Callbacks promised (their tickets)"), "n"),
    ("callbacks_kept", N_("Callbacks kept on time"), "n"),
    ("escalations_acknowledged", N_("Escalations acknowledged"), "n"),
    ("mean_ack_s", N_("Mean time to acknowledge"), "s"),
    ("tickets_opened", N_("Tickets opened"), "n"),
    ("faults_resolved", N_("Faults resolved"), "n"),
    ("clock_breaches", N_("Clock breaches on their tickets"), "n"),
)


# --- JSON -----------------------------------------------------------------------------


def _secs(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def _period_penalty(p: PeriodPenalty) -> dict[str, Any]:
    return {"rule": p.rule, "points": _points(p.points), "period": p.kind,
            "from": p.first_day.isoformat(), "to": p.last_day.isoformat(), "metric": p.metric,
            "description": p.description, "provisional": p.provisional}


def block_json(b: Block) -> dict[str, Any]:
    c = b.calls
    cb = b.callbacks
    co = b.consultations
    f = b.faults
    e = b.escalations
    p = b.penalties
    return {
        "calls": {
            "offered": c.offered, "answered": c.answered, "abandoned": c.abandoned,
            "short_abandoned": c.short_abandoned, "waiting": c.waiting,
            "answered_within_30s": c.answered_within_30s,
            "service_level_offered": _share(c.service_level_offered),
            "service_level_answered": _share(c.service_level_answered),
            "mean_answer_s": _secs(c.mean_answer_s), "p90_answer_s": _secs(c.p90_answer_s),
            "longest_answer_s": _secs(c.longest_answer_s),
        },
        "callbacks": {
            "promised": cb.promised, "kept": cb.kept, "missed": cb.missed,
            "made_late": cb.made_late, "not_made": cb.not_made, "open": cb.open,
            "cancelled": cb.cancelled,
        },
        "consultations": {
            "opened": co.opened, "answered_in_time": co.answered_in_time,
            "answered_late": co.answered_late, "not_answered": co.not_answered,
            "open": co.open, "share_in_time": _share(co.share_in_time),
        },
        "faults": {
            "reported": f.reported, "by_level": {str(k): v for k, v in f.by_level.items()},
            "upgraded": f.upgraded, "still_open": f.still_open,
            "by_category": dict(f.by_category),
        },
        "targets": {name: {"met": t.met, "breached": t.breached}
                    for name, t in b.targets.items()},
        "escalations": {
            "raised": e.raised, "by_kind": dict(e.by_kind), "acknowledged": e.acknowledged,
            "withdrawn": e.withdrawn, "unacknowledged": e.unacknowledged,
            "mean_ack_s": _secs(e.mean_ack_s), "p90_ack_s": _secs(e.p90_ack_s),
        },
        "penalties": {
            "total": _points(p.total),
            "by_rule": {rule: _points(v) for rule, v in p.by_rule.items()},
            "stored": {rule: _points(v) for rule, v in p.stored.items()},
            "period_rules": [_period_penalty(x) for x in p.period],
        },
        "duties": duties_json(b.duties),
    }


def duties_json(d: DutyFigures) -> dict[str, Any]:
    """The duties of one scope: each duty target met and breached, the points by rule."""
    return {
        "met": d.met, "breached": d.breached,
        "targets": {name: {"met": t.met, "breached": t.breached}
                    for name, t in d.targets.items()},
        "points": _points(d.total_points),
        "points_by_rule": {rule: _points(v) for rule, v in d.points.items()},
        "exchange_days": None if d.exchange is None else {
            "days": _points(d.exchange.days), "year": _points(d.exchange.year),
            "target": None if d.exchange.target is None else _points(d.exchange.target)},
    }


def _engineer_json(e: EngineerFigures) -> dict[str, Any]:
    out: dict[str, Any] = {"login": e.login, "name": e.name}
    for key, _label, fmt in ENGINEER_FIGURES:
        value = getattr(e, key)
        out[key] = _secs(value) if fmt == "s" else value
    return out


def _contract_json(info: ContractInfo) -> dict[str, Any]:
    return {"code": info.code, "title": info.title if info.contract_id else _("no contract"),
            "customer": info.customer, "policy": info.policy, "grade": info.grade}


def report_json(r: Report) -> dict[str, Any]:
    period = r.period
    tz = period.tz
    out: dict[str, Any] = {
        "period": {
            "from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
            "start": period.start.astimezone(tz).isoformat(),
            "end": period.end.astimezone(tz).isoformat(),
            "kind": period.kind, "shift": period.shift, "time_zone": str(tz),
        },
        "generated_at": r.generated_at.astimezone(tz).isoformat(timespec="seconds"),
        "contract": r.contract.code if r.contract else None,
        **block_json(r.overall),
        "contracts": [{**_contract_json(cb.contract), **block_json(cb.block)}
                      for cb in r.contracts],
        "series": {
            "offered_by_hour": list(r.series.offered_by_hour),
            "answered_by_hour": list(r.series.answered_by_hour),
            "answer_time": [{"range": label, "calls": n} for label, n in r.series.answer_bins],
            "days": [{"date": d.day.isoformat(), "offered": d.offered, "answered": d.answered,
                      "answered_within_30s": d.within,
                      "service_level": _share(d.service_level)} for d in r.series.days],
            "answered_within_30s_by_hour": list(r.series.in_time_by_hour),
            # None for an hour no call rang in: nothing to measure, not 0 %
            "service_level_by_hour": [_share(v) for v in r.series.service_level_by_hour],
        },
        "engineers": [_engineer_json(e) for e in r.engineers],
        "notes": list(r.notes),
    }
    if r.shifts:
        out["shifts"] = [{"shift": s.shift, "name": s.name, "hours": s.hours,
                          **block_json(s.block)} for s in r.shifts]
    return out


# --- rows: one figure per line -------------------------------------------------------


@dataclass(frozen=True)
class Row:
    section: str
    figure: str  # dotted path in the JSON, e.g. "calls.offered"
    label: str
    value: Any
    fmt: str  # n (count) | % (share) | s (seconds) | p (points) | d (days)


SECTIONS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("calls", N_("Calls"), [
        ("offered", N_("Offered"), "n"),
        ("answered", N_("Answered"), "n"),
        ("abandoned", N_("Abandoned"), "n"),
        ("short_abandoned", N_("  of which within 5 s"), "n"),
        ("waiting", N_("Still ringing"), "n"),
        ("answered_within_30s", N_("Answered within 30 s"), "n"),
        ("service_level_offered", N_("≤30 s, share of offered"), "%"),
        ("service_level_answered", N_("≤30 s, share of answered"), "%"),
        ("mean_answer_s", N_("Mean time to answer"), "s"),
        ("p90_answer_s", N_("90th percentile time to answer"), "s"),
        ("longest_answer_s", N_("Longest time to answer"), "s"),
    ]),
    ("callbacks", N_("Callbacks"), [
        ("promised", N_("Promised"), "n"),
        ("kept", N_("Kept (made in time)"), "n"),
        ("missed", N_("Missed"), "n"),
        ("made_late", N_("  made late"), "n"),
        ("not_made", N_("  not made"), "n"),
        ("open", N_("Still due"), "n"),
    ]),
    ("consultations", N_("Consultations"), [
        ("opened", N_("Received"), "n"),
        ("answered_in_time", N_("Answered within 1 working day"), "n"),
        ("answered_late", N_("Answered late"), "n"),
        ("not_answered", N_("Past due, not answered"), "n"),
        ("open", N_("Not answered yet, in time"), "n"),
        ("share_in_time", N_("Share answered in time"), "%"),
    ]),
    ("faults", N_("Faults"), [
        ("reported", N_("Reported"), "n"),
        ("by_level", N_("Level {key} (at intake)"), "n"),
        ("upgraded", N_("Level raised since"), "n"),
        ("still_open", N_("Still open"), "n"),
        ("by_category", N_("Category: {key}"), "n"),
    ]),
    ("targets", N_("Targets met / breached"), []),
    ("escalations", N_("Escalations"), [
        ("raised", N_("Raised"), "n"),
        ("by_kind", "{key}", "n"),
        ("acknowledged", N_("Acknowledged"), "n"),
        ("withdrawn", N_("Withdrawn warnings"), "n"),
        ("unacknowledged", N_("Not acknowledged"), "n"),
        ("mean_ack_s", N_("Mean time to acknowledge"), "s"),
        ("p90_ack_s", N_("90th percentile time to acknowledge"), "s"),
    ]),
    ("penalties", N_("Penalty points"), [
        ("total", N_("Total"), "p"),
        ("by_rule", "{key}", "p"),
    ]),
    # rows only for a scope that has duties (see _duty_rows)
    ("duties", N_("Contract duties"), []),
]


def figure_rows(block: dict[str, Any]) -> list[Row]:
    """The figures of one block of :func:`report_json`, in reading order."""
    out: list[Row] = []
    for section, _title, figures in SECTIONS:
        data = block.get(section, {})
        if section == "duties":
            out.extend(_duty_rows(data))
            continue
        if section == "targets":
            for name, t in data.items():
                target = display_names.target(name)
                out.append(Row(section, f"targets.{name}.met",
                               _("{target}: met").format(target=target), t["met"], "n"))
                out.append(Row(section, f"targets.{name}.breached",
                               _("{target}: breached").format(target=target), t["breached"],
                               "n"))
            continue
        for key, label, fmt in figures:
            value = data.get(key)
            if isinstance(value, dict):
                for sub, v in value.items():
                    shown = (display_names.escalation(sub) if key == "by_kind"
                             else display_names.fault_category(sub) if key == "by_category"
                             else sub)
                    text = _(label).format(key=shown) if label != "{key}" else shown
                    out.append(Row(section, f"{section}.{key}.{sub}", "  " + text, v, fmt))
                continue
            out.append(Row(section, f"{section}.{key}", _(label), value, fmt))
    return out


def _duty_rows(data: dict[str, Any]) -> list[Row]:
    """The duties section of one scope: nothing when it had no duty in the period."""
    targets = data.get("targets") or {}
    rules = data.get("points_by_rule") or {}
    exchange = data.get("exchange_days")
    if not targets and not rules and not exchange:
        return []
    out = [Row("duties", "duties.met", _("Duties met in time"), data.get("met", 0), "n"),
           Row("duties", "duties.breached", _("Duties breached"), data.get("breached", 0),
               "n")]
    for name, t in targets.items():
        target = display_names.target(name)
        out.append(Row("duties", f"duties.targets.{name}.met",
                       "  " + _("{target}: met").format(target=target), t["met"], "n"))
        out.append(Row("duties", f"duties.targets.{name}.breached",
                       "  " + _("{target}: breached").format(target=target), t["breached"],
                       "n"))
    out.append(Row("duties", "duties.points", _("Duty points"), data.get("points", 0), "p"))
    for rule, points in rules.items():
        out.append(Row("duties", f"duties.points_by_rule.{rule}", "  " + rule, points, "p"))
    if exchange is not None:
        out.append(Row("duties", "duties.exchange_days.days", _("Technical exchange days"),
                       exchange["days"], "d"))
        out.append(Row("duties", "duties.exchange_days.year",
                       "  " + _("this year so far"), exchange["year"], "d"))
        out.append(Row("duties", "duties.exchange_days.target",
                       "  " + _("the year's target"), exchange["target"], "d"))
    return out


def section_title(section: str) -> str:
    for sid, title, _figures in SECTIONS:
        if sid == section:
            return _(title)
    return section


def format_value(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "%":
        return f"{float(value) * 100:.1f}%"
    if fmt == "s":  # a span read by people: whole seconds, in minutes and hours when long
        return span(float(value))
    if fmt == "d":  # days, whole or in halves
        v = float(value)
        return str(int(v)) if v.is_integer() else f"{v:g}"
    if fmt == "p":
        v = float(value)
        text = str(int(v)) if v.is_integer() else f"{v:.2f}"
        return f"+{text}" if v > 0 else text
    return count(value)


# --- text, Markdown, CSV ---------------------------------------------------------------


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _scopes(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, block) for the overall figures and each contract / shift."""
    if doc["contract"] is not None:
        scopes = [("contract", doc["contract"], doc)]
    else:
        scopes = [("overall", _("Overall"), doc)]
        scopes += [("contract", c["code"] or _("no contract"), c) for c in doc["contracts"]]
    scopes += [("shift", s["name"], s) for s in doc.get("shifts", [])]
    return scopes


def _matrix(doc: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, str, list[Any]]]]:
    """Column names, and rows of (section, figure id, label, value per column)."""
    scopes = _scopes(doc)
    order: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    values: list[dict[str, Any]] = []
    for _kind, _name, block in scopes:
        rows = figure_rows(block)
        values.append({r.figure: r.value for r in rows})
        for r in rows:
            if r.figure not in seen:
                seen.add(r.figure)
                order.append((r.section, r.figure, r.label, r.fmt))
    order.sort(key=lambda x: [s[0] for s in SECTIONS].index(x[0]))
    out = []
    for section, figure, label, fmt in order:
        cells = []
        for v in values:
            value = v.get(figure)
            if value is None and figure not in v and fmt in ("n", "p", "d"):
                value = 0  # a rule, level or kind that did not occur in this scope
            cells.append(format_value(value, fmt))
        out.append((section, figure, label, cells))
    return [name for _k, name, _b in scopes], out


def heading(doc: dict[str, Any]) -> str:
    p = doc["period"]
    scope = doc["contract"] or _("all contracts")
    span = p["from"] if p["from"] == p["to"] else f"{p['from']} – {p['to']}"
    if p["shift"]:
        span += " · " + _("shift {name}").format(name=p["shift"])
    return _("SLA report {span} ({tz}) · {scope} · as of {at}").format(
        span=span, tz=p["time_zone"], scope=scope, at=doc["generated_at"].replace("T", " "))


def render_table(doc: dict[str, Any]) -> str:
    columns, rows = _matrix(doc)
    label_w = max([width(r[2]) for r in rows] + [10]) + 2
    col_w = [max([width(c)] + [width(r[3][i]) for r in rows]) for i, c in enumerate(columns)]
    lines = [heading(doc), ""]

    def line(label: str, cells: Sequence[str]) -> str:
        parts = [label + " " * (label_w - width(label))]
        parts += [" " * (col_w[i] - width(c)) + c for i, c in enumerate(cells)]
        return "  ".join(parts).rstrip()

    lines.append(line("", columns))
    section = None
    for sec, _fig, label, cells in rows:
        if sec != section:
            section = sec
            lines.append(section_title(sec))
        lines.append(line("  " + label, cells))
    lines.extend(_penalty_lines(doc))
    lines.extend(_engineer_lines(doc))
    for note in doc.get("notes", []):
        lines.append("* " + note)
    return "\n".join(lines) + "\n"


def engineer_matrix(doc: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The engineers (their names) and, per figure, its label and each engineer's value."""
    people = doc.get("engineers", [])
    names = [p["name"] if p["name"] == p["login"] else f"{p['name']} ({p['login']})"
             for p in people]
    rows = [(_(label), [format_value(p[key], fmt) for p in people])
            for key, label, fmt in ENGINEER_FIGURES]
    return names, rows


def _engineer_lines(doc: dict[str, Any]) -> list[str]:
    names, rows = engineer_matrix(doc)
    if not names:
        return []
    label_w = max(width(label) for label, _cells in rows) + 2
    col_w = [max([width(n)] + [width(r[1][i]) for r in rows]) for i, n in enumerate(names)]

    def line(label: str, cells: Sequence[str]) -> str:
        parts = [label + " " * (label_w - width(label))]
        parts += [" " * (col_w[i] - width(c)) + c for i, c in enumerate(cells)]
        return "  ".join(parts).rstrip()

    return ["", _("Per engineer"), line("", names),
            *[line("  " + label, cells) for label, cells in rows]]


def _penalty_lines(doc: dict[str, Any]) -> list[str]:
    entries = []
    for name, block in [(None, doc)] if doc["contract"] else [
            (c["code"] or _("no contract"), c) for c in doc["contracts"]]:
        for p in block["penalties"]["period_rules"]:
            entries.append((name or doc["contract"], p))
    if not entries:
        return []
    out = ["", _("Period rules")]
    for name, p in entries:
        out.append(f"  {name}  {p['from']} – {p['to']}  {p['rule']}  "
                   f"{format_value(p['points'], 'p')}{_provisional(p)}  {p['description']}")
    return out


def _provisional(p: dict[str, Any]) -> str:
    """Said after the points of a period still running."""
    return " (" + _("provisional") + ")" if p.get("provisional") else ""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").strip()


def render_md(doc: dict[str, Any]) -> str:
    columns, rows = _matrix(doc)
    out = [f"# {heading(doc)}", ""]
    section = None
    for sec, _fig, label, cells in rows:
        if sec != section:
            section = sec
            out += ["", f"## {section_title(sec)}", "",
                    "| " + " | ".join([_("Figure"), *map(_md_cell, columns)]) + " |",
                    "|" + "---|" + "---:|" * len(columns)]
        out.append("| " + " | ".join([_md_cell(label), *map(_md_cell, cells)]) + " |")
    periods = _penalty_lines(doc)
    if periods:
        out += ["", f"## {_('Period rules')}", "",
                "| " + " | ".join([_("Contract"), _("Period"), _("Rule"), _("Points"),
                                   _("Why")]) + " |", "|---|---|---|---:|---|"]
        for block in ([doc] if doc["contract"] else doc["contracts"]):
            for p in block["penalties"]["period_rules"]:
                out.append("| " + " | ".join(_md_cell(x) for x in (
                    block.get("code") or doc["contract"] or _("no contract"),
                    f"{p['from']} – {p['to']}", p["rule"],
                    format_value(p["points"], "p") + _provisional(p),
                    p["description"])) + " |")
    names, erows = engineer_matrix(doc)
    if names:
        out += ["", f"## {_('Per engineer')}", "",
                "| " + " | ".join([_("Figure"), *map(_md_cell, names)]) + " |",
                "|" + "---|" + "---:|" * len(names)]
        out += ["| " + " | ".join([_md_cell(label), *map(_md_cell, cells)]) + " |"
                for label, cells in erows]
    if doc.get("notes"):
        out += [""] + [f"* {n}" for n in doc["notes"]]
    return "\n".join(out).lstrip("\n") + "\n"


def _csv_rows(doc: dict[str, Any]) -> list[list[Any]]:
    out: list[list[Any]] = [["scope", "code", "figure", "value"]]
    scopes: list[tuple[str, str, dict[str, Any]]] = []
    if doc["contract"] is None:
        scopes.append(("overall", "", doc))
    scopes += [("contract", c["code"] or "", c) for c in doc["contracts"]]
    scopes += [("shift", s["shift"], s) for s in doc.get("shifts", [])]
    for kind, code, block in scopes:
        for row in figure_rows(block):
            out.append([kind, code, row.figure, "" if row.value is None else row.value])
    for person in doc.get("engineers", []):
        for key, _label, _fmt in ENGINEER_FIGURES:
            value = person[key]
            out.append(["engineer", person["login"], key, "" if value is None else value])
    return out


def render_csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    # a cell a spreadsheet would run as a formula gets a ' before it; numbers stay numbers
    csv_writer(buf, lineterminator="\n").writerows(_csv_rows(doc))
    return buf.getvalue()


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_text(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return render_json(doc)
    if fmt == "csv":
        return render_csv(doc)
    if fmt == "md":
        return render_md(doc)
    return render_table(doc)


# --- the spreadsheet ---------------------------------------------------------------------


def write_xlsx(doc: dict[str, Any], path: Path) -> None:
    """Summary (every figure per scope), penalties, days (with the 95% line), hours."""
    import xlsxwriter

    # every string is written as text, never as a formula or a link (a contract code or
    # a rule's description starting with "=" stays what it says): SafeSheet
    wb = xlsxwriter.Workbook(str(path), xlsx_options())
    try:
        bold = wb.add_format({"bold": True})
        title = wb.add_format({"bold": True, "font_size": 13})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        pct = wb.add_format({"num_format": "0.0%"})
        secs = wb.add_format({"num_format": "0.0"})
        pts = wb.add_format({"num_format": "+0;-0;0"})
        formats = {"%": pct, "s": secs, "p": pts}

        ws = SafeSheet(wb.add_worksheet(_("Summary")))
        ws.write(0, 0, heading(doc), title)
        scopes = _scopes(doc)
        ws.write_row(2, 0, [_("Figure"), *[name for _k, name, _b in scopes]], head)
        columns, rows = _matrix(doc)
        raw = [{r.figure: r for r in figure_rows(b)} for _k, _n, b in scopes]
        row_no = 3
        section = None
        for sec, figure, label, _cells in rows:
            if sec != section:
                section = sec
                ws.write(row_no, 0, section_title(sec), bold)
                row_no += 1
            ws.write(row_no, 0, label)
            for i, scope_rows in enumerate(raw):
                item = scope_rows.get(figure)
                value = item.value if item is not None else 0
                fmt = item.fmt if item is not None else "n"
                if value is None:
                    ws.write_blank(row_no, i + 1, None)
                elif isinstance(value, int | float):
                    ws.write_number(row_no, i + 1, value, formats.get(fmt))
                else:
                    ws.write(row_no, i + 1, value)
            row_no += 1
        ws.set_column(0, 0, 40)
        ws.set_column(1, len(columns), 16)
        ws.freeze_panes(3, 1)
        for n, note in enumerate(doc.get("notes", [])):
            ws.write(row_no + 1 + n, 0, note)

        wp = SafeSheet(wb.add_worksheet(_("Penalties")))
        wp.write_row(0, 0, [_("Contract"), _("Rule"), _("Points"), _("Source"),
                            pgettext("valid from", "From"), pgettext("valid to", "To"),
                            _("Description")], head)
        r = 1
        blocks = [doc] if doc["contract"] else doc["contracts"]
        for block in blocks:
            code = block.get("code") or doc["contract"] or _("no contract")
            for rule, points in block["penalties"]["stored"].items():
                wp.write_row(r, 0, [code, rule])
                wp.write_number(r, 2, points, pts)
                wp.write_row(r, 3, [_("tickets"), doc["period"]["from"], doc["period"]["to"]])
                r += 1
            for p in block["penalties"]["period_rules"]:
                wp.write_row(r, 0, [code, p["rule"]])
                wp.write_number(r, 2, p["points"], pts)
                wp.write_row(r, 3, [_("period rule") + _provisional(p), p["from"], p["to"],
                                    p["description"]])
                r += 1
        wp.write(r + 1, 1, _("Total"), bold)
        wp.write_number(r + 1, 2, doc["penalties"]["total"], pts)
        wp.set_column(0, 1, 22)
        wp.set_column(4, 5, 12)
        wp.set_column(6, 6, 60)

        wd = SafeSheet(wb.add_worksheet(_("Days")))
        wd.write_row(0, 0, [_("Date"), _("Offered"), _("Answered"), _("Within 30 s"),
                            _("Service level"), pgettext("service level", "Target")], head)
        day_rows = doc["series"]["days"]
        for i, d in enumerate(day_rows, 1):
            wd.write_row(i, 0, [d["date"], d["offered"], d["answered"],
                                d["answered_within_30s"]])
            if d["service_level"] is None:
                wd.write_blank(i, 4, None)
            else:
                wd.write_number(i, 4, d["service_level"], pct)
            wd.write_number(i, 5, SERVICE_LEVEL_TARGET, pct)
        wd.set_column(0, 0, 12)
        wd.set_column(1, 5, 13)
        if day_rows:
            n = len(day_rows)
            chart = wb.add_chart({"type": "column"})
            chart.add_series({"name": _("Service level"), "categories": [wd.name, 1, 0, n, 0],
                              "values": [wd.name, 1, 4, n, 4]})
            line = wb.add_chart({"type": "line"})
            line.add_series({"name": pgettext("service level", "Target"),
                             "categories": [wd.name, 1, 0, n, 0],
                             "values": [wd.name, 1, 5, n, 5],
                             "line": {"color": "red", "dash_type": "dash"}})
            chart.combine(line)
            chart.set_title({"name": _("Service level per day (answered ≤30 s / offered)")})
            chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
            chart.set_size({"width": 760, "height": 320})
            wd.insert_chart(1, 7, chart)

        wh = SafeSheet(wb.add_worksheet(_("Hours")))
        wh.write_row(0, 0, [_("Hour"), _("Offered"), _("Answered"), _("Service level")], head)
        levels = doc["series"].get("service_level_by_hour") or [None] * 24
        for h in range(24):
            wh.write_row(h + 1, 0, [f"{h:02d}:00", doc["series"]["offered_by_hour"][h],
                                    doc["series"]["answered_by_hour"][h]])
            if levels[h] is None:  # no call in that hour: left blank, not 0 %
                wh.write_blank(h + 1, 3, None)
            else:
                wh.write_number(h + 1, 3, levels[h], pct)
        wh.write_row(27, 0, [_("Time to answer"), _("Calls")], head)
        for i, b in enumerate(doc["series"]["answer_time"]):
            wh.write_row(28 + i, 0, [b["range"], b["calls"]])
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": _("Offered"), "categories": [wh.name, 1, 0, 24, 0],
                          "values": [wh.name, 1, 1, 24, 1]})
        chart.set_title({"name": _("Calls per hour")})
        chart.set_legend({"none": True})
        wh.insert_chart(0, 5, chart)
        sl = wb.add_chart({"type": "column"})
        sl.add_series({"name": _("Service level"), "categories": [wh.name, 1, 0, 24, 0],
                       "values": [wh.name, 1, 3, 24, 3]})
        sl.set_title({"name": _("Service level per hour of day")})
        sl.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
        sl.set_legend({"none": True})
        sl.show_blanks_as("gap")
        wh.insert_chart(17, 5, sl)

        we = SafeSheet(wb.add_worksheet(_("Engineers")))
        we.write_row(0, 0, [_("Login"), _("Name"),
                            *[_(label) for _k, label, _f in ENGINEER_FIGURES]], head)
        for i, person in enumerate(doc.get("engineers", []), 1):
            we.write_row(i, 0, [person["login"], person["name"]])
            for j, (key, _label, fmt) in enumerate(ENGINEER_FIGURES, 2):
                if person[key] is None:
                    we.write_blank(i, j, None)
                else:
                    we.write_number(i, j, person[key], formats.get(fmt))
        we.set_column(0, 1, 16)
        we.set_column(2, 1 + len(ENGINEER_FIGURES), 14)
        we.freeze_panes(1, 2)
    finally:
        wb.close()
