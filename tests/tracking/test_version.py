"""The model-version contract: a registered version loaded once, one rule set for batches."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from agileds.errors import DataError, UsageError
from agileds.tracking import (
    ModelVersion,
    RunLogger,
    load_version,
    log_model,
    log_reference,
    reference_tags,
    register_model,
    set_alias,
)

MODEL = "lead-scoring"

pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")


def _leads(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "revenue": rng.normal(50, 10, n),
            "employees": rng.integers(1, 500, n),
            "title": rng.choice(["CEO", "VP", "Engineer"], n),
        }
    )
    frame["won"] = ((frame["title"] == "CEO") | (frame["employees"] > 300)).astype(int)
    frame["amount"] = frame["revenue"] * 2 + frame["employees"] / 10
    return frame


def _pipeline(model: object) -> Pipeline:
    features = ColumnTransformer(
        [
            ("num", SimpleImputer(), ["revenue", "employees"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["title"]),
        ]
    )
    return Pipeline([("features", features), ("model", model)])


@pytest.fixture
def register(client: MlflowClient, experiment_id: str) -> Callable[..., str]:
    """Fit a small pipeline, log it with its reference data as ``agileds run`` does, and
    register it; ``reference=False`` registers it as a tool outside agileds would."""

    def fit_and_register(
        target: str = "won", *, reference: bool = True, run_tags: dict[str, str] | None = None
    ) -> str:
        train = _leads()[["lead_id", "revenue", "employees", "title", target]]
        x = train.drop(columns=[target])
        estimator = LogisticRegression() if target == "won" else LinearRegression()
        model = _pipeline(estimator).fit(x, train[target])
        task = "binary" if target == "won" else "regression"
        run = RunLogger(client, tags=run_tags or {}).start_parent(experiment_id, "STORY-1")
        uri = log_model(client, run, model, x.head(5), task)
        tags = {"agileds.config": json.dumps({"family": "logistic"}), "agileds.spec": "e.yaml"}
        if reference:
            log_reference(client, run, train)
            tags.update(reference_tags(train, target, None))
        client.log_metric(run, "auroc", 0.75)
        return register_model(client, MODEL, uri, run, tags=tags)

    return fit_and_register


@pytest.fixture
def version(client: MlflowClient, register: Callable[..., str]) -> ModelVersion:
    number = register()
    set_alias(client, MODEL, "production", number)
    return load_version(client, MODEL)


def test_a_version_is_loaded_once_with_everything_scoring_needs(version: ModelVersion) -> None:
    assert (version.model, version.version, version.name) == (MODEL, "1", f"{MODEL} v1")
    assert (version.task, version.metric, version.direction) == ("binary", "auroc", "maximize")
    assert version.target == "won"
    assert version.inputs == ("lead_id", "revenue", "employees", "title")
    assert version.used_inputs == ("revenue", "employees", "title")  # the id is dropped
    assert version.kinds == {
        "lead_id": "number",
        "revenue": "number",
        "employees": "number",
        "title": "text",
    }
    assert version.classes == (0, 1)
    assert list(version.reference.columns) == ["lead_id", "revenue", "employees", "title", "won"]
    assert version.aliases == ("production",)
    assert version.config == {"family": "logistic"}
    assert version.spec == "e.yaml"
    assert version.evaluation == 0.75 and version.run_id and version.experiment_id
    assert version.pipeline.predict_proba(_leads().head(3)).shape == (3, 2)


def test_the_task_tag_wins_and_regression_has_no_classes(
    client: MlflowClient, register: Callable[..., str]
) -> None:
    number = register("amount", run_tags={"agileds.metric": "mae"})
    loaded = load_version(client, MODEL, version=number)

    assert (loaded.task, loaded.classes, loaded.metric, loaded.direction) == (
        "regression",
        None,
        "mae",
        "minimize",
    )


def test_unknown_versions_and_aliases_are_one_line(
    client: MlflowClient, register: Callable[..., str]
) -> None:
    register()
    with pytest.raises(UsageError) as no_production:
        load_version(client, MODEL)
    with pytest.raises(UsageError) as no_alias:
        load_version(client, MODEL, alias="staging")
    with pytest.raises(UsageError) as no_version:
        load_version(client, MODEL, version="9", fix="check monitor.version")

    assert str(no_production.value) == (
        f"model '{MODEL}' has no production version; promote one first "
        "('agileds promote TICKET') or check the model name"
    )
    assert str(no_alias.value).startswith(f"model '{MODEL}' has no alias 'staging'; ")
    assert str(no_version.value) == (
        f"model '{MODEL}' has no version 9; its versions are 1; check monitor.version"
    )


def test_a_version_registered_outside_agileds(
    client: MlflowClient, register: Callable[..., str]
) -> None:
    number = register(reference=False)

    with pytest.raises(UsageError, match=r"has no agileds.data.target tag .*'agileds run'"):
        load_version(client, MODEL, version=number)
    loose = load_version(client, MODEL, version=number, require_reference=False)
    assert (loose.target, loose.kinds, loose.reference.empty) == ("", {}, True)
    assert loose.inputs == ("lead_id", "revenue", "employees", "title")  # from the pipeline
    batch = _leads().drop(columns=["won"]).head(5).assign(title=1)
    assert loose.validate_batch(batch, "b.csv").equals(batch)  # no kinds: columns only


# -- validate_batch -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.drop(columns=["title", "employees"]),
            "b.csv: missing model input column(s) employees, title; "
            f"{MODEL} v1 needs every column it was trained on",
        ),
        (
            lambda f: f.astype({"revenue": object}).assign(revenue=["lots", *f["revenue"][1:]]),
            f"b.csv: column(s) revenue hold text where {MODEL} v1 expects numbers "
            "(e.g. revenue = 'lots'); fix those values or leave them empty",
        ),
        (
            lambda f: f.assign(title=range(len(f))),
            f"b.csv: column(s) title hold only numbers where {MODEL} v1 expects text; "
            "check the export's columns",
        ),
    ],
    ids=["missing", "text-for-numbers", "numbers-for-text"],
)
def test_a_bad_batch_is_one_line_naming_the_columns(
    version: ModelVersion, change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    batch = change(_leads().head(10))

    with pytest.raises(DataError) as caught:
        version.validate_batch(batch, "b.csv")

    assert str(caught.value) == message


def test_numbers_read_as_text_are_parsed_and_extra_columns_kept(version: ModelVersion) -> None:
    batch = _leads().head(4).astype({"employees": str}).assign(note="x")
    batch.loc[1, "employees"] = "  "  # a blank: a missing value, not a fault

    checked = version.validate_batch(batch, "b.csv")

    assert checked["employees"].tolist()[:1] == [float(batch["employees"].iloc[0])]
    assert np.isnan(checked["employees"].iloc[1])
    assert "note" in checked.columns and batch["employees"].iloc[0] != checked["employees"].iloc[0]
    assert list(version.inputs_of(checked).columns) == ["lead_id", "revenue", "employees", "title"]
    faults = version.number_faults(batch.assign(employees=["1", "x", None, "2"]))
    assert list(faults) == ["employees"] and faults["employees"].tolist() == [
        False,
        True,
        False,
        False,
    ]


# -- check_labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["no", "yes"], "b.csv: labels column 'won' holds 'no', 'yes', not the classes 0, 1 "),
        ([1, 1], "b.csv: labels column 'won' holds only class 1; auroc needs both classes 0 and 1"),
        ([None, None], "b.csv: labels column 'won' is empty; give a batch with outcomes"),
    ],
)
def test_bad_labels_are_one_line(version: ModelVersion, labels: list[object], message: str) -> None:
    with pytest.raises(DataError) as caught:
        version.check_labels(pd.DataFrame({"won": labels}), "b.csv")

    assert str(caught.value).startswith(message)


def test_labels_optional_partial_and_complete(version: ModelVersion) -> None:
    partial = pd.DataFrame({"won": [1.0, None, 0.0]})

    assert version.check_labels(pd.DataFrame({"x": [1]}), "b.csv", required=False) is None
    assert version.check_labels(pd.DataFrame({"won": [1, 1]}), "b.csv", required=False) is not None
    assert version.check_labels(partial, "b.csv").isna().sum() == 1
    with pytest.raises(DataError, match=r"^b\.csv: labels column 'won' has missing labels; drop"):
        version.check_labels(partial, "b.csv", complete=True)
    with pytest.raises(DataError, match=r"^b\.csv: labels column 'y' is not in the batch; columns"):
        version.check_labels(partial, "b.csv", "y")


def test_regression_labels_must_be_numbers(
    client: MlflowClient, register: Callable[..., str]
) -> None:
    loaded = load_version(client, MODEL, version=register("amount"))

    parsed = loaded.check_labels(pd.DataFrame({"amount": ["1.5", "", "2"]}), "b.csv")
    assert parsed is not None and parsed.tolist()[::2] == [1.5, 2.0]
    with pytest.raises(DataError, match="must hold numbers for a regression model, got 'many'"):
        loaded.check_labels(pd.DataFrame({"amount": ["1", "many"]}), "b.csv")
