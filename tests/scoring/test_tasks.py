"""Scoring a multiclass and a regression version: their score and label columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agileds.project import Project
from agileds.scoring import score
from tests.golive.conftest import client_of


def _register(project: Project, name: str, target: str, task: str, frame: pd.DataFrame):
    """A small pipeline on two numeric columns, registered as ``name``@production."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline

    from agileds.tracking import (
        ensure_experiment,
        log_model,
        log_reference,
        register_model,
        resolve_stores,
        set_alias,
    )

    model = LinearRegression() if task == "regression" else LogisticRegression(max_iter=200)
    columns = ColumnTransformer([("num", "passthrough", ["employees", "days_open"])])
    pipeline = Pipeline([("features", columns), ("model", model)])
    known = frame[frame[target].notna()]
    x = frame[["employees", "days_open", "lead_source"]]
    pipeline.fit(known[x.columns], known[target])
    client = client_of(project)
    experiment = ensure_experiment(client, name, resolve_stores(project.root).artifact_root)
    run_id = client.create_run(experiment, tags={"agileds.task": task}).info.run_id
    uri = log_model(client, run_id, pipeline, x.head(5), task)
    log_reference(client, run_id, known[[*x.columns, target]])
    version = register_model(client, name, uri, run_id, tags={"agileds.data.target": target})
    set_alias(client, name, "production", version)
    return pipeline, x


@pytest.mark.parametrize(
    ("task", "target"), [("multiclass", "industry"), ("regression", "annual_revenue")]
)
def test_multiclass_and_regression(golive_project, task, target):
    frame = pd.read_csv(golive_project.root / "experiments" / "data" / "leads.csv")
    pipeline, x = _register(golive_project, f"m-{task}", target, task, frame)
    frame.to_csv(golive_project.root / "batch.csv", index=False)

    result = score(golive_project, f"m-{task}", "batch.csv", "out", id_columns=["lead_id"])

    scored = pd.read_parquet(result.partition)
    assert result.rows == len(frame) and result.task == task
    if task == "regression":
        np.testing.assert_allclose(scored["score"], pipeline.predict(x), atol=1e-9)
        assert "label" not in scored.columns
    else:
        proba = pipeline.predict_proba(x)
        np.testing.assert_allclose(scored["score"], proba.max(1), atol=1e-12)
        assert scored["label"].tolist() == pipeline.classes_[proba.argmax(1)].tolist()
