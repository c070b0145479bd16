"""Logging, registering, aliasing and loading scikit-learn pipelines of every model family."""

from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from agileds.errors import UsageError
from agileds.tracking import (
    RunLogger,
    active_ticket,
    get_alias_version,
    latest_ticket_version,
    load_model,
    log_model,
    register_model,
    resolve_model_uri,
    set_alias,
)

MODEL = "lead-scoring"

# The test frame has an integer column on purpose; MLflow hints about it on every signature.
pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    """Small lead table: a float column with gaps, an integer column, a category."""
    rng = np.random.default_rng(7)
    n = 120
    frame = pd.DataFrame(
        {
            "revenue": rng.normal(50, 10, n),
            "employees": rng.integers(1, 500, n),
            "title": rng.choice(["CEO", "Vice President", "Senior VP", "Chairperson"], n),
        }
    )
    frame.loc[::9, "revenue"] = np.nan
    return frame


@pytest.fixture(scope="module")
def labels(leads: pd.DataFrame) -> pd.Series:
    """A learnable binary label."""
    return ((leads["title"] == "CEO") | (leads["employees"] > 300)).astype(int)


def pipeline(model: BaseEstimator) -> Pipeline:
    """Imputed numbers and a one-hot title in front of ``model``."""
    features = ColumnTransformer(
        [
            ("num", SimpleImputer(), ["revenue", "employees"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["title"]),
        ]
    )
    return Pipeline([("features", features), ("model", model)])


@pytest.fixture
def parent(client: MlflowClient, experiment_id: str) -> str:
    """A parent run to log models into."""
    return RunLogger(client, tags={}).start_parent(experiment_id, "STORY-12")


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression(max_iter=500),
        RandomForestClassifier(n_estimators=5, random_state=0),
        HistGradientBoostingClassifier(max_iter=10),
    ],
    ids=lambda model: type(model).__name__,
)
def test_classifier_round_trip_serves_probabilities(
    client: MlflowClient,
    parent: str,
    leads: pd.DataFrame,
    labels: pd.Series,
    model: BaseEstimator,
    capfd: pytest.CaptureFixture[str],
) -> None:
    fitted = pipeline(model).fit(leads, labels)
    uri = log_model(client, parent, fitted, leads, "binary", params={"family": "x"})
    version = register_model(client, MODEL, uri, parent, tags={"agileds.ticket": "STORY-12"})
    assert version == "1"
    loaded = load_model(client, f"models:/{MODEL}/{version}")
    np.testing.assert_allclose(loaded.predict_proba(leads), fitted.predict_proba(leads))

    # pyfunc serves predict_proba: one column per class in classes_ order, column 1 positive.
    served = mlflow.pyfunc.load_model(resolve_model_uri(client, f"models:/{MODEL}/1"))
    scores = np.asarray(served.predict(leads.head(10)))
    assert scores.shape == (10, 2)
    assert scores.dtype == np.float64
    assert ((scores >= 0) & (scores <= 1)).all()
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    assert "cloudpickle format requires exercising caution" not in capfd.readouterr().err


def test_regressor_round_trip_through_an_alias(
    client: MlflowClient, parent: str, leads: pd.DataFrame
) -> None:
    target = leads["employees"] * 0.1 + leads["revenue"].fillna(50)
    fitted = pipeline(HistGradientBoostingRegressor(max_iter=10)).fit(leads, target)
    uri = log_model(client, parent, fitted, leads, "regression")
    version = register_model(client, MODEL, uri, parent)
    assert get_alias_version(client, MODEL, "production") is None
    set_alias(client, MODEL, "production", version)
    assert get_alias_version(client, MODEL, "production") == version

    loaded = load_model(client, f"models:/{MODEL}@production")
    np.testing.assert_allclose(loaded.predict(leads), fitted.predict(leads))
    served = mlflow.pyfunc.load_model(resolve_model_uri(client, f"models:/{MODEL}@production"))
    np.testing.assert_allclose(np.asarray(served.predict(leads)).ravel(), fitted.predict(leads))


def test_logged_model_is_linked_to_the_run_and_documented(
    client: MlflowClient, parent: str, leads: pd.DataFrame, labels: pd.Series
) -> None:
    fitted = pipeline(LogisticRegression(max_iter=500)).fit(leads, labels)
    uri = log_model(client, parent, fitted, leads, "binary", tags={"agileds.ticket": "STORY-12"})
    model_id = uri.removeprefix("models:/")
    logged = client.get_logged_model(model_id)
    assert logged.status.to_int() == logged.status.READY.to_int()
    assert logged.tags["agileds.task"] == "binary"
    assert logged.tags["agileds.ticket"] == "STORY-12"
    outputs = client.get_run(parent).outputs.model_outputs
    assert [output.model_id for output in outputs] == [model_id]

    directory = Path(resolve_model_uri(client, uri).removeprefix("file://"))
    mlmodel = yaml.safe_load((directory / "MLmodel").read_text())
    assert mlmodel["flavors"]["sklearn"]["serialization_format"] == "cloudpickle"
    assert mlmodel["flavors"]["python_function"]["predict_fn"] == "predict_proba"
    assert mlmodel["run_id"] == parent
    inputs = {
        column["name"]: column["type"] for column in yaml.safe_load(mlmodel["signature"]["inputs"])
    }
    assert inputs == {"revenue": "double", "employees": "long", "title": "string"}
    requirements = (directory / "requirements.txt").read_text().splitlines()
    assert f"scikit-learn=={__import__('sklearn').__version__}" in requirements
    assert any(line.startswith("cloudpickle==") for line in requirements)


def test_multiclass_serves_one_column_per_class(
    client: MlflowClient, parent: str, leads: pd.DataFrame
) -> None:
    model = RandomForestClassifier(n_estimators=5, random_state=0)
    fitted = pipeline(model).fit(leads, leads["title"])
    with active_ticket("SPIKE-3"):
        uri = log_model(client, parent, fitted, leads, "multiclass")
    served = mlflow.pyfunc.load_model(resolve_model_uri(client, uri))
    scores = np.asarray(served.predict(leads.head(4)))
    assert scores.shape == (4, 4)
    np.testing.assert_allclose(scores, fitted.predict_proba(leads.head(4)))
    assert client.get_logged_model(uri.removeprefix("models:/")).tags["agileds.ticket"] == "SPIKE-3"


def test_versions_count_up(
    client: MlflowClient, parent: str, leads: pd.DataFrame, labels: pd.Series
) -> None:
    fitted = pipeline(LogisticRegression(max_iter=500)).fit(leads, labels)
    uri = log_model(client, parent, fitted, leads, "binary")
    assert [register_model(client, MODEL, uri, parent) for _ in range(2)] == ["1", "2"]
    version = client.get_model_version(MODEL, "2")
    assert version.run_id == parent


def test_latest_ticket_version_picks_the_newest_of_that_ticket(
    client: MlflowClient, parent: str, leads: pd.DataFrame, labels: pd.Series
) -> None:
    fitted = pipeline(LogisticRegression(max_iter=500)).fit(leads, labels)
    uri = log_model(client, parent, fitted, leads, "binary")
    assert latest_ticket_version(client, MODEL, "STORY-1") is None
    for ticket in ("STORY-1", "STORY-2", "STORY-1", "STORY-2"):
        register_model(client, MODEL, uri, parent, tags={"agileds.ticket": ticket})
    assert latest_ticket_version(client, MODEL, "STORY-1") == "3"
    assert latest_ticket_version(client, MODEL, "STORY-2") == "4"
    assert latest_ticket_version(client, "no-such-model", "STORY-1") is None


def test_missing_alias_model_or_version(client: MlflowClient) -> None:
    assert get_alias_version(client, "no-such-model", "production") is None
    with pytest.raises(UsageError, match=r"model 'models:/no-such-model@production' not found"):
        load_model(client, "models:/no-such-model@production")
    with pytest.raises(UsageError, match=r"model 'models:/no-such-model/3' not found"):
        resolve_model_uri(client, "models:/no-such-model/3")


def test_bad_task_or_a_classifier_task_without_probabilities(
    client: MlflowClient, parent: str, leads: pd.DataFrame, labels: pd.Series
) -> None:
    fitted = pipeline(LinearRegression()).fit(leads, labels)
    with pytest.raises(UsageError, match="task 'ranking': expected one of binary, multiclass"):
        log_model(client, parent, fitted, leads, "ranking")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="Pipeline has no predict_proba"):
        log_model(client, parent, fitted, leads, "binary")
