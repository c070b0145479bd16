"""Model families × tasks as full pipelines, and their Optuna search spaces with overrides."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Iterator

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from agileds.automl import (
    CALIBRATIONS,
    FAMILIES,
    PREPROCESSING_SPACE,
    ColumnKind,
    build_pipeline,
    default_params,
    feature_columns,
    infer_column_kinds,
    make_estimator,
    suggest_config,
    suggest_params,
    suggest_preprocessing,
    validate_overrides,
)
from agileds.errors import UsageError
from tests.automl.test_columns import mixed_frame

optuna.logging.set_verbosity(optuna.logging.WARNING)

TASKS = ["binary", "multiclass", "regression"]
SMALL = {"hashing_size": 64, "hist_gradient_boosting.max_iter": 50}  # keeps the suite fast


def targets(frame: pd.DataFrame, task: str) -> pd.Series:
    """A learnable label: revenue, title and a German word in the description."""
    rng = np.random.default_rng(1)
    score = (
        np.log(frame["annual_revenue"].fillna(1e5))
        + 1.5 * (frame["title"] == "CEO")
        + 1.0 * frame["description"].str.contains("Angebot")
        + rng.normal(0, 0.3, len(frame))
    )
    if task == "regression":
        return score
    edges = score.quantile([0.5] if task == "binary" else [1 / 3, 2 / 3])
    return pd.Series(np.searchsorted(edges.to_numpy(), score), index=frame.index)


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Small fits: OpenMP threads only add contention (10x slower on a busy 2-core box)."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return mixed_frame(n=400).drop(columns="y")


@pytest.fixture(scope="module")
def kinds(frame: pd.DataFrame) -> dict[str, ColumnKind]:
    return infer_column_kinds(frame.assign(y=0), target="y")


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_fits_every_task(family: str, task: str, frame, kinds) -> None:
    y = targets(frame, task)
    params = {**default_params(family, task=task, kinds=kinds), **SMALL}
    model = build_pipeline(kinds, params, family, task, feature_columns(kinds, {}, {}), seed=3)
    model.fit(frame.iloc[:300], y.iloc[:300])
    predicted = model.predict(frame.iloc[300:])
    assert predicted.shape == (100,)
    if task == "regression":
        assert np.corrcoef(predicted, y.iloc[300:])[0, 1] > 0.5
    else:
        assert model.predict_proba(frame.iloc[300:]).shape == (100, y.nunique())
        assert (predicted == y.iloc[300:]).mean() > (0.6 if task == "binary" else 0.45)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fitted_pipeline_pickles_and_clones(family: str, frame, kinds) -> None:
    y = targets(frame, "binary")
    model = build_pipeline(kinds, SMALL, family, "binary", list(kinds), seed=0).fit(frame, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    fresh = clone(model)
    assert fresh.get_params()["model__random_state"] == 0
    np.testing.assert_array_equal(fresh.fit(frame, y).predict(frame), model.predict(frame))


def test_logistic_fit_does_not_warn_about_convergence(frame, kinds) -> None:
    params = {"logistic.solver": "saga", "logistic.C": 100.0, "hashing_size": 512}
    model = build_pipeline(kinds, params, "logistic", "multiclass", list(kinds))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(frame, targets(frame, "multiclass"))


def test_make_estimator_uses_prefixed_params_and_seed() -> None:
    params = {"random_forest.n_estimators": 60, "max_depth": 4, "logistic.C": 9.0}
    forest = make_estimator("random_forest", "regression", params, seed=7)
    assert type(forest).__name__ == "RandomForestRegressor"
    got = forest.get_params()
    assert (got["n_estimators"], got["max_depth"], got["random_state"]) == (60, 4, 7)
    assert type(make_estimator("logistic", "regression", {}, 0)).__name__ == "Ridge"


def test_unknown_family_and_task() -> None:
    with pytest.raises(UsageError) as info:
        make_estimator("xgboost", "binary", {}, 0)
    assert str(info.value) == (
        "unknown model family 'xgboost'; use one of logistic (or ridge, linear), random_forest, "
        "hist_gradient_boosting"
    )
    with pytest.raises(UsageError, match=r"^unknown task 'ranking'; use one of binary, "):
        make_estimator("logistic", "ranking", {}, 0)


def test_suggest_params_with_a_fixed_trial() -> None:
    values = {
        "hist_gradient_boosting.learning_rate": 0.05,
        "hist_gradient_boosting.max_iter": 200,
        "hist_gradient_boosting.max_leaf_nodes": 16,
        "hist_gradient_boosting.min_samples_leaf": 10,
        "hist_gradient_boosting.l2_regularization": 0.1,
    }
    trial = optuna.trial.FixedTrial(values)
    assert suggest_params(trial, "hist_gradient_boosting") == values


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_default_params_round_trip_through_a_fixed_trial(family: str, task: str, kinds) -> None:
    for given in (None, kinds):
        defaults = default_params(family, task=task, kinds=given)
        trial = optuna.trial.FixedTrial(defaults)
        assert suggest_config(trial, list(FAMILIES), task=task, kinds=given) == defaults
    chosen = {**defaults, "text_derived": False, "bucketing": True}
    if task != "regression":
        chosen["calibration"] = "isotonic"
    trial = optuna.trial.FixedTrial(chosen)
    assert suggest_config(trial, list(FAMILIES), task=task, kinds=kinds) == chosen


@pytest.mark.parametrize("task", TASKS)
def test_preprocessing_keys_and_defaults(task: str, kinds) -> None:
    defaults = default_params("random_forest", task=task, kinds=kinds)
    expected = {
        "top_k": 20,
        "text_features": "tfidf",
        "hashing_size": 128,
        "text_derived": True,
        "bucketing": False,
    }
    if task != "regression":
        expected["calibration"] = "none"
    assert {k: v for k, v in defaults.items() if "." not in k and k != "family"} == expected
    assert set(PREPROCESSING_SPACE) == {*expected, "calibration"}
    only_dates = default_params("random_forest", task=task, kinds={"d": ColumnKind.DATETIME})
    assert not {"top_k", "text_derived", "bucketing"} & set(only_dates)


def test_a_real_study_searches_the_new_choices(kinds) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    overrides = {"text_features": "off"}

    def objective(trial: optuna.Trial) -> float:
        suggest_config(trial, ["logistic"], task="multiclass", kinds=kinds, overrides=overrides)
        return 0.0

    study.optimize(objective, n_trials=12)
    params = [trial.params for trial in study.trials]
    for name in ("text_derived", "bucketing", "calibration"):
        assert len({p[name] for p in params}) > 1, name
    assert not any("hashing_size" in p or "text_features" in p for p in params)
    assert {p["calibration"] for p in params} <= set(CALIBRATIONS)


def test_enqueued_defaults_are_trial_zero(kinds) -> None:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    defaults = default_params("random_forest", task="binary", kinds=kinds)
    study.enqueue_trial(defaults)
    configs: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        configs.append(suggest_config(trial, list(FAMILIES), task="binary", kinds=kinds))
        return 0.0

    study.optimize(objective, n_trials=2)
    assert configs[0] == defaults
    assert study.trials[0].params == defaults


def test_overrides_are_honoured_in_a_real_study() -> None:
    overrides = {
        "logistic.solver": "saga",
        "logistic.C": {"low": 0.5, "high": 2.0},
        "logistic.class_weight": ["balanced"],
        "top_k": [5, 10],
    }
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        config = suggest_preprocessing(trial, overrides=overrides)
        config.update(suggest_params(trial, "logistic", overrides=overrides))
        seen.append(config)
        return float(config["logistic.C"])  # type: ignore[arg-type]

    study.optimize(objective, n_trials=3)
    assert len(seen) == 3
    for config, trial in zip(seen, study.trials, strict=True):
        assert config["logistic.solver"] == "saga"
        assert "logistic.solver" not in trial.params  # fixed, not searched
        assert 0.5 <= config["logistic.C"] <= 2.0  # type: ignore[operator]
        assert config["logistic.class_weight"] == "balanced"
        assert config["top_k"] in (5, 10)


def test_default_params_honour_overrides() -> None:
    overrides = {"random_forest.max_depth": {"low": 3, "high": 8}, "hashing_size": 64}
    defaults = default_params("random_forest", overrides=overrides)
    assert defaults["random_forest.max_depth"] == 8 and defaults["hashing_size"] == 64
    overrides = {"bucketing": True, "calibration": ["sigmoid", "isotonic"], "text_derived": [False]}
    defaults = default_params("random_forest", overrides=overrides)
    assert (defaults["bucketing"], defaults["calibration"], defaults["text_derived"]) == (
        True,
        "sigmoid",
        False,
    )


def test_preprocessing_space_follows_the_column_kinds() -> None:
    trial = optuna.trial.FixedTrial({"top_k": 10})
    assert suggest_preprocessing(trial, kinds={"a": ColumnKind.CATEGORICAL}) == {"top_k": 10}
    assert default_params("logistic", kinds={"a": ColumnKind.NUMERIC}) == {
        "family": "logistic",
        "bucketing": False,
        "calibration": "none",
        "logistic.solver": "lbfgs",
        "logistic.C": 1.0,
        "logistic.class_weight": None,
    }
    assert default_params("logistic", task="regression", kinds={"a": ColumnKind.DATETIME}) == {
        "family": "ridge",  # the linear family of a regression is a ridge regression
        "ridge.alpha": 1.0,
    }
    off = {"text_features": "off", "text_derived": False}
    trial = optuna.trial.FixedTrial(off)
    assert suggest_preprocessing(trial, kinds={"d": ColumnKind.TEXT}) == off


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"logistic.alpha": 1.0}, "unknown search-space override 'logistic.alpha'; use one of "),
        (
            {"random_forest.max_depth": {"low": 9, "high": 3}},
            "search-space override 'random_forest.max_depth' needs integers low <= high, "
            "got low=9, high=3; e.g. {low: 3, high: 20}",
        ),
        ({"top_k": {"low": 5}}, "search-space override 'top_k' gives a range, but 'top_k' is a"),
        (
            {"logistic.C": "big"},
            "search-space override 'logistic.C' must be a number, got 'big'; e.g. 1.0 or "
            "{low: 0.001, high: 100.0}",
        ),
    ],
)
def test_bad_overrides(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as info:
        validate_overrides(overrides, task="binary")
    assert str(info.value).startswith(message)


def test_the_linear_family_is_named_by_its_task_and_old_names_still_read() -> None:
    from agileds.automl import canonical_config, canonical_family

    assert canonical_family("logistic", "regression") == "ridge"
    assert canonical_family("ridge", "binary") == "logistic"
    assert canonical_family("random_forest", "regression") == "random_forest"
    defaults = default_params("logistic", task="regression")
    assert defaults["family"] == "ridge" and "ridge.alpha" in defaults
    assert not any(k.startswith("logistic") for k in defaults)
    stored = {"family": "logistic", "logistic.alpha": 3.0, "top_k": 5}  # before "ridge"
    assert canonical_config(stored, "regression") == {
        "family": "ridge",
        "ridge.alpha": 3.0,
        "top_k": 5,
    }
    assert make_estimator("logistic", "regression", stored, 0).alpha == 3.0
    assert make_estimator("ridge", "regression", {"ridge.alpha": 2.0}, 0).alpha == 2.0
    validate_overrides({"logistic.alpha": 1.0, "ridge.alpha": 1.0}, task="regression")
    fixed = optuna.trial.FixedTrial({"family": "ridge", "ridge.alpha": 0.5})
    dates = {"a": ColumnKind.DATETIME}  # no preprocessing choice applies
    config = suggest_config(fixed, ["logistic", "random_forest"], task="regression", kinds=dates)
    assert (config["family"], config["ridge.alpha"]) == ("ridge", 0.5)


def test_a_study_from_before_ridge_resumes_under_its_stored_choices() -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study()
    old = optuna.distributions.CategoricalDistribution(["logistic", "random_forest"])
    study.add_trial(
        optuna.trial.create_trial(
            params={"family": "logistic"}, distributions={"family": old}, value=1.0
        )
    )
    families = ["logistic", "random_forest"]
    for _ in range(3):  # Optuna refuses new choices for a stored parameter
        trial = study.ask()
        config = suggest_config(trial, families, task="regression")
        assert config["family"] in ("ridge", "random_forest")
        study.tell(trial, 1.0)
    assert {t.params["family"] for t in study.trials} <= {"logistic", "random_forest"}
