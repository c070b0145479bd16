"""Metrics per task: hand-computed examples, agreement with scikit-learn, counts as repeats."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as skm

from agileds.errors import DataError, UsageError
from agileds.evaluation import METRICS, compute_metrics, direction, primary_metric
from agileds.evaluation._metrics import prepare


def binary_data(seed: int, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities rounded to 2 decimals, so scores tie within and across classes."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(int)
    return y, np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1).round(2)


def multiclass_data(seed: int, n: int = 400, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    proba = np.exp(logits)
    return y, proba / proba.sum(axis=1, keepdims=True)


def regression_data(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(100, 10, n)
    return y, y + rng.normal(0, 5, n)


def test_registry_directions_and_primary_metrics() -> None:
    assert list(METRICS) == ["binary", "multiclass", "regression"]
    assert set(METRICS["binary"]) == {
        *("auroc", "aupr", "log_loss", "brier", "ece"),
        *("f1", "precision", "recall", "accuracy"),
    }
    assert [primary_metric(t) for t in METRICS] == ["auroc", "macro_f1", "rmse"]
    assert direction("auroc") == "maximize"
    assert direction("r2") == "maximize"
    assert {direction(m) for m in ("log_loss", "brier", "ece", "rmse", "mae")} == {"minimize"}


def test_small_binary_example_by_hand() -> None:
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered -> 0.75.
    # Ranked by score: 0.8 (pos, precision 1, recall 1/2), 0.4 (neg), 0.35 (pos, precision
    # 2/3, recall 1) -> AP = 1/2 * 1 + 1/2 * 2/3. At 0.5 only 0.8 is predicted positive.
    got = compute_metrics("binary", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert got["auroc"] == pytest.approx(0.75)
    assert got["aupr"] == pytest.approx(5 / 6)
    assert got["brier"] == pytest.approx((0.1**2 + 0.4**2 + 0.65**2 + 0.2**2) / 4)
    assert got["log_loss"] == pytest.approx(-(math.log(0.9 * 0.6 * 0.35 * 0.8)) / 4)
    assert (got["precision"], got["recall"]) == (1.0, 0.5)
    assert got["f1"] == pytest.approx(2 / 3)
    assert got["accuracy"] == 0.75


def test_ece_by_hand() -> None:
    # Bin [0.1, 0.2): scores 0.12, 0.18, labels 0, 1 -> mean score 0.15, positives 0.5.
    # Bin [0.6, 0.7): 0.62, 0.66, labels 0, 1 -> 0.64 vs 0.5.  Bin [0.9, 1]: 0.95, 1 -> 0.95 vs 1.
    # ECE = 2/5 * 0.35 + 2/5 * 0.14 + 1/5 * 0.05 = 0.14 + 0.056 + 0.01 = 0.206.
    got = compute_metrics("binary", [0, 1, 0, 1, 1], [0.12, 0.18, 0.62, 0.66, 0.95], metrics="ece")
    assert got == {"ece": pytest.approx(0.206)}


def test_ece_bins_are_half_open_and_the_last_is_closed() -> None:
    # 0.3 opens bin [0.3, 0.4) with 0.35; 1.0 joins 0.9 in the last bin [0.9, 1].
    got = compute_metrics("binary", [1, 0, 1, 0], [0.3, 0.35, 1.0, 0.9], metrics=["ece"])
    assert got["ece"] == pytest.approx((abs(0.65 - 1) + abs(1.9 - 1)) / 4)


def test_ties_count_half_and_threshold_is_inclusive() -> None:
    # Pairs: (0.5 vs 0.5) = 1/2, (0.5 vs 0.2) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.2) = 1.
    got = compute_metrics("binary", [0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])
    assert got["auroc"] == 0.875
    assert (got["recall"], got["precision"]) == (1.0, 2 / 3)


def test_undefined_precision_is_zero() -> None:
    got = compute_metrics("binary", [0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], threshold=0.9)
    assert (got["precision"], got["recall"], got["f1"]) == (0.0, 0.0, 0.0)


def test_multiclass_by_hand() -> None:
    # Predicted [0, 2, 2, 2]: F1 class 0 = 1, class 1 = 0, class 2 = 2*2 / (2*2 + 1 + 0) = 0.8.
    proba = [[0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.1, 0.6]]
    got = compute_metrics("multiclass", [0, 1, 2, 2], proba)
    assert got["macro_f1"] == pytest.approx(0.6)
    assert got["accuracy"] == 0.75
    assert got["log_loss"] == pytest.approx(-math.log(0.8 * 0.3 * 0.8 * 0.6) / 4)


def test_regression_by_hand() -> None:
    # Errors [0, 0, 0, -2]: RMSE sqrt(4/4), MAE 2/4, R2 = 1 - 4 / (2.25 + 0.25 + 0.25 + 2.25).
    got = compute_metrics("regression", [1, 2, 3, 4], [1, 2, 3, 6])
    assert got == {"rmse": 1.0, "mae": 0.5, "r2": pytest.approx(0.2)}


def test_constant_regression_target_gives_r2_like_scikit_learn() -> None:
    assert compute_metrics("regression", [3, 3], [3, 3])["r2"] == 1.0
    assert compute_metrics("regression", [3, 3], [3, 4])["r2"] == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_agrees_with_scikit_learn(seed: int) -> None:
    y, s = binary_data(seed)
    pred = (s >= 0.5).astype(int)
    got = compute_metrics("binary", y, s)
    assert got["auroc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert got["aupr"] == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, y_proba=s), abs=1e-12)
    assert got["brier"] == pytest.approx(skm.brier_score_loss(y, s), abs=1e-12)
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred), abs=1e-12)
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred), abs=1e-12)
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred), abs=1e-12)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)


def test_log_loss_clips_certain_mistakes_like_scikit_learn() -> None:
    y, s = [0, 1, 1], [1.0, 0.0, 1.0]
    got = compute_metrics("binary", y, s, metrics=["log_loss"])["log_loss"]
    assert got == pytest.approx(skm.log_loss(y, y_proba=s))


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_agrees_with_scikit_learn(seed: int) -> None:
    y, proba = multiclass_data(seed)
    pred = proba.argmax(axis=1)
    got = compute_metrics("multiclass", y, proba)
    assert got["macro_f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, y_proba=proba), abs=1e-12)


def test_macro_f1_averages_classes_in_truth_or_predictions_like_scikit_learn() -> None:
    # Class "c" is never true nor predicted; "b" is predicted but never true.
    y = ["a", "a", "a"]
    proba = [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0]]
    got = compute_metrics("multiclass", y, proba, labels=["a", "b", "c"], metrics=["macro_f1"])
    pred = np.array(["a", "b", "a"])
    assert got["macro_f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))


def test_multiclass_labels_name_the_score_columns() -> None:
    proba = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]])
    by_name = compute_metrics("multiclass", ["x", "y", "y"], proba[:, ::-1], labels=["y", "x"])
    assert by_name == compute_metrics("multiclass", [0, 1, 1], proba)


@pytest.mark.parametrize("seed", [0, 1])
def test_regression_agrees_with_scikit_learn(seed: int) -> None:
    y, pred = regression_data(seed)
    got = compute_metrics("regression", y, pred)
    assert got["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-12)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-12)
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-10)


CASES = {
    "binary": binary_data(3, 120),
    "multiclass": multiclass_data(3, 120),
    "regression": regression_data(3, 120),
}


@pytest.mark.parametrize("task", list(CASES))
def test_row_counts_score_like_repeated_rows(task: str) -> None:
    y, scores = CASES[task]
    labels = [0, 1, 2, 3] if task == "multiclass" else None
    counts = np.random.default_rng(7).integers(0, 4, size=(3, len(y)))
    counts[:, [int(np.argmin(y)), int(np.argmax(y))]] = 1  # keep both binary classes
    data = prepare(task, y, scores, labels=labels)
    got = data.evaluate(counts[:, data.order], list(METRICS[task]))
    for row in range(3):
        keep = np.repeat(np.arange(len(y)), counts[row])
        want = compute_metrics(task, y[keep], scores[keep], labels=labels)
        for name, value in want.items():
            assert got[name][row] == pytest.approx(value, abs=1e-12), name


def test_binary_labels_name_negative_and_positive() -> None:
    y = ["no", "yes", "no", "yes"]
    s = [0.1, 0.2, 0.3, 0.4]
    assert compute_metrics("binary", y, s, labels=("no", "yes")) == compute_metrics(
        "binary", [0, 1, 0, 1], s
    )


def test_boolean_labels_are_binary() -> None:
    got = compute_metrics("binary", [False, True], [0.2, 0.9], metrics=["auroc"])
    assert got == {"auroc": 1.0}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: compute_metrics("ranking", [0, 1], [0.1, 0.9]),
            UsageError,
            "unknown task 'ranking'; use one of binary, multiclass, regression",
        ),
        (
            lambda: compute_metrics("binary", [0, 1], [0.1, 0.9], metrics=["auc"]),
            UsageError,
            "unknown binary metric 'auc'; use one of auroc, aupr, log_loss, brier, ece, f1, "
            "precision, recall, accuracy",
        ),
        (lambda: direction("speed"), UsageError, "unknown metric 'speed'; use one of "),
        (
            lambda: compute_metrics("binary", [0, 1], [0.1, 0.9], threshold=1.5),
            UsageError,
            "threshold must be between 0 and 1, got 1.5",
        ),
        (
            lambda: compute_metrics("binary", [0, 0], [0.1, 0.9]),
            DataError,
            "binary metrics need both classes in y_true, got only negatives",
        ),
        (
            lambda: compute_metrics("binary", [0, 1], [-0.1, 0.9]),
            DataError,
            "binary scores must be positive-class probabilities in [0, 1]",
        ),
        (
            lambda: compute_metrics("binary", [0, 1], [[0.9, 0.1], [0.2, 0.8]]),
            DataError,
            "scores must be 1-D, got shape (2, 2)",
        ),
        (
            lambda: compute_metrics("binary", [0, 1, 1], [0.1, 0.9]),
            DataError,
            "scores has 2 rows but y_true has 3",
        ),
        (
            lambda: compute_metrics("binary", [0, 1], [0.1, float("nan")]),
            DataError,
            "scores contains NaN or infinite values; drop or impute them first",
        ),
        (
            lambda: compute_metrics("binary", ["no", "yes"], [0.1, 0.9]),
            DataError,
            "binary y_true must be 0/1, got 'no'; pass labels=(neg, pos)",
        ),
        (
            lambda: compute_metrics("binary", ["no", "maybe"], [0.1, 0.9], labels=("no", "yes")),
            DataError,
            "y_true has label 'maybe', not one of ['no', 'yes']",
        ),
        (
            lambda: compute_metrics("multiclass", [0, 1], [[0.5, 0.5, 0.0], [0.1, 0.8, 0.1]]),
            DataError,
            "scores have 3 columns but there are 2 classes [0, 1]; "
            "pass labels= in the order of the score columns",
        ),
        (
            lambda: compute_metrics("multiclass", [0, 1], [[0.5, 0.6], [0.1, 0.9]]),
            DataError,
            "multiclass scores must be class probabilities with rows summing to 1",
        ),
        (
            lambda: compute_metrics("regression", [], []),
            DataError,
            "y_true is empty",
        ),
    ],
)
def test_errors_are_one_line_and_say_what_to_do(call, error, message: str) -> None:
    with pytest.raises(error) as excinfo:
        call()
    assert str(excinfo.value).startswith(message)
    assert "\n" not in str(excinfo.value)


def test_import_stays_light() -> None:
    code = (
        "import sys, agileds.evaluation; "
        "assert not {'sklearn', 'scipy', 'pandas'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
