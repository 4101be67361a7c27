"""Importing Asterisk's queue_log: the real format with the quirks of real files."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from hotline.cli.queue_log import ProgressBar, describe_import
from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.i18n import set_language
from hotline.store.engine import session_scope
from hotline.store.models import Call, Engineer, Escalation, Event
from hotline.telephony.call_events import CallEvent, apply_call_event
from hotline.telephony.queue_log import ImportSummary, enter_caller_id, import_queue_log
from hotline.views.dashboard import load_snapshot
from tests.support import TZ

FIXTURES = Path(__file__).parent / "fixtures"
QUIRKS = FIXTURES / "queue_log.quirks"


def calls(desk: Desk) -> dict[str, Call]:
    with Session(desk.engine) as s:
        return {c.call_key: c for c in s.exec(select(Call)).all()}


def n_events(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(func.count()).select_from(Event)).one()


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@pytest.mark.parametrize(("data", "caller"), [
    (["", "13902251234", "1"], "13902251234"),  # url|callerid|position, URL empty
    (["http://crm/x?id=7", "13800138005"], "13800138005"),  # Asterisk 1.4: url|callerid
    (["075588888888", "1"], "075588888888"),  # written without the URL field
    (["", "13800138000"], "13800138000"),
    (["13800138000"], "13800138000"),
    (["", "", "1"], ""),  # no caller id at all
    (["", "13800138000", "1", "", ""], "13800138000"),  # trailing empty fields
])
def test_enterqueue_caller_id_with_and_without_the_url_field(data: list[str], caller: str
                                                             ) -> None:
    assert enter_caller_id(data) == caller


def test_every_quirk_is_counted_as_the_contract_counts(desk: Desk, clock: FixedClock) -> None:
    with session_scope(desk.engine) as s:
        s.add(Engineer(login="zhangwei", name="张伟", agent="Zhang Wei"))
        s.add(Engineer(login="lina", name="李娜", agent="PJSIP/8002"))
    s = import_queue_log(desk, QUIRKS)
    assert s.lines == 53 and s.blank == 1
    assert s.offered == 15
    assert s.answered == 9 and s.answered_in_time == 8  # one waited 45 s
    assert dict(s.abandoned) == {"ABANDON": 2, "EXITWITHTIMEOUT": 1, "EXITEMPTY": 1,
                                 "EXITWITHKEY": 1}
    assert [c.key for c in s.no_ending] == ["1795484000.31"]
    assert s.begun_before == 1
    assert s.new == 15 and s.already == 0
    assert [n for n, _r in s.skipped] == [36, 37, 38, 39, 49, 52, 53]
    reasons = dict(s.skipped)
    assert "not a queue_log line (1 fields" in reasons[36]
    assert "4 fields" in reasons[37]
    assert "'abc' is not a Unix time" in reasons[38]
    assert "unknown event 'FOOBAR'" in reasons[39]
    assert "in the future" in reasons[49]
    assert "ABANDON after the call was answered" in reasons[52]
    assert "not text" in reasons[53]
    assert s.not_calls["ADDMEMBER"] == 3 and s.not_calls["QUEUESTART"] == 1
    assert s.not_calls["RINGNOANSWER"] == 1 and s.not_calls["AGENTDUMP"] == 1

    got = calls(desk)
    assert len(got) == 15
    a = got["1795482010.11"]
    assert (a.state, a.number_e164, a.answered_by) == ("ended", "+8613902251234", "PJSIP/8001")
    assert a.offered_at == at(1795482010) and a.answered_at == at(1795482022)
    assert a.ended_at == at(1795482310) and a.source == "queue_log"
    assert got["1795482100.13"].number_e164 == "+8675588888888"  # ENTERQUEUE without URL
    assert got["1795483300.21"].number_e164 == "+8613800138005"  # 1.4 format with a URL
    assert got["1795483300.21"].answered_by == "zhangwei"  # member name mapped
    assert got["1795481700.7"].offered_at == at(1795481990 - 25)  # begun before the file
    assert got["1795481700.7"].answered_by == "lina"
    for key, how in (("1795482500.15", "ABANDON"), ("1795482600.16", "EXITWITHTIMEOUT"),
                     ("1795483000.17", "EXITEMPTY"), ("1795483100.18", "EXITWITHKEY")):
        assert got[key].state == "abandoned", how
    # transferred into a second queue: two offers of one caller
    assert got["1795483500.23"].queue == "support" and got["1795483500.23#2"].queue == "billing"
    assert got["1795483500.23#2"].answered_by == "PJSIP/8003"
    # answered, completion never written: answered, not ended
    assert got["1795484100.32"].answered_at is not None and got["1795484100.32"].ended_at is None
    # no ending at all: neither answered nor abandoned, and not ringing
    lost = got["1795484000.31"]
    assert (lost.state, lost.answered_at, lost.ended_at) == ("ended", None, None)
    assert all(c.state != "ringing" for c in got.values())
    with Session(desk.engine) as ss:
        ev = ss.exec(select(Event).where(Event.call_id == a.id)).one()
    assert ev.kind == "call_imported" and json.loads(ev.data)["outcome"] == "answered"


def test_imported_history_neither_rings_nor_escalates(desk: Desk, clock: FixedClock) -> None:
    import_queue_log(desk, QUIRKS)
    clock.advance(hours=3)
    desk.evaluate()
    with Session(desk.engine) as s:
        assert s.exec(select(func.count()).select_from(Escalation)).one() == 0
    snap = load_snapshot(desk.engine, clock.now(), TZ)
    assert snap.calls == []  # nothing ringing, nothing "answered, not logged"


def test_importing_the_same_file_twice_adds_nothing(desk: Desk) -> None:
    import_queue_log(desk, QUIRKS)
    before = ({k: (c.state, c.answered_at, c.ended_at, c.version)
               for k, c in calls(desk).items()}, n_events(desk))
    again = import_queue_log(desk, QUIRKS)
    assert again.new == 0 and again.completed == 0 and again.already == 15
    after = ({k: (c.state, c.answered_at, c.ended_at, c.version)
              for k, c in calls(desk).items()}, n_events(desk))
    assert after == before


def test_only_one_queue(desk: Desk) -> None:
    s = import_queue_log(desk, QUIRKS, queue="support")
    assert s.other_queues == 5 and s.offered == 13
    assert {c.queue for c in calls(desk).values()} == {"support"}


def test_a_call_split_by_log_rotation_is_completed_by_the_next_file(desk: Desk) -> None:
    first = import_queue_log(desk, FIXTURES / "queue_log.day1")
    assert (first.offered, first.answered, len(first.no_ending)) == (3, 1, 1)
    got = calls(desk)
    assert got["1795539500.53"].state == "ended" and got["1795539500.53"].answered_at is None
    assert got["1795539000.51"].answered_at is not None
    assert got["1795539000.51"].ended_at is None
    second = import_queue_log(desk, FIXTURES / "queue_log.day2")
    assert second.completed == 2 and second.new == 1 and second.begun_before == 2
    got = calls(desk)
    assert got["1795539500.53"].state == "abandoned"
    assert got["1795539500.53"].ended_at == at(1795539531)
    assert got["1795539000.51"].ended_at == at(1795539650)
    assert got["1795539000.51"].offered_at == at(1795539000)  # kept from the first file
    assert import_queue_log(desk, FIXTURES / "queue_log.day2").completed == 0


def test_a_call_the_live_feed_recorded_is_not_counted_twice(desk: Desk, clock: FixedClock
                                                            ) -> None:
    apply_call_event(desk, CallEvent(kind="ring", call_key="1795482010.11", source="ami",
                                     at=at(1795482010), number="13902251234"))
    s = import_queue_log(desk, QUIRKS)
    assert s.new == 14 and s.already == 1


def test_summary_lists_calls_without_an_ending_and_skipped_lines(desk: Desk) -> None:
    text = describe_import(desk, import_queue_log(desk, QUIRKS))
    assert "53 lines read" in text
    assert "Calls offered: 15 — answered 9 (8 within the answer target), abandoned 5, " \
           "without an ending 1." in text
    assert "53.3% of offered calls, 88.9% of answered calls" in text
    assert "1795484000.31  queue support  entered 2026-11-24 09:33:20  13800138009" in text
    assert "line 38: the time 'abc' is not a Unix time" in text
    assert "Skipped lines: 7." in text


def test_missing_or_unreadable_files(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_queue_log(desk, tmp_path / "nope")
    with pytest.raises(InputError, match="folder"):
        import_queue_log(desk, tmp_path)


def test_progress_bar_on_a_terminal_and_plain_text_otherwise(desk: Desk, tmp_path: Path
                                                             ) -> None:
    big = tmp_path / "queue_log"
    lines = []
    for i in range(2500):
        t = 1795482000 + i * 10
        lines.append(f"{t}|{t}.{i}|support|NONE|ENTERQUEUE||1380013{i:04d}|1")
        lines.append(f"{t + 5}|{t}.{i}|support|PJSIP/8001|CONNECT|5|{t}.9|1")
        lines.append(f"{t + 65}|{t}.{i}|support|PJSIP/8001|COMPLETEAGENT|5|60|1")
    big.write_text("\n".join(lines) + "\n")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, plain = Tty(), io.StringIO()
    s = import_queue_log(desk, big, progress=ProgressBar(tty, "queue_log"))
    assert s.new == 2500 and s.answered == 2500
    assert "\r" in tty.getvalue() and "█" in tty.getvalue() and "100%" in tty.getvalue()
    import_queue_log(desk, big, progress=ProgressBar(plain, "queue_log"))
    out = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue() and out[-1] == "queue_log: 100% (7,500 lines)"
    assert 3 <= len(out) <= 5


def test_summary_counts_have_thousands_separators_in_both_languages(desk: Desk) -> None:
    s = ImportSummary(path="queue_log", lines=1_204_311, offered=98_410, answered=95_022,
                      answered_in_time=91_870, abandoned=Counter(ABANDON=3_011, EXITEMPTY=12),
                      new=98_410, other_queues=1_500, not_calls=Counter(ADDMEMBER=2_048))
    text = describe_import(desk, s)
    assert text.startswith("queue_log: 1,204,311 lines read.")
    assert "Calls offered: 98,410 — answered 95,022 (91,870 within the answer target), " \
           "abandoned 3,023, without an ending 0." in text
    assert "Unanswered endings: ABANDON 3,011, EXITEMPTY 12." in text
    assert "Written: 98,410 new calls, 0 earlier calls completed" in text
    assert "1,500 lines of other queues left out." in text
    assert "ADDMEMBER 2,048" in text
    set_language("zh_CN")
    text = describe_import(desk, s)
    assert text.startswith("queue_log：已读取 1,204,311 行。")
    assert "呼入 98,410 — 接通 95,022（其中按时接通 91,870），放弃 3,023" in text


def test_counts_of_one_are_said_in_the_singular(desk: Desk, tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text("1795482010|1795482010.11|support|NONE|ENTERQUEUE||13902251234|1\n"
                   "1795482015|1795482010.11|support|PJSIP/8001|CONNECT|5|1795482010.12|3\n")
    text = describe_import(desk, import_queue_log(desk, log))
    assert text.startswith(f"{log}: 2 lines read.")
    assert "Written: 1 new call, 0 earlier calls completed, 0 already in the desk " \
           "(not changed)." in text
    one_line = tmp_path / "one"
    one_line.write_text("1795482010|1795482010.11|support|NONE|ENTERQUEUE||13902251234|1\n")
    assert describe_import(desk, import_queue_log(desk, one_line)).startswith(
        f"{one_line}: 1 line read.")
