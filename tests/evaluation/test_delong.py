"""DeLong's test: the fast midrank algorithm against the O(m n) definition from the paper."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from agileds.errors import DataError, UsageError
from agileds.evaluation import DeLongResult, delong_ci, delong_test


def reference(y: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their covariance matrix, straight from DeLong et al. (1988).

    psi(X, Y) = 1 if X > Y, 1/2 if X == Y, 0 else, over every (positive, negative) pair;
    V10 are the row means (one per positive), V01 the column means (one per negative);
    S = S10 / m + S01 / n with S10, S01 the sample covariances of the components.
    """
    v10, v01 = [], []
    for s in scores:
        x, z = s[y == 1][:, None], s[y == 0][None, :]
        psi = (x > z) + 0.5 * (x == z)
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    m, n = len(v10[0]), len(v01[0])
    cov = np.atleast_2d(np.cov(np.array(v10))) / m + np.atleast_2d(np.cov(np.array(v01))) / n
    return np.array([v.mean() for v in v10]), cov


def dataset(seed: int, n: int, prevalence: float, levels: int) -> tuple[np.ndarray, ...]:
    """Labels and two correlated scores rounded to ``levels`` values, so ties are common."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    shared = rng.normal(size=n)
    a = np.round((y + shared + rng.normal(size=n)) * levels / 4) / levels
    b = np.round((0.7 * y + shared + rng.normal(size=n)) * levels / 4) / levels
    return y, a, b


DATASETS = [(0, 60, 0.5, 4), (1, 200, 0.2, 10), (2, 500, 0.1, 50), (3, 300, 0.7, 1000)]


@pytest.mark.parametrize(("seed", "n", "prevalence", "levels"), DATASETS)
def test_matches_the_definition_with_ties(
    seed: int, n: int, prevalence: float, levels: int
) -> None:
    y, a, b = dataset(seed, n, prevalence, levels)
    aucs, cov = reference(y, [a, b])
    variance = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (aucs[0] - aucs[1]) / math.sqrt(variance)
    got = delong_test(y, a, b)
    assert got.auc_a == pytest.approx(aucs[0], abs=1e-12)
    assert got.auc_b == pytest.approx(aucs[1], abs=1e-12)
    assert got.delta == pytest.approx(aucs[0] - aucs[1], abs=1e-12)
    assert got.variance == pytest.approx(variance, abs=1e-12)
    assert got.z == pytest.approx(z, abs=1e-6)
    assert got.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-6)


@pytest.mark.parametrize(("seed", "n", "prevalence", "levels"), DATASETS)
def test_aucs_equal_scikit_learn(seed: int, n: int, prevalence: float, levels: int) -> None:
    y, a, b = dataset(seed, n, prevalence, levels)
    got = delong_test(y, a, b)
    assert got.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert got.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)


def test_identical_scores_give_z_zero_and_p_one_without_warnings() -> None:
    y, a, _ = dataset(0, 100, 0.3, 10)
    got = delong_test(y, a, a.copy())
    assert (got.delta, got.variance, got.z, got.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_a_clearly_better_model_is_significant_and_the_sign_follows_the_order() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 400)
    good = y + rng.normal(0, 0.5, 400)
    poor = y + rng.normal(0, 3.0, 400)
    forward = delong_test(y, good, poor)
    assert forward.delta > 0 and forward.z > 0 and forward.p_value < 0.01
    backward = delong_test(y, poor, good)
    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_only_ranks_matter() -> None:
    y, a, b = dataset(1, 200, 0.2, 10)
    assert delong_test(y, np.exp(a), 3 * b - 1) == delong_test(y, a, b)


def test_a_perfect_model_against_a_constant_one_has_zero_variance() -> None:
    y = np.array([0, 0, 1, 1])
    got = delong_test(y, [0.1, 0.2, 0.8, 0.9], [0.5, 0.5, 0.5, 0.5])
    assert (got.delta, got.variance, got.z, got.p_value) == (0.5, 0.0, math.inf, 0.0)


def test_result_is_frozen() -> None:
    got = delong_test([0, 0, 1, 1], [0.1, 0.3, 0.2, 0.4], [0.1, 0.2, 0.3, 0.4])
    assert isinstance(got, DeLongResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.p_value = 0.0  # type: ignore[misc]


def test_confidence_interval_of_one_auc() -> None:
    y, a, _ = dataset(2, 500, 0.1, 50)
    aucs, cov = reference(y, [a])
    got = delong_ci(y, a)
    half = stats.norm.ppf(0.975) * math.sqrt(cov[0, 0])
    assert got.auc == pytest.approx(aucs[0], abs=1e-12)
    assert got.variance == pytest.approx(cov[0, 0], abs=1e-12)
    assert (got.ci_low, got.ci_high) == pytest.approx((aucs[0] - half, aucs[0] + half), abs=1e-9)
    narrower = delong_ci(y, a, level=0.8)
    assert got.ci_low < narrower.ci_low < narrower.auc < narrower.ci_high < got.ci_high


def test_interval_is_clipped_to_the_unit_range() -> None:
    got = delong_ci([0, 0, 1, 1, 0], [0.1, 0.2, 0.8, 0.9, 0.85])
    assert got.ci_high == 1.0 and 0 <= got.ci_low < got.auc


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: delong_test([0, 0, 0, 1], [1, 2, 3, 4], [1, 2, 3, 4]),
            DataError,
            "DeLong's method needs 2 positives and 2 negatives, got 1 positives",
        ),
        (
            lambda: delong_test([0, 0, 1, 1], [1, 2, 3, 4], [1, 2, 3]),
            DataError,
            "scores_b has 3 rows but y_true has 4",
        ),
        (
            lambda: delong_ci([0, 0, 1, 1], [1, 2, 3, 4], level=95),
            UsageError,
            "level must be between 0 and 1 (exclusive), got 95",
        ),
    ],
)
def test_errors(call, error, message: str) -> None:
    with pytest.raises(error) as excinfo:
        call()
    assert str(excinfo.value) == message
