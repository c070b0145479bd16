"""Evidence read from MLflow's SQLite file directly agrees with MLflow's own search."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agileds.backlog._evidence import _read_evidence, evidence_from_mlflow
from agileds.backlog._evidence_sqlite import parent_runs_from_sqlite
from agileds.project import Project
from tests._helpers import write_ticket


@pytest.fixture
def store(project: Project, mlflow_template_db: Path) -> tuple[str, Path, dict[str, str]]:
    """Parent runs of three tickets, a trial, a deleted run and a deleted experiment."""
    from agileds.tracking import get_client, resolve_stores
    from tests.conftest import copy_mlflow_db

    copy_mlflow_db(mlflow_template_db, project.mlruns_dir)
    uri = resolve_stores(project.root).tracking_uri
    client = get_client(uri)
    experiment = client.create_experiment("churn")
    gone = client.create_experiment("old")

    def parent(ticket_id: str, start: int, experiment_id: str = experiment, **tags: str) -> str:
        tags = {"agileds.ticket": ticket_id, "agileds.metric": "auroc", **tags}
        run = client.create_run(experiment_id, start_time=start, tags=tags)
        client.log_param(run.info.run_id, "direction", "maximize")
        client.log_metric(run.info.run_id, "auroc", 0.5 + start / 10_000, step=0)
        client.log_metric(run.info.run_id, "auroc", 0.6 + start / 10_000, step=1)
        return str(run.info.run_id)

    runs = {
        "spike": parent("SPIKE-1", 1000, **{"agileds.verdict": "pass"}),
        "story_old": parent("STORY-1", 2000, **{"agileds.verdict": "fail"}),
        "story_new": parent("STORY-1", 3000, **{"agileds.verdict": "killed"}),
        "inv": parent("INV-1", 4000, **{"agileds.severity": "high"}),
    }
    client.create_run(
        experiment, tags={"agileds.ticket": "SPIKE-1", "mlflow.parentRunId": runs["spike"]}
    )
    client.delete_run(parent("STORY-1", 5000, **{"agileds.verdict": "pass"}))
    parent("STORY-1", 6000, gone, **{"agileds.verdict": "pass"})
    client.delete_experiment(gone)
    return uri, Path(uri.removeprefix("sqlite:///")), runs


def test_sqlite_reader_agrees_with_mlflow(store: tuple[str, Path, dict[str, str]]) -> None:
    uri, database, runs = store
    ids = {"SPIKE-1", "STORY-1", "INV-1", "BUG-9"}
    direct = parent_runs_from_sqlite(database, ids)
    assert [r.info.run_id for r in direct["STORY-1"]] == [runs["story_new"], runs["story_old"]]
    assert direct["INV-1"][0].data.metrics == {"auroc": pytest.approx(1.0)}
    assert direct["SPIKE-1"][0].data.params == {"direction": "maximize"}
    assert _read_evidence(uri, database, ids) == evidence_from_mlflow(uri, ids)
    assert set(_read_evidence(uri, database, ids)) == {"SPIKE-1", "STORY-1", "INV-1"}


def test_a_file_without_mlflow_tables_raises_for_the_fallback(tmp_path: Path) -> None:
    database = tmp_path / "other.db"
    sqlite3.connect(database).close()
    with pytest.raises(sqlite3.Error):
        parent_runs_from_sqlite(database, {"STORY-1"})


def test_rank_with_evidence_does_not_import_mlflow(
    project: Project, store: tuple[str, Path, dict[str, str]]
) -> None:
    write_ticket(
        project, "STORY-1.yaml", "id: STORY-1\ntype: story\ntitle: x\nvalue: 2\neffort: 1\n"
    )
    code = (
        "import sys; from agileds.cli import main\n"
        "try: main(['backlog', 'rank', '--evidence'])\n"
        "except SystemExit: pass\n"
        "print('HEAVY', [m for m in ('mlflow', 'sklearn', 'optuna') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project.root
    ).stdout
    assert "fail" in out  # STORY-1's latest verdict that is not 'killed'
    assert "HEAVY []" in out
