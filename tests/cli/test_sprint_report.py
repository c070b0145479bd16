"""``agileds sprint report``: exit codes, the files written and the exact text a user sees."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from agileds.project import Project
from tests._helpers import write_ticket

STORY = (
    "id: STORY-{n}\ntype: story\ntitle: Story {n}\nstatus: {s}\nvalue: 3\neffort: {e}\nsprint: 1\n"
)
SPRINTS = "sprints:\n  - number: 1\n    start: 2026-01-05\n    end: 2026-01-16\n    capacity: 8\n"


@pytest.fixture
def sprint(project: Project) -> Project:
    """Sprint 1 with STORY-1 (5 points, done on 2026-01-07) and STORY-2 (3 points, todo)."""
    import git

    repo = git.Repo.init(project.root)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Ada").set_value("user", "email", "a@example.com")
    (project.backlog_dir / "sprints.yaml").write_text(SPRINTS)
    for when, status in [("2026-01-02", "todo"), ("2026-01-07", "done")]:
        write_ticket(project, "STORY-1.yaml", STORY.format(n=1, s=status, e=5))
        write_ticket(project, "STORY-2.yaml", STORY.format(n=2, s="todo", e=3))
        repo.index.add(["backlog"])
        stamp = f"{when}T09:00:00"
        repo.index.commit(f"STORY-1 {status}", author_date=stamp, commit_date=stamp)
    return project


def test_report_writes_markdown_and_pngs(sprint: Project, run_cli) -> None:
    res = run_cli("sprint", "report", "1")
    assert res.code == 0, res.err
    path = sprint.reports_dir / "sprint-1.md"
    assert res.out == f"{path}\n"
    database = sprint.mlruns_dir / "mlflow.db"
    assert res.err.splitlines() == [
        "sprint 1: reading the backlog, git and MLflow",
        f"note: no MLflow database at {database} yet: no verdicts or runs shown",
        "sprint 1: 5 of 8 points done, 1 ticket(s) carried over, 1 commit(s)",
        "tickets: STORY-1 done (no run), STORY-2 todo (no run)",
    ]
    text = path.read_text(encoding="utf-8")
    assert "| 8 | 5 | 3 | 8 | 62% |" in text and "- STORY-2 — Story 2 (todo, 3 points)" in text
    for png in ("sprint-1-burndown.png", "sprint-1-quadrants.png"):
        assert (sprint.reports_dir / png).is_file()
    assert not database.exists()


def test_json_and_out_folder(sprint: Project, run_cli) -> None:
    res = run_cli("sprint", "report", "1", "--json", "--no-mlflow", "--out", "elsewhere")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["path"] == "elsewhere/sprint-1.md"  # as given, relative to the cwd
    assert (data["committed_points"], data["done_points"], data["carried_over"]) == (
        8,
        5,
        ["STORY-2"],
    )
    assert [d["remaining"] for d in data["burndown"][:4]] == [8, 8, 3, 3]
    assert data["plots"] == {
        "burndown": "sprint-1-burndown.png",
        "quadrants": "sprint-1-quadrants.png",
    }
    assert data["notes"] == ["MLflow not read (--no-mlflow): no verdicts or runs shown"]
    assert (data["forecast"], data["forecast_note"]) == (
        None,
        "no history (no ticket moved to done in the git history of backlog/ before 2026-01-05)",
    )
    assert (sprint.root / "elsewhere" / "sprint-1-burndown.png").is_file()


def test_work_done_today_shows_without_git_history_or_dates(project: Project, run_cli) -> None:
    (project.backlog_dir / "sprints.yaml").write_text("sprints:\n  - number: 1\n    capacity: 8\n")
    write_ticket(project, "STORY-1.yaml", STORY.format(n=1, s="done", e=5))
    write_ticket(project, "STORY-2.yaml", STORY.format(n=2, s="todo", e=3))
    res = run_cli("sprint", "report", "1", "--json", "--no-mlflow")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert (data["committed_points"], data["done_points"], data["carried_over"]) == (
        8,
        5,
        ["STORY-2"],
    )
    # one day, today, from the ticket files as they are now (nothing is committed)
    assert [(d["day"], d["remaining"]) for d in data["burndown"]] == [(str(dt.date.today()), 3)]
    assert data["plots"]["burndown"] == "sprint-1-burndown.png"
    text = (project.reports_dir / "sprint-1.md").read_text(encoding="utf-8")
    assert "so the burn-down shows\ntoday only" in text


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (
            "7",
            "error: no sprint 7 in backlog/sprints.yaml (sprints: 1); "
            "plan it first with 'agileds sprint plan 7 --capacity POINTS'\n",
        ),
        ("0", "error: sprint number must be 1 or more, got 0\n"),
    ],
)
def test_unknown_sprint_exits_2_with_one_line(
    sprint: Project, run_cli, number: str, message: str
) -> None:
    res = run_cli("sprint", "report", number, "--no-mlflow")
    assert (res.code, res.err.splitlines()[-1] + "\n") == (2, message)
    assert not sprint.reports_dir.exists() or not any(sprint.reports_dir.iterdir())


def test_without_sprints_file_names_the_fix(project: Project, run_cli) -> None:
    res = run_cli("sprint", "report", "1")
    assert res.code == 2
    assert res.err.endswith(
        "error: no sprint 1 in backlog/sprints.yaml (sprints: none); "
        "plan it first with 'agileds sprint plan 1 --capacity POINTS'\n"
    )


def test_sprint_commands_do_not_import_mlflow(sprint: Project) -> None:
    code = (
        "import sys; from agileds.cli import main\n"
        "for args in (['sprint', 'plan', '1', '--dry-run'], ['sprint', 'report', '1']):\n"
        "    try: main(args)\n"
        "    except SystemExit as exc: assert not exc.code, exc.code\n"
        "print('HEAVY', [m for m in ('mlflow', 'optuna', 'sklearn') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=sprint.root
    ).stdout
    assert "HEAVY []" in out


def test_report_dates_follow_the_sprint(sprint: Project, run_cli) -> None:
    data = json.loads(run_cli("sprint", "report", "1", "--json", "--no-mlflow").out)
    days = [d["day"] for d in data["burndown"]]
    assert days[0] == "2026-01-05" and days[-1] == "2026-01-16" and len(days) == 12
    assert dt.date.fromisoformat(data["start"]) == dt.date(2026, 1, 5)
