"""Preparing a sweep's data: load, check the target, split off the holdout, infer column kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError
from agileds.sweeps._spec import ExperimentSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from agileds.automl import ColumnKind, SanityReport

__all__ = ["PreparedData", "model_scores", "prepare_data"]


@dataclass(frozen=True)
class PreparedData:
    """The training part (for the sweep), the holdout (for the final verdict) and the kinds.

    The holdout is never seen by the sweep's objective.
    """

    task: str
    target: str
    metric: str
    direction: str
    train: pd.DataFrame
    holdout: pd.DataFrame
    kinds: dict[str, ColumnKind]
    folds: list[tuple[np.ndarray, np.ndarray]]
    sanity: SanityReport | None = None

    @property
    def x_train(self) -> pd.DataFrame:
        """Training features (every column but the target)."""
        return self.train.drop(columns=[self.target])

    @property
    def y_train(self) -> pd.Series:
        """Training labels."""
        return self.train[self.target]

    @property
    def x_holdout(self) -> pd.DataFrame:
        """Holdout features."""
        return self.holdout.drop(columns=[self.target])

    @property
    def y_holdout(self) -> pd.Series:
        """Holdout labels."""
        return self.holdout[self.target]


def prepare_data(spec: ExperimentSpec, spec_path: Path, shown: str) -> PreparedData:
    """Load and split the experiment's data.

    Args:
        spec: The resolved experiment spec.
        spec_path: The spec file (the data path is relative to it).
        shown: The spec as named in messages.

    Raises:
        DataError: a missing file, missing target or columns, a target with one class, ...
    """
    from agileds.automl import infer_column_kinds
    from agileds.data import check_target, holdout_split, load_table
    from agileds.evaluation import direction, primary_metric

    path = spec.data_path(spec_path)
    if not path.is_file():
        named = Path(spec.data.path)
        where = named if named.is_absolute() else Path(shown).parent / named
        raise DataError(f"{where}: file not found; check data.path in {shown}")
    frame = load_table(path)
    target = spec.data.target
    if spec.data.unlabelled == "drop" and target in frame.columns:
        frame = frame[frame[target].notna()].reset_index(drop=True)
    task = check_target(frame, spec.data.target, spec.data.task, str(spec.data.path), spec=shown)
    _check_columns(frame, spec, shown)
    frame = frame.drop(columns=list(spec.data.drop))
    train, holdout = holdout_split(
        frame,
        spec.data.target,
        task=task,
        fraction=spec.split.holdout,
        seed=spec.split.seed,
        time_column=spec.data.time_column if spec.split.time_cut else None,
        time_cut=spec.split.time_cut,
    )
    train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
    kinds = infer_column_kinds(train, target=spec.data.target, overrides=spec.data.kinds)
    sanity = _sanity(train, spec, kinds, task)
    if sanity is not None:
        kinds = sanity.apply(kinds)
    metric = spec.metric or primary_metric(task)
    return PreparedData(
        task=task,
        target=spec.data.target,
        metric=metric,
        direction=spec.direction or direction(metric),
        train=train,
        holdout=holdout,
        kinds=dict(kinds),
        folds=_folds(
            train[spec.data.target],
            task,
            spec.cv_folds,
            spec.split.seed,
            cv_repeats(spec.cv_repeats, len(train)),
        ),
        sanity=sanity,
    )


def _sanity(
    train: pd.DataFrame, spec: ExperimentSpec, kinds: Any, task: str
) -> SanityReport | None:
    """Remove leaks, near-constant, mostly-null and duplicate features on the training part,
    and suspect doubtful leaks (kept)."""
    from agileds.automl import SanityThresholds, sanity_check

    settings = spec.sanity.model_dump()
    if not settings.pop("enabled"):
        return None
    return sanity_check(
        train,
        target=spec.data.target,
        kinds=kinds,
        task=task,
        thresholds=SanityThresholds(**settings),
        seed=spec.split.seed,
        time_column=spec.data.time_column if spec.data.time_column in train.columns else None,
    )


def _check_columns(frame: pd.DataFrame, spec: ExperimentSpec, shown: str) -> None:
    named = [
        *(("data.drop", c) for c in spec.data.drop),
        *(("features.required", c) for c in spec.features.required),
        *((f"features.optional.{g}", c) for g, cs in spec.features.optional.items() for c in cs),
        *(("data.time_column", c) for c in [spec.data.time_column] if c),
        *(("data.segment_column", c) for c in [spec.data.segment_column] if c),
    ]
    for where, column in named:
        if column not in frame.columns:
            raise DataError(
                f"{shown}: {where}: column '{column}' is not in {spec.data.path}; "
                f"columns are: {', '.join(map(str, frame.columns))}"
            )


# With "auto", small training parts are cross-validated several times over (reshuffled):
# their single k-fold estimate is noisy enough that the sweep would pick a configuration for
# its lucky folds. Repeats bring the validated rows per trial up to about this many.
AUTO_REPEAT_ROWS = 1500
MAX_AUTO_REPEATS = 5


def cv_repeats(setting: int | str, rows: int) -> int:
    """How many times the k-fold CV is repeated: the setting, or for "auto" enough repeats
    that about ``AUTO_REPEAT_ROWS`` rows are validated (at most ``MAX_AUTO_REPEATS``)."""
    if isinstance(setting, int):
        return setting
    return max(1, min(MAX_AUTO_REPEATS, -(-AUTO_REPEAT_ROWS // max(rows, 1))))


def _folds(y: pd.Series, task: str, k: int, seed: int, repeats: int = 1) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import (
        KFold,
        RepeatedKFold,
        RepeatedStratifiedKFold,
        StratifiedKFold,
    )

    if task == "regression":
        splitter: Any = (
            RepeatedKFold(n_splits=k, n_repeats=repeats, random_state=seed)
            if repeats > 1
            else KFold(n_splits=k, shuffle=True, random_state=seed)
        )
    else:
        smallest = int(y.value_counts().min())
        if smallest < k:
            raise DataError(
                f"the rarest class of '{y.name}' has {smallest} training rows, fewer than "
                f"cv_folds={k}; lower cv_folds or add data"
            )
        splitter = (
            RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats, random_state=seed)
            if repeats > 1
            else StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        )
    return list(splitter.split(y.to_frame(), y))


def model_scores(model: Any, x: pd.DataFrame, task: str) -> Any:
    """Scores of a fitted model: P(positive) for binary, class probabilities for
    multiclass, predictions for regression."""
    if task == "binary":
        return model.predict_proba(x)[:, 1]
    if task == "multiclass":
        return model.predict_proba(x)
    return model.predict(x)


def model_labels(model: Any, task: str) -> tuple[Any, ...] | None:
    """The class labels of a fitted classifier, in the order of its score columns (for a
    binary task the second is the positive class); None for regression."""
    classes = getattr(model, "classes_", None)
    return tuple(classes) if task != "regression" and classes is not None else None
