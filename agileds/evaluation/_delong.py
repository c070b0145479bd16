"""DeLong's test for two correlated ROC AUCs, with Sun and Xu's fast midrank algorithm.

DeLong, DeLong and Clarke-Pearson (1988), Biometrics 44(3): the AUC of scores X (positives,
m of them) against Y (negatives, n) is the mean of the Mann-Whitney kernel
psi(X, Y) = 1 if X > Y, 1/2 if X == Y, 0 else. Its structural components are
V10(X_i) = mean_j psi(X_i, Y_j) and V01(Y_j) = mean_i psi(X_i, Y_j), and the covariance of
two AUCs on the same rows is S10/m + S01/n, where S10 and S01 are the sample covariances of
the components. Sun and Xu (2014), IEEE Signal Processing Letters 21(11), obtain the
components from midranks in O((m + n) log(m + n)) instead of O(m n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agileds.errors import DataError, UsageError
from agileds.evaluation._metrics import binary_target, scores_vector

__all__ = ["AUCInterval", "DeLongResult", "delong_ci", "delong_test"]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class DeLongResult:
    """DeLong's test of ``auc_a == auc_b`` for two models scored on the same rows.

    Attributes:
        auc_a: AUC of model a.
        auc_b: AUC of model b.
        delta: ``auc_a - auc_b``.
        variance: DeLong's variance of ``delta``.
        z: ``delta / sqrt(variance)``; 0 when both are 0, +-inf when only the variance is.
        p_value: Two-sided p-value of the normal test.
    """

    auc_a: float
    auc_b: float
    delta: float
    variance: float
    z: float
    p_value: float


@dataclass(frozen=True)
class AUCInterval:
    """One AUC with DeLong's variance and a normal confidence interval clipped to [0, 1]."""

    auc: float
    variance: float
    ci_low: float
    ci_high: float
    level: float


def _midranks(values: Floats) -> Floats:
    """1-based ranks of ``values``, tied values sharing the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    return (last - (counts - 1) / 2)[inverse]


def _components(positive: NDArray[np.bool_], scores: Floats) -> tuple[Floats, Floats]:
    """Structural components V10 (one per positive) and V01 (one per negative)."""
    m, n = int(positive.sum()), len(positive) - int(positive.sum())
    combined = _midranks(scores)
    v10 = (combined[positive] - _midranks(scores[positive])) / n
    v01 = 1 - (combined[~positive] - _midranks(scores[~positive])) / m
    return v10, v01


def _check(y_true: ArrayLike, scores: ArrayLike) -> tuple[NDArray[np.bool_], Floats]:
    positive = binary_target(y_true)
    m = int(positive.sum())
    if min(m, len(positive) - m) < 2:
        raise DataError(f"DeLong's method needs 2 positives and 2 negatives, got {m} positives")
    return positive, scores_vector(scores, len(positive))


def _variance(v10: Floats, v01: Floats) -> float:
    return float(np.var(v10, ddof=1) / len(v10) + np.var(v01, ddof=1) / len(v01))


def delong_test(y_true: ArrayLike, scores_a: ArrayLike, scores_b: ArrayLike) -> DeLongResult:
    """Test whether two models scored on the same rows have the same ROC AUC.

    Args:
        y_true: 0/1 or boolean labels.
        scores_a: Scores of model a (any real values; higher means more likely positive).
        scores_b: Scores of model b on the same rows.

    Returns:
        The two AUCs, their difference, its variance, z and the two-sided p-value.

    Raises:
        DataError: Fewer than 2 rows of a class, or scores not matching ``y_true``.

    >>> delong_test([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]).p_value
    1.0
    """
    positive, a = _check(y_true, scores_a)
    b = scores_vector(scores_b, len(positive), "scores_b")
    v10_a, v01_a = _components(positive, a)
    v10_b, v01_b = _components(positive, b)
    delta = float(v10_a.mean() - v10_b.mean())
    variance = _variance(v10_a - v10_b, v01_a - v01_b)
    if variance > 0:
        z = delta / math.sqrt(variance)
    else:
        z = 0.0 if delta == 0 else math.copysign(math.inf, delta)
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return DeLongResult(float(v10_a.mean()), float(v10_b.mean()), delta, variance, z, p_value)


def delong_ci(y_true: ArrayLike, scores: ArrayLike, level: float = 0.95) -> AUCInterval:
    """Return one model's AUC with DeLong's variance and a normal interval at ``level``.

    >>> delong_ci([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]).auc
    1.0
    """
    if not 0 < level < 1:
        raise UsageError(f"level must be between 0 and 1 (exclusive), got {level!r}")
    positive, s = _check(y_true, scores)
    v10, v01 = _components(positive, s)
    auc = float(v10.mean())
    variance = _variance(v10, v01)
    half = NormalDist().inv_cdf((1 + level) / 2) * math.sqrt(variance)
    return AUCInterval(auc, variance, max(0.0, auc - half), min(1.0, auc + half), level)
