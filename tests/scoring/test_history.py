"""Scoring jobs read back: the monitor's score-volume signal, its dashboard, and the go-live
report's "what happens to old predictions" (real SQLite MLflow store, real pipelines)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from agileds.golive import run_golive
from agileds.monitor import build_dashboard, check_thresholds, monitor_batch
from agileds.monitor._dashboard import write_dashboard
from agileds.monitor._thresholds import load_thresholds
from agileds.monitor._volume import read_scoring_volume
from agileds.project import Project
from agileds.scoring import score
from agileds.scoring._compare import old_predictions
from tests.golive.conftest import client_of
from tests.scoring.conftest import MODEL


def _two_jobs(project: Project, batch: Path, leads: pd.DataFrame) -> None:
    """Two scoring jobs of production: the 600-row batch, then 200 of its rows."""
    score(project, MODEL, batch, "out")
    small = project.root / "small.csv"
    leads.drop(columns=["is_closed", "deal_stage_final"]).head(200).to_csv(small, index=False)
    score(project, MODEL, small, "out")


def _experiments(project: Project) -> list[str]:
    return [e.experiment_id for e in client_of(project).search_experiments()]


def test_two_scoring_jobs_are_read_back_with_their_hourly_volume(
    scoring_project: Project, batch: Path, leads: pd.DataFrame
) -> None:
    _two_jobs(scoring_project, batch, leads)

    volume = read_scoring_volume(client_of(scoring_project), _experiments(scoring_project), MODEL)

    assert [(j.version, j.rows, j.rejected, j.data) for j in volume.jobs] == [
        ("2", 600, 0, "batch.csv"),
        ("2", 200, 0, "small.csv"),
    ]
    assert volume.change == (200 - 600) / 600
    assert sum(rows for _, rows in volume.hourly) == 800
    assert all(hour.minute == 0 and hour.second == 0 for hour, _ in volume.hourly)
    assert read_scoring_volume(client_of(scoring_project), [], MODEL).jobs == ()


def test_the_score_volume_signal_reads_the_scoring_jobs(
    scoring_project: Project, batch: Path, leads: pd.DataFrame
) -> None:
    _two_jobs(scoring_project, batch, leads)

    result = monitor_batch(scoring_project, MODEL, batch, labels=None)
    signal = next(
        s
        for s in check_thresholds(result, load_thresholds(scoring_project))
        if s.name == "score_volume"
    )

    assert result.index == 1 and result.volume_from_jobs  # a first batch, yet a volume
    assert signal.status == "breach"  # -67% against the 50% threshold
    assert signal.evidence == {"rows": 200, "previous_rows": 600, "change": -0.6667}
    assert signal.detail.startswith("200 scores in scoring job ")
    assert signal.detail.endswith("(v2) (-67%)")


def test_without_two_jobs_the_signal_compares_monitored_batches(
    scoring_project: Project, batch: Path
) -> None:
    score(scoring_project, MODEL, batch, "out")

    result = monitor_batch(scoring_project, MODEL, batch, labels=None)

    assert not result.volume_from_jobs and result.volume_change is None
    assert result.scoring is not None and len(result.scoring.jobs) == 1


def test_the_dashboard_lists_the_scoring_jobs_per_hour(
    scoring_project: Project, batch: Path, leads: pd.DataFrame
) -> None:
    monitor_batch(scoring_project, MODEL, batch, labels=None)
    _two_jobs(scoring_project, batch, leads)

    dashboard = build_dashboard(scoring_project, MODEL)
    text = write_dashboard(dashboard, scoring_project.root / "reports").read_text()

    assert [j.rows for j in dashboard.scoring.jobs] == [600, 200]
    assert "## Scoring jobs (`agileds score`)" in text
    assert "2 jobs, 800 scores written." in text
    assert "| `small.csv` | 200 | 0 |" in text
    assert "Latest job against the one before: -67% scores written" in text


def test_old_predictions_rescore_productions_last_job_with_the_candidate(
    scoring_project: Project, batch: Path
) -> None:
    client = client_of(scoring_project)
    assert old_predictions(scoring_project, client, MODEL, "2", "1") is None
    job = score(scoring_project, MODEL, batch, "out")

    old = old_predictions(scoring_project, client, MODEL, "2", "1")

    assert old is not None and old.comparison is not None and old.note is None
    assert (old.job, old.data, old.scored, old.partial) == (job.job, "batch.csv", 600, False)
    assert old.comparison.rows == 600 and old.comparison.version == "2"
    assert old.comparison.flips is not None and old.comparison.flips > 0  # v1: shuffled labels
    # the same numbers as 'agileds score MODEL:1 --compare 2' on the batch
    again = score(scoring_project, f"{MODEL}:1", batch, "out", compare="2").comparison
    assert again is not None
    assert (again.flips, again.rows) == (old.comparison.flips, old.comparison.rows)
    batch.unlink()
    gone = old_predictions(scoring_project, client, MODEL, "2", "1")
    assert gone is not None and gone.comparison is None
    assert gone.note == "its batch batch.csv is no longer there to rescore"


def test_the_golive_report_says_what_happens_to_old_predictions(
    scoring_project: Project, batch: Path
) -> None:
    score(scoring_project, MODEL, batch, "out")

    report = run_golive(scoring_project, "STORY-3", candidate="1")

    old = report.old_predictions
    assert old is not None and old.comparison is not None
    assert (old.production, old.candidate, old.comparison.rows) == ("2", "1", 600)
    text = (scoring_project.root / (report.path or "")).read_text()
    section = text.split("## What happens to old predictions", 1)[1].split("\n## ", 1)[0]
    assert f"last scoring job `{old.job}` scored 600 rows of `batch.csv`" in section
    assert f"**{old.comparison.flips} decisions flip**" in section
    assert "--compare previous" in section
