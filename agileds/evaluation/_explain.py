"""Explanations: permutation importance of the raw input columns on the holdout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["permutation_importances"]

SMALL_ROWS = 10_000
"""Up to this many rows, the model predicts on one OpenMP thread (see ``_threads``)."""


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

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=_threads(len(x)), user_api="openmp"):
        result = permutation_importance(
            model, x, y, scoring=score, n_repeats=repeats, random_state=seed, n_jobs=1
        )
    pairs = zip(x.columns, result.importances_mean, strict=True)
    return dict(sorted(((str(c), float(v)) for c, v in pairs), key=lambda kv: -kv[1]))


def _threads(rows: int) -> int | None:
    """OpenMP threads for the many small predictions permutation importance makes.

    A gradient-boosting model predicts tree by tree, each call a parallel region; on a few
    hundred rows the threads' start and wait costs more than the work, and far more when the
    cores are busy (the demo's investigation: 500 rows, 28 s on the default threads against
    3.3 s on one, at a load of 11 on 2 cores). Larger inputs get the cores the load leaves
    idle, as scoring a batch does; None leaves ``OMP_NUM_THREADS`` in charge when set.
    """
    from agileds.evaluation._serving import scoring_threads

    threads = scoring_threads()
    return 1 if threads is not None and rows <= SMALL_ROWS else threads
