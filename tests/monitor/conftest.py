"""A demo project with a real production model, trained once per session and copied per test."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from agileds.project import Project
from tests.conftest import make_demo_project

if TYPE_CHECKING:
    from agileds.monitor import MonitorResult

MODEL = "lead-scoring"

#: The demo's 4,000 leads, a fast sweep: the clean batch then sits within the evaluation
#: auROC's noise and the drifted one about 8 points below it.
MONITOR_SPEC = """\
data:
  path: data/leads.csv
  target: is_closed
  drop: [lead_id, deal_stage_final]
  time_column: created_at
  segment_column: customer_id
split: {holdout: 0.25, seed: 7}
features:
  optional:
    text: [description]
metric: auroc
cv_folds: 3
families: [logistic, hist_gradient_boosting]
search_space:
  hist_gradient_boosting.max_iter: {low: 20, high: 60}
budget: {trials: 2}
"""


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory, mlflow_template_db: Path) -> Path:
    """The demo project after ``agileds run STORY-1`` with its version set as production.

    Built once per session even though ``tests/cli`` registers this fixture too: a second
    request finds the finished project (its ``.trained`` marker) in the session's temp folder.
    """
    from agileds.runners import run_ticket
    from agileds.tracking import get_client, resolve_stores, set_alias

    root = tmp_path_factory.getbasetemp() / "monitored-template" / "project"
    marker = root.parent / ".trained"
    if marker.exists():
        return root
    shutil.rmtree(root.parent, ignore_errors=True)  # what a failed first attempt left
    project = make_demo_project(
        root, mlflow_template_db, rows=None, spec=("monitor.yaml", MONITOR_SPEC)
    )
    result = run_ticket("STORY-1", project, trials=2)
    client = get_client(resolve_stores(root).tracking_uri)
    set_alias(client, MODEL, "production", result.model_version)
    marker.touch()
    return root


@pytest.fixture
def monitored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trained_template: Path) -> Project:
    """A fresh copy of the trained demo project (its own MLflow database), cwd set to it."""
    root = tmp_path / "project"
    shutil.copytree(trained_template, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    return Project(root)


def make_result(**fields: Any) -> MonitorResult:
    """A MonitorResult as a drifted batch with labels gives it; ``fields`` override."""
    from agileds.monitor import FeatureDrift, MonitorResult

    values: dict[str, Any] = {
        "model": MODEL,
        "version": "1",
        "batch": "experiments/data/batch_2.csv",
        "at": dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
        "index": 2,
        "run_id": "run2",
        "experiment_id": "1",
        "training_run_id": "train1",
        "spec": "experiments/lead_scoring.yaml",
        "task": "binary",
        "metric": "auroc",
        "direction": "maximize",
        "evaluation": 0.84,
        "rows": 1500,
        "previous_rows": 1500,
        "labels": "is_closed",
        "labelled": 1500,
        "metrics": {"auroc": 0.76, "auroc.ci_low": 0.735, "auroc.ci_high": 0.785},
        "score_psi": 0.15,
        "drift": (
            FeatureDrift("lead_source", "categorical", 1.0, "major", "chi2", 400.0, 1e-80),
            FeatureDrift("annual_revenue", "numeric", 0.2, "moderate", "ks", 0.2, 1e-30),
        ),
        "moved": {"lead_source": 0.15, "annual_revenue": 0.12},
    }
    values.update(fields)
    return MonitorResult(**values)
