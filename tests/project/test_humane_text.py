"""Counts, sizes and coarse times through humanize, in English and Chinese, in any thread."""

from __future__ import annotations

import gettext
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import humanize
import pytest
from babel.messages.pofile import read_po

from hotline import humane
from hotline.i18n import set_language
from hotline.timefmt import countdown

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import i18n as tool  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

AGO = [  # seconds before NOW, English, Chinese
    (-20, "now", "刚刚"),  # another seat's clock a little ahead
    (0, "now", "刚刚"),
    (59, "now", "刚刚"),  # no seconds counting up on a screen redrawn every second
    (60, "a minute ago", "1分钟前"),
    (150, "2 minutes ago", "2分钟前"),
    (3 * 3600 + 20 * 60, "3 hours ago", "3小时前"),
    (86400, "a day ago", "1天前"),
    (3 * 86400, "3 days ago", "3天前"),
    (40 * 86400, "a month ago", "1个月前"),
    (100 * 86400, "3 months ago", "3个月前"),
    (800 * 86400, "2 years ago", "2年前"),
]

DURATION = [  # minutes, English, Chinese
    (0, "0 minutes", "0分钟"),
    (1, "1 minute", "1分钟"),
    (30, "30 minutes", "30分钟"),
    (60, "1 hour", "1小时"),
    (90, "1 hour and 30 minutes", "1小时30分钟"),  # naturaldelta would say "an hour"
    (24 * 60 + 59, "1 day", "1天"),  # from a day on, whole hours
    (50 * 60, "2 days and 2 hours", "2天2小时"),
    (45 * 24 * 60, "45 days", "45天"),  # no months: 30.5-day months are not ours
]


@pytest.fixture(params=["en", "zh_CN"])
def lang(request: pytest.FixtureRequest) -> str:
    set_language(request.param)
    return str(request.param)


@pytest.mark.parametrize(("seconds", "english", "chinese"), AGO)
def test_ago(lang: str, seconds: int, english: str, chinese: str) -> None:
    text = humane.ago(NOW - timedelta(seconds=seconds), NOW)
    assert text == (english if lang == "en" else chinese)


@pytest.mark.parametrize(("minutes", "english", "chinese"), DURATION)
def test_duration(lang: str, minutes: int, english: str, chinese: str) -> None:
    assert humane.duration(timedelta(minutes=minutes)) == (english if lang == "en" else chinese)


def test_a_duration_is_cut_not_rounded_up() -> None:
    assert humane.duration(timedelta(minutes=89, seconds=59)) == "1 hour and 29 minutes"
    assert humane.duration(timedelta(days=1, hours=2, minutes=59)) == "1 day and 2 hours"
    assert humane.duration(timedelta(seconds=-5)) == "0 minutes"


def test_count_and_file_size(lang: str) -> None:
    assert [humane.count(n) for n in (0, 999, 1000, 1_204_311)] == [
        "0", "999", "1,000", "1,204,311"]
    bytes_word = "Bytes" if lang == "en" else "字节"
    assert humane.file_size(900) == f"900 {bytes_word}"
    assert humane.file_size(1) == ("1 Byte" if lang == "en" else "1 字节")
    assert [humane.file_size(n) for n in (1_500, 2_000_000, 7_345_678)] == [
        "1.5 kB", "2.0 MB", "7.3 MB"]


def test_countdowns_stay_exact() -> None:
    # the helpers above are for reading at a glance; a clock is never humanized
    assert countdown(timedelta(minutes=29, seconds=59)) == "29:59"
    assert countdown(timedelta(seconds=-1)) == "-00:01"


def test_a_worker_thread_speaks_the_desk_s_language() -> None:
    """humanize keeps its language per thread: set_language's must reach worker threads."""
    three_hours = NOW - timedelta(hours=3)
    with ThreadPoolExecutor(max_workers=1) as pool:  # one thread, kept across the switches
        assert pool.submit(humane.ago, three_hours, NOW).result() == "3 hours ago"
        set_language("zh_CN")
        assert pool.submit(humane.ago, three_hours, NOW).result() == "3小时前"
        assert pool.submit(humane.duration, timedelta(minutes=90)).result() == "1小时30分钟"
        set_language("en")
        assert pool.submit(humane.ago, three_hours, NOW).result() == "3 hours ago"
    set_language("zh_CN")
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(humane.file_size(10)))
    thread.start()
    thread.join()
    assert seen == ["10 字节"]


def test_humanize_s_own_chinese_catalog_does_not_replace_ours() -> None:
    """humanize caches a catalog per locale name: another activation of zh_CN is not ours."""
    def theirs() -> str:
        humanize.i18n.activate("zh_CN")  # humanize's own catalog, in this thread only
        return humanize.naturaltime(timedelta(minutes=2))

    with ThreadPoolExecutor(max_workers=1) as pool:
        # why we keep our own (should humanize's read right one day, ours can go)
        assert pool.submit(theirs).result() == "2分之前"
    set_language("zh_CN")
    assert humane.ago(NOW - timedelta(minutes=2), NOW) == "2分钟前"


def _humanize_catalog(path: Path) -> dict[object, object]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    return {(m.id, m.context): m.string for m in catalog if m.id}


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)


def test_our_catalog_covers_humanize_s() -> None:
    """A humanize release with new or changed words shows here, not as English on screen."""
    theirs = _humanize_catalog(Path(humanize.__file__).parent / "locale" / "zh_CN"
                               / "LC_MESSAGES" / "humanize.po")
    ours = _humanize_catalog(tool.humanize_po_path("zh_CN"))
    missing = [key for key, string in theirs.items()
               if _translated(string) and not _translated(ours.get(key, ""))]
    assert missing == []


def test_our_humanize_catalog_is_compiled() -> None:
    path = tool.humanize_po_path("zh_CN")
    with path.with_suffix(".mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    stale = []
    for m in catalog:
        if not m.id or m.context:
            continue
        if isinstance(m.id, str):
            if mo.gettext(m.id) != m.string:
                stale.append(m.id)
        elif any(mo.ngettext(m.id[0], m.id[1], n) != m.string[0] for n in (1, 2)):
            stale.append(m.id)
    assert stale == [], "run `uv run python scripts/i18n.py` to compile the catalog"


def test_every_condition_of_a_shipped_policy_has_a_chinese_name() -> None:
    """A condition (on site, site in another city…) reaches the ticket's header, its
    timeline and the conditions form: on a Chinese desk it reads in Chinese."""
    from zoneinfo import ZoneInfo

    from hotline import display_names
    from hotline.i18n import set_language
    from hotline.paths import shipped_data_dir
    from hotline.sla.policy_file import load_policy_file

    names = set()
    for path in sorted((shipped_data_dir() / "policies").glob("*.toml")):
        names |= set(load_policy_file(path, ZoneInfo("Asia/Shanghai")).conditions)
    assert {"onsite", "remote", "local"} <= names
    set_language("zh_CN")
    try:
        for name in names:
            shown = display_names.condition(name)
            assert shown != name and shown.isascii() is False, name
    finally:
        set_language("en")


def test_every_step_form_text_label_reads_in_chinese() -> None:
    """The step form's text field ("Note", "Remark", "Reason"…) is named in the desk's
    language, not left in English on a Chinese desk."""
    from hotline.i18n import _, set_language
    from screens.step_form import REMARK, TEXT_LABELS

    labels = {REMARK, *(label for label, _required in TEXT_LABELS.values())}
    set_language("zh_CN")
    try:
        for label in labels:
            assert _(label) != label, label
    finally:
        set_language("en")
