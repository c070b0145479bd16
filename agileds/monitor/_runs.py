"""The monitoring run of a model version in MLflow: one step per batch, read back for charts.

A version's batches go to one run in the model's experiment, tagged ``agileds.kind =
monitor``, ``agileds.model`` and ``agileds.model_version``. Batch ``n`` is step ``n`` of
every metric, timestamped with the batch's time, so the MLflow UI charts each metric over
the batches; its drift table is the artifact ``monitor/batch-<n>/drift.json``, its
summary ``monitor/batch-<n>/summary.json``, and the tag ``agileds.monitor.batch.<n>`` names
its file. The run carries no ``agileds.ticket`` tag: it is not a ticket execution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agileds.tracking import (
    KIND_TAG,
    METRIC_TAG,
    MODEL_TAG,
    TASK_TAG,
    TRAINING_RUN_TAG,
    VERSION_TAG,
    mlflow_key,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

    from agileds.tracking import ModelVersion

__all__ = [
    "KIND",
    "batch_tag",
    "find_monitor_runs",
    "log_step",
    "metric_key",
    "monitor_run",
    "next_step",
    "set_batch_tags",
]

KIND = "monitor"
ROWS_KEY = "scores_written"
_BATCH_TAG = "agileds.monitor.batch.{n}"
_MAX_ENTITIES = 1000
DRIFT_COLUMNS = ["column", "kind", "psi", "band", "test", "statistic", "p_value", "moved_share"]


def metric_key(name: str) -> str:
    """``name`` with the characters MLflow refuses in a metric name replaced by ``_``."""

    return mlflow_key(name)


def batch_tag(index: int, what: str = "") -> str:
    """The tag of batch ``index``: its file, or ``what`` (``signals``, ``tickets``) of it."""
    return _BATCH_TAG.format(n=index) + (f".{what}" if what else "")


def monitor_run(client: MlflowClient, production: ModelVersion) -> str:
    """Return the ID of the version's monitoring run, creating it on the first batch."""
    found = find_monitor_runs(
        client, production.experiment_id, production.model, production.version
    )
    if found:
        return str(found[0].info.run_id)
    tags = {
        KIND_TAG: KIND,
        MODEL_TAG: production.model,
        VERSION_TAG: production.version,
        METRIC_TAG: production.metric,
        TASK_TAG: production.task,
        TRAINING_RUN_TAG: production.run_id,
        "mlflow.note.content": (
            f"Monitoring of {production.name}: one step per batch scored "
            "(agileds monitor); the charts are the monitoring dashboard."
        ),
    }
    run = client.create_run(
        production.experiment_id, tags=tags, run_name=f"monitor {production.name}"
    )
    run_id = str(run.info.run_id)
    params = {"metric": production.metric, "direction": production.direction}
    if production.evaluation is not None:
        params[f"evaluation.{production.metric}"] = f"{production.evaluation:.6g}"
    for key, value in params.items():
        client.log_param(run_id, key, value)
    return run_id


def find_monitor_runs(
    client: MlflowClient, experiment_id: str, model: str, version: str | None = None
) -> list[Run]:
    """The monitoring runs of ``model`` (of one version when given), oldest first."""
    query = f"tags.`{KIND_TAG}` = '{KIND}' and tags.`{MODEL_TAG}` = '{_quote(model)}'"
    if version is not None:
        query += f" and tags.`{VERSION_TAG}` = '{_quote(version)}'"
    runs = client.search_runs([experiment_id], filter_string=query, max_results=1000)
    return sorted(runs, key=lambda run: run.info.start_time or 0)


def next_step(client: MlflowClient, run_id: str) -> tuple[int, int | None]:
    """The next batch number of the run (1 for the first) and the previous batch's rows."""
    history = client.get_metric_history(run_id, ROWS_KEY)
    if not history:
        return 1, None
    last = max(history, key=lambda m: m.step)
    return int(last.step) + 1, int(last.value)


def log_step(
    client: MlflowClient,
    run_id: str,
    index: int,
    timestamp_ms: int,
    metrics: Mapping[str, float],
    artifacts: Mapping[str, Any],
    batch: str,
) -> None:
    """Log batch ``index``: its metrics as step ``index``, its artifacts, its file tag.

    Args:
        client: Client on the project's store.
        run_id: The monitoring run.
        index: The batch number (the step).
        timestamp_ms: The batch's time, in milliseconds since the epoch.
        metrics: Metric name to value; NaN values are left out.
        artifacts: ``drift`` (a list of row mappings, logged as an MLflow table) and
            ``summary`` (a mapping, logged as JSON).
        batch: The batch file as shown to the user.
    """
    import pandas as pd
    from mlflow.entities import Metric

    entities = [
        Metric(metric_key(key), float(value), timestamp_ms, index)
        for key, value in metrics.items()
        if value is not None and not math.isnan(value)
    ]
    for start in range(0, len(entities), _MAX_ENTITIES):
        client.log_batch(run_id, metrics=entities[start : start + _MAX_ENTITIES])
    folder = f"monitor/batch-{index}"
    table = pd.DataFrame(artifacts["drift"], columns=DRIFT_COLUMNS, dtype=object)
    client.log_table(run_id, data=table, artifact_file=f"{folder}/drift.json")
    client.log_dict(run_id, dict(artifacts["summary"]), f"{folder}/summary.json")
    client.set_tag(run_id, batch_tag(index), batch)
    client.set_terminated(run_id, "FINISHED")


def set_batch_tags(client: MlflowClient, run_id: str, index: int, tags: Mapping[str, str]) -> None:
    """Record what a check of batch ``index`` concluded (``signals``, ``tickets``)."""
    for what, value in tags.items():
        client.set_tag(run_id, batch_tag(index, what), value)


def _quote(value: str) -> str:
    return value.replace("'", "\\'")
