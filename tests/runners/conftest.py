"""A small demo project for sweep tests: the demo tickets on 900 rows of the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

from agileds.project import Project
from tests.conftest import copy_mlflow_db

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
    from agileds._scaffold import init_project
    from agileds.data import make_leads

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    init_project(tmp_path, demo=True)
    copy_mlflow_db(mlflow_template_db, tmp_path / "mlruns")
    make_leads(900, seed=3).to_csv(tmp_path / "experiments" / "data" / "leads.csv", index=False)
    (tmp_path / "experiments" / "fast.yaml").write_text(FAST_SPEC)
    story = tmp_path / "backlog" / "STORY-1.yaml"
    story.write_text(story.read_text().replace("lead_scoring.yaml", "fast.yaml"))
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)
