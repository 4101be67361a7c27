"""Fuzz the directory's CSV import: generated files through the reader and the plans.

Run from the repository root::

    uv run python benchmarks/fuzz_directory_csv.py [--count 100000] [--seed 13]
                                                   [--write-every 200]

Generates ``--count`` inputs with a fixed seed, in five families:

* ``bytes``: random bytes (sometimes after a BOM or a valid header), read
  with a random encoding (UTF-8, GB18030, Latin-1, UTF-16, UTF-7,
  ``unicode_escape``, …);
* ``text``: random Unicode text (lone surrogates, control characters,
  line and paragraph separators, quotes, delimiters) after a header;
* ``mutation``: a file of the test fixtures (tests/directory/fixtures)
  with one to eight mutations: characters inserted, deleted or replaced by
  hostile ones, quotes opened, lines duplicated, swapped or cut, the
  delimiter changed, the file truncated or re-encoded;
* ``row``: a header and a single row of hostile and plausible cells;
* ``shape``: hostile shapes: an unclosed quote, a quote closed with text
  after it, cells longer than the reader's limit, tens of thousands of
  blank lines or delimiters, values one character longer than their
  column, a grade on a policy without grades, formulas, NUL bytes.

Each input goes through :func:`~hotline.directory.csv_reading.parse_table`
and, when it reads as a table, through its kind's plan (every row checked,
then counted as a dry run) in a session that writes nothing, against a
scratch SQLite desk in memory holding the fixtures' directory. Every
``--write-every``-th input that reads as a table is also imported for real
(``import_file``) into that scratch desk, which is rebuilt from the fixtures
afterwards. The project's own errors (``InputError`` and its kinds) are
expected; any other exception is counted as unexpected, with its first
tracebacks printed. Exit status 1 if there was any.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.desk.operations import Desk
from hotline.directory.csv_columns import COLUMNS, DELIMITERS, KINDS
from hotline.directory.csv_import import import_file
from hotline.directory.csv_plans import PLANS
from hotline.directory.csv_reading import parse_table
from hotline.directory.csv_report import ImportReport
from hotline.errors import InputError
from hotline.paths import shipped_data_dir
from hotline.sla import SlaEngine
from hotline.store.engine import make_engine
from hotline.store.schema import upgrade

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "directory" / "fixtures"
GOOD = {kind: (FIXTURES / f"{kind}.csv").read_bytes() for kind in KINDS}
GOOD_ROWS = {kind: raw.decode("utf-8-sig").splitlines()[1:] for kind, raw in GOOD.items()}
ALL_FIXTURES = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.csv"))}

HOSTILE = ['"', '""', '"""', "\x00", "\ud800", "\udfff", "\r", "\n", "\r\n", ",", ";", "\t",
           "|", "'", "'=", "=", "-", "+", "@", "\ufeff", "²", "٧", "\u2028", "\u0085",
           "\x0c", "\x0b", "\x1c", "\x7f", "ß", "İ", "ﬀ", " ", "  ", "x" * 301, "9" * 41,
           "=HYPERLINK(\"http://x\")", "-2+3", "@SUM(A1)", "\U0001f600", "é", "\u200b",
           "NaN", "1e308", "0755", "755", "٠٧٥٥", "²³", "0²³", "转8001", "ext", ":", "：",
           "；", "、"]
PLAUSIBLE = ["GDT-SZ", "BJYJ", "HNP-GZ", "NEW-1", "gdt-sz", "standard", "STANDARD",
             "fire-maintenance", "guangdong-transmission", "platinum", "A", "b", "C", "D",
             "2026-01-01", "2026/7/1", "2026年1月1日", "20261231", "2026-02-30", "0755",
             "010", "13902251234", "139 0225 1234", "95588", "010-62345678-8001",
             "手机: 139 0225 1234; 0755-83765432", "8376 5432", "福田传输机房", "深圳",
             "北京", "a@b.cn", "not-an-email", "黄志明", "值班主管", ""]
ENCODINGS = [None, None, None, "utf-8", "gb18030", "latin-1", "utf-16", "utf-16-le",
             "utf-7", "unicode_escape", "raw_unicode_escape", "cp1252", "big5", "idna",
             "shift_jis", "base64", "no-such-codec"]


def hostile_text(rng: random.Random, size: int) -> str:
    out = []
    for _i in range(size):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(HOSTILE))
        elif r < 0.55:
            out.append(chr(rng.randrange(0x20, 0x7f)))
        elif r < 0.75:
            out.append(chr(rng.randrange(0x4e00, 0x9fff)))
        else:
            out.append(chr(rng.randrange(0, 0x110000)))
    return "".join(out)


def encode(rng: random.Random, text: str) -> bytes:
    how = rng.choice(["utf-8"] * 6 + ["utf-8-sig", "gb18030", "utf-16", "latin-1"])
    return text.encode(how if how != "latin-1" else "latin-1",
                       "surrogatepass" if how.startswith("utf-8") else "replace")


def header(rng: random.Random, kind: str, delimiter: str) -> str:
    names = [c.name for c in COLUMNS[kind]]
    rng.shuffle(names)
    if rng.random() < 0.3:
        names = names[:rng.randrange(1, len(names) + 1)]
    if rng.random() < 0.2:
        names.append(rng.choice(HOSTILE + PLAUSIBLE))
    return delimiter.join(names)


def cell(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        value = rng.choice(PLAUSIBLE)
    elif r < 0.75:
        value = rng.choice(HOSTILE)
    else:
        value = hostile_text(rng, rng.randrange(0, 12))
    if rng.random() < 0.25:
        value = '"' + value.replace('"', '""' if rng.random() < 0.8 else '"') + '"'
    return value


# --- the families -----------------------------------------------------------------------


def gen_bytes(rng: random.Random) -> tuple[str, bytes, dict[str, str | None]]:
    kind = rng.choice(KINDS)
    raw = rng.randbytes(rng.randrange(0, 300))
    r = rng.random()
    if r < 0.3:
        raw = b"\xef\xbb\xbf" + raw
    elif r < 0.7:
        raw = (header(rng, kind, ",").encode("utf-8", "surrogatepass")
               + rng.choice([b"\n", b"\r\n", b"\r"]) + raw)
    return kind, raw, {"encoding": rng.choice(ENCODINGS),
                       "delimiter": rng.choice([None, None, *DELIMITERS])}


def gen_text(rng: random.Random) -> tuple[str, bytes, dict[str, str | None]]:
    kind = rng.choice(KINDS)
    delimiter = rng.choice(DELIMITERS)
    text = header(rng, kind, delimiter) + "\n" + hostile_text(rng, rng.randrange(0, 200))
    return kind, encode(rng, text), {"encoding": rng.choice([None, None, "gb18030"])}


def _mutate(rng: random.Random, lines: list[str]) -> list[str]:
    what = rng.randrange(9)
    # the header now and then; mostly the rows
    i = rng.randrange(len(lines)) if len(lines) < 2 or rng.random() < 0.15 else \
        rng.randrange(1, len(lines))
    line = lines[i]
    pos = rng.randrange(len(line) + 1)
    if what == 0:
        lines[i] = line[:pos] + rng.choice(HOSTILE) + line[pos:]
    elif what == 1 and line:
        lines[i] = line[:pos] + line[pos + rng.randrange(1, 6):]
    elif what == 2:
        lines[i] = line[:pos] + '"' + line[pos:]
    elif what == 3:
        lines.insert(i, line)
    elif what == 4 and len(lines) > 1:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif what == 5:
        lines[i] = line[:pos]
    elif what == 6:
        lines[i] = line.replace(",", rng.choice([";", "\t", "|", ",,", ""]))
    elif what == 7:
        lines[i] = line[:pos] + cell(rng) + line[pos:]
    else:
        lines.insert(i, "")
    return lines


def gen_mutation(rng: random.Random) -> tuple[str, bytes, dict[str, str | None]]:
    name = rng.choice(list(ALL_FIXTURES))
    kind = name.split("_")[0].removesuffix(".csv")
    lines = ALL_FIXTURES[name].decode("utf-8-sig").splitlines()
    for _i in range(rng.randrange(1, 9)):
        lines = _mutate(rng, lines) or [""]
    text = rng.choice(["\n", "\r\n", "\r"]).join(lines)
    if rng.random() < 0.1:
        text = text[:rng.randrange(len(text) + 1)]
    opts: dict[str, str | None] = {}
    raw = encode(rng, text) if rng.random() < 0.3 else text.encode("utf-8", "surrogatepass")
    if raw.startswith(b"\xff\xfe"):
        opts["encoding"] = rng.choice([None, "utf-16"])
    elif rng.random() < 0.1:
        opts["encoding"] = rng.choice(ENCODINGS)
    return kind, raw, opts


def gen_row(rng: random.Random) -> tuple[str, bytes, dict[str, str | None]]:
    kind = rng.choice(KINDS)
    delimiter = rng.choice(DELIMITERS)
    names = [c.name for c in COLUMNS[kind]]
    if rng.random() < 0.5:
        # a good row of the fixtures with one or two cells replaced
        cells = next(csv.reader([rng.choice(GOOD_ROWS[kind])]))
        for _i in range(rng.randrange(1, 3)):
            cells[rng.randrange(len(cells))] = cell(rng).strip('"')
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(cells)
        row = buf.getvalue()
    else:
        row = delimiter.join(cell(rng) for _i in range(rng.randrange(0, len(names) + 3)))
    return kind, encode(rng, delimiter.join(names) + "\n" + row + "\n"), {}


def gen_shape(rng: random.Random) -> tuple[str, bytes, dict[str, str | None]]:
    kind = rng.choice(KINDS)
    head = ",".join(c.name for c in COLUMNS[kind])
    good = GOOD[kind].decode("utf-8-sig").splitlines()[1:]
    width = len(COLUMNS[kind])
    shapes: list[Callable[[], str]] = [
        lambda: head + "\n" + good[0] + '\n"' + "\n".join(good[1:]),
        lambda: head + "\n" + good[0].replace(",", ',"', 1) + "\n" + "\n".join(good[1:]),
        lambda: head + '\n"' + "a" * rng.randrange(131_000, 140_000) + '"\n',
        lambda: head + "\nx," + "a" * rng.randrange(131_000, 140_000) + "\n",
        lambda: head + "\n" * rng.randrange(1, 50_000) + good[-1] + "\n",
        lambda: head + "\n" + "," * rng.randrange(1, 50_000) + "\n",
        lambda: head + "\n" + ",".join("名" * rng.choice([41, 61, 121, 201, 301])
                                       for _i in range(width)) + "\n",
        lambda: ("contract_code,customer_code,policy,grade,valid_from\n"
                 f"X-{rng.randrange(99)},HNP-GZ,fire-maintenance,{rng.choice('ABCabc')},"
                 "2027-01-01\n"),
        lambda: head + "\n" + ",".join(rng.choice(["=1+2", "'=1+2", "''@x", "-5", "+86",
                                                   "\t=x", "@A1"]) for _i in range(width)),
        lambda: head + "\n" + good[0].replace(",", ",\x00", rng.randrange(1, 4)) + "\n",
        lambda: head + "\n" + "\n".join(good) * rng.randrange(1, 40),
        lambda: head.replace(",", ",,") + "\n" + "\n".join(good),
        lambda: head + "," + head.split(",")[0] + "\n" + "\n".join(good),
        lambda: "\ufeff\ufeff" + head + "\n" + "\n".join(good),
        lambda: head + "\n" + '"' * rng.randrange(1, 2000) + "\n",
    ]
    return kind, rng.choice(shapes)().encode("utf-8", "surrogatepass"), {}


FAMILIES: dict[str, Callable[[random.Random], tuple[str, bytes, dict[str, str | None]]]] = {
    "bytes": gen_bytes, "text": gen_text, "mutation": gen_mutation, "row": gen_row,
    "shape": gen_shape}
WEIGHTS = {"bytes": 20, "text": 15, "mutation": 35, "row": 25, "shape": 5}


# --- the scratch desk ---------------------------------------------------------------------


def scratch_desk(sla: SlaEngine) -> Desk:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    settings = Settings(db_url="sqlite://", tz=tz, lang="en",
                        policy_dirs=(shipped_data_dir() / "policies",), calendar_files=(),
                        login="fuzz")
    engine = make_engine(settings.db_url)
    upgrade(engine)
    desk = Desk(engine, FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=tz)), settings, sla,
                "fuzz")
    for kind in KINDS:
        report = import_file(desk, kind, FIXTURES / f"{kind}.csv")
        assert report.written and not report.errors, report.errors
    return desk


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--write-every", type=int, default=200,
                    help="import every N-th readable input for real (0: never)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sla = SlaEngine.load((shipped_data_dir() / "policies",), (),
                         __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    desk = scratch_desk(sla)
    families = list(WEIGHTS)
    weights = [WEIGHTS[f] for f in families]
    inputs: Counter[str] = Counter()
    outcome: Counter[tuple[str, str]] = Counter()
    rows = bad_rows = written = tried = 0
    unexpected: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "fuzz.csv"
        readable = 0
        for n in range(args.count):
            family = rng.choices(families, weights)[0]
            inputs[family] += 1
            kind, raw, opts = FAMILIES[family](rng)
            try:
                table = parse_table(raw, kind, scratch, **opts)
            except InputError:
                outcome[family, "refused"] += 1
                continue
            except Exception:
                unexpected.append(f"#{n} {family} {kind} {opts} {raw[:120]!r}\n"
                                  + traceback.format_exc())
                continue
            readable += 1
            report = ImportReport(kind, str(scratch), table.delimiter, table.encoding,
                                  len(table.rows))
            try:
                with Session(desk.engine) as s:
                    plan = PLANS[kind](desk.sla, s, table, report)
                    plan.check()
                    plan.count()
                    s.rollback()
                if args.write_every and readable % args.write_every == 0:
                    scratch.write_bytes(raw)
                    tried += 1
                    real = import_file(desk, kind, scratch, **opts)  # type: ignore[arg-type]
                    if real.written:
                        written += 1
                        desk.engine.dispose()
                        desk = scratch_desk(sla)
            except InputError:
                outcome[family, "refused in check"] += 1
                continue
            except Exception:
                unexpected.append(f"#{n} {family} {kind} {opts} {raw[:120]!r}\n"
                                  + traceback.format_exc())
                continue
            rows += report.rows
            bad_rows += len(report.bad_lines)
            outcome[family, "some rows bad" if report.errors else "all rows good"] += 1
    elapsed = time.perf_counter() - started
    print(f"inputs: {args.count:,} (seed {args.seed}) in {elapsed:.1f} s, "
          f"{args.count / elapsed:,.0f} per second")
    kinds = ["refused", "refused in check", "some rows bad", "all rows good"]
    print(f"{'family':<10} {'inputs':>8} " + " ".join(f"{k:>16}" for k in kinds))
    for family in [*families, "total"]:
        counts = [sum(outcome[f, k] for f in families) if family == "total"
                  else outcome[family, k] for k in kinds]
        total = args.count if family == "total" else inputs[family]
        print(f"{family:<10} {total:>8,} " + " ".join(f"{c:>16,}" for c in counts))
    print(f"rows checked                 {rows:>8,} ({bad_rows:,} bad)")
    print(f"imported for real            {tried:>8,} (every {args.write_every}th readable "
          f"input, into a scratch SQLite desk; {written:,} wrote)")
    print(f"unexpected exceptions        {len(unexpected):>8,}")
    for text in unexpected[:5]:
        print("\n" + text, file=sys.stderr)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
