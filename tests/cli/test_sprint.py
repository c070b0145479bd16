"""``agileds sprint``: exit codes and the exact text a user sees."""

from __future__ import annotations

import json

import pytest

from agileds.project import Project
from tests._helpers import write_ticket

STORY = (
    "id: STORY-{n}\ntype: story\ntitle: Story {n}\nstatus: {s}  # keep\nvalue: {v}\neffort: {e}\n"
)


def backlog(project: Project, status: str = "todo") -> None:
    for n, v, e in [(1, 42, 6), (2, 25, 5), (3, 25, 5)]:
        write_ticket(project, f"STORY-{n}.yaml", STORY.format(n=n, s=status, v=v, e=e))


def test_plan_prints_table_totals_and_forecast(project: Project, run_cli) -> None:
    backlog(project)
    res = run_cli("sprint", "plan", "1", "--capacity", "10", "--method", "ratio")
    assert res.code == 0, res.err
    assert res.out.splitlines() == [
        "sprint 1: capacity 10 points, method ratio",
        "ID       TITLE    EFFORT  SCORE  CUMULATIVE",
        "STORY-2  Story 2  5       5.0    5",
        "STORY-3  Story 3  5       5.0    10",
        "total: 10 of 10 points, score 10, 2 ticket(s)",
        "forecast: no history yet (no ticket moved to done in the git history of backlog/)",
        "written: tickets and sprints.yaml",
    ]
    assert project.backlog().get("STORY-3").sprint == 1


def test_dry_run_writes_nothing(project: Project, run_cli) -> None:
    backlog(project)
    before = sorted((p.name, p.read_text()) for p in project.backlog_dir.iterdir())
    res = run_cli("sprint", "plan", "1", "--capacity", "10", "--dry-run", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert [t["id"] for t in data["tickets"]] == ["STORY-2", "STORY-3"]
    assert (data["points"], data["dry_run"], data["forecast"]) == (10, True, None)
    assert sorted((p.name, p.read_text()) for p in project.backlog_dir.iterdir()) == before


def test_plan_with_git_history_shows_forecast(project: Project, run_cli) -> None:
    import git

    repo = git.Repo.init(project.root)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    backlog(project)
    for when, status in [("2026-01-05", "todo"), ("2026-01-07", "done")]:
        path = write_ticket(project, "STORY-9.yaml", STORY.format(n=9, s=status, v=1, e=4))
        repo.index.add([str(path)])
        repo.index.commit("work", author_date=f"{when}T09:00:00", commit_date=f"{when}T09:00:00")
    args = [
        "sprint",
        "plan",
        "2",
        "--capacity",
        "6",
        "--start",
        "2026-02-02",
        "--end",
        "2026-02-13",
    ]
    data = json.loads(run_cli(*args, "--json").out)
    # One week of history, 4 points: two weeks always deliver 8 >= 6.
    assert data["forecast"] == {
        "probability": 1.0,
        "p50": 8.0,
        "p85": 8.0,
        "weeks": 2,
        "samples": [4.0],
    }
    assert data["sprint"] == {
        "number": 2,
        "start": "2026-02-02",
        "end": "2026-02-13",
        "capacity": 6.0,
        "goal": "",
    }
    assert "capacity: 6\n" in (project.backlog_dir / "sprints.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0", "--capacity", "5"], "error: sprint number must be 1 or more, got 0\n"),
        (["1", "--capacity", "0"], "error: capacity must be a positive number of points, got 0\n"),
        (
            ["1", "--capacity", "-2"],
            "error: capacity must be a positive number of points, got -2\n",
        ),
        (["1"], "error: no capacity for sprint 1; pass --capacity POINTS\n"),
        (
            ["1", "--capacity", "5", "--method", "magic"],
            "error: unknown scoring method 'magic'; use one of ",
        ),
        (
            ["1", "--capacity", "5", "--start", "2026-02-10", "--end", "2026-02-01"],
            "error: sprint 1: end 2026-02-01 is before start 2026-02-10\n",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    project: Project, run_cli, args: list[str], message: str
) -> None:
    backlog(project)
    res = run_cli("sprint", "plan", *args)
    assert res.code == 2
    assert res.err.startswith(message) and res.err.count("\n") == 1


def test_invalid_sprints_file_names_file_and_line(project: Project, run_cli) -> None:
    backlog(project)
    (project.backlog_dir / "sprints.yaml").write_text("sprints:\n  - number: 1\n    capacity: x\n")
    res = run_cli("sprint", "plan", "1")
    assert (res.code, res.err) == (
        2,
        "error: backlog/sprints.yaml:3: capacity: must be a positive number, got 'x'\n",
    )
