"""The metrics of each task, their directions, input checks, and computing them once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agileds.errors import DataError, UsageError
from agileds.evaluation._kernels import (
    Floats,
    Ints,
    Prepared,
    binary_data,
    multiclass_data,
    regression_data,
)

__all__ = ["METRICS", "compute_metrics", "direction", "primary_metric"]

Direction = Literal["maximize", "minimize"]

_MAX: Direction = "maximize"
_MIN: Direction = "minimize"

METRICS: Mapping[str, Mapping[str, Direction]] = MappingProxyType(
    {
        "binary": MappingProxyType(
            {
                "auroc": _MAX,
                "aupr": _MAX,
                "log_loss": _MIN,
                "brier": _MIN,
                "ece": _MIN,
                "f1": _MAX,
                "precision": _MAX,
                "recall": _MAX,
                "accuracy": _MAX,
            }
        ),
        "multiclass": MappingProxyType({"macro_f1": _MAX, "accuracy": _MAX, "log_loss": _MIN}),
        "regression": MappingProxyType({"rmse": _MIN, "mae": _MIN, "r2": _MAX}),
    }
)
"""Metric names per task (``binary``, ``multiclass``, ``regression``) and their direction.

Binary scores are positive-class probabilities: ``auroc`` (area under the ROC curve),
``aupr`` (average precision, as scikit-learn computes it), ``log_loss``, ``brier`` (mean
squared error of the probability), ``ece`` (expected calibration error over 10 equal-width
bins ``[b/10, (b+1)/10)``, the last one closed: the row-weighted mean over bins of
``|mean score - fraction positive|``), and ``f1``, ``precision``, ``recall``, ``accuracy``
of the decision ``score >= threshold``; an undefined precision or F1 (no predicted or no
actual positives) is 0, as scikit-learn reports it.
"""

_PRIMARY: Mapping[str, str] = MappingProxyType(
    {"binary": "auroc", "multiclass": "macro_f1", "regression": "rmse"}
)


def _task_metrics(task: str) -> Mapping[str, Direction]:
    if task not in METRICS:
        raise UsageError(f"unknown task {task!r}; use one of {', '.join(METRICS)}")
    return METRICS[task]


def primary_metric(task: str) -> str:
    """Return the default metric a sweep optimises for ``task``.

    >>> primary_metric("binary")
    'auroc'
    """
    _task_metrics(task)
    return _PRIMARY[task]


def direction(metric: str) -> Direction:
    """Return ``"maximize"`` or ``"minimize"``: which way ``metric`` gets better.

    >>> direction("log_loss")
    'minimize'
    """
    for names in METRICS.values():
        if metric in names:
            return names[metric]
    known = sorted({m for names in METRICS.values() for m in names})
    raise UsageError(f"unknown metric {metric!r}; use one of {', '.join(known)}")


def check_metrics(task: str, metrics: Sequence[str] | None) -> tuple[str, ...]:
    """Return the metric names to compute for ``task``: all of them when ``metrics`` is None."""
    known = _task_metrics(task)
    if metrics is None:
        return tuple(known)
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    for name in names:
        if name not in known:
            raise UsageError(f"unknown {task} metric {name!r}; use one of {', '.join(known)}")
    if not names:
        raise UsageError("metrics: name at least one metric, or pass None for all")
    return names


def check_threshold(threshold: float) -> float:
    """Return ``threshold`` as a float, or raise UsageError when it is not in [0, 1]."""
    if not 0.0 <= threshold <= 1.0:
        raise UsageError(f"threshold must be between 0 and 1, got {threshold!r}")
    return float(threshold)


def _floats(values: ArrayLike, what: str, ndim: int) -> Floats:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{what} must be numeric") from None
    if array.ndim != ndim:
        raise DataError(f"{what} must be {ndim}-D, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise DataError(f"{what} contains NaN or infinite values; drop or impute them first")
    return array


def scores_vector(scores: ArrayLike, n_rows: int, what: str = "scores") -> Floats:
    """Return finite 1-D ``scores`` of length ``n_rows`` as float64, or raise DataError."""
    array = _floats(scores, what, 1)
    if len(array) != n_rows:
        raise DataError(f"{what} has {len(array)} rows but y_true has {n_rows}")
    return array


def _target(y_true: ArrayLike) -> NDArray[np.generic]:
    y = np.asarray(y_true)
    if y.ndim != 1 or not len(y):
        raise DataError(f"y_true must be a non-empty 1-D array, got shape {y.shape}")
    return y


def binary_target(y_true: ArrayLike, labels: Sequence[object] | None = None) -> NDArray[np.bool_]:
    """Return ``y_true == positive`` as booleans.

    Args:
        y_true: 0/1 or boolean labels, or any two labels named by ``labels``.
        labels: ``(negative, positive)``; needed when the labels are not 0/1.
    """
    y = _target(y_true)
    if labels is None:
        if y.dtype == np.bool_:
            return y.astype(np.bool_, copy=False)
        bad = [v for v in np.unique(y).tolist() if v not in (0, 1)]
        if bad:
            raise DataError(f"binary y_true must be 0/1, got {bad[0]!r}; pass labels=(neg, pos)")
        return np.asarray(y == 1)
    if len(labels) != 2:
        raise UsageError(f"labels for a binary task are (negative, positive), got {labels!r}")
    negative, positive = labels
    is_positive = np.asarray(y == positive)
    unknown = ~(is_positive | (y == negative))
    if unknown.any():
        raise DataError(f"y_true has label {y[unknown][0].item()!r}, not one of {list(labels)!r}")
    return is_positive


def _class_codes(y_true: ArrayLike, labels: Sequence[object] | None, k: int) -> Ints:
    uniques, inverse = np.unique(_target(y_true), return_inverse=True)
    classes = uniques.tolist() if labels is None else list(labels)
    index = {label: i for i, label in enumerate(classes)}
    if len(index) != len(classes):
        raise UsageError(f"labels must be distinct, got {classes!r}")
    if len(classes) != k:
        raise DataError(
            f"scores have {k} columns but there are {len(classes)} classes {classes!r}; "
            "pass labels= in the order of the score columns"
        )
    missing = [u for u in uniques.tolist() if u not in index]
    if missing:
        raise DataError(f"y_true has class {missing[0]!r}, not one of labels {classes!r}")
    return np.array([index[u] for u in uniques.tolist()], dtype=np.intp)[inverse]


def _prepare_binary(
    y_true: ArrayLike, scores: ArrayLike, threshold: float, labels: Sequence[object] | None
) -> Prepared:
    positive = binary_target(y_true, labels)
    s = scores_vector(scores, len(positive))
    if s.min() < 0 or s.max() > 1:
        raise DataError("binary scores must be positive-class probabilities in [0, 1]")
    if positive.all() or not positive.any():
        only = "positives" if positive[0] else "negatives"
        raise DataError(f"binary metrics need both classes in y_true, got only {only}")
    return binary_data(positive, s, check_threshold(threshold))


def _prepare_multiclass(
    y_true: ArrayLike, scores: ArrayLike, labels: Sequence[object] | None
) -> Prepared:
    proba = _floats(scores, "multiclass scores", 2)
    n, k = proba.shape
    if (proba < 0).any() or (proba > 1).any() or not np.allclose(proba.sum(axis=1), 1, atol=1e-5):
        raise DataError("multiclass scores must be class probabilities with rows summing to 1")
    codes = _class_codes(y_true, labels, k)
    if len(codes) != n:
        raise DataError(f"scores has {n} rows but y_true has {len(codes)}")
    return multiclass_data(codes, proba)


def _prepare_regression(y_true: ArrayLike, predictions: ArrayLike) -> Prepared:
    y = _floats(y_true, "regression y_true", 1)
    if not len(y):
        raise DataError("y_true is empty")
    return regression_data(y, scores_vector(predictions, len(y), "predictions"))


def prepare(
    task: str,
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    threshold: float = 0.5,
    labels: Sequence[object] | None = None,
) -> Prepared:
    """Validate one dataset and hold it ready for :meth:`Prepared.evaluate`."""
    _task_metrics(task)
    if task == "binary":
        return _prepare_binary(y_true, scores, threshold, labels)
    if task == "multiclass":
        return _prepare_multiclass(y_true, scores, labels)
    return _prepare_regression(y_true, scores)


def compute_metrics(
    task: str,
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    threshold: float = 0.5,
    labels: Sequence[object] | None = None,
    metrics: Sequence[str] | None = None,
) -> dict[str, float]:
    """Compute the metrics of ``task`` (see :data:`METRICS`) on one dataset.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        y_true: True labels (binary: 0/1 or bool unless ``labels`` names them) or targets.
        scores: Binary: positive-class probabilities, shape (n,). Multiclass: class
            probabilities, shape (n, k), columns in the order of ``labels``. Regression:
            predictions, shape (n,).
        threshold: Binary decision threshold; a row is predicted positive when
            ``score >= threshold``.
        labels: Binary: ``(negative, positive)``. Multiclass: the classes of the score
            columns (default: the sorted classes of ``y_true``).
        metrics: Names to compute; all of the task's by default.

    Returns:
        One float per metric name.

    Raises:
        UsageError: Unknown task or metric, or a threshold outside [0, 1].
        DataError: Inputs of the wrong shape, non-finite, not probabilities, or a binary
            ``y_true`` with one class.

    >>> compute_metrics("binary", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], metrics=["auroc"])
    {'auroc': 0.75}
    """
    names = check_metrics(task, metrics)
    data = prepare(task, y_true, scores, threshold=threshold, labels=labels)
    values = data.evaluate(np.ones((1, len(data.order)), dtype=np.int64), names)
    return {name: float(values[name][0]) for name in names}
