"""The contract's fault-level definitions as questions ([classification]) and the
approvals and repeat-fault rule ([procedure]): the shipped tables, the proposal, and
every mistake in a file named by file, line and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.paths import shipped_data_dir
from hotline.sla import PolicyError, load_policy_dirs
from hotline.sla.policy import Classification, LevelQuestion, propose_level
from hotline.sla.policy_file import read_policy_text

TZ = ZoneInfo("Asia/Shanghai")
POLICIES = load_policy_dirs([shipped_data_dir() / "policies"], TZ)

# The generic specification (维护保障技术服务规范 2.1.2): 一级 — 系统瘫痪或服务中断,
# 业务中断1个小时以上, 关键业务数据丢失; 二级 — 业务部分退化, 冗余设备单侧故障,
# 业务中断但不满1小时; 三级 — 关键业务不受影响.
GENERIC = [
    ((), 3),
    (("outage_1h",), 1),
    (("data_lost",), 1),
    (("outage_short",), 2),
    (("degraded",), 2),
    (("redundancy_lost",), 2),
    (("outage_short", "redundancy_lost"), 2),
    (("degraded", "outage_1h"), 1),
]

# The Guangdong table (故障级别定义): rows 业务类问题 / 网管问题 / 设备温度过高 (45 ℃,
# 30 % of a fan subrack) / 其他问题, by level 1–4; nothing defined → no proposal.
GUANGDONG = [
    ((), None),
    (("service_interrupted",), 1),
    (("performance_over",), 2),
    (("nms_abnormal",), 2),
    (("overheated",), 2),
    (("minor_alarm",), 3),
    (("nms_partial",), 3),
    (("fans_some",), 3),
    (("transient",), 4),
    (("ancillary",), 4),
    (("ancillary", "fans_some"), 3),
    (("transient", "overheated", "minor_alarm"), 2),
    (("nms_partial", "service_interrupted"), 1),
]


@pytest.mark.parametrize(("policy", "answers", "level"), [
    *[("standard", a, lv) for a, lv in GENERIC],
    *[("fire-maintenance", a, lv) for a, lv in GENERIC],
    *[("guangdong-transmission", a, lv) for a, lv in GUANGDONG],
])
def test_the_shipped_tables_propose_the_contracts_level(policy: str, answers: tuple[str, ...],
                                                        level: int | None) -> None:
    assert propose_level(POLICIES[policy].classification, answers) == level


def test_the_guangdong_questions_carry_the_tables_figures() -> None:
    gd = POLICIES["guangdong-transmission"].classification
    overheated = gd.question("overheated")
    fans = gd.question("fans_some")
    assert overheated is not None and fans is not None
    assert "45" in overheated.text and "30 %" in overheated.text and overheated.level == 2
    assert "45" in fans.text and "30 %" in fans.text and fans.level == 3
    assert [q.level for q in gd.questions] == sorted(q.level for q in gd.questions)


def test_which_gates_and_repeat_rule_each_shipped_policy_has() -> None:
    both = frozenset({"plan_approval", "restart_approval"})
    assert POLICIES["standard"].procedure.gates == both
    assert POLICIES["fire-maintenance"].procedure.gates == both
    # 所进行操作必须经过用户同意: every operation needs the user's consent
    assert POLICIES["guangdong-transmission"].procedure.gates == both
    assert POLICIES["standard"].procedure.repeat_within == timedelta(days=365)
    assert POLICIES["guangdong-transmission"].procedure.repeat_within is None
    assert any(r.event == "repeat_fault" for r in POLICIES["standard"].scoring.event)


def test_an_unknown_answer_is_named() -> None:
    c = Classification((LevelQuestion("down", 1, "Down?"),), default=2)
    with pytest.raises(ValueError, match="nope"):
        propose_level(c, ["down", "nope"])


BASE = """[policy]
name = "mini"
levels = [1, 2, 3]

[targets.restore]
start = "opened"
stop = "restore"
limit = "4h"
"""


def load(extra: str) -> object:
    return read_policy_text((BASE + extra).encode(), Path("mini.toml"), TZ)


@pytest.mark.parametrize(("extra", "message"), [
    ("\n[classification]\ndefault = 4\n[[classification.questions]]\nid = \"a\"\nlevel = 1\n"
     "text = \"A?\"\n",
     "mini.toml:11: classification.default: one of the policy's levels: 1, 2, 3"),
    ("\n[classification]\n[[classification.questions]]\nid = \"a\"\nlevel = 1\n"
     "text = \"A?\"\n[[classification.questions]]\n"
     "id = \"a\"\nlevel = 2\ntext = \"B?\"\n",
     "mini.toml:16: classification.questions[1].id: 'a' is used twice"),
    ("\n[classification]\n[[classification.questions]]\nid = \"a\"\nlevel = true\n"
     "text = \"A?\"\n", "mini.toml:13: classification.questions[0].level: one of the"),
    ("\n[classification]\n[[classification.questions]]\nid = \"a\"\ntext = \"A?\"\n",
     "classification.questions[0].level: the level a 'yes' proposes is missing"),
    ("\n[classification]\n[[classification.questions]]\nid = \"Bad id\"\nlevel = 1\n"
     "text = \"A?\"\n", "mini.toml:12: classification.questions[0].id: use lower-case"),
    ("\n[classification]\n[[classification.questions]]\nid = \"a\"\nlevel = 1\n"
     "text = \"two\\nlines\"\n", "classification.questions[0].text: one line of at most 200"),
    ("\n[classification]\n[[classification.questions]]\nid = \"a\"\nlevel = 1\nhint = \"x\"\n"
     "text = \"A?\"\n", "mini.toml:14: classification.questions[0].hint: unknown key"),
    ("\n[classification]\ndefault = 1\n", "classification.questions: ask at least one question"),
    ("\n[procedure]\ngates = [\"coffee_break\"]\n",
     "mini.toml:11: procedure.gates: unknown gate 'coffee_break'"),
    ("\n[procedure]\nrepeat_within = \"2 working days\"\n",
     "mini.toml:11: procedure.repeat_within: a wall-clock duration is expected"),
    ("\n[procedure]\nrepeat_within = \"0s\"\n", "procedure.repeat_within:"),
    ("\n[procedure]\nrepeat_within = \"99999d\"\n", "procedure.repeat_within:"),
    ("\n[procedure]\nrepeat = \"1y\"\n", "mini.toml:11: procedure.repeat: unknown key"),
])
def test_mistakes_are_named_by_file_line_and_key(extra: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        load(extra)
    assert message in str(info.value)


def test_a_policy_without_levels_asks_no_level_questions() -> None:
    text = BASE.replace("levels = [1, 2, 3]", "levels = []") + (
        "\n[classification]\n[[classification.questions]]\nid = \"a\"\nlevel = 1\ntext = \"A?\"\n")
    with pytest.raises(PolicyError, match="has no level questions"):
        read_policy_text(text.encode(), Path("mini.toml"), TZ)


def test_more_questions_than_a_screen_holds_are_refused() -> None:
    many = "".join(f"\n[[classification.questions]]\nid = \"q{i}\"\nlevel = 1\ntext = \"Q?\"\n"
                   for i in range(13))
    with pytest.raises(PolicyError, match="at most 12 questions"):
        load("\n[classification]\n" + many)


hostile = st.one_of(
    st.text(max_size=30), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True), st.booleans(), st.none(), st.lists(st.text(max_size=5),
                                                                  max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))


def _toml(value: object) -> str:
    import json
    import math

    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(
            value) else repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["id", "level", "text", "text_zh"]), hostile,
       st.sampled_from(["default", "none"]), hostile)
@example("text", "\x00", "default", 1)
@example("text", "\ud800", "none", None)
@example("level", 10**30, "default", 9999)
@example("id", "a" * 41, "default", 1)
def test_hostile_classification_values_refuse_only_with_policy_errors(
        field: str, value: object, default_key: str, default: object) -> None:
    item = {"id": '"a"', "level": "1", "text": '"A?"'}
    try:
        item[field] = _toml(value)
    except (UnicodeEncodeError, ValueError):
        return
    head = f"default = {_toml(default)}\n" if default_key == "default" else ""
    body = "".join(f"{k} = {v}\n" for k, v in item.items())
    text = BASE + "\n[classification]\n" + head + "[[classification.questions]]\n" + body
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    try:
        policy = read_policy_text(raw, Path("mini.toml"), TZ)
    except PolicyError:
        return
    q = policy.classification.questions[0]
    assert q.level in (1, 2, 3) and q.id and q.text.isprintable()
    assert policy.classification.default in (None, 1, 2, 3)


@settings(max_examples=100, deadline=None)
@given(hostile, hostile)
@example("365d", ["plan_approval"])
@example("\x00", "\ud800")
@example("0001-01-01", 10**20)
def test_hostile_procedure_values_refuse_only_with_policy_errors(within: object,
                                                                gates: object) -> None:
    text = BASE + f"\n[procedure]\nrepeat_within = {_toml(within)}\ngates = {_toml(gates)}\n"
    try:
        policy = read_policy_text(text.encode("utf-8", "surrogatepass"), Path("mini.toml"), TZ)
    except PolicyError:
        return
    within_ = policy.procedure.repeat_within
    assert within_ is not None and timedelta(0) < within_ <= timedelta(days=366)
    assert policy.procedure.gates <= {"plan_approval", "restart_approval"}


@given(st.lists(st.sampled_from([q.id for q in
                                 POLICIES["guangdong-transmission"].classification.questions]),
                max_size=9))
def test_the_proposal_is_the_most_severe_yes(answers: list[str]) -> None:
    c = POLICIES["guangdong-transmission"].classification
    levels = [q.level for q in c.questions if q.id in answers]
    assert propose_level(c, answers) == (min(levels) if levels else None)


def test_policy_show_prints_the_questions_gates_and_repeat_rule() -> None:
    from hotline.sla.render import render_policy

    std = render_policy(POLICIES["standard"], TZ)
    assert "None answered yes: level 3." in std and "outage_1h" in std
    assert "the customer approves a technical plan before it is carried out" in std
    assert "within 365 days of a resolution" in std
    gd = render_policy(POLICIES["guangdong-transmission"], TZ)
    assert "None answered yes: no level proposed." in gd and "overheated" in gd
    assert "within 365 days" not in gd
    assert "the customer approves a reinstall or restart before it is done" in gd
