"""From an escalation to a delivered message: rules, people on duty, grouping, retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.notify.contacts import set_contact
from hotline.notify.sender import claim, run_round
from hotline.notify.setup import NotifySetup, load_setup
from hotline.store.models import Escalation, Notification
from hotline.supervision.crew import set_crew
from hotline.supervision.escalation_queue import history
from hotline.supervision.rota import Rota, rota_for
from hotline.views.notices import header_notices
from hotline.views.notifications import failing_since, pending_and_failed
from tests.notify.servers import Recorder, http_server, smtp_server
from tests.notify.test_channels import secret
from tests.support import give_role


@pytest.fixture
def people(demo_desk: Desk, clock: FixedClock) -> Desk:
    # the desk's actor works as a supervisor here, so that the demo's one manager is
    # the only manager the rules can reach
    give_role(demo_desk, demo_desk.actor, "supervisor")
    set_crew(demo_desk, rota_for(demo_desk.settings).at(clock.now()),
             supervisor="wangqiang", engineers=["zhangwei", "lina"])
    set_contact(demo_desk, "wangqiang", email="wq@example.com", phone="13800000001",
                mention="WangQiang")
    set_contact(demo_desk, "lina", email="lina@example.com", phone="13800000002")
    set_contact(demo_desk, "liujing", email="lj@example.com", phone="13800000003")
    return demo_desk


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, Recorder, Any, int]]:
    with http_server() as (base, rec), smtp_server(security="none", cert_dir=tmp_path) as (
            port, box, _ca):
        yield base, rec, box, port


def make_setup(tmp_path: Path, base: str, smtp_port: int, rules: list[dict[str, Any]],
               **extra: Any) -> NotifySetup:
    return load_setup({
        "channels": {
            "mail": {"type": "smtp", "host": "127.0.0.1", "port": smtp_port,
                     "security": "none", "from": "desk@example.com"},
            "hook": {"type": "webhook", "url": base + "/hook"},
            "ding": {"type": "dingtalk", "url": base + "/ding", "keyword": "告警",
                     "token_file": secret(tmp_path, "ding-token", "tok"),
                     "secret_file": secret(tmp_path, "ding-secret", "SEC")},
        },
        "rules": rules, **extra})


def rows(desk: Desk) -> list[Notification]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Notification).order_by(Notification.id)).all())  # type: ignore[arg-type]


def complaint(desk: Desk) -> int:
    return desk.log_call(Intake(number="13902251234", kind="complaint", level=None,
                                description="engineer never came"))


def test_a_complaint_reaches_the_supervisor_and_manager_on_duty_and_the_group(
        people: Desk, tmp_path: Path, servers: tuple[str, Recorder, Any, int]) -> None:
    base, rec, box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["supervisor", "manager"], "channels": ["mail"]},
        {"events": ["complaint"], "to": ["desk", "supervisor"], "channels": ["ding"]}])
    ticket = complaint(people)
    result = run_round(people, setup, rota_for(people.settings))
    assert (result.routed, result.sent, result.failed) == (3, 3, 0), [
        n.last_error for n in rows(people)]
    assert sorted(r for _f, rcpts, _raw in box.messages for r in rcpts) == [
        "lj@example.com", "wq@example.com"]
    mail = box.messages[0][2].decode()
    assert "Customer: " in mail and "Handled by: " in mail and "F3" in mail
    [ding] = rec.posts
    assert ding.path == "/ding" and "sign" in ding.query
    assert ding.json["at"]["atMobiles"] == ["13800000001"]
    assert ding.json["text"]["content"].startswith("告警 ")
    # the escalation's story shows each message, to whom, how, and the answer
    with Session(people.engine) as s:
        esc = s.exec(select(Escalation).where(Escalation.ticket_id == ticket)).one()
    assert esc.id is not None
    story = [h.text for h in history(people.engine, esc.id)]
    assert any("wangqiang <wq@example.com> by mail: sent (250" in t for t in story)
    assert any("the desk group by ding: sent (HTTP 200" in t for t in story)
    # delivered once: another round sends nothing
    assert not run_round(people, setup, rota_for(people.settings)).busy


def test_a_rule_change_and_a_new_crew_route_to_whoever_is_on_duty_then(
        people: Desk, clock: FixedClock, tmp_path: Path,
        servers: tuple[str, Recorder, Any, int]) -> None:
    base, _rec, box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["supervisor"], "channels": ["mail"]}])
    rota = rota_for(people.settings)
    complaint(people)
    run_round(people, setup, rota)
    set_crew(people, rota.at(clock.now()), supervisor="lina", engineers=["zhangwei"])
    complaint(people)
    run_round(people, setup, rota)
    changed = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["manager"], "channels": ["mail"]},
        {"events": ["level1_fault"], "to": ["supervisor"], "channels": ["mail"]}])
    complaint(people)
    run_round(people, changed, rota)
    assert [rcpts for _f, rcpts, _raw in box.messages] == [
        ["wq@example.com"], ["lina@example.com"], ["lj@example.com"]]


def test_unanswered_calls_of_one_minute_make_one_message(
        people: Desk, clock: FixedClock, tmp_path: Path,
        servers: tuple[str, Recorder, Any, int]) -> None:
    base, rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["unanswered_call"], "to": ["desk"], "channels": ["hook"]}])
    rota = rota_for(people.settings)
    clock.set(clock.now().replace(second=0))
    for number in ("13829901234", "13592801234", "18620001234"):
        people.ring(number)
        clock.advance(seconds=5)
    clock.advance(seconds=30)  # 10:00:45: all three past their 30 s
    people.evaluate()
    assert run_round(people, setup, rota).routed == 0  # the minute is not over yet
    clock.advance(seconds=20)
    people.evaluate()
    result = run_round(people, setup, rota)
    assert (result.routed, result.sent) == (1, 1)
    [post] = rec.posts
    assert post.json["subject"] == "3 calls not answered in time"
    assert post.json["text"].count("\n· ") == 3
    assert "广东电信佛山分公司" in post.json["text"]


def test_a_new_level1_fault_is_told_the_moment_it_is_logged(
        people: Desk, tmp_path: Path, servers: tuple[str, Recorder, Any, int]) -> None:
    base, rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["level1_fault"], "to": ["supervisor", "engineers"], "channels": ["hook"]}])
    people.log_call(Intake(number="0755-83765432", kind="fault", level=1,
                           description="10G ring down", site="福田传输机房"))
    run_round(people, setup, rota_for(people.settings))
    [post] = rec.posts
    body = post.json
    assert body["kind"] == "level1_fault"
    assert body["recipients"] == ["wangqiang", "zhangwei", "lina"]
    assert "New level-1 fault" in body["subject"]
    for part in ("Ticket: ", "Customer: 广东电信深圳分公司", "Site: 福田传输机房", "Level: 1",
                 "Handled by: 张伟 (zhangwei)"):
        assert part in body["text"]


def test_messages_speak_the_desks_language(
        people: Desk, tmp_path: Path, servers: tuple[str, Recorder, Any, int]) -> None:
    from hotline.i18n import set_language

    base, rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["desk"], "channels": ["hook"]}])
    complaint(people)
    set_language("zh_CN")
    run_round(people, setup, rota_for(people.settings))
    text = rec.posts[0].json["text"]
    assert "客户" in text and "处理人" in text


def test_a_person_without_an_address_is_a_failure_shown_at_once(
        people: Desk, tmp_path: Path, servers: tuple[str, Recorder, Any, int]) -> None:
    base, _rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["chenhao"], "channels": ["mail"]}])
    complaint(people)
    run_round(people, setup, rota_for(people.settings))
    [n] = rows(people)
    assert n.state == "failed"
    assert n.last_error == "chenhao has no e-mail address (hotline notify contact chenhao " \
                           "--email …)"


def test_a_failing_channel_is_retried_then_failed_and_shown(
        people: Desk, clock: FixedClock, tmp_path: Path,
        servers: tuple[str, Recorder, Any, int]) -> None:
    base, rec, _box, port = servers
    rec.answers = [(503, '{"error": "maintenance"}')]
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["desk"], "channels": ["hook"]}],
        give_up_after=600)
    rota = rota_for(people.settings)
    ticket = complaint(people)
    first = run_round(people, setup, rota)
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    [n] = rows(people)
    assert (n.state, n.attempts) == ("pending", 1)
    assert n.next_at == clock.now().astimezone(n.next_at.tzinfo) + timedelta(seconds=30)
    assert failing_since(people.engine, people.now()) == people.now()
    notices = header_notices(people.sla, people.now(), people.settings.tz,
                             notify_failing=failing_since(people.engine, people.now()))
    assert "notifications failing since 10:00" in notices
    assert run_round(people, setup, rota).retried == 0  # not due again yet
    clock.advance(seconds=31)
    assert run_round(people, setup, rota).retried == 1
    clock.advance(minutes=10)
    last = run_round(people, setup, rota)
    assert last.failed == 1
    [n] = rows(people)
    assert (n.state, n.attempts) == ("failed", 3)
    assert "HTTP 503" in (n.last_error or "") and "maintenance" in (n.last_error or "")
    assert [r.state for r in pending_and_failed(people.engine)] == ["failed"]
    with Session(people.engine) as s:
        esc = s.exec(select(Escalation).where(Escalation.ticket_id == ticket)).one()
    assert esc.id is not None
    assert any("by hook: failed: HTTP 503" in h.text for h in history(people.engine, esc.id))
    # a message delivered later on the channel ends "failing"
    rec.answers = [(200, "{}")]
    complaint(people)
    run_round(people, setup, rota)
    assert failing_since(people.engine, people.now()) is None


def test_a_lease_keeps_a_second_sender_off_until_it_runs_out(
        people: Desk, clock: FixedClock, tmp_path: Path,
        servers: tuple[str, Recorder, Any, int]) -> None:
    base, _rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["desk"], "channels": ["hook"]}], lease=60)
    rota: Rota = rota_for(people.settings)
    complaint(people)
    from hotline.notify.routing import route

    route(people, setup, rota)
    assert len(claim(people, setup, "seat-a")) == 1
    assert claim(people, setup, "seat-b") == []
    clock.advance(seconds=61)  # seat-a died holding it
    [again] = claim(people, setup, "seat-b")
    assert again.key.endswith(":hook:desk")


def test_what_was_acknowledged_before_it_could_be_told_is_not_told(
        people: Desk, clock: FixedClock, tmp_path: Path,
        servers: tuple[str, Recorder, Any, int]) -> None:
    base, rec, _box, port = servers
    setup = make_setup(tmp_path, base, port, [
        {"events": ["complaint"], "to": ["desk"], "channels": ["hook"]}])
    complaint(people)
    with Session(people.engine) as s:
        [esc] = s.exec(select(Escalation)).all()
    assert esc.id is not None
    people.acknowledge(esc.id, "called the customer at once")
    assert run_round(people, setup, rota_for(people.settings)).routed == 0
    assert rec.posts == [] and rows(people) == []
