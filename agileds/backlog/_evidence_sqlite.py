"""Evidence read straight from MLflow's SQLite file, read-only, without importing MLflow.

``backlog rank`` needs a few tags and metrics of a handful of parent runs; importing MLflow
and opening its store (schema check included) costs seconds, a read-only SQL query
milliseconds. The query selects what ``MlflowClient.search_runs`` would return for the
evidence filter: active runs of active experiments that carry the ``agileds.ticket`` tag
and no ``mlflow.parentRunId``, newest first. Any SQLite error (another schema, a locked or
damaged file) is raised for the caller to fall back on MLflow.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["parent_runs_from_sqlite"]

_PARENTS = """
SELECT r.run_uuid, t.value FROM runs r
JOIN experiments e ON e.experiment_id = r.experiment_id
JOIN tags t ON t.run_uuid = r.run_uuid AND t.key = 'agileds.ticket'
WHERE r.lifecycle_stage = 'active' AND e.lifecycle_stage = 'active'
  AND NOT EXISTS (
    SELECT 1 FROM tags p WHERE p.run_uuid = r.run_uuid AND p.key = 'mlflow.parentRunId'
  )
ORDER BY r.start_time DESC, r.run_uuid
"""
_TAGS = ("agileds.ticket", "agileds.verdict", "agileds.severity", "agileds.metric")
_PARAMS = ("direction",)


@dataclass(frozen=True)
class RunInfo:
    """The ``run.info`` part evidence reads."""

    run_id: str


@dataclass(frozen=True)
class RunData:
    """The ``run.data`` part evidence reads: some tags and params, the latest metrics."""

    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredRun:
    """A parent run as MLflow's ``Run`` shows it to :func:`agileds.backlog.summarise_runs`."""

    info: RunInfo
    data: RunData


def parent_runs_from_sqlite(
    database: Path, ticket_ids: Iterable[str]
) -> dict[str, list[StoredRun]]:
    """The parent runs of each ticket in ``ticket_ids``, newest first.

    Args:
        database: MLflow's SQLite file (``mlruns/mlflow.db``).
        ticket_ids: The tickets wanted; runs of others are skipped.

    Raises:
        sqlite3.Error: The file cannot be read or does not hold MLflow's tables.
    """
    wanted = set(ticket_ids)
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        order = [(run, tid) for run, tid in connection.execute(_PARENTS) if tid in wanted]
        runs = {run: RunData() for run, _ in order}
        _fill(connection, runs)
    finally:
        connection.close()
    by_ticket: dict[str, list[StoredRun]] = {}
    for run, ticket_id in order:
        by_ticket.setdefault(ticket_id, []).append(StoredRun(RunInfo(run), runs[run]))
    return by_ticket


def _fill(connection: sqlite3.Connection, runs: dict[str, RunData]) -> None:
    """Add the tags, params and latest metrics of ``runs`` (500 runs per query)."""
    ids = list(runs)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for table, keys, target in (("tags", _TAGS, "tags"), ("params", _PARAMS, "params")):
            key_marks = ",".join("?" * len(keys))
            query = (
                f"SELECT run_uuid, key, value FROM {table} "
                f"WHERE run_uuid IN ({marks}) AND key IN ({key_marks})"
            )
            for run, key, value in connection.execute(query, (*chunk, *keys)):
                getattr(runs[run], target)[key] = value
        query = (
            f"SELECT run_uuid, key, value, is_nan FROM latest_metrics WHERE run_uuid IN ({marks})"
        )
        for run, key, value, is_nan in connection.execute(query, chunk):
            runs[run].metrics[key] = math.nan if is_nan else float(value)
