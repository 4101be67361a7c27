"""The command line: ring from another process, migrate, and bad input of every kind."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from hotline.cli.main import run
from hotline.clock import FixedClock
from hotline.store.models import Call, Event
from tests.support import START


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated user: its own config folder and database file."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG",
                "HOTLINE_POLICY_DIR", "HOTLINE_NOW"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    db = tmp_path / "desk.db"
    monkeypatch.setenv("HOTLINE_DB", str(db))
    return db


def cli(*argv: str) -> int:
    return run(list(argv), clock=FixedClock(START))


def calls_in(db: Path) -> int:
    from hotline.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        n = s.exec(select(func.count()).select_from(Call)).one()
    engine.dispose()
    return n


def test_ring_registers_a_call(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("ring", "138-0013-8000", "--call-id", "pbx-42") == 0
    out = capsys.readouterr().out
    assert "138 0013 8000" in out and "answer by 10:00:30" in out
    assert cli("ring", "13800138000", "--call-id", "pbx-42") == 0
    assert "nothing changed" in capsys.readouterr().out
    assert calls_in(env) == 1


def test_ring_at_an_earlier_time(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("ring", "0755 8888 8888", "--at", "09:59:50") == 0
    assert "answer by 10:00:20" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["ring", "138001380"], "11 digits"),
    (["ring", "0755-123"], "0755"),
    (["ring", "call me"], "letters"),
    (["ring", "1" * 30], "too long"),
    (["ring", "转8001"], "main number"),
    (["ring", "13800138000", "--at", "yesterday-ish"], "not a time"),
    (["ring", "13800138000", "--at", "23:59"], "in the future"),
    (["ring"], "number"),
    (["ring", "13800138000", "--nonsense"], "unrecognized"),
])
def test_ring_with_garbage_says_what_is_wrong_and_writes_nothing(
        env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert cli(*argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not env.exists() or calls_in(env) == 0


def test_service_numbers_ring(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("ring", "12345") == 0
    assert "12345" in capsys.readouterr().out


def test_db_upgrade(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("db", "upgrade") == 0
    assert "upgraded" in capsys.readouterr().out
    assert cli("db", "upgrade") == 0
    assert "up to date" in capsys.readouterr().out


def test_a_corrupt_database_file_is_named(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env.write_bytes(b"this is not a database, just some bytes" * 100)
    assert cli("ring", "13800138000") == 1
    err = capsys.readouterr().err
    assert str(env) in err and "not a hotline database" in err and "Traceback" not in err
    assert env.read_bytes().startswith(b"this is not a database")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_folder_is_named(tmp_path: Path, env: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    assert cli("--db", str(locked / "sub" / "desk.db"), "ring", "13800138000") == 1
    assert "Cannot create the folder" in capsys.readouterr().err


def test_a_database_path_that_cannot_be_created(tmp_path: Path, env: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    assert cli("--db", str(blocker / "desk.db"), "ring", "13800138000") == 1
    err = capsys.readouterr().err
    assert "Cannot create the folder" in err and "Traceback" not in err


def test_a_read_only_database_file_is_refused_cleanly(tmp_path: Path, env: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("db", "upgrade") == 0
    capsys.readouterr()
    ro = f"sqlite:///file:{env}?mode=ro&uri=true"
    assert cli("--db", ro, "ring", "13800138000") == 1
    err = capsys.readouterr().err
    assert err and "Traceback" not in err
    assert calls_in(env) == 0


def test_unknown_time_zone_and_bad_config(env: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--tz", "Mars/Olympus", "ring", "13800138000") == 2
    assert "Unknown time zone" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("db = [unclosed\n")
    assert cli("--config", str(bad), "ring", "13800138000") == 2
    assert "not valid TOML" in capsys.readouterr().err
    odd = tmp_path / "odd.toml"
    odd.write_text('colour = "blue"\n')
    assert cli("--config", str(odd), "ring", "13800138000") == 2
    assert "unknown key colour" in capsys.readouterr().err


def test_settings_precedence_flag_over_env_over_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.config import load_settings

    conf = tmp_path / "c.toml"
    conf.write_text('timezone = "Asia/Tokyo"\nlanguage = "zh_CN"\nlogin = "file"\n')
    s = load_settings(config=str(conf), environ={})
    assert (str(s.tz), s.lang, s.login) == ("Asia/Tokyo", "zh_CN", "file")
    s = load_settings(config=str(conf),
                      environ={"HOTLINE_TZ": "Europe/Berlin", "HOTLINE_AS": "env"})
    assert (str(s.tz), s.login) == ("Europe/Berlin", "env")
    s = load_settings(config=str(conf), tz="UTC", login="flag",
                      environ={"HOTLINE_TZ": "Europe/Berlin", "HOTLINE_AS": "env"})
    assert (str(s.tz), s.login) == ("UTC", "flag")
    s = load_settings(environ={"LANG": "zh_CN.UTF-8", "HOTLINE_CONFIG": str(conf)})
    assert s.lang == "zh_CN"
    default = load_settings(config=None, environ={"HOTLINE_CONFIG": ""})
    assert str(default.tz) == "Asia/Shanghai"


def test_every_event_of_a_ring_is_in_the_database(env: Path) -> None:
    assert cli("ring", "13800138000", "--call-id", "x-1") == 0
    from hotline.store.engine import make_engine

    engine = make_engine(f"sqlite:///{env}")
    with Session(engine) as s:
        [ev] = s.exec(select(Event).where(Event.kind == "call_rang")).all()
        assert '"call_key": "x-1"' in ev.data
    engine.dispose()
    con = sqlite3.connect(env)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_demo_says_where_its_database_is_and_ring_demo_rings_it(
        env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HOTLINE_DB")
    opened: list[object] = []

    def screens(request: object) -> int:  # the desk's screens, which a test cannot show
        opened.append(request)
        print("(screen)")
        return 0

    assert run(["demo", "--seed", "1"], clock=FixedClock(START), ui=screens) == 0
    demo_db = env.parent / "data" / "hotline" / "demo.db"
    out = capsys.readouterr().out.splitlines()
    said = f"The demo desk's database: {demo_db} (ring it from another terminal with " \
           "hotline ring --demo NUMBER)."
    assert out == ["(screen)", said]  # under the screen, once it is gone
    assert len(opened) == 1
    before = calls_in(demo_db)
    assert cli("ring", "--demo", "13800138000") == 0
    assert calls_in(demo_db) == before + 1
    assert not (env.parent / "data" / "hotline" / "hotline.db").exists()


def test_ring_demo_follows_the_database_given(env: Path) -> None:
    # HOTLINE_DB names a database: hotline demo opens that one, so ring --demo rings it
    assert cli("ring", "--demo", "13800138000") == 0
    assert calls_in(env) == 1
