"""A logged model asks only for the columns it reads: a real ``mlflow models serve`` answers
a request without the identifier and the leak column the sanity checks removed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import VotingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from agileds.tracking import RunLogger, Stores, log_model, register_model, set_alias
from agileds.tracking._models import read_columns

MODEL = "lead-scoring"
READ = ["revenue", "title"]
SERVE_TIMEOUT = 180  # seconds for the server to answer its first request

pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    """Leads with an identifier and a leak column that the pipeline does not read."""
    rng = np.random.default_rng(3)
    n = 80
    title = rng.choice(["CEO", "VP", "Analyst"], n)
    return pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "revenue": rng.normal(50, 10, n),
            "title": title,
            "deal_stage_final": np.where(title == "CEO", "won", "lost"),
        }
    )


def _pipeline() -> Pipeline:
    features = ColumnTransformer(
        [
            ("num", SimpleImputer(), ["revenue"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["title"]),
        ],
        remainder="drop",
    )
    return Pipeline([("features", features), ("model", LogisticRegression())])


def test_read_columns_of_pipelines_and_ensembles(leads: pd.DataFrame) -> None:
    y = (leads["title"] == "CEO").astype(int)
    single = _pipeline().fit(leads, y)
    assert read_columns(single) == set(READ)
    narrow = Pipeline(
        [
            ("features", ColumnTransformer([("num", SimpleImputer(), ["lead_id"])])),
            ("model", LogisticRegression()),
        ]
    )
    voting = VotingClassifier([("a", _pipeline()), ("b", narrow)], voting="soft").fit(leads, y)
    assert read_columns(voting) == {*READ, "lead_id"}
    assert read_columns(LogisticRegression()) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow models serve exited {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    pytest.fail(f"mlflow models serve did not answer within {SERVE_TIMEOUT}s:\n{log.read_text()}")


@pytest.mark.slow
def test_served_production_model_needs_only_the_columns_it_reads(
    client: MlflowClient, stores: Stores, experiment_id: str, leads: pd.DataFrame, tmp_path: Path
) -> None:
    fitted = _pipeline().fit(leads, (leads["title"] == "CEO").astype(int))
    parent = RunLogger(client, tags={}).start_parent(experiment_id, "STORY-1")
    uri = log_model(client, parent, fitted, leads.head(5), "binary")
    set_alias(client, MODEL, "production", register_model(client, MODEL, uri, parent))

    port, log = _free_port(), tmp_path / "serve.log"
    bin_dir = Path(sys.executable).parent  # mlflow and the uvicorn it starts
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": stores.tracking_uri, "PATH": path}
    mlflow_cli = bin_dir / "mlflow"
    command = [str(mlflow_cli), "models", "serve", "-m", f"models:/{MODEL}@production"]
    command += ["--env-manager", "local", "-p", str(port), "-h", "127.0.0.1", "-w", "1"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(server, f"{base}/ping", log)
        row = {"dataframe_split": {"columns": READ, "data": [[61.5, "CEO"]]}}
        status, body = _post(f"{base}/invocations", row)
        assert status == 200, body
        (scores,) = json.loads(body)["predictions"]
        assert len(scores) == 2 and sum(scores) == pytest.approx(1.0)
        assert scores == pytest.approx(
            fitted.predict_proba(pd.DataFrame([[61.5, "CEO"]], columns=READ))[0]
        )
    finally:
        server.kill()
        server.wait(timeout=30)
