"""Explanations: permutation importance of the raw input columns on the holdout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["permutation_importances"]


def permutation_importances(
    model: Any,
    x: pd.DataFrame,
    y: Any,
    *,
    task: str,
    metric: str,
    seed: int = 0,
    repeats: int = 3,
) -> dict[str, float]:
    """How much ``metric`` worsens when each raw input column is shuffled, best first.

    The model is the whole pipeline, so the importances belong to the columns a user
    knows (``title``, ``description``), not to encoded features. Positive means the column
    helps; values are in the metric's units, always oriented so that larger is better.
    """
    from sklearn.inspection import permutation_importance

    from agileds.evaluation._metrics import compute_metrics, direction

    sign = 1.0 if direction(metric) == "maximize" else -1.0
    labels = tuple(model.classes_) if task != "regression" else None

    def score(estimator: Any, xs: pd.DataFrame, ys: Any) -> float:
        if task == "binary":
            scores = estimator.predict_proba(xs)[:, 1]
        elif task == "multiclass":
            scores = estimator.predict_proba(xs)
        else:
            scores = estimator.predict(xs)
        values = compute_metrics(task, ys, scores, labels=labels, metrics=[metric])
        return sign * values[metric]

    result = permutation_importance(
        model, x, y, scoring=score, n_repeats=repeats, random_state=seed, n_jobs=1
    )
    pairs = zip(x.columns, result.importances_mean, strict=True)
    return dict(sorted(((str(c), float(v)) for c, v in pairs), key=lambda kv: -kv[1]))
