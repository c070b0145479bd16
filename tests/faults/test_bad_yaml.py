"""YAML that expands, loops or repeats itself, in every file agileds reads: tickets, specs,
``agileds.yaml`` and ``sprints.yaml``. Each is one error naming file and line, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from agileds._io import YamlSyntaxError, load_yaml
from agileds.errors import ConfigError
from agileds.project import Project
from tests.faults._refusals import assert_refused, snapshot

BOMB = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" if i else "l0: &l0 [lol, lol]\n"
    for i in range(12)
)

HAZARDS = {
    # name: (text, line of the fault, words of the message)
    "alias bomb": (BOMB, 2, "anchors and aliases"),
    "plain alias": ("a: &x 1\nb: *x\n", 2, "anchors and aliases"),
    "alias in a list": ("a: &x [1]\nb:\n  - *x\n", 3, "anchors and aliases"),
    "circular alias": ("a: &x [*x]\n", 1, "anchors and aliases"),
    "merge key": ("base: &b {x: 1}\nc:\n  <<: *b\n", 3, "merge keys"),
    "merge key without alias": ("c:\n  <<: {x: 1}\n", 2, "merge keys"),
    "duplicate top key": ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first at line 1)"),
    "duplicate nested key": ("a:\n  x: 1\n  x: 2\n", 3, "duplicate key 'x' (first at line 2)"),
    "duplicate in a flow map": ("a: {x: 1, x: 2}\n", 1, "duplicate key 'x'"),
}


@pytest.mark.parametrize("kind", list(HAZARDS))
def test_load_yaml_refuses_the_hazard_with_its_line(kind: str) -> None:
    text, line, words = HAZARDS[kind]
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(text)
    assert (info.value.line, words in info.value.problem) == (line, True), info.value.problem


@pytest.mark.parametrize(
    "text",
    [
        "a: '&x'\nb: '*x'\n",
        "a: 1 * 2\n",
        "a: [x & y]\n",
        "a:\n  x: 1\nb:\n  x: 1\n",
        "1: a\n'1': b\n",
    ],
)
def test_look_alikes_still_load(text: str) -> None:
    assert isinstance(load_yaml(text), dict)


TICKET = "id: STORY-1\ntype: story\ntitle: T\nvalue: 3\neffort: 2\n"
IN_TICKET = {
    "alias bomb": (TICKET + "sweep:\n" + "".join("  " + ln + "\n" for ln in BOMB.splitlines()), 8),
    "circular alias": (TICKET + "sweep: &s {a: *s}\n", 6),
    "alias": (TICKET + "owner: &o ada\nmodel: *o\n", 7),
    "duplicate key": (TICKET + "value: 5\n", 6),
    "duplicate nested key": (TICKET + "sweep:\n  trials: 3\n  trials: 4\n", 8),
}


@pytest.mark.parametrize("kind", list(IN_TICKET))
@pytest.mark.parametrize("command", [("ticket", "validate"), ("ticket", "list")])
def test_a_hazardous_ticket_is_one_located_error(
    project: Project, run_cli, kind: str, command: tuple[str, ...]
) -> None:
    text, line = IN_TICKET[kind]
    (project.backlog_dir / "STORY-1.yaml").write_text(text)
    res = run_cli(*command)
    assert res.code == 2 and "Traceback" not in res.out + res.err
    assert f"backlog/STORY-1.yaml:{line}: invalid YAML: " in res.out + res.err


@pytest.mark.parametrize("kind", list(IN_TICKET))
def test_a_hazardous_ticket_is_never_rewritten(project: Project, run_cli, kind: str) -> None:
    (project.backlog_dir / "STORY-1.yaml").write_text(IN_TICKET[kind][0])
    before = snapshot(project.root)
    assert_refused(run_cli("ticket", "move", "STORY-1", "done"), "backlog/STORY-1.yaml:")
    assert snapshot(project.root) == before


@pytest.mark.parametrize("kind", list(HAZARDS))
def test_agileds_yaml(project: Project, run_cli, kind: str) -> None:
    text, line, words = HAZARDS[kind]
    (project.root / "agileds.yaml").write_text(text)
    before = snapshot(project.root)
    assert_refused(run_cli("backlog", "rank"), f"agileds.yaml:{line}: invalid YAML", words)
    assert snapshot(project.root) == before


@pytest.mark.parametrize("kind", list(HAZARDS))
def test_sprints_yaml(project: Project, run_cli, kind: str) -> None:
    text, line, words = HAZARDS[kind]
    (project.backlog_dir / "sprints.yaml").write_text(text)
    before = snapshot(project.root)
    res = run_cli("sprint", "plan", "1", "--capacity", "5")
    assert_refused(res, f"sprints.yaml:{line}", words)
    assert snapshot(project.root) == before


@pytest.mark.parametrize("kind", list(HAZARDS))
def test_experiment_spec(project: Project, kind: str) -> None:
    from agileds.sweeps._spec import load_spec

    text, line, words = HAZARDS[kind]
    path = project.experiments_dir / "spec.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_spec(path, "experiments/spec.yaml")
    assert str(info.value).startswith(f"experiments/spec.yaml:{line}: invalid YAML: ")
    assert words in str(info.value)


def test_a_ticket_written_by_agileds_has_no_alias(project: Project, run_cli) -> None:
    """Repeated values in a new ticket are written out, so agileds can read its own files."""
    res = run_cli("ticket", "new", "story", "Same", "--ac", "auroc >= 0.8", "--ac", "auroc >= 0.8")
    assert res.code == 0, res.err
    text = Path(project.backlog_dir / "STORY-1.yaml").read_text()
    assert "&" not in text and "*" not in text
    assert run_cli("ticket", "validate").out == "1 ticket(s) valid\n"
