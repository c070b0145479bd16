"""A quick cross-validated model behind the leak check's evidence: how well columns predict the label.

One small histogram gradient-boosting model (scikit-learn, imported when first used), fitted
on at most :data:`MAX_ROWS` labelled rows in :data:`N_FOLDS` folds, scored on the pooled
out-of-fold predictions: the auROC (binary), the one-vs-rest macro auROC (multiclass) or R²
(regression). It is a yardstick for comparing column sets, not a model anyone uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agileds.automl._association import _auroc

if TYPE_CHECKING:
    import numpy as np

#: Rows the quick model sees at most (a seeded sample of the labelled rows).
MAX_ROWS = 4000
#: Folds of its cross-validation.
N_FOLDS = 3
#: Levels a category keeps in the quick model; the rarer ones share one level.
MAX_LEVELS = 250


def quick_measure(n_classes: int) -> str:
    """The name of the quick model's score for a task (0 classes: regression)."""
    return {0: "R²", 2: "auROC"}.get(n_classes, "macro auROC")


def quick_cv_score(
    columns: Sequence[tuple[np.ndarray, bool]], target: np.ndarray, n_classes: int, seed: int
) -> float:
    """The quick model's out-of-fold score from ``columns`` alone.

    Args:
        columns: One ``(values, categorical)`` pair per column, over the labelled rows: floats
            with NaN for nulls; a category's values are its level codes.
        target: Class codes ``0..n_classes-1``, or floats for regression (``n_classes`` 0).
        n_classes: The number of classes; 0 for regression.
        seed: Seed of the row sample, the folds and the model.

    Returns:
        The score; with no columns, what a constant prediction scores (0.5, or 0 for R²).
    """
    import numpy as np

    if not columns:
        return 0.0 if n_classes == 0 else 0.5
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(target))[:MAX_ROWS])
    x = np.column_stack([_encoded(values[rows], is_category) for values, is_category in columns])
    y = target[rows]
    folds = rng.permutation(len(rows)) % N_FOLDS
    predicted = _out_of_fold(x, y, [c for _, c in columns], n_classes, folds, seed)
    return _score(predicted, y, n_classes)


def _encoded(values: np.ndarray, is_category: bool) -> np.ndarray:
    """A category's codes ranked by frequency, the rarest beyond :data:`MAX_LEVELS` as one."""
    import numpy as np

    if not is_category:
        return values
    known = ~np.isnan(values)
    codes = values[known].astype(np.int64)
    counts = np.bincount(codes)
    rank = np.empty(len(counts), dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    encoded = np.full(len(values), np.nan)
    encoded[known] = np.minimum(rank[codes], MAX_LEVELS)
    return encoded


def _out_of_fold(
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[bool],
    n_classes: int,
    folds: np.ndarray,
    seed: int,
) -> np.ndarray:
    """Out-of-fold predictions: P(class) per class for classification, values for regression."""
    import numpy as np
    import sklearn.ensemble  # noqa: F401  (loads OpenMP before the limit below is set)
    from threadpoolctl import threadpool_limits

    options = {
        "max_iter": 40,
        "learning_rate": 0.15,
        "max_leaf_nodes": 15,
        "min_samples_leaf": max(3, min(20, len(y) // 100)),
        "early_stopping": False,
        "categorical_features": np.array(categorical),
        "random_state": seed,
    }
    predicted = np.zeros((len(y), max(n_classes, 1)))
    with threadpool_limits(1):  # small fits: threads would only wait on each other
        for fold in range(N_FOLDS):
            _fit_fold(x, y, n_classes, folds == fold, options, predicted)
    return predicted


def _fit_fold(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    test: np.ndarray,
    options: dict[str, Any],
    predicted: np.ndarray,
) -> None:
    """Fit on the other folds and write the predictions for ``test`` into ``predicted``."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    train = ~test
    if n_classes == 0:
        regressor = HistGradientBoostingRegressor(**options).fit(x[train], y[train])
        predicted[test, 0] = regressor.predict(x[test])
    elif len(np.unique(y[train])) < 2:
        predicted[test] = np.bincount(y[train], minlength=n_classes) / train.sum()
    else:
        classifier = HistGradientBoostingClassifier(**options).fit(x[train], y[train])
        predicted[np.ix_(test, classifier.classes_)] = classifier.predict_proba(x[test])


def _score(predicted: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    import numpy as np

    if n_classes == 0:
        total = float(np.sum((y - y.mean()) ** 2))
        residual = float(np.sum((y - predicted[:, 0]) ** 2))
        return 1.0 - residual / total if total > 0 else 0.0
    classes = [1] if n_classes == 2 else range(n_classes)
    areas = [_auroc(predicted[:, c], y == c) for c in classes]
    return float(np.nanmean(areas)) if not np.isnan(areas).all() else 0.5
