"""The sprint report: its data on a demo sprint with git history and real MLflow runs,
and one rendering test of the Markdown, its PNGs and the run it is logged to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agileds.project import Project
from agileds.reports import (
    SprintReport,
    SprintSources,
    build_sprint_report,
    gather_sprint,
    sprint_report,
    write_sprint_report,
)
from tests.conftest import make_demo_project
from tests.runners.conftest import FAST_SPEC

TODAY = dt.date.today()
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)
START, END = TODAY - dt.timedelta(days=6), TODAY + dt.timedelta(days=7)
SPRINTS = f"""\
sprints:
  - number: 1
    start: {TODAY - dt.timedelta(days=20)}
    end: {TODAY - dt.timedelta(days=7)}
    capacity: 5
  - number: 2
    start: {START}
    end: {END}
    capacity: 12
    goal: First lead-scoring model in the registry
"""


@dataclass
class Demo:
    project: Project
    client: Any
    story_run: str
    spike_runs: tuple[str, str]
    sources: SprintSources
    report: SprintReport


class _History:
    """Commits on chosen days, the backlog edited through the ticket store."""

    def __init__(self, project: Project) -> None:
        import git

        self.project, self.repo = project, git.Repo.init(project.root)
        with self.repo.config_writer() as cfg:
            cfg.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")

    def commit(self, days_ago: int, message: str, hour: int = 9, **tickets: dict) -> None:
        backlog = self.project.backlog()
        for ticket_id, values in tickets.items():
            backlog.update(ticket_id.replace("_", "-"), **values)
        self.repo.index.add(["backlog", "experiments/fast.yaml", "agileds.yaml"])
        stamp = f"{TODAY - dt.timedelta(days=days_ago)}T{hour:02d}:00:00"
        self.repo.index.commit(message, author_date=stamp, commit_date=stamp)


def _make_project(root: Path, template_db: Path) -> Project:
    project = make_demo_project(root, template_db, spec=("fast.yaml", FAST_SPEC))
    (root / "backlog" / "sprints.yaml").write_text(SPRINTS)
    return project


def _write_history(project: Project) -> None:
    """Sprint 1 closes BUG-1; sprint 2 holds STORY-1, SPIKE-1, STORY-2 and, from day 5, INV-1."""
    h = _History(project)
    h.commit(20, "Initial backlog")
    h.commit(13, "BUG-1: treat blank descriptions as nulls", BUG_1={"status": "done", "sprint": 1})
    plan = {"sprint": 2}
    h.commit(
        7, "Plan sprint 2: STORY-1, SPIKE-1, STORY-2", STORY_1=plan, SPIKE_1=plan, STORY_2=plan
    )
    h.commit(5, "STORY-1: start the lead model", STORY_1={"status": "in_progress"})
    (project.experiments_dir / "fast.yaml").write_text(FAST_SPEC + "seed: 11\n")
    h.commit(4, "Tune the fast spec for STORY-1")
    h.commit(3, "SPIKE-1: segments do not help", SPIKE_1={"status": "done"})
    h.commit(2, "Pull INV-1 into the sprint", INV_1={"sprint": 2})
    h.commit(1, "Close STORY-1", hour=9, STORY_1={"status": "done"})
    h.commit(1, "Fix a typo in the spec", hour=10)
    h.commit(1, "BUG-1 follow-up: a note", hour=11)
    project.backlog().update("INV-1", sprint=3)  # moved on, not committed yet


def _fake_runs(client: Any, experiment: str) -> tuple[str, str]:
    """SPIKE-1: two finished parent runs (the older one better), plus runs that must not count."""

    def run(ticket: str, start: int, status: str = "FINISHED", **tags: str) -> str:
        created = client.create_run(
            experiment,
            start_time=start,
            tags={"agileds.ticket": ticket, "agileds.metric": "auroc", **tags},
        )
        run_id = str(created.info.run_id)
        client.set_terminated(run_id, status=status)
        return run_id

    now = int(dt.datetime.now().timestamp() * 1000)
    verdicts = {"agileds.verdict": "fail", "agileds.ac.1": "fail", "agileds.ac.2": "pending"}
    best = run("SPIKE-1", now - 60_000, **verdicts)
    latest = run("SPIKE-1", now - 30_000, **verdicts)
    for run_id, auroc in ((best, 0.85), (latest, 0.80)):
        client.log_metric(run_id, "auroc", auroc)
        client.log_metric(run_id, "production.auroc", 0.86)
    failed = run("SPIKE-1", now - 10_000, status="FAILED")
    client.log_metric(failed, "auroc", 0.99)
    child = run("SPIKE-1", now - 20_000, **{"mlflow.parentRunId": best})
    client.log_metric(child, "auroc", 0.99)
    after_end = int(dt.datetime.combine(END + dt.timedelta(days=1), dt.time()).timestamp())
    run("STORY-2", after_end * 1000 + 1)  # started after the sprint: not its evidence
    return best, latest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, mlflow_template_db: Path) -> Demo:
    """Sprint 2 of the demo project after its work: one real run of STORY-1 (4 trials)."""
    from agileds.runners import run_ticket
    from agileds.tracking import get_client, resolve_stores

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.delenv("AGILEDS_PROJECT", raising=False)
        project = _make_project(tmp_path_factory.mktemp("sprint"), mlflow_template_db)
        _write_history(project)
        result = run_ticket("STORY-1", project, trials=4)
        client = get_client(resolve_stores(project.root).tracking_uri)
        assert result.experiment_id is not None and result.parent_run_id is not None
        spike_runs = _fake_runs(client, result.experiment_id)
        sources = gather_sprint(project, 2)
        report = build_sprint_report(sources, now=NOW, today=TODAY)
    return Demo(project, client, result.parent_run_id, spike_runs, sources, report)


def test_points_tickets_and_carried_over(demo: Demo) -> None:
    r = demo.report
    assert (r.number, r.goal, r.start, r.end, r.capacity) == (
        2,
        "First lead-scoring model in the registry",
        START,
        END,
        12.0,
    )
    tickets = {t.id: t for t in r.tickets}
    # INV-1 moved on to sprint 3 after joining sprint 2 on day 5: still sprint 2's ticket.
    assert sorted(tickets) == ["INV-1", "SPIKE-1", "STORY-1", "STORY-2"]
    assert (r.committed_points, r.done_points) == (5 + 2 + 2 + 3, 5 + 2)
    assert [t.id for t in r.carried_over] == [t for t in tickets if t in ("INV-1", "STORY-2")]
    assert (tickets["INV-1"].sprint, tickets["INV-1"].status) == (3, "todo")
    assert r.carried_over_points == 5


def test_commits_naming_tickets_of_the_sprint(demo: Demo) -> None:
    day = {n: TODAY - dt.timedelta(days=n) for n in range(8)}
    assert [(c.date, c.subject, c.tickets, c.author) for c in demo.report.commits] == [
        (day[5], "STORY-1: start the lead model", ("STORY-1",), "Test"),
        (day[4], "Tune the fast spec for STORY-1", ("STORY-1",), "Test"),
        (day[3], "SPIKE-1: segments do not help", ("SPIKE-1",), "Test"),
        (day[2], "Pull INV-1 into the sprint", ("INV-1",), "Test"),
        (day[1], "Close STORY-1", ("STORY-1",), "Test"),
    ]
    head = demo.report.commits[-1]
    assert head.sha == next(iter_head(demo.project)).hexsha and head.short == head.sha[:7]


def iter_head(project: Project) -> Any:
    import git

    repo = git.Repo(project.root)
    return (c for c in repo.iter_commits() if c.summary == "Close STORY-1")


def test_burn_down_by_hand(demo: Demo) -> None:
    days = demo.report.burndown
    assert [d.day for d in days] == [START + dt.timedelta(days=i) for i in range(14)]
    # 12 points; SPIKE-1 (2) done on day 4, STORY-1 (5) on day 6; today is day 7.
    assert [d.remaining for d in days] == [12, 12, 12, 10, 10, 5, 5] + [None] * 7
    assert days[0].ideal == 12 and days[-1].ideal == 0
    assert days[1].ideal == pytest.approx(12 * 12 / 13)


def test_forecast_uses_the_history_before_the_sprint(demo: Demo) -> None:
    f = demo.report.forecast
    # One week of history: BUG-1's point. Two weeks deliver 2 of the 12 committed points.
    assert f is not None and demo.report.forecast_note == ""
    assert (f.samples, f.weeks, f.committed, f.p50, f.p85, f.probability) == (
        (1.0,),
        2,
        12.0,
        2.0,
        2.0,
        0.0,
    )


def test_story_criteria_match_its_mlflow_run(demo: Demo) -> None:
    story = next(t for t in demo.report.tickets if t.id == "STORY-1")
    run = demo.client.get_run(demo.story_run)
    metrics, tags = run.data.metrics, run.data.tags
    assert story.run is not None and story.run.run_id == demo.story_run
    assert story.run.url == (
        f"http://127.0.0.1:5000/#/experiments/{run.info.experiment_id}/runs/{demo.story_run}"
    )
    assert story.best_run == story.run and story.runs == 1
    assert (story.metric, story.best_value) == ("auroc", metrics["auroc"])
    measured = [c for c in story.criteria if not c.manual]
    assert [c.number for c in measured] == [1, 2, 3]
    for c in measured:
        assert c.values and c.values == {name: metrics[name] for name in c.values}
        assert c.verdict == tags[f"agileds.ac.{c.number}"]
    assert set(measured[1].values) == {"auroc.ci_low", "aupr"}
    manual = story.criteria[3]
    assert (manual.manual, manual.verdict, manual.values) == (True, "pending", {})
    assert story.verdict in ("fail", "pending") and story.verdict != "pass"


def test_latest_finished_run_decides_and_best_run_is_linked(demo: Demo) -> None:
    best, latest = demo.spike_runs
    spike = next(t for t in demo.report.tickets if t.id == "SPIKE-1")
    # The failed run and the trial (child) run, both with auroc 0.99, do not count.
    assert spike.runs == 2
    assert spike.run is not None and spike.run.run_id == latest
    assert spike.best_run is not None and spike.best_run.run_id == best
    assert spike.best_value == 0.85
    first = spike.criteria[0]
    assert (first.verdict, first.values) == ("fail", {"auroc": 0.80, "production.auroc": 0.86})
    assert spike.verdict == "fail"


def test_ticket_without_runs_in_the_sprint(demo: Demo) -> None:
    story2 = next(t for t in demo.report.tickets if t.id == "STORY-2")
    assert (story2.run, story2.best_run, story2.verdict, story2.runs) == (None, None, None, 0)
    assert [c.verdict for c in story2.criteria] == ["unknown", "unknown"]


def test_custom_ui_url_and_report_without_mlflow(demo: Demo) -> None:
    other = build_sprint_report(
        demo.sources, now=NOW, today=TODAY, ui_url="https://mlflow.example.com/"
    )
    story = next(t for t in other.tickets if t.id == "STORY-1")
    assert story.run is not None and story.run.url.startswith("https://mlflow.example.com/#/")
    bare = sprint_report(demo.project, 2, mlflow=False, today=TODAY)
    assert bare.tracking_uri is None and all(t.run is None for t in bare.tickets)
    assert bare.notes == ("MLflow not read (--no-mlflow): no verdicts or runs shown",)
    assert (bare.committed_points, bare.done_points) == (12, 7)


def test_build_is_pure_given_its_sources(demo: Demo) -> None:
    """The same sources, ``now`` and ``today`` give the same report; nothing is read again."""
    again = build_sprint_report(demo.sources, now=NOW, today=TODAY)
    assert again == demo.report and demo.report.created == "2026-01-02T03:04:05+00:00"
    assert demo.sources.runs is not None and len(demo.sources.runs["SPIKE-1"]) == 2
    assert [c.subject for c in demo.sources.commits] == [c.subject for c in again.commits]
    later = build_sprint_report(demo.sources, now=NOW, today=START + dt.timedelta(days=2))
    assert [d.remaining is not None for d in later.burndown] == [True] * 3 + [False] * 11


def test_rendered_markdown_pngs_and_mlflow_run(demo: Demo, tmp_path: Path) -> None:
    path = write_sprint_report(demo.report, tmp_path / "reports")
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "reports" / "sprint-2.md"
    assert text.startswith("# Sprint 2 — First lead-scoring model in the registry\n")
    for heading in (
        "## Goal",
        "## Committed versus done",
        "## Tickets",
        "## Acceptance criteria",
        "### STORY-1 — Add lead data object into model",
        "## Commits",
        "## Carried over",
        "## Forecast",
        "## Burn-down",
        "## Value versus ease",
    ):
        assert f"\n{heading}\n" in text, heading
    assert "| 12 | 7 | 5 | 12 | 58% |" in text
    assert (
        "- INV-1 — Drop in auROC for model lead-scoring (todo, 3 points), now in sprint 3" in text
    )
    story = next(t for t in demo.report.tickets if t.id == "STORY-1")
    assert story.run is not None and f"]({story.run.url})" in text
    assert "Close STORY-1" in text and "Fix a typo" not in text and "BUG-1 follow-up" not in text
    assert "P50 2 points, P85 2 points" in text
    assert f"| {START + dt.timedelta(days=3)} | 9.2 | 10 |" in text
    for name in ("sprint-2-burndown.png", "sprint-2-quadrants.png"):
        assert f"]({name})" in text
        assert (path.parent / name).read_bytes().startswith(b"\x89PNG")
    _check_logged_run(demo.client)


def _check_logged_run(client: Any) -> None:
    experiment = client.get_experiment_by_name("agileds-sprints")
    runs = client.search_runs([experiment.experiment_id], "tags.`agileds.sprint` = '2'")
    assert len(runs) == 1
    run = runs[0]
    assert (run.info.run_name, run.info.status) == ("sprint-2", "FINISHED")
    assert run.data.metrics["committed_points"] == 12 and run.data.metrics["done_points"] == 7
    assert "agileds.ticket" not in run.data.tags  # never mistaken for a ticket's evidence
    files = {f.path for f in client.list_artifacts(run.info.run_id, "report")}
    assert files == {
        "report/sprint-2.md",
        "report/sprint-2-burndown.png",
        "report/sprint-2-quadrants.png",
    }
