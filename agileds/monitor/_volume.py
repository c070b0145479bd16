"""Scores written by a model's scoring jobs (``agileds score``), read back from MLflow.

Each job is a finished run tagged ``agileds.kind = scoring`` with its ``scores_written``
(:mod:`agileds.scoring._runs`). The score-volume signal compares the latest job with the
one before it; the dashboard lists the jobs and the scores written per hour (UTC, by the
hour each job finished).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agileds.monitor._runs import ROWS_KEY
from agileds.tracking import KIND_TAG, MODEL_TAG, SCORING_KIND, VERSION_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

__all__ = ["ScoringJob", "ScoringVolume", "read_scoring_volume"]


@dataclass(frozen=True)
class ScoringJob:
    """One finished scoring job.

    Attributes:
        version: The model version that scored.
        job: The job's name (its ``job=`` partition).
        run_id: Its MLflow run.
        at: When it finished (UTC).
        rows: Scores written.
        rejected: Rows rejected.
        duration_s: How long it took (None when not logged).
        data: The batch file.
    """

    version: str
    job: str
    run_id: str
    at: dt.datetime
    rows: int
    rejected: int
    duration_s: float | None
    data: str


@dataclass(frozen=True)
class ScoringVolume:
    """The scoring jobs of a model, oldest first."""

    jobs: tuple[ScoringJob, ...]

    @property
    def latest(self) -> ScoringJob | None:
        """The most recent job."""
        return self.jobs[-1] if self.jobs else None

    @property
    def previous(self) -> ScoringJob | None:
        """The job before the most recent one."""
        return self.jobs[-2] if len(self.jobs) > 1 else None

    @property
    def change(self) -> float | None:
        """Relative change in scores written, latest job against the one before."""
        last, before = self.latest, self.previous
        if last is None or before is None or not before.rows:
            return None
        return (last.rows - before.rows) / before.rows

    @property
    def hourly(self) -> tuple[tuple[dt.datetime, int], ...]:
        """Scores written per hour (UTC), hours without a job left out, oldest first."""
        totals: dict[dt.datetime, int] = {}
        for job in self.jobs:
            hour = job.at.replace(minute=0, second=0, microsecond=0)
            totals[hour] = totals.get(hour, 0) + job.rows
        return tuple(sorted(totals.items()))


def read_scoring_volume(
    client: MlflowClient, experiment_ids: Iterable[str], model: str
) -> ScoringVolume:
    """The finished scoring jobs of ``model`` in those experiments, oldest first."""
    quoted = model.replace("'", "\\'")
    query = (
        f"tags.`{KIND_TAG}` = '{SCORING_KIND}' and tags.`{MODEL_TAG}` = '{quoted}'"
        " and attributes.status = 'FINISHED'"
    )
    ids = list(experiment_ids)
    runs = client.search_runs(ids, filter_string=query, max_results=1000) if ids else []
    jobs = sorted((_job(run) for run in runs), key=lambda j: (j.at, j.run_id))
    return ScoringVolume(tuple(jobs))


def _job(run: Run) -> ScoringJob:
    info, tags, metrics = run.info, run.data.tags, run.data.metrics
    ended = info.end_time or info.start_time or 0
    return ScoringJob(
        version=tags.get(VERSION_TAG, "?"),
        job=tags.get("agileds.scoring.job", "?"),
        run_id=str(info.run_id),
        at=dt.datetime.fromtimestamp(ended / 1000, dt.UTC),
        rows=int(metrics.get(ROWS_KEY, 0)),
        rejected=int(metrics.get("rows_rejected", 0)),
        duration_s=metrics.get("duration_s"),
        data=tags.get("agileds.scoring.data", "?"),
    )
