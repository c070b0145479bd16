"""Fixtures for the MLflow bridge tests: a real SQLite tracking store per test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from mlflow import MlflowClient

from agileds.tracking import (
    TICKET_ENV,
    TICKET_TAGS_ENV,
    RunLogger,
    Stores,
    ensure_experiment,
    get_client,
    resolve_stores,
)

EXPERIMENT = "lead-scoring"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty MLflow database, made once: a fresh one costs about two seconds."""
    stores = resolve_stores(tmp_path_factory.mktemp("template"))
    get_client(stores.tracking_uri)
    return Path(stores.tracking_uri.removeprefix("sqlite:///"))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No active ticket, and a global tracking URI that the bridge must never touch."""
    monkeypatch.delenv(TICKET_ENV, raising=False)
    monkeypatch.delenv(TICKET_TAGS_ENV, raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    sentinel = tmp_path / "global" / "unused.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{sentinel}")
    yield
    assert not sentinel.exists(), "something used MLflow's global tracking URI"


@pytest.fixture
def stores(tmp_path: Path, template_db: Path) -> Stores:
    """The default stores of a project rooted at ``tmp_path``, its database ready."""
    stores = resolve_stores(tmp_path)
    database = Path(stores.tracking_uri.removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True)
    # The backup API copies what still sits in the template's write-ahead log, too.
    with (
        closing(sqlite3.connect(template_db)) as source,
        closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    return stores


@pytest.fixture
def client(stores: Stores) -> MlflowClient:
    """A client on the test's own store."""
    return get_client(stores.tracking_uri)


@pytest.fixture
def experiment_id(client: MlflowClient, stores: Stores) -> str:
    """The ``lead-scoring`` experiment, artifacts under the project's ``mlruns/artifacts``."""
    return ensure_experiment(client, EXPERIMENT, stores.artifact_root)


@pytest.fixture
def logger(client: MlflowClient) -> RunLogger:
    """A run logger with fixed base tags."""
    return RunLogger(client, tags={"agileds.ticket": "STORY-12"})


@pytest.fixture
def fluent_store(stores: Stores) -> Iterator[str]:
    """Point MLflow's fluent API at the test's store; yield its tracking URI."""
    import mlflow

    mlflow.set_tracking_uri(stores.tracking_uri)
    yield stores.tracking_uri
    mlflow.set_tracking_uri(None)
