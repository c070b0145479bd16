"""The team setup for real: ``agileds server`` on PostgreSQL over HTTP, Optuna's study in
PostgreSQL, a worker in a second checkout, then golive and promote through the server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agileds.project import Project
from agileds.runners import run_ticket
from tests.servers.conftest import TrackingServer
from tests.servers.test_postgres_sweep import SPEC

GUARDRAILS = """
guardrails:
  n_boot: 200
  min_segment_rows: 15
  max_latency_ratio: 20
  mlflow_evaluate: false
"""


def _team_project(root: Path, tracking_uri: str, storage: str) -> Project:
    """The demo project as the scaffold writes it, its two store keys pointed at the servers."""
    from agileds._scaffold import init_project
    from agileds.data import make_leads

    init_project(root, demo=True)
    make_leads(300, seed=3).to_csv(root / "experiments" / "data" / "leads.csv", index=False)
    (root / "experiments" / "fast.yaml").write_text(SPEC)
    story = root / "backlog" / "STORY-1.yaml"
    story.write_text(story.read_text().replace("lead_scoring.yaml", "fast.yaml"))
    config = root / "agileds.yaml"
    lines = []
    for line in config.read_text().splitlines():
        if line.startswith("tracking_uri:"):
            line = f"tracking_uri: {tracking_uri}"
        elif line.startswith("optuna_storage:"):
            line = f"optuna_storage: {storage}"
        lines.append(line)
    config.write_text("\n".join(lines) + "\n" + GUARDRAILS)
    return Project(root)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_team_sweeps_registers_and_promotes_through_the_servers(
    tracking_server: TrackingServer,
    postgres_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli,
) -> None:
    from mlflow import MlflowClient

    said = tracking_server.log.read_text()
    assert f"MLflow tracking server on {tracking_server.backend}: starting on" in said
    assert f": ready at {tracking_server.url} (Ctrl-C stops it)" in said
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    monkeypatch.delenv("AGILEDS_TRUSTED_STORES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    storage = postgres_database()
    first = _team_project(tmp_path / "alice", tracking_server.url, storage)
    monkeypatch.chdir(first.root)

    result = run_ticket("STORY-1", first, trials=2)
    assert result.model_version is not None

    # A second checkout of the same project (git clone: no mlruns/) joins the sweep.
    second = tmp_path / "bob"
    shutil.copytree(first.root, second, ignore=shutil.ignore_patterns("mlruns", "docs"))
    worker = subprocess.run(
        [sys.executable, "-m", "agileds", "worker", "STORY-1", "--index", "2"],
        cwd=second,
        capture_output=True,
        text=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
        timeout=600,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert worker.stdout == "worker 2 finished: 4 trial(s) in the study\n"  # no MLflow URLs

    client = MlflowClient(tracking_uri=tracking_server.url, registry_uri=tracking_server.url)
    parent = client.get_run(result.parent_run_id)
    children = client.search_runs(
        [result.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
    )
    assert sorted(r.info.run_name for r in children) == [f"trial-{n}" for n in range(4)]
    assert len({r.data.tags.get("agileds.ticket") for r in children}) == 1

    # Runs, models and reports went through the server: nothing local in either checkout.
    assert parent.info.artifact_uri.startswith("mlflow-artifacts:"), parent.info.artifact_uri
    version = client.get_model_version(result.model_name, result.model_version)
    assert not version.source.startswith(("file:", "/")), version.source
    assert _files(tracking_server.artifacts)
    assert not _files(first.mlruns_dir / "artifacts") and not _files(second / "mlruns")

    # Loading a model from a server is a trust decision the user makes outside the repo.
    refused = run_cli("golive", "STORY-1")
    assert refused.code == 2 and "AGILEDS_TRUSTED_STORES" in refused.err, refused.err
    monkeypatch.setenv("AGILEDS_TRUSTED_STORES", tracking_server.url)
    decided = run_cli("golive", "STORY-1")
    # GO or NO-GO on 300 rows (the demo ticket asks for more); either is a decision recorded
    # on the server's model version, which promote reads back.
    assert decided.code in (0, 1) and "recorded the decision" in decided.err, decided.err
    promoted = run_cli("promote", "STORY-1", "--force", "server test")
    assert promoted.code == 0, promoted.err
    assert "View run" not in decided.out + promoted.out
    production = client.get_model_version_by_alias(result.model_name, "production")
    assert production.version == str(result.model_version)
