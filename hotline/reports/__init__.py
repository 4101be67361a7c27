"""SLA, KPI and penalty reports: figures computed in SQL, and their renderings."""

from hotline.reports.figures import (
    METRIC_NAMES,
    Block,
    ContractInfo,
    Report,
    build_report,
    contracts_of,
    find_contract,
)
from hotline.reports.periods import Period, days, month, quarter, shift_instance
from hotline.reports.render import (
    FORMATS,
    figure_rows,
    format_value,
    render_text,
    report_json,
    write_xlsx,
)

__all__ = [
    "FORMATS",
    "METRIC_NAMES",
    "Block",
    "ContractInfo",
    "Period",
    "Report",
    "build_report",
    "contracts_of",
    "days",
    "figure_rows",
    "find_contract",
    "format_value",
    "month",
    "quarter",
    "render_text",
    "report_json",
    "shift_instance",
    "write_xlsx",
]
