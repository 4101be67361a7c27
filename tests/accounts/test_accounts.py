"""Accounts, secrets, lock-out and the permissions table, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from hotline import demo
from hotline.accounts import accounts
from hotline.accounts.accounts import LOCK_AFTER, SignInRefused
from hotline.accounts.permissions import PERMISSIONS, PermissionRefused
from hotline.accounts.secrets import check_secret, hash_secret, verify_secret
from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.desk.steps import StepInput
from hotline.duties import operations as duties
from hotline.errors import HotlineError, InputError
from hotline.store.models import Engineer, Event, Ticket
from hotline.supervision.crew import set_crew
from hotline.supervision.handover import hand_over
from hotline.supervision.rota import rota_for
from tests.support import START, build_desk, make_settings

SECRET = "demo1234"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def demo_seat(db_url: str, clock: FixedClock) -> Iterator[Desk]:
    """The demo desk, nobody signed in yet (every demo engineer's secret is SECRET)."""
    desk = build_desk(make_settings(db_url), clock, actor="nobody")
    desk.role = None
    demo.load_directory(desk)
    demo.give_demo_secrets(desk)
    yield desk
    desk.engine.dispose()


def refused_events(desk: Desk, kind: str) -> list[Event]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Event).where(Event.kind == kind)
                           .order_by(col(Event.id))).all())


def test_a_secret_is_kept_only_as_its_scrypt_hash() -> None:
    stored = hash_secret("correct horse", 4)
    assert stored.startswith("scrypt$4$8$1$") and "correct horse" not in stored
    assert verify_secret("correct horse", stored, 4)
    assert not verify_secret("correct hors", stored, 4)
    assert hash_secret("correct horse", 4) != stored  # salted


def test_the_default_cost_is_sound() -> None:
    from hotline.config import DEFAULT_SECRET_COST, Settings

    assert DEFAULT_SECRET_COST >= 15
    assert Settings.__dataclass_fields__["secret_cost"].default == DEFAULT_SECRET_COST


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_secret_or_refused_in_words(text: str) -> None:
    try:
        secret = check_secret(text)
    except InputError as exc:
        assert str(exc)
        return
    assert "\x00" not in secret and 6 <= len(secret) <= 200
    assert verify_secret(secret, hash_secret(secret, 1), 1)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=100))
def test_any_text_is_a_login_or_refused_in_words(text: str) -> None:
    try:
        login = accounts.check_login_text(text)
    except InputError as exc:
        assert str(exc)
        return
    assert login.isascii() and 0 < len(login) <= 64 and login == login.strip()


def test_signing_in_with_the_secret(demo_seat: Desk) -> None:
    demo_seat.sign_in("lina", SECRET)
    assert demo_seat.actor == "lina" and demo_seat.role == "engineer" and demo_seat.signed_in
    assert [e.actor for e in refused_events(demo_seat, "signed_in")] == ["lina"]


def test_a_wrong_secret_is_refused_with_a_growing_wait(demo_seat: Desk,
                                                       clock: FixedClock) -> None:
    with pytest.raises(SignInRefused) as first:
        demo_seat.sign_in("lina", "not-it")
    assert first.value.wait_s == 1
    # the right secret, too soon: refused without looking at it
    with pytest.raises(SignInRefused, match="Wait 1 s"):
        demo_seat.sign_in("lina", SECRET)
    clock.advance(seconds=1)
    with pytest.raises(SignInRefused) as second:
        demo_seat.sign_in("lina", "still-not-it")
    assert second.value.wait_s == 2
    clock.advance(seconds=1)
    with pytest.raises(SignInRefused, match="Wait 1 s"):
        demo_seat.sign_in("lina", SECRET)
    clock.advance(seconds=1)
    demo_seat.sign_in("lina", SECRET)
    assert demo_seat.actor == "lina"
    with Session(demo_seat.engine) as s:
        row = s.exec(select(Engineer).where(Engineer.login == "lina")).one()
        assert row.failed_signins == 0 and row.retry_after is None
    assert len(refused_events(demo_seat, "sign_in_refused")) == 2


def test_an_unknown_login_is_refused_in_the_same_words_and_waits_too(
        demo_seat: Desk, clock: FixedClock) -> None:
    with pytest.raises(SignInRefused) as unknown:
        demo_seat.sign_in("mallory", SECRET)
    with pytest.raises(SignInRefused) as wrong:
        demo_seat.sign_in("lina", "not-it")
    assert str(unknown.value) == str(wrong.value)
    with pytest.raises(SignInRefused, match="Wait 1 s"):
        demo_seat.sign_in("mallory", SECRET)
    for login in ("zhangwei", "lina", "chenhao", "wangqiang", "liujing"):
        assert login not in str(unknown.value)


def test_lock_out_after_wrong_secrets_until_a_supervisor_unlocks(
        demo_seat: Desk, clock: FixedClock) -> None:
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInRefused):
            demo_seat.sign_in("lina", "wrong-secret")
        clock.advance(seconds=60)
    assert len(refused_events(demo_seat, "account_locked")) == 1
    with pytest.raises(SignInRefused, match="Unknown login or wrong secret"):
        demo_seat.sign_in("lina", SECRET)  # locked: the right secret does not open it
    # an engineer may not unlock; a supervisor may
    demo_seat.sign_in("chenhao", SECRET)
    with pytest.raises(PermissionRefused, match="shift supervisors and managers"):
        accounts.unlock(demo_seat, "lina")
    demo_seat.sign_in("wangqiang", SECRET)
    accounts.unlock(demo_seat, "lina")
    assert [e.actor for e in refused_events(demo_seat, "account_unlocked")] == ["wangqiang"]
    demo_seat.sign_in("lina", SECRET)
    assert demo_seat.actor == "lina"


def test_a_locked_or_disabled_account_waits_like_a_login_nobody_has(
        demo_seat: Desk, clock: FixedClock) -> None:
    """Nothing in the words or the waits tells a locked or disabled account from a login
    nobody has: each try is refused alike, and the next try waits the same time."""
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInRefused):
            demo_seat.sign_in("lina", "wrong-secret")
        clock.advance(seconds=60)
    demo_seat.sign_in("liujing", SECRET)
    accounts.disable(demo_seat, "chenhao")
    clock.advance(accounts.UNKNOWN_WINDOW + timedelta(minutes=1))  # old refusals forgotten

    def tries(login: str) -> list[tuple[str, int]]:
        seen = []
        for step in (0, 0, 1, 0, 2):  # at once, again, a second later, ...
            clock.advance(seconds=step)
            with pytest.raises(SignInRefused) as refused:
                demo_seat.sign_in(login, SECRET)  # the right secret, for lina and chenhao
            seen.append((str(refused.value), refused.value.wait_s))
        return seen

    unknown = tries("mallory")
    assert unknown[0][1] > 0 and "Wait" in unknown[1][0]  # the unknown login does wait
    assert tries("lina") == unknown  # locked
    assert tries("chenhao") == unknown  # disabled
    assert demo_seat.actor == "liujing"


def test_accounts_and_roles_are_a_managers_work(demo_seat: Desk) -> None:
    demo_seat.sign_in("wangqiang", SECRET)
    with pytest.raises(PermissionRefused, match="Only managers may"):
        accounts.add_account(demo_seat, "newbie", "New", "engineer", "a-secret-1")
    with pytest.raises(PermissionRefused):
        accounts.set_role(demo_seat, "wangqiang", "manager")
    demo_seat.sign_in("liujing", SECRET)
    accounts.add_account(demo_seat, "newbie", "New", "engineer", "a-secret-1")
    accounts.set_role(demo_seat, "newbie", "supervisor")
    demo_seat.sign_in("newbie", "a-secret-1")
    assert demo_seat.role == "supervisor"
    accounts.set_secret(demo_seat, "newbie", "another-1")  # one's own: anyone
    with pytest.raises(PermissionRefused):
        accounts.set_secret(demo_seat, "lina", "another-1")
    demo_seat.sign_in("liujing", SECRET)
    accounts.disable(demo_seat, "newbie")
    with pytest.raises(SignInRefused):
        demo_seat.sign_in("newbie", "another-1")
    with pytest.raises(HotlineError, match="last manager"):
        accounts.disable(demo_seat, "liujing")


def _state(desk: Desk) -> dict[str, Any]:
    """Every row of every table, events but permission_denied ones (what must not change)."""
    tables = {}
    with desk.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for name, table in sorted(meta.tables.items()):
            if name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in conn.execute(sa.select(table))]
            if name == "event":
                rows = [r for r in rows if r["kind"] != "permission_denied"]
            tables[name] = json.dumps(rows, default=str, sort_keys=True)
    return tables


def test_an_engineer_is_refused_every_supervisor_action(demo_seat: Desk, clock: FixedClock,
                                                        tmp_path: Path) -> None:
    from hotline.directory.csv_import import import_file

    desk = demo_seat
    rota = rota_for(desk.settings)
    desk.sign_in("wangqiang", SECRET)  # a supervisor sets the scene
    desk.ring("13800138000")
    clock.advance(seconds=31)
    desk.evaluate()
    desk.ring("0757-83301234")
    clock.advance(seconds=31)
    desk.evaluate()
    mine = desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                description="fan alarm"))
    desk.record(mine, "restore", StepInput(fault_category="hardware", cause="fan",
                                           solution="fan replaced"))
    desk.record(mine, "resolve", StepInput(fault_category="hardware", cause="fan",
                                           solution="fan replaced"))
    duty = duties.open_duty(desk, "inspection", "GD-TX-2026-001", "Trunk A",
                            planned=clock.now() + timedelta(days=40))
    with Session(desk.engine) as s:
        escalation_ids = [e for e in s.exec(select(sa.text("id")).select_from(
            sa.table("escalation"))).all()]
        assert s.get(Ticket, mine) is not None
    assert len(escalation_ids) >= 2
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,city\nNEW-1,New customer,Foshan\n", encoding="utf-8")

    desk.sign_in("lina", SECRET)
    before = _state(desk)
    attempts: dict[str, Callable[[], object]] = {
        "acknowledge_all": lambda: desk.acknowledge(list(escalation_ids)),
        "reassign": lambda: desk.reassign(escalation_ids[0], "chenhao"),
        "set_crew": lambda: set_crew(desk, rota.at(clock.now()), supervisor="lina",
                                     engineers=[]),
        "handover": lambda: hand_over(desk, rota, "nothing to say"),
        "change_level": lambda: desk.record(mine, "level_set", StepInput(level=1)),
        "pause_clocks": lambda: desk.record(mine, "clock_paused",
                                            StepInput(text="customer away")),
        "import_directory": lambda: import_file(desk, "customers", csv),
        "close_others_ticket": lambda: desk.record(mine, "ticket_closed"),
        "manage_accounts": lambda: accounts.add_account(desk, "x1", "X", "manager",
                                                        "a-secret-1"),
        "unlock_account": lambda: accounts.unlock(desk, "chenhao"),
        "plan_duties": lambda: duties.plan_year(desk, 2026),
        "record_exchange": lambda: duties.record_exchange(desk, "GD-TX-2026-001",
                                                          date(2026, 5, 12), 1, "seminar"),
        "reschedule_duty": lambda: duties.reschedule(desk, duty,
                                                     clock.now() + timedelta(days=50), "moved"),
    }
    for permission, attempt in attempts.items():
        with pytest.raises(PermissionRefused) as refused:
            attempt()
        assert refused.value.permission == permission
        words = str(refused.value)
        assert words.startswith("Only ") and "You are signed in as a duty engineer." in words
    assert _state(desk) == before
    denied = refused_events(desk, "permission_denied")
    assert [json.loads(e.data)["permission"] for e in denied] == list(attempts)
    assert {e.actor for e in denied} == {"lina"}
    assert set(attempts) | {"delete_directory", "manage_policies"} == set(PERMISSIONS)


def test_a_refusal_is_said_in_chinese() -> None:
    from hotline.accounts.permissions import refusal
    from hotline.i18n import set_language

    set_language("zh_CN")
    try:
        words = refusal("engineer", "reassign")
    finally:
        set_language("en")
    assert "Only" not in words and "值班" in words


def test_cli_user_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    from hotline.cli.main import run

    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    secret = tmp_path / "secret"
    secret.write_text("first-secret\n", encoding="utf-8")
    secret.chmod(0o644)
    assert run(["--db", db, "user", "add", "boss", "--role", "manager",
                "--secret-file", str(secret)]) == 2
    assert "chmod 600" in capsys.readouterr().err
    secret.chmod(0o600)
    assert run(["--db", db, "user", "add", "boss", "--role", "manager", "--name", "Boss",
                "--secret-file", str(secret)]) == 0
    # now the desk has a manager: adding needs signing in, with the secret
    assert run(["--db", db, "user", "add", "eve", "--secret-file", str(secret)]) == 1
    assert "Only managers may" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "first-secret")
    assert run(["--db", db, "--as", "boss", "user", "add", "eve",
                "--secret-file", str(secret)]) == 0
    assert run(["--db", db, "--as", "boss", "user", "list"]) == 0
    out = capsys.readouterr().out
    assert "boss" in out and "eve" in out and "first-secret" not in out
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "wrong-secret")
    assert run(["--db", db, "--as", "boss", "user", "list"]) == 1
    assert "Unknown login or wrong secret" in capsys.readouterr().err


def test_no_real_sleeping_in_the_delay(demo_seat: Desk, clock: FixedClock) -> None:
    """The wait is a time stored against the fake clock: ten minutes later all is forgotten
    but the count (which only a right secret resets)."""
    with pytest.raises(SignInRefused):
        demo_seat.sign_in("lina", "nope-nope")
    clock.advance(timedelta(minutes=10))
    demo_seat.sign_in("lina", SECRET)
    assert clock.now() > START


def test_a_script_rings_as_a_service_account_proven_by_its_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from hotline.cli.main import run

    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    boss = tmp_path / "boss"
    boss.write_text("boss-secret\n", encoding="utf-8")
    boss.chmod(0o600)
    token = tmp_path / "pbx.token"
    token.write_text("a-long-random-token\n", encoding="utf-8")
    token.chmod(0o600)
    assert run(["--db", db, "user", "add", "boss", "--role", "manager",
                "--secret-file", str(boss)]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "boss-secret")
    assert run(["--db", db, "--as", "boss", "user", "add", "pbx-script", "--role", "service",
                "--secret-file", str(token)]) == 0
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-token\n", encoding="utf-8")
    wrong.chmod(0o600)
    token.chmod(0o640)
    assert run(["--db", db, "ring", "13800138000", "--service", "pbx-script",
                "--token-file", str(token)]) == 2
    token.chmod(0o600)
    capsys.readouterr()
    assert run(["--db", db, "ring", "13800138000", "--service", "pbx-script",
                "--token-file", str(token)]) == 0
    engine = sa.create_engine(db)
    with Session(engine) as s:
        rang = s.exec(select(Event).where(Event.kind == "call_rang")).all()
    engine.dispose()
    assert [e.actor for e in rang] == ["pbx-script"]
    assert run(["--db", db, "ring", "13800138001", "--service", "pbx-script",
                "--token-file", str(wrong)]) == 1
    assert "Unknown login or wrong secret" in capsys.readouterr().err
    # a service account cannot sign in at a seat as a person
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-random-token")
    assert run(["--db", db, "--as", "pbx-script", "user", "list"]) == 1


def test_a_feed_records_its_calls_as_its_service_account(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``hotline feed --service NAME --token-file FILE`` is proven like ``hotline ring
    --service``; refused (exit 2, no line read) for a wrong token or a loose file mode;
    without ``--service`` the feed's events name ``pbx`` as before."""
    from hotline.cli.main import run

    for key in ("HOTLINE_DB", "HOTLINE_TZ", "HOTLINE_LANG", "HOTLINE_AS", "HOTLINE_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    boss = tmp_path / "boss"
    boss.write_text("boss-secret\n", encoding="utf-8")
    boss.chmod(0o600)
    token = tmp_path / "feed.token"
    token.write_text("a-long-feed-token\n", encoding="utf-8")
    token.chmod(0o600)
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-token\n", encoding="utf-8")
    wrong.chmod(0o600)
    assert run(["--db", db_url, "user", "add", "boss", "--role", "manager",
                "--secret-file", str(boss)]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "boss-secret")
    assert run(["--db", db_url, "--as", "boss", "user", "add", "pbx-feed", "--role",
                "service", "--secret-file", str(token)]) == 0

    def lines(n: int) -> Path:
        path = tmp_path / f"calls{n}.jsonl"
        path.write_text(json.dumps({"event": "ring", "call_id": f"1764035400.{n}",
                                    "number": "13902251234",
                                    "at": "2026-11-25T09:50:00+08:00"}) + "\n",
                        encoding="utf-8")
        return path

    def feed(n: int, *more: str) -> int:
        return run(["--db", db_url, "feed", "-q", "--jsonl", str(lines(n)), *more])

    def rang() -> list[tuple[str | None, str]]:
        engine = sa.create_engine(db_url)
        with Session(engine) as s:
            rows = s.exec(select(Event).where(Event.kind == "call_rang")
                          .order_by(col(Event.id))).all()
            found = [(e.actor, str(json.loads(e.data)["pbx_call_id"])) for e in rows]
        engine.dispose()
        return found

    assert feed(6, "--service", "pbx-feed", "--token-file", str(token)) == 0
    capsys.readouterr()
    assert feed(1, "--service", "pbx-feed", "--token-file", str(wrong)) == 2
    assert "Unknown login or wrong secret" in capsys.readouterr().err
    token.chmod(0o640)
    assert feed(2, "--service", "pbx-feed", "--token-file", str(token)) == 2
    assert "chmod 600" in capsys.readouterr().err
    token.chmod(0o600)
    assert feed(3, "--service", "pbx-feed") == 2
    assert feed(4, "--token-file", str(token)) == 2
    assert feed(5, "--service", "boss", "--token-file", str(boss)) == 2
    assert [key for _actor, key in rang()] == ["1764035400.6"]  # nothing read when refused
    assert feed(7) == 0
    assert rang() == [("pbx-feed", "1764035400.6"), ("pbx", "1764035400.7")]
