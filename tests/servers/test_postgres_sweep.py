"""A sweep whose Optuna study lives in a real PostgreSQL database, joined by ``agileds worker``
from a second process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agileds.project import Project
from agileds.runners import run_ticket
from tests.conftest import make_demo_project
from tests.runners.conftest import FAST_SPEC

# Four trials in the study's budget: the run does two, the worker the two left.
SPEC = FAST_SPEC.replace("families: [logistic, hist_gradient_boosting]", "families: [logistic]")


@pytest.fixture
def pg_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template_db: Path
) -> Project:
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    project = make_demo_project(tmp_path, mlflow_template_db, rows=300, spec=("fast.yaml", SPEC))
    monkeypatch.chdir(tmp_path)
    return project


def test_a_worker_process_joins_a_sweep_stored_in_postgresql(
    pg_project: Project, postgres_database: Callable[[], str]
) -> None:
    import optuna

    from agileds.sweeps._study import open_storage
    from agileds.tracking import get_client, resolve_stores

    storage = postgres_database()
    result = run_ticket("STORY-1", pg_project, trials=2, storage=storage)
    assert not (pg_project.mlruns_dir / "optuna.journal").exists()  # the study is in PostgreSQL

    worker = subprocess.run(
        [sys.executable, "-m", "agileds", "worker", "STORY-1", "--storage", storage],
        cwd=pg_project.root,
        capture_output=True,
        text=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
        timeout=600,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "worker 1 finished: 4 trial(s) in the study" in worker.stdout

    trials = optuna.load_study(study_name="STORY-1", storage=open_storage(storage)).trials
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert all(t.state.is_finished() for t in trials)
    pids = [t.user_attrs["pid"] for t in trials]
    assert pids[:2] == [os.getpid()] * 2
    assert len(set(pids[2:])) == 1 and pids[2] != os.getpid()

    client = get_client(resolve_stores(pg_project.root).tracking_uri)
    children = client.search_runs(
        [result.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'",
    )
    assert sorted(r.info.run_name for r in children) == [f"trial-{n}" for n in range(4)]


def test_an_unreachable_postgresql_storage_is_one_line_exit_2(pg_project: Project, run_cli) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    result = run_cli("run", "STORY-1", "--storage", "postgresql://postgres@127.0.0.1:9/none")
    assert result.code == 2
    assert "cannot open Optuna storage 'postgresql://postgres@127.0.0.1:9/none'" in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Connection refused" in errors[0], result.err
    assert "Traceback" not in result.err and "sqlalche.me" not in result.err
    assert not (pg_project.mlruns_dir / "optuna.journal").exists()
