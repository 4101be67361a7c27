"""What an import of a directory CSV file found and did, and that in words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hotline.i18n import _, ngettext


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: str
    file: str
    delimiter: str = ","
    encoding: str = "utf-8"
    rows: int = 0
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    skip_invalid: bool = False

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.errors})

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) or sum(self.updated.values()))


# --- the report in words ---------------------------------------------------------------------

_NOUNS = {
    "customers": lambda n: ngettext("{n} customer", "{n} customers", n),
    "sites": lambda n: ngettext("{n} site", "{n} sites", n),
    "contacts": lambda n: ngettext("{n} contact", "{n} contacts", n),
    "numbers": lambda n: ngettext("{n} number", "{n} numbers", n),
    "contracts": lambda n: ngettext("{n} contract", "{n} contracts", n),
}


def counts_text(counts: Counter[str]) -> str:
    parts = [_NOUNS[k](counts[k]).format(n=f"{counts[k]:,}")
             for k in ("customers", "sites", "contacts", "numbers", "contracts") if counts[k]]
    return ", ".join(parts) if parts else _("nothing")


def summary(report: ImportReport) -> str:
    """One or two sentences saying what happened."""
    name = Path(report.file).name
    bad = len(report.bad_lines)
    if bad and not report.skip_invalid:
        good = report.rows - bad
        text = ngettext("{file}: {bad} row is bad, so nothing was imported.",
                        "{file}: {bad} rows are bad, so nothing was imported.", bad).format(
                            file=name, bad=f"{bad:,}")
        if good:
            text += " " + ngettext(
                "Correct the file, or import the {good} good row with --skip-invalid.",
                "Correct the file, or import the {good} good rows with --skip-invalid.",
                good).format(good=f"{good:,}")
        return text
    if report.dry_run:
        head = _("{file}: {rows} rows checked, nothing written (dry run). The import would "
                 "add {added} and update {updated}.").format(
                     file=name, rows=f"{report.rows:,}", added=counts_text(report.added),
                     updated=counts_text(report.updated))
    elif report.written:
        head = _("{file}: imported. Added {added}; updated {updated}; already as in the file: "
                 "{unchanged}.").format(file=name, added=counts_text(report.added),
                                        updated=counts_text(report.updated),
                                        unchanged=counts_text(report.unchanged))
    else:
        head = _("{file}: nothing to change; the directory already has every row as in the "
                 "file.").format(file=name)
    if bad:
        head += " " + ngettext("{bad} bad row was skipped.", "{bad} bad rows were skipped.",
                               bad).format(bad=bad)
    return head

