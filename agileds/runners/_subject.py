"""What an investigation looks at, checked before anything is written: the model version,
its reference (training) data and rebuilt holdout, and the flagged batch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import AgileDSError, ConfigError, DataError, UsageError
from agileds.project import Project
from agileds.tickets import Ticket

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from agileds.sweeps import ExperimentSpec
    from agileds.tracking import ModelVersion

__all__ = ["Subject", "investigated_version", "load_subject", "open_investigated"]


@dataclass(frozen=True)
class Subject:
    """The investigated model version and the data it is judged on.

    Attributes:
        model_name: The registered model.
        version: The investigated version.
        production_version: The version the ``production`` alias points at, if any.
        model: The loaded scikit-learn pipeline.
        task: ``binary``, ``multiclass`` or ``regression``.
        target: The label column.
        metric: The primary metric.
        direction: ``maximize`` or ``minimize``.
        classes: The model's classes (None for regression).
        inputs: The model's input columns, in training order.
        reference: The version's training data (inputs and target).
        holdout: Its holdout, rebuilt from its spec; None when the data changed since.
        batch: The flagged data, its input columns checked.
        batch_shown: The batch as named in messages and reports.
        labelled: Whether the batch has labels.
        evaluation: The version's metrics at evaluation (``auroc``, ``auroc.ci_low``, ...).
        notes: Caveats found on the way, for the report.
    """

    model_name: str
    version: str
    production_version: str | None
    model: Any
    task: str
    target: str
    metric: str
    direction: str
    classes: tuple[Any, ...] | None
    inputs: list[str]
    reference: pd.DataFrame
    holdout: pd.DataFrame | None
    batch: pd.DataFrame
    batch_shown: str
    labelled: bool
    evaluation: dict[str, float]
    notes: list[str] = field(default_factory=list)


def investigated_version(
    client: MlflowClient, ticket: Ticket, model_name: str
) -> tuple[str, str | None]:
    """The version to investigate (the monitor's, else production's) and production's."""
    from agileds.tracking import get_alias_version

    production = get_alias_version(client, model_name, "production")
    named = ticket.monitor.get("version")
    if named is not None:
        return str(named), production
    if production is None:
        raise UsageError(
            f"{model_name} has no production model to investigate; promote a version first "
            f"('agileds promote STORY-n') or name one in backlog/{ticket.id}.yaml: "
            "'monitor: {version: 3}'"
        )
    return production, production


def open_investigated(
    client: MlflowClient, ticket: Ticket, model_name: str
) -> tuple[ModelVersion, str | None]:
    """The investigated version, loaded once (:func:`agileds.tracking.load_version`), and
    the version production's alias points at.

    Raises:
        UsageError: No production and no version named, no such version, or a version
            registered outside agileds (no target tag or reference data).
    """
    from agileds.tracking import load_version

    version, production = investigated_version(client, ticket, model_name)
    loaded = load_version(
        client,
        model_name,
        version=version,
        fix=f"check monitor.version in backlog/{ticket.id}.yaml",
    )
    return loaded, production


def load_subject(
    project: Project,
    ticket: Ticket,
    version: ModelVersion,
    production: str | None,
    spec: tuple[ExperimentSpec, Path, str],
    data: str | Path | None,
) -> Subject:
    """Load and check everything the investigation needs; raise before anything is written.

    Raises:
        UsageError: No data to investigate.
        DataError: The batch is missing, unreadable, empty, lacks model input columns, holds
            the wrong types, or labels the model does not know
            (:meth:`agileds.tracking.ModelVersion.validate_batch`, ``check_labels``).
    """
    from agileds.evaluation import direction

    notes: list[str] = []
    batch, shown = _batch(project, ticket, spec, data, version.tags, notes)
    batch = version.validate_batch(batch, shown)
    labels = version.check_labels(batch, shown, required=False)
    metric = spec[0].metric or version.metric
    return Subject(
        model_name=version.model,
        version=version.version,
        production_version=production,
        model=version.pipeline,
        task=version.task,
        target=version.target,
        metric=metric,
        direction=spec[0].direction or direction(metric),
        classes=version.classes,
        inputs=list(version.inputs),
        reference=version.reference,
        holdout=_rebuild_holdout(
            project, version.tags, version.reference, version.target, version.task, notes
        ),
        batch=batch,
        batch_shown=shown,
        labelled=labels is not None,
        evaluation=_evaluation(version.metrics, version.task),
        notes=notes,
    )


def _evaluation(metrics: Mapping[str, float], task: str) -> dict[str, float]:
    """The task's metrics and their intervals as logged on the version's run."""
    from agileds.evaluation import METRICS

    names = set(METRICS.get(task, {}))
    return {
        k: float(v)
        for k, v in metrics.items()
        if k.removesuffix(".ci_low").removesuffix(".ci_high") in names
    }


# -- the batch ---------------------------------------------------------------------------


def _batch(
    project: Project,
    ticket: Ticket,
    spec: tuple[ExperimentSpec, Path, str],
    data: str | Path | None,
    tags: Mapping[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, str]:
    """The data to investigate: ``--data``, else the monitor's batch, else the rows of the
    spec's data newer than the version's training window."""
    if data is not None:
        path = Path(data).expanduser().absolute()
        return _load_batch(path, project.relative(path), "check --data"), project.relative(path)
    batch = ticket.monitor.get("batch")
    if batch:
        path = Path(str(batch)).expanduser()
        path = path if path.is_absolute() else project.root / path
        fix = f"check monitor.batch in backlog/{ticket.id}.yaml or pass --data FILE"
        return _load_batch(path, project.relative(path), fix), project.relative(path)
    return _newer_rows(ticket, spec, tags, notes)


def _load_batch(path: Path, shown: str, fix: str) -> pd.DataFrame:
    from agileds.data import load_table

    return load_table(path, shown=shown, fix=fix)


def _newer_rows(
    ticket: Ticket,
    spec: tuple[ExperimentSpec, Path, str],
    tags: Mapping[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, str]:
    from agileds.runners._diagnostics import parse_times

    experiment, path, shown = spec
    fix = "pass --data FILE with the batch to investigate"
    data_shown = str(Path(shown).parent / experiment.data.path)
    column, window = experiment.data.time_column, tags.get("agileds.data.window", "")
    if not column or ".." not in window:
        why = (
            f"{shown} has no data.time_column"
            if not column
            else "the version records no training window (agileds.data.window)"
        )
        raise UsageError(
            f"{ticket.id}: no data to investigate: no monitor batch, and {why} to find "
            f"rows newer than the model's training data; {fix}"
        )
    frame = _load_batch(experiment.data_path(path), data_shown, f"check data.path in {shown}")
    if column not in frame.columns:
        raise DataError(f"{data_shown}: no time column '{column}'; check {shown} or {fix}")
    end = window.partition("..")[2]
    newer = (parse_times(frame[column]) > end).to_numpy(dtype=bool)
    if not newer.any():
        raise UsageError(
            f"{ticket.id}: {data_shown} holds no rows after the model's training window "
            f"({window}); {fix}"
        )
    notes.append(f"investigating the {int(newer.sum())} rows of {data_shown} after {end}")
    return frame.loc[newer].reset_index(drop=True), f"{data_shown} (after {end})"


# -- the reference holdout ---------------------------------------------------------------


def _rebuild_holdout(
    project: Project,
    tags: Mapping[str, str],
    reference: pd.DataFrame,
    target: str,
    task: str,
    notes: list[str],
) -> pd.DataFrame | None:
    """The version's holdout, split again from its spec's data; None (with a note) when the
    split no longer gives the version's training rows."""
    try:
        train, holdout = _split_again(project, tags.get("agileds.spec", ""), target, task)
    except (AgileDSError, KeyError, ValueError):
        train = holdout = None
    if (
        train is None
        or holdout is None
        or list(train.columns) != list(reference.columns)
        or len(train) != len(reference)
    ):
        notes.append(
            "the version's holdout could not be rebuilt from its spec (the data changed "
            "since): segments and time buckets have no reference values"
        )
        return None
    return holdout.reset_index(drop=True)


def _split_again(project: Project, shown: str, target: str, task: str) -> tuple[Any, Any]:
    """The training part and holdout the spec ``shown`` makes of its data today."""
    from agileds.data import holdout_split, load_table
    from agileds.sweeps import load_spec

    path = project.root / shown
    if not shown or not path.is_file():
        raise ConfigError(f"spec {shown or '(none)'} not found")
    spec = load_spec(path, shown)
    frame = load_table(spec.data_path(path))
    frame = frame.drop(columns=[c for c in spec.data.drop if c in frame.columns])
    return holdout_split(
        frame,
        target,
        task=task,
        fraction=spec.split.holdout,
        seed=spec.split.seed,
        time_column=spec.data.time_column if spec.split.time_cut else None,
        time_cut=spec.split.time_cut,
    )
