"""Fault tests: a tiny demo project (300 rows, logistic only, 2 trials) and the real CLI in a
subprocess, so each fault meets the code path a user's command takes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agileds.project import Project
from tests.conftest import make_demo_project

MODEL = "lead-scoring"

TINY_SPEC = """\
data:
  path: data/leads.csv
  target: is_closed
  drop: [lead_id, deal_stage_final]
split: {holdout: 0.3, seed: 7}
metric: auroc
cv_folds: 3
cv_repeats: 1
families: [logistic]
budget: {trials: 2}
"""

GUARDRAILS = """
guardrails:
  n_boot: 100
  min_segment_rows: 15
  max_latency_ratio: 50
  mlflow_evaluate: false
"""


def env() -> dict[str, str]:
    """The environment of an ``agileds`` subprocess (no project override, no telemetry)."""
    values = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "OMP_NUM_THREADS": "1"}
    values.pop("AGILEDS_PROJECT", None)
    return values


def agileds(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m agileds ARGS`` in ``root`` and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "agileds", *args],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error:`` line of a refused command (fails on a traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def tiny_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template_db: Path
) -> Project:
    """The demo project on 300 rows, STORY-1 on a 2-trial logistic spec, cwd set to it."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    root = tmp_path / "project"
    root.mkdir()
    project = make_demo_project(root, mlflow_template_db, rows=300, spec=("tiny.yaml", TINY_SPEC))
    config = root / "agileds.yaml"
    config.write_text(config.read_text() + GUARDRAILS)
    monkeypatch.chdir(root)
    return project


def client_of(root: Path) -> Any:
    from agileds.tracking import get_client, resolve_stores

    return get_client(resolve_stores(root).tracking_uri)


def parent_runs(root: Path, ticket: str = "STORY-1") -> list[Any]:
    """The ticket's parent runs (no ``mlflow.parentRunId``), newest first."""
    client = client_of(root)
    experiment = client.get_experiment_by_name(MODEL)
    if experiment is None:
        return []
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`agileds.ticket` = '{ticket}'"
    )
    return [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
