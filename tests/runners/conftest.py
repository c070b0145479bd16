"""A small demo project for sweep tests: the demo tickets on 900 rows of the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

from agileds.project import Project
from tests.conftest import make_demo_project

FAST_SPEC = """\
data:
  path: data/leads.csv
  target: is_closed
  drop: [lead_id, deal_stage_final]
  segment_column: customer_id
split: {holdout: 0.25, seed: 7}
features:
  optional:
    text: [description]
metric: auroc
cv_folds: 3
cv_repeats: 1
families: [logistic, hist_gradient_boosting]
search_space:
  hist_gradient_boosting.max_iter: {low: 20, high: 60}
budget: {trials: 4}
"""


@pytest.fixture
def sweep_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template_db: Path
) -> Project:
    """The demo project with a small dataset and a fast spec, cwd set to it."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    project = make_demo_project(tmp_path, mlflow_template_db, spec=("fast.yaml", FAST_SPEC))
    monkeypatch.chdir(tmp_path)
    return project
