"""PSI, KS and chi-squared on small fixtures, against values computed by hand."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agileds.errors import DataError
from agileds.evaluation import (
    EPSILON,
    FeatureDrift,
    _drift,
    chi2_test,
    feature_drift,
    ks_test,
    psi,
    psi_band,
    unseen_categories,
)


def _term(current: float, reference: float) -> float:
    """One bucket's PSI term, shares floored at EPSILON as documented."""
    c, r = max(current, EPSILON), max(reference, EPSILON)
    return (c - r) * math.log(c / r)


def test_numeric_psi_uses_reference_quantiles_and_a_null_bucket() -> None:
    reference = list(range(1, 11))
    current = [1, 1, 1, 1, 4, 6, 6, 9, None, None]
    # numpy's linear quantiles of 1..10 at 1/4, 2/4, 3/4: 3.25, 5.5, 7.75. Buckets are
    # (-inf, 3.25], (3.25, 5.5], (5.5, 7.75], (7.75, inf) and nulls.
    # reference: {1,2,3} {4,5} {6,7} {8,9,10} and no null -> 0.3 0.2 0.2 0.3 0.0
    # current:   {1,1,1,1} {4} {6,6} {9} and 2 nulls      -> 0.4 0.1 0.2 0.1 0.2
    expected = (
        _term(0.4, 0.3) + _term(0.1, 0.2) + _term(0.2, 0.2) + _term(0.1, 0.3) + _term(0.2, 0.0)
    )
    assert expected == pytest.approx(
        0.1 * math.log(4 / 3)
        + 0.1 * math.log(2)
        + 0.2 * math.log(3)
        + (0.2 - 1e-4) * math.log(0.2 / 1e-4)
    )
    assert psi(reference, current, bins=4) == pytest.approx(expected, rel=1e-12)


def test_a_value_on_an_edge_falls_in_the_lower_bucket() -> None:
    # Edges of 1..4 with bins=2: the median 2.5. Buckets (-inf, 2.5], (2.5, inf).
    assert psi([1, 2, 3, 4], [2.5, 2.5, 3, 4], bins=2) == pytest.approx(0.0)
    # Discrete values: quantiles 1, 1, 2, 2, 2, 3, 3, 3, 3 -> edges 1, 2, 3: one per value.
    reference = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    current = [1, 2, 2, 2, 2, 3, 3, 3, 3, 3]
    expected = _term(0.1, 0.3) + _term(0.4, 0.3) + _term(0.5, 0.4)
    assert psi(reference, current) == pytest.approx(expected, rel=1e-12)


def test_categorical_psi_has_unseen_and_null_buckets() -> None:
    reference = ["a"] * 5 + ["b"] * 3 + ["c"] * 2
    current = ["a"] * 4 + ["b"] * 2 + ["d"] * 3 + ["  "]  # a blank string is a null
    # buckets a, b, c, unseen, null: reference 0.5 0.3 0.2 0 0; current 0.4 0.2 0 0.3 0.1
    expected = (
        -0.1 * math.log(0.4 / 0.5)
        - 0.1 * math.log(0.2 / 0.3)
        + (1e-4 - 0.2) * math.log(1e-4 / 0.2)
        + (0.3 - 1e-4) * math.log(0.3 / 1e-4)
        + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    )
    assert psi(reference, current, categorical=True) == pytest.approx(expected, rel=1e-12)


def test_categorical_psi_matches_integer_codes_read_as_floats() -> None:
    reference = pd.Series([1, 2, 2, 3], dtype="int64")
    current = pd.Series([1.0, 2.0, 2.0, 3.0])
    assert psi(reference, current, categorical=True) == 0.0


def test_identical_data_has_zero_psi() -> None:
    values = np.random.default_rng(0).normal(size=500)
    assert psi(values, values) == 0.0
    assert psi(["x", "y", None], ["x", "y", None], categorical=True) == 0.0


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.0, "stable"), (0.0999, "stable"), (0.1, "moderate"), (0.25, "moderate"),
     (0.2501, "major"), (3.0, "major")],
)  # fmt: skip
def test_psi_bands(value: float, band: str) -> None:
    assert psi_band(value) == band


def test_psi_refuses_empty_sides_and_text_as_numbers() -> None:
    with pytest.raises(DataError) as raised:
        psi([], [1.0])
    assert str(raised.value) == "psi needs values on both sides; the reference data is empty"
    with pytest.raises(DataError) as raised:
        psi([1.0, 2.0], [1.0, "lots"])
    assert str(raised.value) == (
        "psi: the current values must be numbers, got 'lots'; pass categorical=True for categories"
    )


def test_ks_statistic_by_hand() -> None:
    # ECDFs of [1..5] and [3..8]: at 5 the reference is at 5/5, the batch at 3/6.
    statistic, _ = ks_test([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8])
    assert statistic == pytest.approx(1.0 - 3 / 6)


def test_ks_exact_p_value_by_hand() -> None:
    # Two samples of 3 with no overlap: D = 1; of the C(6, 3) = 20 equally likely
    # orderings, 2 give D = 1 (either sample entirely first), so p = 2 / 20.
    statistic, p_value = ks_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert statistic == 1.0
    assert p_value == pytest.approx(2 / math.comb(6, 3))


def test_ks_large_samples_use_the_asymptotic_p_value() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(size=20_000)
    current = rng.normal(0.05, 1.0, size=30_000)
    statistic, p_value = ks_test(reference, current)
    # Smirnov: p ~ 2 * sum_k (-1)^(k-1) exp(-2 k^2 lambda^2), lambda = sqrt(n m / (n + m)) D
    lam = math.sqrt(20_000 * 30_000 / 50_000) * statistic
    smirnov = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 50))
    assert p_value == pytest.approx(smirnov, rel=0.05)
    assert 0.0 < p_value < 0.05


@pytest.mark.parametrize("size", [200, 15_000])
def test_ks_agrees_with_scipy_with_ties_and_nulls(size: int) -> None:
    rng = np.random.default_rng(size)
    reference = np.round(rng.normal(size=size), 1)
    current = np.round(rng.normal(0.1, 1.2, size=size + 7), 1)
    current[:5] = np.nan
    expected = stats.ks_2samp(reference, current[5:])
    statistic, p_value = ks_test(reference, current)
    assert statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_ks_of_large_samples_matches_the_former_hand_computation() -> None:
    # The binary-search KS agileds computed itself before issue 15, kept here as a reference.
    rng = np.random.default_rng(3)
    a = np.sort(np.round(rng.normal(size=12_000), 2))
    b = np.sort(np.round(rng.normal(0.03, 1.1, size=25_000), 2))
    n, m = len(a), len(b)
    last_a, last_b = np.append(a[1:] != a[:-1], True), np.append(b[1:] != b[:-1], True)
    gap_a = np.abs((np.flatnonzero(last_a) + 1.0) / n - np.searchsorted(b, a[last_a], "right") / m)
    gap_b = np.abs(np.searchsorted(a, b[last_b], "right") / n - (np.flatnonzero(last_b) + 1.0) / m)
    statistic = max(gap_a.max(), gap_b.max())
    p_value = stats.kstwo.sf(statistic, np.round(n * m / (n + m)))
    assert ks_test(a, b) == pytest.approx((statistic, p_value), rel=1e-9, abs=1e-12)


def test_chi2_by_hand_two_categories() -> None:
    reference = ["a"] * 30 + ["b"] * 20
    current = ["a"] * 10 + ["b"] * 40
    # Expected counts 20 and 30 in each row: chi2 = 2 * (10^2 / 20 + 10^2 / 30).
    chi2 = 2 * (100 / 20 + 100 / 30)
    statistic, p_value = chi2_test(reference, current)
    assert statistic == pytest.approx(chi2)
    assert p_value == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))  # 1 degree of freedom


def test_chi2_by_hand_three_categories() -> None:
    reference = ["a"] * 20 + ["b"] * 20 + ["c"] * 10
    current = ["a"] * 10 + ["b"] * 20 + ["c"] * 20
    # Expected counts 15, 20, 15 per row: chi2 = 2 * (25 / 15 + 0 + 25 / 15).
    chi2 = 2 * (25 / 15 + 25 / 15)
    statistic, p_value = chi2_test(reference, current)
    assert statistic == pytest.approx(chi2)
    assert p_value == pytest.approx(math.exp(-chi2 / 2))  # 2 degrees of freedom


def test_chi2_counts_unseen_values_and_nulls_as_categories() -> None:
    statistic, _ = chi2_test(["a", "a", "b", "b"], ["a", "b", "new", None])
    table = np.array([[2, 2, 0, 0], [1, 1, 1, 1]])
    expected = stats.chi2_contingency(table, correction=False).statistic
    assert statistic == pytest.approx(expected)
    assert chi2_test(["a", "a"], ["a"]) == (0.0, 1.0)


def test_unseen_categories() -> None:
    assert unseen_categories(["web", "event", " "], ["web", "chatbot", None, "", "chatbot"]) == [
        "chatbot"
    ]


WORDS = [
    "great",
    "call",
    "very",
    "interested",
    "not",
    "at",
    "all",
    "sadly",
    "budget",
    "frozen",
    "demo",
    "team",
    "price",
    "slow",
]


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 400
    reference = pd.DataFrame(
        {
            "lead_id": [f"L{i:04d}" for i in range(n)],
            "amount": rng.normal(0, 1, n),
            "source": rng.choice(["web", "event", "partner"], n),
            "note": [" ".join(rng.choice(WORDS, rng.integers(3, 9))) for _ in range(n)],
            "created_at": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        }
    )
    current = reference.copy()
    current["amount"] = rng.normal(1.5, 1, n)
    current["lead_id"] = [f"M{i:04d}" for i in range(n)]
    current["created_at"] = pd.date_range("2026-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    return reference, current


def test_feature_drift_ranks_columns_and_skips_ids_and_dates(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = frames
    drift = feature_drift(reference, current)
    columns = [d.column for d in drift]
    assert columns[0] == "amount"
    assert drift[0].band == "major" and drift[0].test == "ks" and drift[0].kind == "numeric"
    assert "lead_id" not in columns and "created_at" not in columns
    assert {"note.word_count", "note.sentiment", "note.is_english"} <= set(columns)
    assert [d.psi for d in drift] == sorted((d.psi for d in drift), reverse=True)
    source = next(d for d in drift if d.column == "source")
    assert (source.kind, source.test, source.psi, source.statistic) == ("categorical", "chi2", 0, 0)
    assert isinstance(drift[0], FeatureDrift)


def test_feature_drift_takes_kinds(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    drift = feature_drift(reference, current, {"amount": "numeric", "source": "categorical"})
    assert sorted(d.column for d in drift) == ["amount", "source"]
    with pytest.raises(DataError) as raised:
        feature_drift(reference, current.drop(columns=["source"]), {"source": "categorical"})
    assert str(raised.value) == "feature_drift: column(s) source missing from the current data"


def test_feature_drift_of_a_column_without_values_has_no_test() -> None:
    reference = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    current = pd.DataFrame({"x": [np.nan] * 4})
    (drift,) = feature_drift(reference, current, {"x": "numeric"})
    assert drift.psi == pytest.approx(_term(1.0, 0.0) + 2 * _term(0.0, 0.25) + 2 * _term(0.0, 0.25))
    assert math.isnan(drift.statistic) and math.isnan(drift.p_value)


def test_drift_shares_are_the_total_variation_distance() -> None:
    reference = pd.DataFrame({"s": ["a"] * 8 + ["b"] * 2})
    current = pd.DataFrame({"s": ["a"] * 5 + ["b"] * 2 + ["c"] * 3})
    ((_, share),) = _drift.drift_with_shares(reference, current, {"s": "categorical"})
    assert share == pytest.approx((0.3 + 0.0 + 0.3) / 2)


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_drift).failed == 0


def test_infinite_numbers_count_as_nulls() -> None:
    assert psi([1.0, 2.0, 3.0, np.inf], [1.0, 2.0, 3.0, None]) == 0.0


def test_an_id_like_column_does_not_drift_by_its_new_values() -> None:
    """Beyond MAX_CATEGORIES levels, rare and unseen values share one bucket."""
    from agileds.evaluation._drift import MAX_CATEGORIES

    reference = [f"id{i}" for i in range(200)] + ["web"] * 100
    current = [f"id{i}" for i in range(200, 400)] + ["web"] * 100  # every id is new
    assert psi(reference, current, categorical=True) == pytest.approx(0.0, abs=1e-9)
    few = ["a"] * 50 + ["b"] * 50
    assert len(set(few)) <= MAX_CATEGORIES
    assert psi(few, ["a"] * 50 + ["c"] * 50, categorical=True) > 0.25  # few levels: per value
