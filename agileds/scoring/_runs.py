"""The scoring job in MLflow: one run per job in the model's experiment.

Tags: ``agileds.kind = scoring``, ``agileds.model``, ``agileds.model_version`` (the names
the monitoring runs use, :mod:`agileds.monitor._runs`), ``agileds.training_run``, and
``agileds.scoring.data`` / ``agileds.scoring.output`` / ``agileds.scoring.partition``.
Metrics: ``scores_written`` (the monitor's name for rows scored), ``rows_rejected``,
``duration_s``, ``rows_per_second``, ``rows_per_hour``, ``score.mean`` and ``score.p05`` ..
``score.p95``, and with a comparison ``compare.*``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agileds.tracking import (
    KIND_TAG,
    MODEL_TAG,
    SCORING_KIND,
    TASK_TAG,
    TRAINING_RUN_TAG,
    VERSION_TAG,
    mlflow_key,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

    from agileds.tracking import ModelVersion

__all__ = ["KIND", "find_scoring_runs", "finish_run", "start_run"]

KIND = SCORING_KIND


def start_run(client: MlflowClient, production: ModelVersion, tags: Mapping[str, str]) -> str:
    """Create the job's run (status RUNNING) and return its ID."""
    run = client.create_run(
        production.experiment_id,
        tags={
            KIND_TAG: KIND,
            MODEL_TAG: production.model,
            VERSION_TAG: production.version,
            TASK_TAG: production.task,
            TRAINING_RUN_TAG: production.run_id,
            "mlflow.note.content": f"Batch scoring with {production.name} (agileds score).",
            **tags,
        },
        run_name=f"score {production.name}",
    )
    return str(run.info.run_id)


def finish_run(
    client: MlflowClient, run_id: str, metrics: Mapping[str, float | None], at_ms: int
) -> None:
    """Log the job's metrics (None and NaN left out) and mark the run FINISHED."""
    from mlflow.entities import Metric

    entities = [
        Metric(mlflow_key(key), float(value), at_ms, 0)
        for key, value in metrics.items()
        if value is not None and not math.isnan(value)
    ]
    client.log_batch(run_id, metrics=entities)
    client.set_terminated(run_id, "FINISHED")


def find_scoring_runs(
    client: MlflowClient, experiment_id: str, model: str, version: str | None = None
) -> list[Run]:
    """The finished scoring jobs of ``model`` (of one version when given), oldest first."""
    quoted = model.replace("'", "\\'")
    query = f"tags.`{KIND_TAG}` = '{KIND}' and tags.`{MODEL_TAG}` = '{quoted}'"
    query += " and attributes.status = 'FINISHED'"
    if version is not None:
        query += f" and tags.`{VERSION_TAG}` = '{version}'"
    runs = client.search_runs([experiment_id], filter_string=query, max_results=1000)
    return sorted(runs, key=lambda run: run.info.start_time or 0)
