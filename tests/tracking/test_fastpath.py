"""The row plan gives the pipeline's numbers for every family, ensembles included, on odd
rows; it hands anything it does not know back to the pipeline; and the pyfunc loaded from a
real SQLite MLflow store answers small inputs through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from agileds.automl import build_pipeline, infer_column_kinds
from agileds.automl._fastpath import FAST_ROWS, Unsupported, compile_plan, fast_call
from agileds.data import make_leads
from agileds.evaluation import _serving
from agileds.sweeps._ensemble import voting_model
from agileds.tracking import RunLogger, log_model, register_model, resolve_model_uri
from agileds.tracking._fastpath import FAST_PATH_ENV, LOADER_MODULE, FastPyfunc

pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")

TARGET = "is_closed"
DROP = ("lead_id", "deal_stage_final")
SMALL = {
    "random_forest.n_estimators": 12,
    "hist_gradient_boosting.max_iter": 15,
    "logistic.solver": "lbfgs",
}
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    """Demo leads: text, categories, a date column, numbers with gaps, blank descriptions."""
    frame = make_leads(400, seed=5)
    frame.loc[::17, "annual_revenue"] = np.nan
    frame.loc[::23, "industry"] = np.nan
    return frame


@pytest.fixture(scope="module")
def kinds(leads: pd.DataFrame) -> dict[str, Any]:
    return infer_column_kinds(leads, target=TARGET, drop=DROP)


@pytest.fixture(scope="module")
def odd(leads: pd.DataFrame) -> pd.DataFrame:
    """Rows with missing values, unseen categories, empty text and odd dates."""
    rows = leads.head(12).drop(columns=[TARGET]).copy()
    edits = [
        ("title", "Astronaut"),  # an unseen category
        ("customer_id", np.nan),
        ("description", ""),
        ("description", np.nan),
        ("description", "   "),
        ("created_at", "2024-02-30"),  # no such day
        ("created_at", "2024-03-01T10:11:12+02:00"),  # an offset: pandas parses it
        ("created_at", "not a date"),
        ("created_at", np.nan),
        ("annual_revenue", np.nan),
        ("employees", np.nan),
        ("lead_source", "carrier pigeon"),
    ]
    for i, (column, value) in enumerate(edits):
        rows[column] = rows[column].astype(object)
        rows.iloc[i, rows.columns.get_loc(column)] = value
    return rows


def _fit(leads: pd.DataFrame, kinds: dict[str, Any], family: str, task: str, **params: Any) -> Any:
    y = _target(leads, task)
    pipeline = build_pipeline(kinds, {**SMALL, **params}, family, task, list(kinds), seed=0)
    return pipeline.fit(leads.drop(columns=[TARGET]), y)


def _target(leads: pd.DataFrame, task: str) -> pd.Series:
    if task == "regression":
        return leads["days_open"] * 0.5 + leads[TARGET]
    if task == "multiclass":
        return leads["lead_source"].where(leads["lead_source"].isin(["web", "event"]), "other")
    return leads[TARGET]


def _frames(leads: pd.DataFrame, odd: pd.DataFrame) -> list[pd.DataFrame]:
    x = leads.drop(columns=[TARGET])
    singles = [x.iloc[[i]] for i in range(0, 60, 7)] + [odd.iloc[[i]] for i in range(len(odd))]
    return [*singles, odd, x.head(FAST_ROWS)]


def _assert_same(model: Any, frames: list[pd.DataFrame], method: str) -> None:
    plan = compile_plan(model)
    assert plan is not None
    for frame in frames:
        expected = getattr(model, method)(frame)
        got = plan.call(method, frame)
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


CASES = [
    ("logistic", "binary", {}),
    ("random_forest", "binary", {}),
    ("hist_gradient_boosting", "binary", {}),
    ("logistic", "binary", {"text_features": "hashing", "bucketing": True, "top_k": 5}),
    ("random_forest", "binary", {"text_features": "off", "calibration": "sigmoid"}),
    ("hist_gradient_boosting", "binary", {"calibration": "isotonic", "scale": True}),
    ("logistic", "multiclass", {}),
    ("random_forest", "multiclass", {"bucketing": True}),
    ("ridge", "regression", {}),
    ("random_forest", "regression", {"text_derived": False}),
    ("hist_gradient_boosting", "regression", {"blank_as_null": False}),
]


@pytest.mark.parametrize(("family", "task", "params"), CASES, ids=lambda v: str(v))
def test_plan_equals_the_pipeline(
    leads: pd.DataFrame,
    kinds: dict[str, Any],
    odd: pd.DataFrame,
    family: str,
    task: str,
    params: dict[str, Any],
) -> None:
    model = _fit(leads, kinds, family, task, **params)
    method = "predict" if task == "regression" else "predict_proba"
    _assert_same(model, _frames(leads, odd), method)
    if task != "regression":  # a classifier's labels too
        _assert_same_labels(model, _frames(leads, odd))


def _assert_same_labels(model: Any, frames: list[pd.DataFrame]) -> None:
    plan = compile_plan(model)
    assert plan is not None
    for frame in frames:
        assert list(plan.predict(frame)) == list(model.predict(frame))


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_plan_equals_a_voting_ensemble(
    leads: pd.DataFrame, kinds: dict[str, Any], odd: pd.DataFrame, task: str
) -> None:
    families = ["logistic", "random_forest", "hist_gradient_boosting"]
    members = [
        build_pipeline(kinds, {**SMALL, "top_k": 5 + 5 * i}, f, task, list(kinds), seed=i)
        for i, f in enumerate(families)
    ]
    ensemble = voting_model(members, [2.0, 1.0, 1.0], task)
    ensemble.fit(leads.drop(columns=[TARGET]), _target(leads, task))
    method = "predict" if task == "regression" else "predict_proba"
    _assert_same(ensemble, _frames(leads, odd), method)


def test_values_the_plan_does_not_handle_go_to_the_pipeline(
    leads: pd.DataFrame, kinds: dict[str, Any]
) -> None:
    model = _fit(leads, kinds, "logistic", "binary")
    plan = compile_plan(model)
    assert plan is not None
    row = leads.drop(columns=[TARGET]).head(1)
    text_number = row.astype({"annual_revenue": object})
    text_number.iloc[0, text_number.columns.get_loc("annual_revenue")] = "1e6"
    with pytest.raises(Unsupported):
        plan.predict_proba(text_number)
    with pytest.raises(Unsupported):
        plan.predict_proba(row.drop(columns=["title"]))
    parsed = row.assign(created_at=pd.to_datetime(row["created_at"]))
    with pytest.raises(Unsupported):
        plan.predict_proba(parsed)
    # fast_call answers each through the pipeline: its numbers, or its error
    for frame in (text_number, parsed):
        np.testing.assert_array_equal(
            fast_call(model, plan, "predict_proba", frame), model.predict_proba(frame)
        )
    with pytest.raises(ValueError, match="title"):
        fast_call(model, plan, "predict_proba", row.drop(columns=["title"]))


def test_models_with_unknown_parts_have_no_plan(leads: pd.DataFrame) -> None:
    features = ColumnTransformer([("num", FunctionTransformer(), ["days_open", "employees"])])
    plain = Pipeline([("features", features), ("model", LogisticRegression())])
    plain.fit(leads, leads[TARGET])
    assert compile_plan(plain) is None
    assert compile_plan(LogisticRegression().fit(leads[["days_open"]], leads[TARGET])) is None


def test_latency_measurement_times_the_fast_path(
    leads: pd.DataFrame, kinds: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _fit(leads, kinds, "logistic", "binary")
    sizes: list[int] = []
    plan_call = type(compile_plan(model)).call

    def counting(self: Any, method: str, frame: pd.DataFrame) -> Any:
        sizes.append(len(frame))
        return plan_call(self, method, frame)

    monkeypatch.setattr("agileds.automl._fastpath.RowPlan.call", counting)
    cost = _serving.serving_cost(model, leads.drop(columns=[TARGET]), rows=5, batch=200)
    assert sizes == [1] * 6  # a warm-up and five one-row calls; the batch is the pipeline's
    assert cost["latency_p95_ms"] >= 0


@pytest.fixture
def parent(client: MlflowClient, experiment_id: str) -> str:
    return RunLogger(client, tags={}).start_parent(experiment_id, "STORY-14")


def test_pyfunc_from_the_store_answers_small_inputs_through_the_plan(
    client: MlflowClient,
    parent: str,
    leads: pd.DataFrame,
    kinds: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    members = [
        build_pipeline(kinds, SMALL, f, "binary", list(kinds), seed=0)
        for f in ("logistic", "random_forest")
    ]
    x = leads.drop(columns=[TARGET])
    ensemble = voting_model(members, [1.0, 1.0], "binary").fit(x, leads[TARGET])
    uri = log_model(client, parent, ensemble, x, "binary")
    version = register_model(client, "lead-scoring", uri, parent)
    local = resolve_model_uri(client, f"models:/lead-scoring/{version}")
    flavour = yaml.safe_load(Path(_local_path(local), "MLmodel").read_text())
    assert flavour["flavors"]["python_function"]["loader_module"] == LOADER_MODULE

    served = mlflow.pyfunc.load_model(local)
    impl = served._model_impl
    assert isinstance(impl, FastPyfunc)
    assert impl.plan is not None
    one = x.iloc[[3]]
    np.testing.assert_allclose(
        served.predict(one), ensemble.predict_proba(one), rtol=0, atol=TOLERANCE
    )
    assert impl.fast_calls == 1
    served.predict(x.head(FAST_ROWS + 1))  # a batch: the pipeline
    assert impl.fast_calls == 1
    unseen = x.iloc[[0]].assign(title="Astronaut", description="")
    np.testing.assert_allclose(
        served.predict(unseen), ensemble.predict_proba(unseen), rtol=0, atol=TOLERANCE
    )
    assert impl.fast_calls == 2

    monkeypatch.setenv(FAST_PATH_ENV, "0")  # the switch for comparisons: the pipeline only
    plain = mlflow.pyfunc.load_model(local)
    assert plain._model_impl.plan is None
    np.testing.assert_array_equal(plain.predict(one), ensemble.predict_proba(one))


def _local_path(uri: str) -> str:
    from mlflow.artifacts import download_artifacts

    return download_artifacts(uri)
