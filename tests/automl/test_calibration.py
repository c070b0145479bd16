"""Probability calibration of classifiers: a search choice that wraps the estimator."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from threadpoolctl import threadpool_limits

from agileds.automl import (
    CALIBRATIONS,
    ColumnKind,
    build_pipeline,
    default_params,
    infer_column_kinds,
    make_estimator,
    validate_overrides,
)
from agileds.errors import UsageError
from tests.automl.test_columns import mixed_frame
from tests.automl.test_families import targets

SMALL = {"hashing_size": 64, "random_forest.n_estimators": 50}


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return mixed_frame(n=300).drop(columns="y")


@pytest.fixture(scope="module")
def kinds(frame: pd.DataFrame) -> dict[str, ColumnKind]:
    return infer_column_kinds(frame.assign(y=0), target="y")


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_wraps_the_classifier(method: str) -> None:
    model = make_estimator("random_forest", "binary", {"calibration": method}, seed=4)
    assert isinstance(model, CalibratedClassifierCV)
    assert (model.method, model.cv) == (method, 3)
    assert model.estimator.get_params()["random_state"] == 4
    assert type(make_estimator("logistic", "binary", {}, 0)).__name__ == "QuietLogisticRegression"


@pytest.mark.parametrize(
    ("family", "task", "method"),
    [
        ("logistic", "binary", "sigmoid"),
        ("random_forest", "binary", "isotonic"),
        ("logistic", "multiclass", "isotonic"),
        ("random_forest", "multiclass", "sigmoid"),
    ],
)
def test_calibrated_pipeline_fits_predicts_and_pickles(
    family: str, task: str, method: str, frame, kinds
) -> None:
    y = targets(frame, task)
    params = {**default_params(family, task=task, kinds=kinds), **SMALL, "calibration": method}
    model = build_pipeline(kinds, params, family, task, list(kinds), seed=0)
    model.fit(frame.iloc[:200], y.iloc[:200])
    proba = model.predict_proba(frame.iloc[200:])
    assert proba.shape == (100, y.nunique())
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == sorted(y.unique())
    assert (model.predict(frame.iloc[200:]) == y.iloc[200:]).mean() > 0.45
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(frame.iloc[200:]), proba)
    assert clone(model).get_params()["model__method"] == method


def test_calibration_is_only_for_classifiers(kinds) -> None:
    assert "calibration" not in default_params("logistic", task="regression", kinds=kinds)
    for task in ("binary", "multiclass"):
        assert default_params("logistic", task=task, kinds=kinds)["calibration"] == "none"
    assert CALIBRATIONS == ("none", "sigmoid", "isotonic")
    with pytest.raises(UsageError) as info:
        make_estimator("logistic", "regression", {"calibration": "sigmoid"}, 0)
    assert str(info.value) == (
        "calibration applies to classifiers only, got 'sigmoid' for a regression task; use 'none'"
    )
    assert type(make_estimator("logistic", "regression", {"calibration": "none"}, 0)).__name__ == (
        "Ridge"
    )


def test_bad_calibration_values() -> None:
    with pytest.raises(UsageError) as info:
        make_estimator("logistic", "binary", {"calibration": "platt"}, 0)
    assert str(info.value) == (
        "calibration must be one of none, sigmoid, isotonic, got 'platt'; use 'none'"
    )
    with pytest.raises(UsageError, match=r"^search-space override 'calibration' applies to "):
        validate_overrides({"calibration": "sigmoid"}, task="regression")
    validate_overrides({"calibration": ["none", "isotonic"]}, task="multiclass")
