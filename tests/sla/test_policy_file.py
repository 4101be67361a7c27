"""Loading policy files: the shipped ones, and every kind of mistake."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.paths import shipped_data_dir
from hotline.sla import Limit, PolicyError, load_policy_dirs, load_policy_file

TZ = ZoneInfo("Asia/Shanghai")
SHIPPED = shipped_data_dir() / "policies"

MINIMAL = """
[policy]
name = "mini"
grades = ["A", "B"]
levels = [1, 2]

[conditions]
onsite = "on site"

[regions.north]
cities = ["北京", "Beijing"]

[targets.restore]
start = "opened"
stop = ["restore", "resolve"]
[targets.restore.limits]
A = { 1 = "4h", 2 = "12h" }
B = "1d"
"""


def write(tmp_path: Path, text: str, name: str = "mini.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_policies_load() -> None:
    policies = load_policy_dirs([SHIPPED], TZ)
    assert sorted(policies) == ["fire-maintenance", "guangdong-transmission", "standard"]
    std = policies["standard"]
    assert std.grades == ("A", "B", "C")
    assert std.levels == (1, 2, 3)
    gd = policies["guangdong-transmission"]
    assert gd.levels == (1, 2, 3, 4)
    assert gd.zone_of("佛山") == gd.zone_of("Foshan") == gd.zone_of(" foshan ") == "prd"
    assert gd.zone_of("佛山市") == "prd"
    assert gd.zone_of("Beijing") is None
    fire = policies["fire-maintenance"]
    assert {"local", "remote", "impaired", "manufacturer"} <= set(fire.conditions)


def test_a_minimal_policy(tmp_path: Path) -> None:
    p = load_policy_file(write(tmp_path, MINIMAL), TZ)
    assert p.limit("restore", grade="A", level=2, kind="fault", zone=None,
                   conditions=frozenset()) == Limit.of(hours=12)
    assert p.limit("restore", grade="B", level=1, kind="fault", zone=None,
                   conditions=frozenset()) == Limit.of(days=1)
    assert p.limit("restore", grade="C", level=1, kind="fault", zone=None,
                   conditions=frozenset()) is None
    assert p.warn_share == 0.8
    assert "hardware" in p.fault_categories and "other" in p.fault_categories  # the usual ones


def test_a_policy_lists_its_own_fault_categories(tmp_path: Path) -> None:
    text = MINIMAL.replace("levels = [1, 2]", 'levels = [1, 2]\nfault_categories = '
                           '["fibre_cut", "board", "other"]')
    p = load_policy_file(write(tmp_path, text), TZ)
    assert p.fault_categories == ("fibre_cut", "board", "other")
    shipped = load_policy_dirs([SHIPPED], TZ)
    assert all({"hardware", "fibre_line", "other"} <= set(q.fault_categories)
               for q in shipped.values())


# (what to change in MINIMAL, the key the error must name, words of the problem)
MISTAKES = [
    (('A = { 1 = "4h", 2 = "12h" }', 'A = { 1 = "4h", 2 = "12 hours" }'),
     "targets.restore.limits.A.2", '"12 hours" is not a duration — write 12h, 30min, 3d or '
                                   '"2 working days"'),
    (('A = { 1 = "4h"', 'D = { 1 = "4h"'), "targets.restore.limits.D", "unknown grade 'D'"),
    (('A = { 1 = "4h", 2', 'A = { 1 = "4h", 7'), "targets.restore.limits.A.7",
     "unknown level '7'"),
    (('stop = ["restore", "resolve"]', 'stop = ["restored"]'), "targets.restore.stop",
     "unknown event 'restored'"),
    (('start = "opened"', 'start = "open"'), "targets.restore.start", "unknown event 'open'"),
    (('start = "opened"', 'start = "opened"\nwarn_shar = 0.5'), "targets.restore.warn_shar",
     "unknown key"),
    (('start = "opened"', 'start = "opened"\nwarn_share = 80'), "targets.restore.warn_share",
     "above 0 and at most 1"),
    (('start = "opened"', 'start = "opened"\nwhen = ["on_site"]'), "targets.restore.when",
     "unknown condition 'on_site'"),
    (('start = "opened"', 'start = "opened"\npausable = "yes"'), "targets.restore.pausable",
     "true or false"),
    (('start = "opened"', 'start = "opened"\nkinds = ["incident"]'), "targets.restore.kinds",
     "unknown kind 'incident'"),
    (('start = "opened"', 'start = "opened"\nlimit = "4h"'), "targets.restore",
     "either 'limit' or 'limits'"),
    (('name = "mini"', 'name = "Mini Policy"'), "policy.name", "lower-case"),
    (('levels = [1, 2]', 'levels = [1, 3]'), "policy.levels", "without gaps"),
    (('[regions.north]\ncities = ["北京", "Beijing"]',
      '[regions.north]\ncities = ["北京"]\n[regions.south]\ncities = ["北京"]'),
     "regions.south.cities", "already in region north"),
    (('B = "1d"', 'B = "1d"\n[[targets.restore.variants]]\nzones = ["west"]\nlimit = "2h"'),
     "targets.restore.variants[0].zones", "unknown region 'west'"),
    (('B = "1d"', 'B = "1d"\n[escalation]\nupgrade_on = ["resolve"]'),
     "escalation.upgrade_on", "unknown target 'resolve'"),
    (('B = "1d"', 'B = "1d"\n[escalation]\ntiers = ["boss"]'), "escalation.tiers",
     "unknown tier 'boss'"),
    (('B = "1d"', 'B = "1d"\n[escalation]\nack_timeout = "1 working day"'),
     "escalation.ack_timeout", "wall-clock"),
    (('B = "1d"', 'B = "1d"\n[[scoring.breach]]\nid = "late"\ntargets = ["restore"]\n'
                  'points = 0'), "scoring.breach[0].points", "not zero"),
    (('B = "1d"', 'B = "1d"\n[[scoring.breach]]\nid = "late"\ntargets = ["restore"]\n'
                  'points = -5\nper = "month"'), "scoring.breach[0].per", "'ticket', 'target'"),
    (('B = "1d"', 'B = "1d"\n[[scoring.event]]\nid = "a"\nevent = "x"\npoints = -1\n'
                  '[[scoring.event]]\nid = "a"\nevent = "y"\npoints = -1'),
     "scoring.event[1].id", "used twice"),
    (('B = "1d"', 'B = "1d"\n[[scoring.event]]\nid = "a"\nevent = "restore"\npoints = -1'),
     "scoring.event[0].event", "drives the clocks"),
    (('B = "1d"', 'B = "1d"\n[[scoring.period]]\nid = "rate"\nmetric = "answer_rate"\n'
                  'points = -2'), "scoring.period[0]", "needs a threshold"),
    (('B = "1d"', 'B = "1d"\n[[assurance]]\nname = "x"\nstart = 2026-10-07\nend = 2026-10-01\n'
                  'factor = 0.5'), "assurance[0].end", "ends before it starts"),
    (('B = "1d"', 'B = "1d"\n[[assurance]]\nname = "x"\nstart = 2026-10-01\nend = 2026-10-07\n'
                  'factor = 2'), "assurance[0].factor", "at most 1"),
    (('B = "1d"', 'B = "1d"\n[[assurance]]\nname = "x"\nstart = "October"\n'
                  'end = 2026-10-07\nfactor = 0.5'), "assurance[0].start", "expected a date"),
    (('B = "1d"', 'B = "1d"\n[colour]\nx = 1'), "colour", "unknown key"),
    (('levels = [1, 2]', 'levels = [1, 2]\nfault_categories = []'), "policy.fault_categories",
     "at least one category"),
    (('levels = [1, 2]', 'levels = [1, 2]\nfault_categories = ["Power Supply"]'),
     "policy.fault_categories", "lower-case"),
    (('levels = [1, 2]', 'levels = [1, 2]\nfault_categories = ["power", "power"]'),
     "policy.fault_categories", "listed twice"),
    (('levels = [1, 2]', 'levels = [1, 2]\nfault_categories = [1]'),
     "policy.fault_categories", "list of names"),
    (('[targets.restore]\nstart', '[targets.answer]\nscope = "call"\nlimit = "30s"\n'
                                   'repeat = true\n[targets.restore]\nstart'),
     "targets.answer.repeat", "telephony"),
]


@pytest.mark.parametrize(("change", "key", "problem"), MISTAKES)
def test_each_mistake_names_file_key_and_problem(tmp_path: Path, change: tuple[str, str],
                                                 key: str, problem: str) -> None:
    old, new = change
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path, TZ)
    err = info.value
    message = str(err)
    assert err.key == key, message
    assert problem in message, message
    # the file, the line the key is written on, the key: ``mini.toml:17: targets…: …``
    assert err.line is not None, message
    assert message.startswith(f"{path}:{err.line}: {key}: ")
    written = MINIMAL.replace(old, new, 1).splitlines()[err.line - 1]
    leaf = re.sub(r"\[\d+\]", "", key).split(".")[-1]
    assert leaf in written, (message, written)


def test_the_issue_example_message_for_a_shipped_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Shipped files are named by file name only, as in the issue's example."""
    import hotline.paths

    monkeypatch.setattr(hotline.paths, "shipped_data_dir", lambda: tmp_path)
    text = (SHIPPED / "standard.toml").read_text(encoding="utf-8")
    bad = text.replace('A = { 1 = "4h", 2 = "12h", 3 = "3d" }',
                       'A = { 1 = "4h", 2 = "12 hours", 3 = "3d" }')
    assert bad != text
    (tmp_path / "policies").mkdir()
    path = write(tmp_path / "policies", bad, "standard.toml")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path, TZ)
    assert str(info.value) == ('standard.toml:117: targets.restore.limits.A.2: "12 hours" is '
                               'not a duration — write 12h, 30min, 3d or "2 working days"')


def test_not_toml_and_missing_table(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy_file(write(tmp_path, "[policy\nname='x'"), TZ)
    with pytest.raises(PolicyError, match=r"policy: missing \[policy\]"):
        load_policy_file(write(tmp_path, "[targets.a]\nlimit='1h'"), TZ)
    with pytest.raises(PolicyError, match="at least one target"):
        load_policy_file(write(tmp_path, "[policy]\nname='x'"), TZ)
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy_file(tmp_path / "nothing.toml", TZ)


def test_a_later_folder_replaces_a_policy_of_the_same_name(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    text = (SHIPPED / "standard.toml").read_text(encoding="utf-8").replace(
        'A = { 1 = "4h", 2 = "12h", 3 = "3d" }', 'A = { 1 = "3h", 2 = "12h", 3 = "3d" }')
    (user / "my-standard.toml").write_text(text, encoding="utf-8")
    policies = load_policy_dirs([SHIPPED, user], TZ)
    assert policies["standard"].limit("restore", grade="A", level=1, kind="fault", zone=None,
                                      conditions=frozenset()) == Limit.of(hours=3)


def test_two_files_of_one_folder_may_not_share_a_name(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "a.toml")
    write(tmp_path, MINIMAL, "b.toml")
    with pytest.raises(PolicyError, match=r"already defined by a\.toml") as info:
        load_policy_dirs([tmp_path], TZ)
    assert info.value.key == "policy.name"


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy_dirs([tmp_path / "nope"], TZ)
