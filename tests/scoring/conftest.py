"""A project with two registered versions of lead-scoring: ``production`` (v2) and
``previous`` (v1, fitted on shuffled labels), cheap logistic pipelines from the go-live
fixtures, and the batch to score."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from agileds.project import Project
from tests.golive.conftest import (
    MODEL,
    client_of,
    golive_project,
    make_golive_project,
    register,
    registrar,
)

__all__ = ["MODEL", "golive_project", "register"]


@pytest.fixture(scope="session")
def scoring_template(tmp_path_factory: pytest.TempPathFactory, mlflow_template_db: Path) -> Path:
    """The scoring project, built once per session (``tests/cli`` registers this fixture
    too: a second request finds the finished project by its ``.built`` marker)."""
    from agileds.sweeps import load_ticket_spec
    from agileds.sweeps._prepare import prepare_data
    from agileds.tracking import log_reference, set_alias

    root = tmp_path_factory.getbasetemp() / "scoring-template" / "project"
    marker = root.parent / ".built"
    if marker.exists():
        return root
    shutil.rmtree(root.parent, ignore_errors=True)  # what a failed first attempt left
    project = make_golive_project(root, mlflow_template_db)
    spec, path, shown = load_ticket_spec(project, project.backlog().get("STORY-3"))
    train = prepare_data(spec, path, shown).train
    client = client_of(project)
    register = registrar(project)
    old = register(shuffled=True)
    new = register()
    for version in (old, new):
        log_reference(client, client.get_model_version(MODEL, version).run_id, train)
    set_alias(client, MODEL, "previous", old)
    set_alias(client, MODEL, "production", new)
    marker.touch()
    return root


@pytest.fixture
def scoring_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scoring_template: Path
) -> Project:
    """v1 (shuffled labels) as ``previous``, v2 as ``production``, each with its reference
    data (the training part) as ``agileds run`` logs it: a fresh copy of the session's
    template (its own MLflow database and artifacts), cwd set to it."""
    root = tmp_path / "project"
    shutil.copytree(scoring_template, root)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    monkeypatch.chdir(root)
    return Project(root)


@pytest.fixture
def leads(scoring_project: Project) -> pd.DataFrame:
    """The project's leads (600 rows), target included."""
    return pd.read_csv(scoring_project.root / "experiments" / "data" / "leads.csv")


@pytest.fixture
def batch(scoring_project: Project, leads: pd.DataFrame) -> Path:
    """The leads without their outcome columns, as a CSV batch."""
    path = scoring_project.root / "batch.csv"
    leads.drop(columns=["is_closed", "deal_stage_final"]).to_csv(path, index=False)
    return path
