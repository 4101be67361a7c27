"""``hotline notify`` run/status/test/contact, and the sender inside ``hotline feed``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.desk.operations import Intake
from hotline.store.models import Engineer, Notification
from tests.notify.servers import Recorder, http_server
from tests.notify.test_channels import secret
from tests.support import START, build_desk, make_settings


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    with http_server() as pair:
        yield pair


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        server: tuple[str, Recorder]) -> Path:
    """An isolated user with a desk file and a config file naming the local server."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_POLICY_DIR",
                "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    db = tmp_path / "desk.db"
    monkeypatch.setenv("HOTLINE_DB", str(db))
    base, _rec = server
    config = tmp_path / "config.toml"
    config.write_text(f"""
[notify]
in_feed = true
[notify.channels.hook]
type = "webhook"
url = "{base}/hook"
[notify.channels.wx]
type = "wecom"
url = "{base}/wx"
key_file = "{secret(tmp_path, 'wx-key', 'WXKEY-9')}"
[[notify.rules]]
events = ["complaint"]
to = ["desk"]
channels = ["hook"]
""", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_CONFIG", str(config))
    desk = build_desk(make_settings(f"sqlite:///{db}"), FixedClock(START))
    from hotline import demo

    demo.load_directory(desk)
    desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                         description="late"))
    desk.engine.dispose()
    return db


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


def test_run_once_delivers_and_status_is_then_empty(
        env: Path, server: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("notify", "status") == 0
    assert "No notification is pending or failed." in capsys.readouterr().out
    assert cli("notify", "run", "--once") == 0
    assert "1 messages made, 1 sent, 0 to retry, 0 failed." in capsys.readouterr().out
    assert len(server[1].posts) == 1
    assert cli("notify", "status") == 0


def test_status_lists_what_fails_and_says_since_when(
        env: Path, server: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]) -> None:
    server[1].answers = [(502, "bad gateway")]
    cli("notify", "run", "--once")
    capsys.readouterr()
    assert cli("notify", "status") == 1
    out = capsys.readouterr().out
    assert "Notifications failing since 2026-11-25 10:00:00." in out
    assert "hook" in out and "retry at 2026-11-25 10:00:30" in out and "HTTP 502" in out


def test_test_sends_a_message_and_shows_the_answer_without_the_key(
        env: Path, server: tuple[str, Recorder], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("notify", "test", "wx", "--to", "WangQiang") == 0
    out = capsys.readouterr().out
    assert out.startswith("wx: delivered; the server answered: HTTP 200")
    post = server[1].posts[0]
    assert post.query == {"key": ["WXKEY-9"]}
    assert post.json["text"]["mentioned_list"] == ["WangQiang"]
    server[1].answers = [(200, '{"errcode":93000,"errmsg":"invalid webhook url"}')]
    assert cli("notify", "test", "wx") == 1
    out = capsys.readouterr().out
    assert "not delivered" in out and "invalid webhook url" in out and "WXKEY-9" not in out


def test_test_names_the_channels_there_are(env: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("notify", "test", "mail") == 2
    assert "There is no channel mail (configured: hook, wx)." in capsys.readouterr().err


def test_contact_sets_and_clears_a_persons_channels(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("notify", "contact", "wangqiang", "--email", "wq@example.com",
               "--phone", "138 0000 0001", "--mention", "WangQiang") == 0
    assert ("wangqiang: e-mail wq@example.com, phone 13800000001, mention WangQiang"
            in capsys.readouterr().out)
    assert cli("notify", "contact", "wangqiang", "--mention", "") == 0
    assert cli("notify", "contact", "wangqiang", "--email", "not an address") == 2
    assert "is not an e-mail address" in capsys.readouterr().err
    assert cli("notify", "contact", "nobody", "--email", "a@b.cn") == 1
    assert "There is no engineer nobody." in capsys.readouterr().err
    from hotline.store.engine import make_engine

    engine = make_engine(f"sqlite:///{env}")
    with Session(engine) as s:
        e = s.exec(select(Engineer).where(Engineer.login == "wangqiang")).one()
    engine.dispose()
    assert (e.notify_email, e.notify_phone, e.notify_mention) == (
        "wq@example.com", "13800000001", None)


def test_a_bad_notify_table_is_refused_with_what_is_wrong(
        env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[notify.channels.x]\ntype = "pigeon"\n', encoding="utf-8")
    monkeypatch.setenv("HOTLINE_CONFIG", str(config))
    assert cli("notify", "run", "--once") == 2
    assert "channel x: type must be one of smtp, webhook" in capsys.readouterr().err


def test_the_feed_delivers_when_the_config_says_so(
        env: Path, tmp_path: Path, server: tuple[str, Recorder]) -> None:
    empty = tmp_path / "calls.jsonl"
    empty.write_text("", encoding="utf-8")
    assert cli("feed", "--jsonl", str(empty), "--quiet") == 0
    assert len(server[1].posts) == 1
    from hotline.store.engine import make_engine

    engine = make_engine(f"sqlite:///{env}")
    with Session(engine) as s:
        assert [n.state for n in s.exec(select(Notification)).all()] == ["sent"]
    engine.dispose()


def test_a_report_is_sent_on_a_channel(env: Path, server: tuple[str, Recorder],
                                       capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    day = START.date().isoformat()
    assert cli("report", "--from", day, "--to", day, "--send", "hook") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Report {day}") and "sent on hook" in out
    post = server[1].posts[-1]
    assert post.json["subject"].startswith("hotline report")
    assert post.json["kind"] == "report" and len(post.json["text"]) <= 600
    # a robot gets the beginning and is told it was cut; -o keeps the whole report
    output = tmp_path / "r.md"
    assert cli("report", "--from", day, "--to", day, "--format", "md", "--send", "wx",
               "-o", str(output)) == 0
    whole = output.read_text(encoding="utf-8")
    sent = server[1].posts[-1].json["text"]["content"]
    assert len(whole) > 600 and "cut: the whole report with -o FILE" in sent
    assert sent.split("\n", 1)[1].startswith(whole[:100])
    # refused or not delivered: said, with a non-zero exit
    assert cli("report", "--from", day, "--to", day, "--send", "fax") == 2
    assert "There is no channel fax (configured: hook, wx)." in capsys.readouterr().err
    assert cli("report", "--from", day, "--to", day, "--format", "xlsx", "-o",
               str(tmp_path / "r.xlsx"), "--send", "hook") == 2
    server[1].answers = [(200, '{"errcode":93000,"errmsg":"invalid webhook url"}')]
    assert cli("report", "--from", day, "--to", day, "--send", "wx") == 1
    out = capsys.readouterr().out
    assert "wx: not delivered: invalid webhook" in out and "WXKEY-9" not in out
