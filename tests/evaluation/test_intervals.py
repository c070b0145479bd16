"""Bootstrap intervals and paired differences: shape of the result, coverage, determinism.

Speed is not tested here (it depends on machine load): benchmarks/bench_bootstrap.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from agileds.errors import UsageError
from agileds.evaluation import (
    METRICS,
    _kernels,
    _resample,
    bootstrap_metrics,
    compute_metrics,
    delong_test,
    paired_bootstrap,
    prefixed,
)
from agileds.evaluation._intervals import _p_value
from agileds.evaluation._kernels import Scratch
from agileds.evaluation._metrics import prepare
from agileds.evaluation._resample import draw_counts


def scored(n: int, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities of a logistic model whose logit has ``noise`` added."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * signal))).astype(int)
    return y, 1 / (1 + np.exp(-2 * (signal + noise * rng.normal(size=n))))


def width(result: dict[str, float], name: str) -> float:
    return result[f"{name}.ci_high"] - result[f"{name}.ci_low"]


def test_every_metric_gets_an_estimate_and_an_interval() -> None:
    y, s = scored(400)
    got = bootstrap_metrics("binary", y, s, n_boot=200)
    names = list(METRICS["binary"])
    assert list(got) == [f"{m}{part}" for m in names for part in ("", ".ci_low", ".ci_high")]
    assert all(type(v) is float for v in got.values())
    assert {m: got[m] for m in names} == compute_metrics("binary", y, s)


@pytest.mark.parametrize("name", ["auroc", "aupr", "log_loss", "brier", "f1", "accuracy"])
def test_interval_contains_the_estimate_and_narrows_with_more_data(name: str) -> None:
    small = bootstrap_metrics("binary", *scored(250), n_boot=300, metrics=[name])
    large = bootstrap_metrics("binary", *scored(4000), n_boot=300, metrics=[name])
    for got in (small, large):
        assert got[f"{name}.ci_low"] < got[name] < got[f"{name}.ci_high"]
    assert width(large, name) < width(small, name) / 2


def test_multiclass_and_regression_intervals() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    proba = np.full((300, 3), 0.2)
    proba[np.arange(300), y] = 0.6
    got = bootstrap_metrics("multiclass", y, proba, n_boot=100)
    assert got["accuracy"] == got["accuracy.ci_low"] == got["accuracy.ci_high"] == 1.0
    target = rng.normal(size=300)
    got = bootstrap_metrics("regression", target, target + rng.normal(0, 0.5, 300), n_boot=100)
    for name in METRICS["regression"]:
        assert got[f"{name}.ci_low"] < got[name] < got[f"{name}.ci_high"]


def test_same_seed_same_intervals_and_another_seed_others() -> None:
    y, s = scored(300)
    first = bootstrap_metrics("binary", y, s, n_boot=100, seed=3)
    assert bootstrap_metrics("binary", y, s, n_boot=np.int64(100), seed=np.int64(3)) == first
    assert bootstrap_metrics("binary", y, s, n_boot=100, seed=4) != first


def test_a_lower_level_gives_a_narrower_interval() -> None:
    y, s = scored(300)
    wide = bootstrap_metrics("binary", y, s, n_boot=300, metrics=["auroc"])
    narrow = bootstrap_metrics("binary", y, s, n_boot=300, level=0.5, metrics=["auroc"])
    assert width(narrow, "auroc") < width(wide, "auroc")


def test_resampling_is_stratified_so_a_single_positive_still_works() -> None:
    y = np.zeros(30, dtype=int)
    y[7] = 1
    s = np.linspace(0.01, 0.99, 30)
    got = bootstrap_metrics("binary", y, s, n_boot=50, metrics=["auroc"])
    assert got["auroc"] == 7 / 29  # 7 of the 29 negatives score below the positive
    assert 0 < got["auroc.ci_low"] < got["auroc"] < got["auroc.ci_high"] < 1


@pytest.mark.parametrize("strata", [(5, 3, 12), (300, 1001), (7, 2000)])
def test_drawn_counts_keep_every_stratum_size(strata: tuple[int, ...]) -> None:
    # Strata under 256 rows draw rows; larger ones take the Poisson route.
    counts = draw_counts(np.random.default_rng(0), strata, 40)
    assert counts.shape == (40, sum(strata)) and counts.dtype == np.uint8
    start = 0
    for size in strata:
        assert (counts[:, start : start + size].sum(axis=1, dtype=np.int64) == size).all()
        start += size
    assert counts[:, -strata[-1] :].std() > 0


def test_poisson_route_draws_multinomial_counts() -> None:
    # Each row's count in a resample of n draws over n rows is Binomial(n, 1/n).
    n, resamples = 1000, 400
    counts = draw_counts(np.random.default_rng(1), (n,), resamples).ravel()
    cells = counts.size
    for k in range(5):
        p = math.comb(n, k) * (1 / n) ** k * (1 - 1 / n) ** (n - k)
        sd = math.sqrt(p * (1 - p) / cells)
        assert abs(np.mean(counts == k) - p) < 5 * sd, k
    # A resample is n draws: the counts of two rows are slightly negatively correlated.
    pairs = counts.reshape(resamples, n).astype(float)
    assert abs(np.corrcoef(pairs[:, 0::2].ravel(), pairs[:, 1::2].ravel())[0, 1]) < 0.01


def test_pair_table_draws_independent_poisson_counts() -> None:
    size = 10_000
    table, cdf = _resample._pair_table(size)
    mean = 1 - _resample._SPARE_SDS / math.sqrt(size)
    assert (table == _resample._UNSETTLED).sum() > 0  # some patterns need a second draw
    cells = _resample._poisson_rows(
        np.random.default_rng(4), table, cdf, 200, size, Scratch()
    ).astype(int)
    for k in range(6):
        p = math.exp(-mean) * mean**k / math.factorial(k)
        sd = math.sqrt(p * (1 - p) / cells.size)
        assert abs(np.mean(cells == k) - p) < 5 * sd, k
    both = np.mean((cells[:, 0::2] == 0) & (cells[:, 1::2] == 0))  # the two of a pair
    assert abs(both - math.exp(-2 * mean)) < 5 * math.sqrt(0.14 / (cells.size / 2))


def test_poisson_totals_above_the_size_are_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_resample, "_SPARE_SDS", 0.0)  # total above size half of the time
    _resample._pair_table.cache_clear()
    try:
        counts = draw_counts(np.random.default_rng(2), (500,), 60)
    finally:
        _resample._pair_table.cache_clear()
    assert (counts.sum(axis=1, dtype=np.int64) == 500).all()


def test_uint8_and_int64_counts_score_alike_with_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    y, s = scored(3000)
    s = np.round(s, 1)  # many ties
    data = prepare("binary", y, s)
    counts = np.random.default_rng(3).integers(0, 4, size=(5, 3000))[:, data.order]
    wide = {k: v.tolist() for k, v in data.evaluate(counts, list(METRICS["binary"])).items()}
    narrow = data.evaluate(counts.astype(np.uint8), list(METRICS["binary"]))
    assert {k: v.tolist() for k, v in narrow.items()} == wide
    monkeypatch.setattr(_kernels, "_INT32_PRODUCT", 0)  # the int64 path of auROC
    assert data.evaluate(counts.astype(np.uint8), ["auroc"])["auroc"].tolist() == wide["auroc"]


@pytest.mark.parametrize(
    ("task", "y", "scores"),
    [
        ("binary", *scored(300)),
        ("regression", np.arange(50.0), np.arange(50.0) + np.sin(np.arange(50.0))),
    ],
)
def test_a_model_against_itself_differs_by_exactly_zero(task: str, y, scores) -> None:
    got = paired_bootstrap(task, y, scores, scores.copy(), n_boot=200)
    for name in METRICS[task]:
        key = f"delta.{name}"
        assert (got[key], got[f"{key}.ci_low"], got[f"{key}.ci_high"]) == (0.0, 0.0, 0.0)
        assert got[f"{key}.p_value"] == 1.0


def test_a_clearly_better_candidate_has_an_interval_above_zero() -> None:
    y, good = scored(1500, seed=2, noise=0.2)
    _, bad = scored(1500, seed=2, noise=1.5)
    got = paired_bootstrap("binary", y, good, bad, n_boot=500)
    assert got["delta.auroc"] == pytest.approx(
        compute_metrics("binary", y, good)["auroc"] - compute_metrics("binary", y, bad)["auroc"]
    )
    assert got["delta.auroc.ci_low"] > 0
    assert got["delta.auroc.p_value"] == delong_test(y, good, bad).p_value < 0.01
    assert got["delta.log_loss.ci_high"] < 0  # a raw difference: a better loss is negative
    assert got["delta.log_loss.p_value"] < 0.01


def test_paired_keys_and_a_chosen_metric() -> None:
    y, a = scored(300)
    _, b = scored(300, noise=2.0)
    got = paired_bootstrap("binary", y, a, b, metrics=["brier"], n_boot=50)
    assert list(got) == [
        "delta.brier",
        *(f"delta.brier.{p}" for p in ("ci_low", "ci_high", "p_value")),
    ]


def test_auroc_p_value_falls_back_to_the_bootstrap_when_delong_is_undefined() -> None:
    y = np.zeros(30, dtype=int)
    y[7] = 1
    a = np.linspace(0.01, 0.99, 30)
    got = paired_bootstrap("binary", y, a, a[::-1].copy(), metrics=["auroc"], n_boot=99)
    assert got["delta.auroc"] == pytest.approx(7 / 29 - 22 / 29)
    assert got["delta.auroc.p_value"] == _p_value(np.full(99, -1.0)) == 2 / 100


def test_bootstrap_p_value_counts_both_tails() -> None:
    assert _p_value(np.zeros(9)) == 1.0
    assert _p_value(np.arange(1.0, 10.0)) == pytest.approx(2 / 10)
    assert _p_value(np.r_[-1.0, np.ones(8)]) == pytest.approx(2 * 2 / 10)


def test_prefixed_names_production_metrics() -> None:
    values = {"auroc": 0.8, "auroc.ci_low": 0.75}
    assert prefixed(values, "production") == {
        "production.auroc": 0.8,
        "production.auroc.ci_low": 0.75,
    }
    with pytest.raises(UsageError, match="prefix must be a name such as 'production'"):
        prefixed(values, "production.")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_boot": 0}, "n_boot must be a positive integer, got 0"),
        ({"n_boot": 10.5}, "n_boot must be a positive integer, got 10.5"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"level": 1.0}, "level must be between 0 and 1 (exclusive), got 1.0"),
        ({"metrics": ["rmse"]}, "unknown binary metric 'rmse'"),
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object], message: str) -> None:
    y, s = scored(50)
    with pytest.raises(UsageError) as excinfo:
        bootstrap_metrics("binary", y, s, **options)  # type: ignore[arg-type]
    assert str(excinfo.value).startswith(message)
