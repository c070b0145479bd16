"""RunLogger: parent and trial runs written through MlflowClient, one batch per trial."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError
from agileds.tracking._context import ticket_tags
from agileds.tracking._tags import ERROR_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

__all__ = ["RunLogger"]

# MLflow's limits (mlflow/utils/validation.py) on one log_batch call and on values.
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000
MAX_ERROR_LENGTH = 5000
_TRUNCATED = "\n[... truncated ...]\n"

PARENT_TAG = "mlflow.parentRunId"
TRIAL_NUMBER_TAG = "agileds.trial_number"
TRIAL_STATE_TAG = "agileds.trial_state"

#: Optuna trial state (any case) -> (MLflow run status, ``agileds.trial_state`` tag). A pruned
#: trial was stopped early on purpose: KILLED, so a filter on FINISHED runs sees complete ones.
TRIAL_STATUS = {
    "complete": ("FINISHED", "complete"),
    "pruned": ("KILLED", "pruned"),
    "fail": ("FAILED", "failed"),
    "failed": ("FAILED", "failed"),
}
RUN_STATUSES = ("FINISHED", "FAILED", "KILLED")


class RunLogger:
    """Write an agileds parent run and its trial runs through ``MlflowClient`` only.

    Never uses the fluent ``mlflow.start_run``, whose active run is per thread and whose
    tracking URI is process-global, so any number of threads and worker processes can log
    trials of one sweep side by side. Runs created this way skip MLflow's run-context
    providers, so the logger resolves those tags once and sets them on every run itself.

    Args:
        client: Client on the project's tracking store (:func:`agileds.tracking.get_client`).
        tags: Tags set on every run this logger creates. By default the tags
            ``mlflow.start_run`` would set in this process now: user, source and the active
            ticket's tags (:func:`agileds.tracking.active_ticket`).
    """

    def __init__(self, client: MlflowClient, tags: Mapping[str, str] | None = None) -> None:
        self.client = client
        self.tags = tags
        self.base_tags = _tag_values(tags) if tags is not None else _context_tags()
        self._experiment_of: dict[str, str] = {}

    def start_parent(
        self,
        experiment_id: str,
        run_name: str,
        tags: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> str:
        """Create the parent run of one ticket execution and log its params.

        Args:
            experiment_id: The experiment (:func:`agileds.tracking.ensure_experiment`).
            run_name: Run name shown in the UI, e.g. ``STORY-12``.
            tags: Tags of this run (title, value, effort, git commit, ...).
            params: The resolved sweep configuration; values become strings (see
                :meth:`log_trial`).

        Returns:
            The run ID.
        """
        run = self.client.create_run(
            experiment_id, tags={**self.base_tags, **_tag_values(tags or {})}, run_name=run_name
        )
        run_id: str = run.info.run_id
        self._experiment_of[run_id] = experiment_id
        self._log_batch(run_id, params=_params(params or {}))
        return run_id

    def log_trial(
        self,
        parent_run_id: str,
        number: int,
        params: Mapping[str, Any],
        metrics: Mapping[str, float | None],
        state: str,
        error: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        step_metrics: Mapping[str, Sequence[float]] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Log one finished trial as a run nested under ``parent_run_id``.

        One ``create_run`` (with all tags), one ``log_batch`` (more only past MLflow's batch
        limits) and one ``set_terminated``. Status: complete -> FINISHED, pruned -> KILLED,
        failed -> FAILED with the error in ``agileds.error``; the state is also tagged
        ``agileds.trial_state``.

        Args:
            parent_run_id: The parent run from :meth:`start_parent`.
            number: Optuna's trial number (tag ``agileds.trial_number``, run ``trial-<n>``).
            params: Trial parameters. Values become strings as ``mlflow.log_param`` does,
                mappings and lists as JSON, cut at MLflow's 6000 characters.
            metrics: Metrics of the trial; None values are skipped.
            state: ``complete``, ``pruned`` or ``failed`` (``fail``), case-insensitive.
            error: The error of a failed trial, cut to 5000 characters (head and tail).
            start_ms: Trial start, milliseconds since the epoch; default the end.
            end_ms: Trial end, milliseconds since the epoch; default now.
            step_metrics: Per-step series such as per-fold scores, logged with steps 0, 1, ...
                Their keys must differ from those in ``metrics``.
            tags: Extra tags of this trial run.

        Returns:
            The trial's run ID.

        Raises:
            UsageError: Unknown ``state``, a metric that is not a number, or a key both in
                ``metrics`` and ``step_metrics``.
        """
        status, state_tag = _trial_status(state)
        end_ms = end_ms if end_ms is not None else _now_ms()
        batch = _metrics(metrics, end_ms) + _step_metrics(step_metrics or {}, metrics, end_ms)
        run_tags = {
            **self.base_tags,
            **_tag_values(tags or {}),
            PARENT_TAG: parent_run_id,
            TRIAL_NUMBER_TAG: str(number),
            TRIAL_STATE_TAG: state_tag,
        }
        if error is not None:
            run_tags[ERROR_TAG] = _truncate(error, MAX_ERROR_LENGTH)
        run = self.client.create_run(
            self._experiment_id(parent_run_id),
            start_time=start_ms if start_ms is not None else end_ms,
            tags=run_tags,
            run_name=f"trial-{number}",
        )
        run_id: str = run.info.run_id
        self._log_then_terminate(run_id, batch, _params(params), status, end_ms)
        return run_id

    def finish_parent(
        self,
        run_id: str,
        status: str = "FINISHED",
        metrics: Mapping[str, float | None] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Log the parent run's final metrics and tags, then terminate it.

        Args:
            run_id: The parent run.
            status: ``FINISHED``, ``FAILED`` or ``KILLED`` (Ctrl-C), case-insensitive.
            metrics: Final metrics (holdout scores, best value, trial counts, ...).
            tags: Final tags (``agileds.verdict``, ...).

        Raises:
            UsageError: Unknown ``status`` or a metric that is not a number.
        """
        status = status.upper()
        if status not in RUN_STATUSES:
            raise UsageError(f"run status {status!r}: expected one of {', '.join(RUN_STATUSES)}")
        end_ms = _now_ms()
        self._log_batch(run_id, metrics=_metrics(metrics or {}, end_ms), tags=_tags(tags or {}))
        self.client.set_terminated(run_id, status=status, end_time=end_ms)

    def abandon_parent(
        self, run_id: str, status: str, tags: Mapping[str, str] | None = None
    ) -> bool:
        """Terminate a parent run that failed or was stopped, without raising.

        Called while another error propagates: the run is terminated first (the smallest
        write, the one a nearly full disk still takes), then the tags are logged if the
        store takes them.

        Args:
            run_id: The parent run.
            status: ``FAILED`` or ``KILLED``.
            tags: Tags explaining the end (``agileds.error``, ``agileds.verdict``).

        Returns:
            Whether the run is terminated; False when the store refused that too (the next
            ``agileds run`` of the ticket closes it).
        """
        # Any error: the store may fail in its own ways (SQLAlchemy, SQLite, HTTP), and the
        # error that brought us here says more than this one.
        try:
            self.client.set_terminated(run_id, status=status.upper(), end_time=_now_ms())
        except Exception:
            closed = False
        else:
            closed = True
        with contextlib.suppress(Exception):  # MLflow takes tags on a terminated run
            self._log_batch(run_id, tags=_tags(tags or {}))
        return closed

    def log_dict_artifact(self, run_id: str, data: Any, artifact_file: str) -> None:
        """Log ``data`` as a JSON or YAML artifact (by the extension of ``artifact_file``).

        Args:
            run_id: The run.
            data: A JSON-serialisable dict or list.
            artifact_file: Path of the artifact within the run, e.g. ``sweep.yaml``.
        """
        self.client.log_dict(run_id, data, artifact_file)

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        """Log a local file or directory as an artifact of ``run_id``.

        Args:
            run_id: The run.
            local_path: The file or directory to upload.
            artifact_path: Directory within the run's artifacts, or None for the top.
        """
        if Path(local_path).is_dir():
            self.client.log_artifacts(run_id, local_path, artifact_path)
        else:
            self.client.log_artifact(run_id, local_path, artifact_path)

    def _experiment_id(self, run_id: str) -> str:
        """Return the experiment of ``run_id``, asking the store once per run."""
        if run_id not in self._experiment_of:
            self._experiment_of[run_id] = self.client.get_run(run_id).info.experiment_id
        return self._experiment_of[run_id]

    def _log_then_terminate(
        self, run_id: str, metrics: list[Metric], params: list[Param], status: str, end_ms: int
    ) -> None:
        """Log the batch and terminate the run; a batch MLflow refuses leaves it FAILED."""
        try:
            self._log_batch(run_id, metrics=metrics, params=params)
        except Exception:
            self.client.set_terminated(run_id, status="FAILED", end_time=end_ms)
            raise
        self.client.set_terminated(run_id, status=status, end_time=end_ms)

    def _log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log everything in as few ``log_batch`` calls as MLflow's limits allow."""
        for batch_metrics, batch_params, batch_tags in _batches(metrics, params, tags):
            self.client.log_batch(
                run_id,
                metrics=batch_metrics,
                params=batch_params,
                tags=batch_tags,
                synchronous=True,
            )


def _context_tags() -> dict[str, str]:
    """Return the tags ``mlflow.start_run`` would set now, with the active ticket's."""
    from mlflow.tracking.context.registry import resolve_tags

    return {**resolve_tags(), **ticket_tags()}


def _batches(
    metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
) -> Iterator[tuple[Sequence[Metric], Sequence[Param], Sequence[RunTag]]]:
    """Split entities into ``log_batch`` calls within MLflow's limits.

    Each call takes at most 100 params, 100 tags and 1000 entities in all.
    """
    size = MAX_PARAMS_TAGS_PER_BATCH
    m = p = t = 0
    while m < len(metrics) or p < len(params) or t < len(tags):
        batch_params, batch_tags = params[p : p + size], tags[t : t + size]
        room = MAX_ENTITIES_PER_BATCH - len(batch_params) - len(batch_tags)
        yield metrics[m : m + room], batch_params, batch_tags
        m, p, t = m + room, p + size, t + size


def _trial_status(state: str) -> tuple[str, str]:
    """Map an Optuna trial state to (MLflow run status, ``agileds.trial_state``)."""
    try:
        return TRIAL_STATUS[state.lower()]
    except KeyError:
        raise UsageError(
            f"trial state {state!r}: expected 'complete', 'pruned' or 'failed'"
        ) from None


# What MLflow accepts in a metric, param or tag name (its own check, mlflow.utils.validation).
_BAD_KEY_CHARS = re.compile(r"[^/\w.\- :]")


# MLflow's limit on the length of a metric, param or tag name (MAX_ENTITY_KEY_LENGTH).
MAX_KEY_LENGTH = 250
_HASH_LENGTH = 10


def mlflow_key(name: str) -> str:
    """``name`` with the characters MLflow refuses in a metric, param or tag name replaced
    by ``_``: a column such as ``Culmen Length (mm)`` gives ``null_rate.Culmen Length _mm_``.

    A name longer than MLflow's 250 characters keeps its head and ends with ``-`` and a hash
    of the whole name, so the same long name always gives the same key and two long names
    sharing their first 239 characters stay apart.
    """
    key = _BAD_KEY_CHARS.sub("_", name)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]
    return f"{key[: MAX_KEY_LENGTH - _HASH_LENGTH - 1]}-{digest}"


def mlflow_keys(names: Iterable[str]) -> dict[str, str]:
    """:func:`mlflow_key` of each name, kept apart when two names give the same key.

    ``a|b`` and ``a_b`` both give ``a_b``: the name MLflow took as it is keeps it, a name
    that was changed gets a hash suffix, so no value silently overwrites another.
    """
    names = list(dict.fromkeys(names))
    keys = {name: mlflow_key(name) for name in names}
    taken: dict[str, int] = {}
    for key in keys.values():
        taken[key] = taken.get(key, 0) + 1
    for name, key in keys.items():
        if taken[key] > 1 and key != name:
            digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
            keys[name] = f"{key[: MAX_KEY_LENGTH - _HASH_LENGTH - 1]}-{digest[:_HASH_LENGTH]}"
    return keys


def _metrics(values: Mapping[str, float | None], timestamp: int) -> list[Metric]:
    """Return MLflow metrics for the non-None ``values``, all at step 0."""
    from mlflow.entities import Metric

    keys = mlflow_keys(values)
    return [
        Metric(keys[key], _number(key, value), timestamp, 0)
        for key, value in values.items()
        if value is not None
    ]


def _step_metrics(
    series: Mapping[str, Sequence[float]], metrics: Mapping[str, Any], timestamp: int
) -> list[Metric]:
    """Return MLflow metrics for each series, one per step 0, 1, ..."""
    from mlflow.entities import Metric

    if clash := sorted(set(series) & set(metrics)):
        raise UsageError(
            f"metric {clash[0]!r} is both a metric and a step series; "
            f"name the series apart, e.g. 'fold_{clash[0]}'"
        )
    return [
        Metric(mlflow_key(key), _number(key, value), timestamp, step)
        for key, values in series.items()
        for step, value in enumerate(values)
    ]


def _number(key: str, value: Any) -> float:
    """Return ``value`` as a float, naming the metric when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"metric {key!r}: expected a number, got {value!r}") from None


def _params(values: Mapping[str, Any]) -> list[Param]:
    """Return MLflow params with string values."""
    from mlflow.entities import Param

    keys = mlflow_keys(values)
    return [Param(keys[key], _param_value(value)) for key, value in values.items()]


def _param_value(value: Any) -> str:
    """Return a param value as MLflow stores it: a string of at most 6000 characters."""
    if isinstance(value, Mapping | list | tuple):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return _truncate(text, MAX_PARAM_LENGTH)


def _tags(values: Mapping[str, Any]) -> list[RunTag]:
    """Return MLflow run tags with string values."""
    from mlflow.entities import RunTag

    return [RunTag(key, value) for key, value in _tag_values(values).items()]


def _tag_values(values: Mapping[str, Any]) -> dict[str, str]:
    """Return tags with string values of at most 8000 characters, MLflow's limit."""
    keys = mlflow_keys(values)
    return {keys[key]: _truncate(str(value), MAX_TAG_LENGTH) for key, value in values.items()}


def _truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, keeping its head and its tail."""
    if len(text) <= limit:
        return text
    keep = limit - len(_TRUNCATED)
    return text[: keep // 2] + _TRUNCATED + text[len(text) - (keep - keep // 2) :]


def _now_ms() -> int:
    """Return the current time in milliseconds since the epoch."""
    return int(time.time() * 1000)
