"""Association measures between one feature and the label, for the sanity checks' leak test.

Plain NumPy on arrays without nulls unless a name says otherwise: ranks, Pearson's r,
auROC from sorted scores, the correlation ratio eta and bias-corrected Cramér's V.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Quantile bins that make a number a category for the multiclass auROC.
N_BINS = 32


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks, 1-based, ties sharing their mean rank."""
    import numpy as np

    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN when either side is constant or empty."""
    import numpy as np

    if len(x) < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()  # sums, not BLAS dot products: no thread start-up
    scale = float(np.sqrt(np.sum(dx * dx) * np.sum(dy * dy)))
    return float(np.sum(dx * dy)) / scale if scale > 0 else float("nan")


def _auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for ``positive`` (ties count half)."""
    import numpy as np

    distinct, inverse = np.unique(scores, return_inverse=True)
    rows = np.bincount(inverse, minlength=len(distinct))
    hits = np.bincount(inverse, weights=positive, minlength=len(distinct))
    return _sorted_auroc(hits, rows - hits)


def _sorted_auroc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """The auROC from counts of positives and negatives per score, scores ascending."""
    import numpy as np

    n_pos, n_neg = float(positives.sum()), float(negatives.sum())
    if not n_pos or not n_neg:
        return float("nan")
    below = np.cumsum(negatives) - negatives
    return float(np.sum(positives * (below + 0.5 * negatives))) / (n_pos * n_neg)


def _auroc_with_nulls(values: np.ndarray, positive: np.ndarray) -> float:
    """The auROC with nulls ranked first or last, whichever is further from 0.5."""
    import numpy as np

    nulls = np.isnan(values)
    if not nulls.any():
        return _auroc(values, positive)
    first = _auroc(np.where(nulls, -np.inf, values), positive)
    last = _auroc(np.where(nulls, np.inf, values), positive)
    return max(first, last, key=lambda area: abs(area - 0.5))


def _quantile_bins(values: np.ndarray) -> np.ndarray:
    """Codes of :data:`N_BINS` equal-count bins of the values, nulls in a bin of their own."""
    import numpy as np

    nulls = np.isnan(values)
    bins = np.full(len(values), N_BINS, dtype=np.int64)
    known = values[~nulls]
    if len(known):
        share = (_ranks(known) - 1.0) / len(known)
        bins[~nulls] = np.minimum((share * N_BINS).astype(np.int64), N_BINS - 1)
    return bins


def _eta(values: np.ndarray, groups: np.ndarray) -> float:
    """Correlation ratio of ``values`` by ``groups``, adjusted for the number of groups.

    η² is the share of the variance of ``values`` that the group means explain; like an
    adjusted R², it is shrunk by ``(n - 1) / (n - k)`` so that k groups fitted to n values by
    chance (an id-like column) explain about nothing.
    """
    import numpy as np

    n = len(values)
    counts = np.bincount(groups)
    used = counts > 0
    k = int(used.sum())
    deviations = values - values.mean()
    total = float(np.sum(deviations**2))
    if n <= k or total <= 0:
        return float("nan") if total <= 0 else 0.0
    sums = np.bincount(groups, weights=deviations)[used]
    eta2 = float((sums**2 / counts[used]).sum()) / total
    return float(np.sqrt(max(0.0, 1.0 - (1.0 - eta2) * (n - 1) / (n - k))))


def _cramers_v(codes: np.ndarray, classes: np.ndarray) -> float:
    """Cramér's V with Bergsma's bias correction, so that many small levels do not inflate it."""
    import numpy as np

    n_classes = int(classes.max()) + 1
    table = np.bincount(codes * n_classes + classes, minlength=(codes.max() + 1) * n_classes)
    table = table.reshape(-1, n_classes).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    rows, cols = table.shape
    if rows < 2 or cols < 2 or n < 2:
        return float("nan")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    phi2 = max(0.0, phi2 - (rows - 1) * (cols - 1) / (n - 1))
    rows_c = rows - (rows - 1) ** 2 / (n - 1)
    cols_c = cols - (cols - 1) ** 2 / (n - 1)
    denominator = min(rows_c, cols_c) - 1.0
    return float(np.sqrt(phi2 / denominator)) if denominator > 0 else 0.0


def _class_recalls(predicted: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """The share of each class's rows predicted as that class (NaN for an absent class)."""
    import numpy as np

    rows = np.bincount(classes, minlength=n_classes).astype(float)
    hits = np.bincount(classes[predicted == classes], minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, hits / rows, np.nan)


def _level_recalls(
    codes: np.ndarray, classes: np.ndarray, folds: np.ndarray, n_classes: int
) -> np.ndarray:
    """Per-class recall of predicting each row's class by its level's majority in the other folds.

    A level seen in no other fold predicts nothing: its rows are left out of the recall, but
    when they are half the rows or more (an id-like column) every recall is NaN.
    """
    import numpy as np

    n_levels, n_folds = int(codes.max()) + 1, int(folds.max()) + 1
    slot = (codes * n_folds + folds) * n_classes + classes
    counts = np.bincount(slot, minlength=n_levels * n_folds * n_classes)
    counts = counts.reshape(n_levels, n_folds, n_classes)
    outside = counts.sum(axis=1, keepdims=True) - counts  # each fold: the other folds' counts
    votes = outside[codes, folds]
    seen = votes.sum(axis=1) > 0
    if seen.mean() < 0.5:
        return np.full(n_classes, np.nan)
    return _class_recalls(votes.argmax(axis=1)[seen], classes[seen], n_classes)


def _nearest_recalls(
    values: np.ndarray, classes: np.ndarray, folds: np.ndarray, n_classes: int, k: int = 5
) -> np.ndarray:
    """Per-class recall of predicting each row's class from the ``k`` nearest values in the other
    folds (a one-dimensional nearest-neighbour vote; nulls vote among the other folds' nulls).

    Unlike fixed bins, the vote follows the values wherever classes meet, so a number that
    separates every class scores near 1 for every class even on a few hundred rows.
    """
    import numpy as np

    predicted = np.full(len(values), -1, dtype=np.int64)
    nulls = np.isnan(values)
    for fold in range(int(folds.max()) + 1):
        test, train = folds == fold, folds != fold
        known = train & ~nulls
        order = np.argsort(values[known], kind="stable")
        sorted_values, sorted_classes = values[known][order], classes[known][order]
        rows = np.flatnonzero(test & ~nulls)
        if len(sorted_values):
            predicted[rows] = _vote(sorted_values, sorted_classes, values[rows], n_classes, k)
        null_votes = np.bincount(classes[train & nulls], minlength=n_classes)
        if null_votes.any():
            predicted[test & nulls] = int(null_votes.argmax())
    return _class_recalls(predicted, classes, n_classes)


def _vote(
    sorted_values: np.ndarray,
    sorted_classes: np.ndarray,
    queries: np.ndarray,
    n_classes: int,
    k: int,
) -> np.ndarray:
    """The majority class of the ``k`` sorted values nearest each query."""
    import numpy as np

    k = min(k, len(sorted_values))
    window = np.searchsorted(sorted_values, queries)[:, None] + np.arange(-k, k)[None, :]
    inside = (window >= 0) & (window < len(sorted_values))
    window = np.clip(window, 0, len(sorted_values) - 1)
    distance = np.where(inside, np.abs(sorted_values[window] - queries[:, None]), np.inf)
    nearest = np.take_along_axis(window, np.argsort(distance, axis=1, kind="stable")[:, :k], 1)
    votes = np.zeros((len(queries), n_classes))
    np.add.at(votes, (np.arange(len(queries))[:, None], sorted_classes[nearest]), 1.0)
    out: np.ndarray = votes.argmax(axis=1)
    return out
