"""``backlog/sprints.yaml``: validation with file:line, comment-keeping atomic updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agileds.backlog._sprints import SprintsError, load_sprints, save_sprint, sprint_weeks

SPRINTS = """\
# our sprints
sprints:
  - number: 1   # the first one
    start: 2026-01-05
    end: 2026-01-16
    capacity: 20
    goal: Lead scoring v2
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sprints.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_load_reads_sprints(tmp_path: Path) -> None:
    sprint = load_sprints(write(tmp_path, SPRINTS))[1]
    assert (sprint.start, sprint.capacity, sprint.goal) == (
        dt.date(2026, 1, 5),
        20,
        "Lead scoring v2",
    )
    assert sprint_weeks(sprint) == 2 and sprint_weeks(None) == 2
    assert load_sprints(tmp_path / "missing") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            SPRINTS.replace("capacity: 20", "capacity: x"),
            "sprints.yaml:6: capacity: must be a positive number, got 'x'",
        ),
        (
            SPRINTS.replace("number: 1", "number: 0"),
            "sprints.yaml:3: number: must be a sprint number >= 1, got 0",
        ),
        (
            SPRINTS.replace("goal:", "gaol:"),
            "sprints.yaml:7: gaol: unknown key; known keys: number, start, end, capacity, goal",
        ),
        (
            SPRINTS.replace("end: 2026-01-16", "end: 2026-01-01"),
            "sprints.yaml:3: end 2026-01-01 is before start 2026-01-05",
        ),
        (SPRINTS + "  - number: 1\n", "sprints.yaml:8: number: sprint 1 is listed twice"),
        ("sprints: [\n", "sprints.yaml:2: invalid YAML: "),
        ("- 1\n", "sprints.yaml:1: expected one key 'sprints:' holding a list of sprints"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    backlog = tmp_path / "backlog"
    backlog.mkdir()
    write(backlog, text)
    with pytest.raises(SprintsError) as exc:
        load_sprints(backlog)
    assert str(exc.value).startswith(f"backlog/{message}")
    assert "\n" not in str(exc.value)


def test_update_keeps_comments_and_adds_missing_keys(tmp_path: Path) -> None:
    folder = write(tmp_path, SPRINTS.replace("    goal: Lead scoring v2\n", ""))
    save_sprint(folder, 1, capacity=13, goal="Ship it")
    assert (folder / "sprints.yaml").read_text() == SPRINTS.replace(
        "capacity: 20", "capacity: 13"
    ).replace("Lead scoring v2", "Ship it")


def test_new_sprint_is_appended_as_a_block(tmp_path: Path) -> None:
    folder = write(tmp_path, SPRINTS)
    save_sprint(folder, 2, capacity=8, start=dt.date(2026, 1, 19))
    text = (folder / "sprints.yaml").read_text()
    assert text == SPRINTS + "  - number: 2\n    capacity: 8\n    start: 2026-01-19\n"
    assert set(load_sprints(folder)) == {1, 2}


def test_first_sprint_starts_the_file(tmp_path: Path) -> None:
    save_sprint(tmp_path, 3, capacity=5.5)
    assert (tmp_path / "sprints.yaml").read_text() == "sprints:\n  - number: 3\n    capacity: 5.5\n"
    write(tmp_path, "# none yet\nsprints: []\n")
    save_sprint(tmp_path, 1, capacity=2)
    assert load_sprints(tmp_path)[1].capacity == 2


def test_flow_style_sprint_is_updated_inline(tmp_path: Path) -> None:
    folder = write(tmp_path, "sprints:\n  - {number: 1, capacity: 3}  # short\n")
    save_sprint(folder, 1, capacity=4, goal="x")
    assert load_sprints(folder)[1].capacity == 4
    assert (folder / "sprints.yaml").read_text().endswith("# short\n")


def test_invalid_update_writes_nothing(tmp_path: Path) -> None:
    folder = write(tmp_path, SPRINTS)
    with pytest.raises(SprintsError):
        save_sprint(folder, 1, end=dt.date(2025, 1, 1))
    assert (folder / "sprints.yaml").read_text() == SPRINTS
