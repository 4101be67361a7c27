"""``hotline import queue-log FILE``: past calls from an Asterisk queue_log, for the figures.

A large file shows its progress on standard error while it is read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hotline.cli.import_group import import_group
from hotline.cli.summary_limit import LIST_LIMIT
from hotline.cli.usage import UsageError
from hotline.errors import InputError
from hotline.humane import count
from hotline.i18n import _, ngettext

if TYPE_CHECKING:
    from hotline.cli.context import CliContext
    from hotline.desk.operations import Desk
    from hotline.telephony.queue_log import ImportSummary


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    kinds = import_group(sub, parents)
    q = kinds.add_parser(
        "queue-log", parents=parents, help=_("Asterisk queue_log: past calls, for the figures"),
        description=_("Import an Asterisk queue_log file: every ENTERQUEUE is an offered call, "
                      "CONNECT answers it, ABANDON and EXIT* end it unanswered. Importing the "
                      "same file again adds nothing."))
    q.add_argument("file", metavar="FILE", help=_("the queue_log file"))
    q.add_argument("--queue", metavar="QUEUE", help=_("import only this queue's calls"))
    q.set_defaults(handler=import_queue_log_command)


class ProgressBar:
    """A bar on a terminal; a line every 10 % otherwise (a log, a pipe)."""

    WIDTH = 30

    def __init__(self, out: TextIO, label: str) -> None:
        self.out = out
        self.label = label
        self.tty = out.isatty()
        self._last_step = -1

    def __call__(self, done: int, total: int, lines: int) -> None:
        share = done / total if total else 1.0
        if self.tty:
            filled = int(share * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            self.out.write(f"\r{self.label} {bar} {share:4.0%}  " + _("{n} lines").format(
                n=count(lines)))
            if share >= 1.0:
                self.out.write("\n")
            self.out.flush()
            return
        step = int(share * 10)
        if step > self._last_step:
            self._last_step = step
            self.out.write(_("{label}: {share:.0%} ({n} lines)").format(
                label=self.label, share=share, n=count(lines)) + "\n")
            self.out.flush()


def import_queue_log_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from hotline.telephony.queue_log import import_queue_log

    path = Path(args.file)
    if not path.is_file():
        if path.is_dir():
            raise UsageError(_("{path} is a folder, not a queue_log file.").format(path=path))
        raise UsageError(_("{path}: no such file.").format(path=path))
    if args.queue is not None and not args.queue.strip():
        raise UsageError(_("--queue needs a queue name."))
    desk = ctx.desk()
    size = path.stat().st_size
    progress = ProgressBar(sys.stderr, path.name) if size > 256 * 1024 else None
    try:
        summary = import_queue_log(desk, path, queue=args.queue, progress=progress)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    print(describe_import(desk, summary))
    return 0


def describe_import(desk: Desk, s: ImportSummary) -> str:
    tz = desk.settings.tz
    out = [ngettext("{path}: {n} line read.", "{path}: {n} lines read.", s.lines).format(
        path=s.path, n=count(s.lines))]
    abandoned = sum(s.abandoned.values())
    out.append("  " + _("Calls offered: {offered} — answered {answered} ({in_time} within "
                        "the answer target), abandoned {abandoned}, without an ending "
                        "{none}.").format(
        offered=count(s.offered), answered=count(s.answered), in_time=count(s.answered_in_time),
        abandoned=count(abandoned), none=count(len(s.no_ending))))
    if s.offered:
        share = s.answered_in_time / s.offered
        out.append("  " + _("Answered within the target: {a:.1%} of offered calls, {b} of "
                            "answered calls.").format(
            a=share, b=f"{s.answered_in_time / s.answered:.1%}" if s.answered else "—"))
    if abandoned:
        parts = ", ".join(f"{how} {count(n)}" for how, n in sorted(s.abandoned.items()))
        out.append("  " + _("Unanswered endings: {parts}.").format(parts=parts))
    if s.begun_before:
        out.append("  " + ngettext("{n} call had entered the queue before this file began.",
                                   "{n} calls had entered the queue before this file began.",
                                   s.begun_before).format(n=count(s.begun_before)))
    out.append("  " + _("Written: {new}, {completed}, {already}.").format(
        new=ngettext("{n} new call", "{n} new calls", s.new).format(n=count(s.new)),
        completed=ngettext("{n} earlier call completed", "{n} earlier calls completed",
                           s.completed).format(n=count(s.completed)),
        already=ngettext("{n} already in the desk (not changed)",
                         "{n} already in the desk (not changed)",
                         s.already).format(n=count(s.already))))
    if s.other_queues:
        out.append("  " + ngettext("{n} line of other queues left out.",
                                   "{n} lines of other queues left out.",
                                   s.other_queues).format(n=count(s.other_queues)))
    if s.not_calls:
        parts = ", ".join(f"{ev} {count(n)}" for ev, n in sorted(s.not_calls.items()))
        out.append("  " + _("Lines that do not decide a call: {parts}.").format(parts=parts))
    if s.skipped:
        out.append("  " + _("Skipped lines: {n}.").format(n=count(len(s.skipped))))
        for reason, n in s.skipped_by_reason.most_common():
            out.append("    " + f"{count(n):>6} × {reason}")
        for lineno, reason in s.skipped[:LIST_LIMIT]:
            out.append("    " + _("line {n}: {reason}").format(n=lineno, reason=reason))
        if len(s.skipped) > LIST_LIMIT:
            out.append("    " + _("… and {n} more").format(n=count(len(s.skipped) - LIST_LIMIT)))
    if s.no_ending:
        out.append("  " + _("Calls without an ending in this file (neither answered nor "
                            "abandoned; stored as ended, ending unknown):"))
        for call in s.no_ending[:LIST_LIMIT]:
            when = call.offered_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            out.append("    " + _("{call}  queue {queue}  entered {when}  {number}  (line {n})")
                       .format(call=call.key, queue=call.queue or "—", when=when,
                               number=call.number or _("no caller id"), n=call.first_line))
        if len(s.no_ending) > LIST_LIMIT:
            out.append("    " + _("… and {n} more").format(
                n=count(len(s.no_ending) - LIST_LIMIT)))
    return "\n".join(out)
