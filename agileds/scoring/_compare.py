"""Two versions on the same rows: decision flips and score shift (``--compare``), and what a
promotion would do to production's last scoring job (the go-live report's "old predictions").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from agileds.errors import AgileDSError, DataError
from agileds.scoring._result import Comparison
from agileds.scoring._sample import ScoreSample

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from agileds.project import Project
    from agileds.tracking import ModelVersion

__all__ = ["OLD_ROWS", "Comparer", "OldPredictions", "old_predictions", "score_and_label"]

OLD_ROWS = 100_000
"""Rows of the last scoring job's batch rescored for the go-live report (its first ones)."""


class Comparer:
    """Scores of ``mine`` against ``other`` on the same rows, added chunk by chunk.

    Args:
        mine: The version whose scores are given to :meth:`add`.
        other: The version that rescores the rows.
        threshold: ``mine``'s decision threshold (binary); None otherwise.
        shown: The batch as messages name it.
    """

    def __init__(
        self, mine: ModelVersion, other: ModelVersion, threshold: float | None, shown: str
    ) -> None:
        self.mine, self.other, self.threshold, self.shown = mine, other, threshold, shown
        self.shifts, self.abs_shifts = ScoreSample(), ScoreSample()
        self.rows = self.flips = 0

    def add(self, rows: pd.DataFrame, scores: np.ndarray) -> None:
        """Rescore ``rows`` with ``other``; rows it cannot score are left out."""
        from agileds.monitor import batch_scores

        other = self.other
        try:
            inputs = other.inputs_of(other.validate_batch(rows, self.shown))
            theirs = np.asarray(batch_scores(other.pipeline, inputs, other.task))
        except (ValueError, TypeError, KeyError, DataError):
            return
        mine, _ = score_and_label(self.mine, scores, self.threshold)
        them, _ = score_and_label(other, theirs, self.threshold)
        self.rows += len(rows)
        if self.mine.task == "binary":
            assert self.threshold is not None
            self.flips += int(((mine >= self.threshold) != (them >= self.threshold)).sum())
        elif self.mine.task == "multiclass":
            self.flips += int((scores.argmax(1) != theirs.argmax(1)).sum())
        self.shifts.add(mine - them)
        self.abs_shifts.add(np.abs(mine - them))

    def result(self) -> Comparison:
        """The comparison so far."""
        return Comparison(
            version=self.other.version,
            rows=self.rows,
            threshold=self.threshold,
            flips=None if self.mine.task == "regression" else self.flips,
            mean_shift=self.shifts.mean,
            p95_abs_shift=self.abs_shifts.quantile(0.95),
        )


def score_and_label(
    production: ModelVersion, scores: np.ndarray, threshold: float | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The score column (multiclass: the top probability) and the label column."""
    if production.task == "regression":
        return np.asarray(scores, dtype="float64"), None
    classes = np.asarray(production.classes)
    if production.task == "binary":
        assert threshold is not None
        return scores.astype("float64"), classes[(scores >= threshold).astype(int)]
    if not len(scores):
        return np.empty(0), classes[np.empty(0, dtype=int)]
    return scores.max(1).astype("float64"), classes[scores.argmax(1)]


@dataclass(frozen=True)
class OldPredictions:
    """ModelVersion's last scoring job, rescored by the candidate (go-live report).

    Attributes:
        production: The version in production, which wrote the old predictions.
        candidate: The version judged.
        job: The last finished scoring job of ``production`` (``agileds.scoring.job``).
        run_id: Its MLflow run.
        data: Its batch file.
        partition: Where its scores are (``agileds.scoring.partition``).
        scored: Rows it scored.
        limit: Rows of the batch rescored at most (its first ones).
        comparison: The candidate against production on those rows (flips at the
            candidate's threshold; shift = candidate - production); None with ``note``.
        note: Why nothing was compared (the batch file is gone or unreadable).
    """

    production: str
    candidate: str
    job: str
    run_id: str
    data: str
    partition: str | None
    scored: int
    limit: int
    comparison: Comparison | None
    note: str | None = None

    @property
    def partial(self) -> bool:
        """Whether only the first ``limit`` rows of the job were rescored."""
        return self.scored > self.limit


def old_predictions(
    project: Project,
    client: MlflowClient,
    model: str,
    production: str,
    candidate: str,
    *,
    limit: int = OLD_ROWS,
) -> OldPredictions | None:
    """Rescore the batch of production's last scoring job with ``candidate``.

    Returns:
        None when ``production`` never ran a scoring job (``agileds score``).
    """
    from agileds.scoring._runs import find_scoring_runs
    from agileds.tracking import load_version

    experiment = client.get_run(str(client.get_model_version(model, production).run_id))
    jobs = find_scoring_runs(client, experiment.info.experiment_id, model, production)
    if not jobs:
        return None
    tags, metrics = jobs[-1].data.tags, jobs[-1].data.metrics
    data = tags.get("agileds.scoring.data", "")
    found = OldPredictions(
        production=production,
        candidate=candidate,
        job=tags.get("agileds.scoring.job", "?"),
        run_id=str(jobs[-1].info.run_id),
        data=data,
        partition=tags.get("agileds.scoring.partition"),
        scored=int(metrics.get("scores_written", 0)),
        limit=limit,
        comparison=None,
    )
    path = project.root / data
    if not data or not path.is_file():
        return replace(found, note=f"its batch {data or '?'} is no longer there to rescore")
    try:
        mine = load_version(client, model, version=candidate)
        other = load_version(client, model, version=production)
        return replace(found, comparison=_rescore(client, mine, other, path, data, limit))
    except AgileDSError as error:
        return replace(found, note=f"its batch could not be rescored: {error}")


def _rescore(
    client: MlflowClient,
    mine: ModelVersion,
    other: ModelVersion,
    path: Path,
    shown: str,
    limit: int,
) -> Comparison:
    from agileds.scoring._chunk import score_chunk
    from agileds.scoring._model import threshold_of
    from agileds.scoring._read import read_chunks

    threshold = threshold_of(client, mine) if mine.task == "binary" else None
    comparer = Comparer(mine, other, threshold, shown)
    first = next(read_chunks(path, shown, limit), None)
    if first is not None:
        scored = score_chunk(first[0], mine, shown)
        if len(scored.kept):
            comparer.add(first[0].iloc[scored.kept], scored.scores)
    return comparer.result()
