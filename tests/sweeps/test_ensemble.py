"""Ensemble selection over out-of-fold predictions, ensemble configurations and the store
of out-of-fold predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agileds.sweeps._ensemble import (
    candidate_pool,
    flat_config,
    is_ensemble,
    members_of,
    select_ensemble,
    voting_model,
)
from agileds.sweeps._oof import OofStore, OutOfFold, oof_folder

ENSEMBLE_CONFIG = {
    "family": "ensemble",
    "members": [
        {"family": "logistic", "logistic.C": 0.5, "features.text": True},
        {"family": "random_forest", "random_forest.max_depth": 8, "features.text": False},
    ],
    "weights": [3, 1],
}


def test_configurations_of_ensembles_and_single_models() -> None:
    single = {"family": "logistic", "logistic.C": 1.0}
    assert not is_ensemble(single) and is_ensemble(ENSEMBLE_CONFIG)
    assert members_of(single) == [single]
    assert [m["family"] for m in members_of(ENSEMBLE_CONFIG)] == ["logistic", "random_forest"]
    assert flat_config(single) == single
    assert flat_config(ENSEMBLE_CONFIG) == {
        "family": "ensemble",
        "m1.weight": 3,
        "m1.family": "logistic",
        "m1.logistic.C": 0.5,
        "m1.features.text": True,
        "m2.weight": 1,
        "m2.family": "random_forest",
        "m2.random_forest.max_depth": 8,
        "m2.features.text": False,
    }


def test_averaging_two_independent_errors_beats_either_alone() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    a, b = y + rng.normal(size=2000), y + rng.normal(size=2000)
    chosen = select_ensemble(
        [(7, a), (3, b)], y, task="regression", metric="rmse", direction="minimize"
    )
    assert chosen.trials[0] == 7 and set(chosen.trials) == {3, 7}
    assert chosen.score < chosen.best_score
    rmse = np.sqrt(
        np.mean((y - (a * chosen.weights[0] + b * chosen.weights[1]) / sum(chosen.weights)) ** 2)
    )
    assert chosen.score == pytest.approx(rmse)
    assert chosen.best_score == pytest.approx(np.sqrt(np.mean((y - a) ** 2)))


def test_a_useless_candidate_leaves_the_best_trial_alone() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=1000)
    good = np.clip(y * 0.6 + rng.uniform(0, 0.4, size=1000), 0, 1)  # separates perfectly
    noise = rng.uniform(size=1000)
    chosen = select_ensemble(
        [(0, good), (1, noise)], y, task="binary", metric="auroc", direction="maximize"
    )
    assert (chosen.trials, chosen.weights, chosen.score, chosen.best_score) == ((0,), (1,), 1, 1)
    assert (chosen.weighed[0].trials, chosen.weighed[0].status) == ((0,), "chosen")


def _three_noisy_copies(seed: int) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=3000)
    return y, [(n, y + rng.normal(size=3000) * s) for n, s in ((4, 1.0), (5, 1.05), (6, 1.1))]


def test_a_latency_budget_keeps_costly_members_out() -> None:
    y, candidates = _three_noisy_copies(2)
    free = select_ensemble(candidates, y, task="regression", metric="rmse", direction="minimize")
    assert set(free.trials) == {4, 5, 6} and free.budget_ms is None  # all three help
    costs = [10.0, 30.0, 20.0]
    chosen = select_ensemble(
        candidates,
        y,
        task="regression",
        metric="rmse",
        direction="minimize",
        costs=costs,
        budget_ms=35.0,
    )
    assert set(chosen.trials) == {4, 6} and chosen.cost_ms == 30.0 and chosen.budget_ms == 35
    assert chosen.score > free.score  # the price of the budget, in rmse
    rows = {w.trials: (w.status, w.cost_ms) for w in chosen.weighed}
    assert rows[(4,)] == ("", 10.0)
    assert ("over budget", 40.0) in rows.values()  # #5 weighed and refused
    assert [k for k, (status, _) in rows.items() if status == "chosen"] == [(4, 6)]


def test_a_member_of_unknown_cost_never_joins_under_a_budget() -> None:
    y, candidates = _three_noisy_copies(3)
    chosen = select_ensemble(
        candidates,
        y,
        task="regression",
        metric="rmse",
        direction="minimize",
        costs=[10.0, None, None],
        budget_ms=1000.0,
    )
    assert chosen.trials == (4,) and chosen.cost_ms == 10.0
    assert chosen.score == chosen.best_score


def test_multiclass_selection_averages_class_probabilities() -> None:
    y = np.array(["a", "b", "c"] * 20)
    onehot = (y[:, None] == np.array(["a", "b", "c"])).astype(float)
    # Each candidate mistakes a different third of the rows for the next class.
    first, second = onehot.copy(), onehot.copy()
    first[:20] = np.roll(onehot[:20], 1, axis=1) * 0.6 + onehot[:20] * 0.4
    second[20:40] = np.roll(onehot[20:40], 1, axis=1) * 0.6 + onehot[20:40] * 0.4
    chosen = select_ensemble(
        [(0, first), (1, second)],
        y,
        task="multiclass",
        metric="macro_f1",
        direction="maximize",
        labels=("a", "b", "c"),
    )
    assert chosen.trials == (0, 1) and chosen.score == 1.0 > chosen.best_score


def test_voting_models_weigh_their_members() -> None:
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    classifier = voting_model([LogisticRegression(), LogisticRegression(C=0.1)], [2, 1], "binary")
    assert isinstance(classifier, VotingClassifier) and classifier.voting == "soft"
    assert classifier.weights == [2, 1] and [n for n, _ in classifier.estimators] == ["m1", "m2"]
    assert isinstance(voting_model([Ridge()], [1], "regression"), VotingRegressor)


def _study_with_trials(values: list[tuple[dict, float]]):
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    study = optuna.create_study(direction="maximize")
    for params, value in values:
        distributions = {
            "family": CategoricalDistribution(["logistic", "random_forest"]),
            "bucketing": CategoricalDistribution([True, False]),
            "C": FloatDistribution(1e-3, 1e2, log=True),
        }
        study.add_trial(
            optuna.trial.create_trial(
                params=params, distributions={k: distributions[k] for k in params}, value=value
            )
        )
    return study


def test_the_pool_holds_the_best_trial_of_each_structure(tmp_path: Path) -> None:
    study = _study_with_trials(
        [
            ({"family": "logistic", "bucketing": False, "C": 1.0}, 0.80),  # 0
            ({"family": "logistic", "bucketing": False, "C": 0.1}, 0.85),  # 1: best plain
            ({"family": "logistic", "bucketing": True, "C": 1.0}, 0.90),  # 2: best
            ({"family": "random_forest", "bucketing": False}, 0.70),  # 3: no predictions
            ({"family": "random_forest", "bucketing": True}, 0.60),  # 4
        ]
    )
    store = OofStore(tmp_path / "oof")
    for number in (0, 1, 2, 4):
        store.save(number, np.full(5, number / 10))
    pool = candidate_pool(study, store)
    assert [number for number, _ in pool] == [2, 1, 4]
    assert pool[1][1] == pytest.approx(np.full(5, 0.1))
    assert [n for n, _ in candidate_pool(study, store, size=2)] == [2, 1]


def test_out_of_fold_predictions_average_the_repeats() -> None:
    folds = OutOfFold(4)
    folds.add(np.array([0, 1]), np.array([0.2, 0.4]))
    assert folds.result() is None  # rows 2 and 3 not validated yet
    folds.add(np.array([2, 3]), np.array([0.6, 0.8]))
    folds.add(np.array([0, 3]), np.array([0.4, 1.0]))  # a second repeat
    assert folds.result() == pytest.approx([0.3, 0.4, 0.6, 0.9])
    matrix = OutOfFold(2)
    matrix.add(np.array([0, 1]), np.array([[0.1, 0.9], [0.7, 0.3]]))
    assert matrix.result() == pytest.approx(np.array([[0.1, 0.9], [0.7, 0.3]]))


def test_the_store_saves_atomically_loads_and_clears(tmp_path: Path) -> None:
    folder = oof_folder(tmp_path, "STORY-1")
    assert folder == tmp_path / "mlruns" / "oof" / "STORY-1"
    store = OofStore(folder)
    assert store.load(0) is None
    store.save(0, np.array([0.25, 0.5]))
    assert store.load(0) == pytest.approx([0.25, 0.5])
    assert sorted(p.name for p in folder.iterdir()) == ["0.npy"]  # no temporary left behind
    store.clear()
    assert not folder.exists() and store.load(0) is None
