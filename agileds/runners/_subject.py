"""What an investigation looks at, checked before anything is written: the model version,
its reference (training) data and rebuilt holdout, and the flagged batch."""

from __future__ import annotations

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

__all__ = ["Subject", "investigated_version", "load_subject", "version_details"]

_SHOWN_COLUMNS = 12


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


def load_subject(
    project: Project,
    ticket: Ticket,
    client: MlflowClient,
    model_name: str,
    spec: tuple[ExperimentSpec, Path, str],
    data: str | Path | None,
) -> Subject:
    """Load and check everything the investigation needs; raise before anything is written.

    Raises:
        UsageError: No such version, or no data to investigate.
        DataError: The batch is missing, unreadable, empty, lacks model input columns, holds
            the wrong types, or labels the model does not know.
    """
    from agileds.evaluation import direction
    from agileds.tracking import load_model, load_reference

    version, production = investigated_version(client, ticket, model_name)
    details = version_details(client, model_name, version)
    target = details.tags.get("agileds.data.target")
    if not target:
        raise UsageError(
            f"{model_name} v{version} has no agileds.data.target tag; investigate versions "
            "registered by 'agileds run'"
        )
    notes: list[str] = []
    batch, shown = _batch(project, ticket, spec, data, details.tags, notes)
    reference = load_reference(client, model_name, version)
    run = client.get_run(details.run_id).data
    task = run.tags.get("agileds.task") or _infer_task(reference, target)
    metric = spec[0].metric or run.tags.get("agileds.metric") or _primary(task)
    model = load_model(client, f"models:/{model_name}/{version}")
    classes = tuple(model.classes_) if task != "regression" else None
    inputs = [str(c) for c in reference.columns if c != target]
    batch = _checked_batch(batch, shown, inputs, reference, f"{model_name} v{version}")
    labelled = _check_labels(batch, shown, target, task, classes, f"{model_name} v{version}")
    return Subject(
        model_name=model_name,
        version=version,
        production_version=production,
        model=model,
        task=task,
        target=target,
        metric=metric,
        direction=spec[0].direction or direction(metric),
        classes=classes,
        inputs=inputs,
        reference=reference,
        holdout=_rebuild_holdout(project, details.tags, reference, target, task, notes),
        batch=batch,
        batch_shown=shown,
        labelled=labelled,
        evaluation=_evaluation(run.metrics, task),
        notes=notes,
    )


def version_details(client: MlflowClient, name: str, version: str) -> Any:
    """The registry's record of ``version`` of model ``name``; UsageError when there is none."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version(name, version)
    except MlflowException:
        raise UsageError(
            f"{name} has no version {version}; check the ticket's monitor.version "
            "(versions are listed in the MLflow UI: agileds ui)"
        ) from None


def _infer_task(reference: pd.DataFrame, target: str) -> str:
    from agileds.data import check_target

    return check_target(reference, target, None, "the reference data")


def _primary(task: str) -> str:
    from agileds.evaluation import primary_metric

    return primary_metric(task)


def _evaluation(metrics: dict[str, float], task: str) -> dict[str, float]:
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
    tags: dict[str, str],
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
    tags: dict[str, str],
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


def _checked_batch(
    batch: pd.DataFrame, shown: str, inputs: list[str], reference: pd.DataFrame, model: str
) -> pd.DataFrame:
    """The batch with its numeric inputs as numbers; raise naming missing or wrong columns."""
    import pandas as pd

    missing = [c for c in inputs if c not in batch.columns]
    if missing:
        needed = ", ".join(inputs[:_SHOWN_COLUMNS]) + (
            ", ..." if len(inputs) > _SHOWN_COLUMNS else ""
        )
        raise DataError(
            f"{shown}: missing the model's input column(s) {', '.join(missing)}; "
            f"{model} needs {needed}"
        )
    batch = batch.copy()
    wrong = []
    for name in inputs:
        if not pd.api.types.is_numeric_dtype(reference[name].dtype):
            continue
        if pd.api.types.is_numeric_dtype(batch[name].dtype):
            continue
        numbers = pd.to_numeric(batch[name], errors="coerce")
        bad = batch[name][numbers.isna() & batch[name].notna()]
        if len(bad):
            wrong.append(f"{name} (e.g. {bad.iloc[0]!r})")
        batch[name] = numbers
    if wrong:
        raise DataError(
            f"{shown}: column(s) {', '.join(wrong)} hold non-numbers where the training data "
            "had numbers; fix the batch"
        )
    return batch


def _check_labels(
    batch: pd.DataFrame, shown: str, target: str, task: str, classes: Any, model: str
) -> bool:
    """Whether the batch has labels; raise when they are of the wrong kind."""
    import pandas as pd

    if target not in batch.columns or batch[target].isna().all():
        return False
    labels = batch[target].dropna()
    if task == "regression":
        bad = labels[pd.to_numeric(labels, errors="coerce").isna()]
        if len(bad):
            raise DataError(
                f"{shown}: label column '{target}' holds non-numbers such as "
                f"{bad.iloc[0]!r}; fix the labels or drop the column"
            )
        return True
    known = set(classes)
    unknown = [v for v in pd.unique(labels) if v not in known]
    if unknown:
        raise DataError(
            f"{shown}: label column '{target}' holds {unknown[0]!r}, not a class {model} "
            f"knows ({', '.join(map(str, classes))}); fix the labels or drop the column"
        )
    return True


# -- the reference holdout ---------------------------------------------------------------


def _rebuild_holdout(
    project: Project,
    tags: dict[str, str],
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
