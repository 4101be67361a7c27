"""The service manager's reports: a period, a contract, the figures and three charts.

The figures are :mod:`hotline.reports`' — the same rows ``hotline report``
prints — computed in a worker; the charts draw calls per hour, the time to
answer and the service level per day against the 95% line.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from hotline import reports
from hotline.errors import HotlineError, InputError
from hotline.i18n import N_, _, pgettext
from hotline.reports.periods import Period, shift_instance
from hotline.reports.render import ENGINEER_FIGURES, SERVICE_LEVEL_TARGET, section_title
from hotline.supervision.rota import ShiftInstance
from hotline.timefmt import parse_date
from screens.context import DeskContext, DeskScreen
from screens.dialogs import AskText
from screens.widgets.charts import BarChart, Column, ColumnChart
from screens.widgets.key_bar import KeyBar

KINDS = ("day", "shift", "month", "quarter", "range")
#: Column heads of the per-engineer table, short enough for the panel.
ENGINEER_SHORT = {
    "answered": N_("Answered"), "mean_answer_s": N_("Mean answer"),
    "p90_answer_s": N_("90% within"), "talk_calls": N_("Talked"),
    "mean_talk_s": N_("Mean talk"), "callbacks_promised": N_("Callbacks"),
    "callbacks_kept": N_("Kept"), "escalations_acknowledged": N_("Acknowledged"),
    "mean_ack_s": N_("Mean ack"), "tickets_opened": N_("Opened"),
    "faults_resolved": N_("Resolved"), "clock_breaches": N_("Breaches"),
}
EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".md": "md", ".txt": "table"}


class ReportReady(Message):
    def __init__(self, seq: int, doc: dict[str, Any] | None, error: str = "") -> None:
        super().__init__()
        self.seq = seq
        self.doc = doc
        self.error = error


class ContractsLoaded(Message):
    def __init__(self, contracts: list[reports.ContractInfo]) -> None:
        super().__init__()
        self.contracts = contracts


class ReportsScreen(DeskScreen):
    """SLA and penalty figures by day, shift, month, quarter or any range."""

    KEY_BAR_OMITS = frozenset({"app.reports"})  # the key to this screen
    BINDINGS = [
        Binding("d", "period('day')", "Day", id="reports.day"),
        Binding("s", "period('shift')", "Shift", id="reports.shift"),
        Binding("m", "period('month')", "Month", id="reports.month"),
        Binding("u", "period('quarter')", "Quarter", id="reports.quarter"),
        Binding("r", "custom_range", "Range…", id="reports.range"),
        Binding("left_square_bracket", "step(-1)", "Previous", id="reports.previous"),
        Binding("right_square_bracket", "step(1)", "Next", id="reports.next"),
        Binding("t", "current", "Current", id="reports.current", show=False),
        Binding("c", "contract(1)", "Contract", id="reports.contract"),
        Binding("C", "contract(-1)", "Previous contract", id="reports.contract_back",
                show=False),
        Binding("e", "export", "Export…", id="reports.export"),
        Binding("g", "toggle_charts", "Charts", id="reports.charts", show=False),
        Binding("p", "toggle_engineers", "Per engineer", id="reports.engineers"),
        Binding("escape", "close", "Back", id="reports.close"),
    ]

    def __init__(self, context: DeskContext) -> None:
        super().__init__(context)
        self.kind = "month"
        self.focus_day: date | None = None
        self.shift: ShiftInstance | None = None
        self.range: tuple[date, date] | None = None
        self.contracts: list[reports.ContractInfo] = []
        self.scope: int = -1  # index into contracts; -1: all contracts
        self.doc: dict[str, Any] | None = None
        self._seq = 0
        self._charts_toggled = False
        self._per_engineer = False  # the left panel shows the figures per engineer

    def compose(self) -> ComposeResult:
        yield Static(id="rep-title", classes="screen-title")
        with Horizontal(id="rep-body"):
            with Vertical(id="rep-figures-panel", classes="panel"):
                yield DataTable(id="rep-figures", cursor_type="row", zebra_stripes=False)
                yield DataTable(id="rep-engineers", cursor_type="row", zebra_stripes=False)
                yield Static(id="rep-notes")
            with VerticalScroll(id="rep-charts"):
                with Vertical(id="rep-sl-panel", classes="panel chart"):
                    yield ColumnChart(target=SERVICE_LEVEL_TARGET, top=1.0, value_text="{:.0%}",
                                      id="rep-sl")
                with Vertical(id="rep-hours-panel", classes="panel chart"):
                    yield ColumnChart(id="rep-hours")
                with Vertical(id="rep-dist-panel", classes="panel chart"):
                    yield BarChart(id="rep-dist")
                with Vertical(id="rep-sl-hour-panel", classes="panel chart"):
                    yield ColumnChart(target=SERVICE_LEVEL_TARGET, top=1.0, value_text="{:.0%}",
                                      id="rep-sl-hour")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#rep-figures", DataTable)
        table.add_column(_("Figure"), key="figure", width=36)
        table.add_column(_("Value"), key="value", width=13)
        self.query_one("#rep-sl-panel").border_title = _(
            "Service level per day (answered ≤30 s / offered) — 95% line")
        self.query_one("#rep-hours-panel").border_title = _("Calls offered per hour of day")
        self.query_one("#rep-dist-panel").border_title = _("Time to answer")
        self.query_one("#rep-sl-hour-panel").border_title = _(
            "Service level per hour of day — hours without calls left out")
        engineers = self.query_one("#rep-engineers", DataTable)
        engineers.add_column(_("Engineer"), key="name", width=16)
        for key, label, _fmt in ENGINEER_FIGURES:
            engineers.add_column(_(ENGINEER_SHORT.get(key, label)), key=key)
        engineers.display = False
        table.focus()
        self._current()
        self._load_contracts()
        self.on_resize()
        self.compute()

    def on_resize(self) -> None:
        narrow = self.size.width < 100
        self.set_class(narrow, "narrow")
        # wide: figures and charts side by side (g hides the charts); narrow: one at a time
        toggled = self._charts_toggled
        self.query_one("#rep-charts").display = toggled if narrow else not toggled
        self.query_one("#rep-figures-panel").display = not (narrow and toggled)

    # --- the period ---------------------------------------------------------------------

    def _today(self) -> date:
        desk = self.context.desk
        return desk.now().astimezone(desk.settings.tz).date()

    def _current(self) -> None:
        self.focus_day = self._today()
        self.shift = self.context.rota.at(self.context.desk.now())
        if self.kind == "range" and self.range is None:
            self.kind = "month"

    def period(self) -> Period:
        tz = self.context.desk.settings.tz
        anchor = self.focus_day or self._today()
        if self.kind == "day":
            return reports.days(anchor, anchor, tz)
        if self.kind == "shift":
            assert self.shift is not None
            return shift_instance(self.shift, tz)
        if self.kind == "month":
            return reports.month(anchor.year, anchor.month, tz)
        if self.kind == "quarter":
            return reports.quarter(anchor.year, (anchor.month - 1) // 3 + 1, tz)
        assert self.range is not None
        return reports.days(self.range[0], self.range[1], tz)

    def action_period(self, kind: str) -> None:
        self.kind = kind
        self.compute()

    def action_current(self) -> None:
        self._current()
        self.compute()

    def action_step(self, direction: int) -> None:
        anchor = self.focus_day or self._today()
        if self.kind == "day":
            self.focus_day = anchor + timedelta(days=direction)
        elif self.kind == "shift":
            assert self.shift is not None
            rota = self.context.rota
            self.shift = rota.next(self.shift) if direction > 0 else rota.previous(self.shift)
        elif self.kind in ("month", "quarter"):
            months = direction * (1 if self.kind == "month" else 3)
            index = anchor.year * 12 + anchor.month - 1 + months
            self.focus_day = date(index // 12, index % 12 + 1, 1)
        elif self.range is not None:
            length = (self.range[1] - self.range[0]).days + 1
            shift = timedelta(days=length * direction)
            self.range = (self.range[0] + shift, self.range[1] + shift)
        self.compute()

    def action_custom_range(self) -> None:
        def given(text: str | None) -> None:
            if not text:
                return
            parts = text.replace("–", " ").replace(",", " ").split()
            try:
                if len(parts) not in (1, 2):
                    raise InputError(_("Write the first and the last day: YYYY-MM-DD YYYY-MM-DD."))
                first = parse_date(parts[0])
                last = parse_date(parts[-1])
                if first > last:
                    raise InputError(_("{first} is after {last}.").format(
                        first=first.isoformat(), last=last.isoformat()))
            except InputError as exc:
                self.notify(str(exc), severity="error")
                return
            self.range = (first, last)
            self.kind = "range"
            self.compute()

        self.app.push_screen(AskText(_("Report for a range of days"),
                                     _("First and last day (both included), e.g. "
                                       "2026-11-01 2026-11-15:"), required=True,
                                     placeholder="YYYY-MM-DD YYYY-MM-DD"), given)

    def action_contract(self, direction: int) -> None:
        if not self.contracts:
            self.notify(_("The desk has no contracts."), severity="warning")
            return
        n = len(self.contracts) + 1
        self.scope = (self.scope + 1 + direction) % n - 1
        self.compute()

    @property
    def contract(self) -> reports.ContractInfo | None:
        return self.contracts[self.scope] if 0 <= self.scope < len(self.contracts) else None

    # --- computing -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="report-contracts")
    def _load_contracts(self) -> None:
        try:
            found = reports.contracts_of(self.context.desk.engine)
        except Exception:
            found = []
        self.post_message(ContractsLoaded(found))

    def on_contracts_loaded(self, message: ContractsLoaded) -> None:
        self.contracts = message.contracts

    def compute(self) -> None:
        self._seq += 1
        try:
            period = self.period()
        except HotlineError as exc:
            self.notify(str(exc), severity="error")
            return
        self._title(period, busy=True)
        self._compute(self._seq, period, self.contract)

    @work(thread=True, exclusive=True, group="report")
    def _compute(self, seq: int, period: Period, contract: reports.ContractInfo | None) -> None:
        desk = self.context.desk
        try:
            report = reports.build_report(desk.engine, desk.sla, period, desk.now(),
                                          contract=contract, rota=self.context.rota)
            doc = reports.report_json(report)
        except HotlineError as exc:
            self.post_message(ReportReady(seq, None, str(exc)))
            return
        except Exception as exc:  # a database gone away must not kill the screen
            self.post_message(ReportReady(seq, None, _("Cannot read the desk: {error}").format(
                error=exc)))
            return
        self.post_message(ReportReady(seq, doc))

    def on_report_ready(self, message: ReportReady) -> None:
        if message.seq != self._seq:
            return
        if message.doc is None:
            self.notify(message.error, severity="error")
            return
        self.doc = message.doc
        self._show(message.doc)

    def _title(self, period: Period, *, busy: bool = False) -> None:
        t = Text()
        t.append(" " + _("Reports") + " ", style="bold reverse")
        names = {"day": pgettext("report period", "Day"), "shift": _("Shift"), "month": _("Month"),
                 "quarter": _("Quarter"), "range": _("Range")}
        t.append(f"  {names[self.kind]}: ", style="bold")
        if self.kind == "shift" and self.shift is not None:
            t.append(self.shift.label(self.context.desk.settings.tz), style="bold")
        else:
            t.append(period.label(), style="bold")
            if period.kind in ("month", "quarter", "range"):
                t.append(f"  ({period.first_day.isoformat()} – {period.last_day.isoformat()})")
        c = self.contract
        t.append("   " + (_("contract {code}").format(code=c.code) if c else
                          _("all contracts")), style="bold")
        if busy:
            t.append("   " + _("computing…"), style="dim")
        t.append("   " + _("d/s/m/u period · [ ] step · c contract · e export"), style="dim")
        self.query_one("#rep-title", Static).update(t)

    def _show(self, doc: dict[str, Any]) -> None:
        self._title(self.period())
        table = self.query_one("#rep-figures", DataTable)
        table.clear()
        section = None
        for row in reports.figure_rows(doc):
            if row.section != section:
                section = row.section
                table.add_row(Text(section_title(section), style="bold"), "",
                              key=f"section:{section}")
            table.add_row(Text("  " + row.label.strip() if row.label.startswith("  ")
                               else " " + row.label, no_wrap=True, overflow="ellipsis"),
                          Text(reports.format_value(row.value, row.fmt), justify="right"),
                          key=row.figure)
        if doc["contract"] is None and doc["contracts"]:
            table.add_row(Text(_("By contract"), style="bold"), "", key="section:contracts")
            for c in doc["contracts"]:
                sl = reports.format_value(c["calls"]["service_level_offered"], "%")
                pts = reports.format_value(c["penalties"]["total"], "p")
                table.add_row(Text(" " + (c["code"] or _("no contract")), no_wrap=True,
                                   overflow="ellipsis"),
                              Text(_("≤30 s {sl} · {points} pts").format(sl=sl, points=pts),
                                   justify="right"), key=f"contract:{c['code']}")
        notes = doc.get("notes", [])
        self.query_one("#rep-notes", Static).update(Text("\n".join(notes), style="dim italic"))
        self.query_one("#rep-notes", Static).display = bool(notes)
        series = doc["series"]
        days = series["days"]
        self.query_one("#rep-sl", ColumnChart).set_columns([
            Column(d["date"][8:10], d["service_level"]) for d in days])
        self.query_one("#rep-hours", ColumnChart).set_columns([
            Column(f"{h:02d}", n) for h, n in enumerate(series["offered_by_hour"])])
        self.query_one("#rep-dist", BarChart).set_bars([
            (b["range"], b["calls"]) for b in series["answer_time"]])
        # an hour no call rang in has no service level: a dot on the axis, never 0 %
        self.query_one("#rep-sl-hour", ColumnChart).set_columns([
            Column(f"{h:02d}", v) for h, v in enumerate(series.get("service_level_by_hour")
                                                         or [None] * 24)])
        self._show_engineers(doc)

    def _show_engineers(self, doc: dict[str, Any]) -> None:
        table = self.query_one("#rep-engineers", DataTable)
        table.clear()
        for person in doc.get("engineers", []):
            name = person["name"]
            table.add_row(Text(name, no_wrap=True, overflow="ellipsis"),
                          *[Text(reports.format_value(person[key], fmt), justify="right")
                            for key, _label, fmt in ENGINEER_FIGURES], key=person["login"])

    def action_toggle_engineers(self) -> None:
        """The left panel: the period's figures, or the same period's figures per engineer."""
        self._per_engineer = not self._per_engineer
        figures = self.query_one("#rep-figures", DataTable)
        engineers = self.query_one("#rep-engineers", DataTable)
        figures.display = not self._per_engineer
        engineers.display = self._per_engineer
        (engineers if self._per_engineer else figures).focus()
        self.query_one("#rep-figures-panel").border_title = (
            _("Per engineer") if self._per_engineer else "")

    # --- export ------------------------------------------------------------------------------

    def action_export(self) -> None:
        doc = self.doc
        if doc is None:
            return
        period = doc["period"]
        scope = doc["contract"] or "all"
        suggestion = f"sla-{period['from']}-{period['to']}-{scope}.xlsx"

        def given(text: str | None) -> None:
            if not text:
                return
            path = Path(text).expanduser()
            fmt = EXTENSIONS.get(path.suffix.lower())
            if fmt is None:
                self.notify(_("Name the file .xlsx, .csv, .json, .md or .txt."),
                            severity="error")
                return
            self._export(doc, path, fmt)

        self.app.push_screen(AskText(_("Export the report"), _(
            "File (.xlsx, .csv, .json, .md or .txt):"), required=True,
            value=suggestion), given)  # Enter takes the suggested name

    @work(thread=True, group="report-export")
    def _export(self, doc: dict[str, Any], path: Path, fmt: str) -> None:
        try:
            if fmt == "xlsx":
                reports.write_xlsx(doc, path)
            else:
                path.write_text(reports.render_text(doc, fmt),
                                encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        except OSError as exc:
            self.app.call_from_thread(self.notify, _("Cannot write {path}: {error}").format(
                path=path, error=exc.strerror or exc), severity="error")
            return
        self.app.call_from_thread(self.notify, _("Report written to {path}.").format(path=path))

    def action_toggle_charts(self) -> None:
        self._charts_toggled = not self._charts_toggled
        self.on_resize()

    def action_close(self) -> None:
        self.app.pop_screen()
