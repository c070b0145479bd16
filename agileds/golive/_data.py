"""The evaluation data of a go-live: the experiment's holdout, or a labelled file."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from agileds.sweeps import ExperimentSpec
    from agileds.tracking import ModelVersion

__all__ = ["EvalData", "checked_rows", "file_data", "holdout_data", "input_columns", "read_data"]


@dataclass(frozen=True)
class EvalData:
    """Labelled rows both models are scored on, and how to judge them.

    Attributes:
        frame: Every column the models take, the target and the segment column.
        target: The label column.
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The primary metric (the experiment's, else the task's default).
        direction: ``maximize`` or ``minimize``: which way ``metric`` improves.
        source: Where the rows come from, for the report.
        segment_column: The column that names segments (e.g. the customer), or None.
    """

    frame: pd.DataFrame
    target: str
    task: str
    metric: str
    direction: str
    source: str
    segment_column: str | None = None

    @property
    def y(self) -> Any:
        """The labels as a numpy array."""
        return self.frame[self.target].to_numpy()

    @property
    def segments(self) -> Any:
        """The segment of each row as strings, or None without a segment column."""
        if self.segment_column is None:
            return None
        return self.frame[self.segment_column].astype(str).to_numpy()

    def x_for(self, model: Any) -> pd.DataFrame:
        """The input frame of ``model``: its own columns, in its own order."""
        columns = input_columns(model)
        if columns is None:
            return self.frame.drop(columns=[self.target])
        return self.frame[list(columns)]


def input_columns(model: Any) -> tuple[str, ...] | None:
    """The raw input columns a fitted pipeline was trained on, or None when unknown."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else tuple(str(n) for n in names)


def holdout_data(spec: ExperimentSpec, spec_path: Path, shown: str) -> EvalData:
    """The experiment's holdout, rebuilt with the split the sweep used.

    Raises:
        DataError: The experiment's data is missing or unusable (see ``prepare_data``).
    """
    from agileds.sweeps import prepare_data

    data = prepare_data(spec, spec_path, shown)
    segment = spec.data.segment_column
    return EvalData(
        frame=data.holdout,
        target=data.target,
        task=data.task,
        metric=data.metric,
        direction=data.direction,
        source=f"the holdout of {shown} ({spec.data.path})",
        segment_column=segment if segment in data.holdout.columns else None,
    )


def file_data(
    frame: pd.DataFrame,
    shown: str,
    spec: ExperimentSpec,
    versions: Sequence[ModelVersion],
    target: str | None = None,
) -> EvalData:
    """The rows of a labelled CSV or Parquet file given with ``--data``.

    Args:
        frame: The file's rows (:func:`read_data`).
        shown: The file as the user named it, for messages.
        spec: The ticket's experiment spec (target, metric, segment column).
        versions: The versions to score, candidate first; the rows must be a batch each
            accepts (:meth:`agileds.tracking.ModelVersion.validate_batch`).
        target: The label column; the spec's by default.

    Raises:
        DataError: The rows lack an input column or hold values of the wrong type, or the
            labels are missing, incomplete, of one class or not the model's.
    """
    from agileds.evaluation import direction, primary_metric

    frame = frame.reset_index(drop=True)
    for version in versions:
        frame = version.validate_batch(frame, shown)
    target = target or spec.data.target
    first = versions[0]
    labels = first.check_labels(frame, shown, target, complete=True)
    frame[target] = labels
    metric = spec.metric or primary_metric(first.task)
    segment = spec.data.segment_column
    return EvalData(
        frame=frame,
        target=target,
        task=first.task,
        metric=metric,
        direction=spec.direction or direction(metric),
        source=f"the file {shown}",
        segment_column=segment if segment in frame.columns else None,
    )


def checked_rows(rows: EvalData, versions: Sequence[ModelVersion]) -> EvalData:
    """``rows`` as a batch every version accepts, numbers parsed where they expect them.

    Raises:
        DataError: The rows lack an input column of a version or hold the wrong types.
    """
    frame = rows.frame
    for version in versions:
        frame = version.validate_batch(frame, rows.source)
    return dataclasses.replace(rows, frame=frame)


def read_data(path: Path, shown: str) -> pd.DataFrame:
    """Read the ``--data`` file.

    Raises:
        DataError: Not a .csv or .parquet file, missing, unreadable or empty.
    """
    from agileds.data import load_table

    if path.suffix.lower() not in (".csv", ".parquet"):
        raise DataError(f"{shown}: --data takes a .csv or .parquet file, got '{path.suffix}'")
    if not path.is_file():
        raise DataError(f"{shown}: file not found; check the --data path")
    return load_table(path, shown=shown, fix="check the file given to --data")
