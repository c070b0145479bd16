"""Store resolution, experiments and the RunLogger, against a real SQLite tracking store."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from itertools import chain
from pathlib import Path

import pytest
from mlflow import MlflowClient

from agileds.errors import ConfigError, UsageError
from agileds.tracking import (
    RunLogger,
    Stores,
    active_ticket,
    ensure_experiment,
    get_client,
    resolve_stores,
)
from agileds.tracking._bridge import MAX_ENTITIES_PER_BATCH, _batches

# --- stores -----------------------------------------------------------------------------


def test_default_stores_live_under_mlruns(tmp_path: Path) -> None:
    stores = resolve_stores(tmp_path)
    assert stores == Stores(
        tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db",
        artifact_root=(tmp_path / "mlruns" / "artifacts").as_uri(),
        optuna_storage=str(tmp_path / "mlruns" / "optuna.journal"),
    )


def test_relative_urls_resolve_against_the_project_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir("/")
    stores = resolve_stores(
        tmp_path,
        tracking_uri="sqlite:///db/mlflow.db?timeout=30",
        artifact_root="store/artifacts",
        optuna_storage="sqlite:///db/optuna.db",
    )
    assert stores.tracking_uri == f"sqlite:///{tmp_path}/db/mlflow.db?timeout=30"
    assert stores.artifact_root == (tmp_path / "store" / "artifacts").as_uri()
    assert stores.optuna_storage == f"sqlite:///{tmp_path}/db/optuna.db"
    assert resolve_stores(tmp_path, optuna_storage="o.journal").optuna_storage == str(
        tmp_path / "o.journal"
    )


def test_absolute_and_remote_urls_are_kept(tmp_path: Path) -> None:
    stores = resolve_stores(
        tmp_path,
        tracking_uri="http://mlflow.internal:5000",
        optuna_storage="postgresql://u@db/optuna",
    )
    assert stores.tracking_uri == "http://mlflow.internal:5000"
    assert stores.artifact_root is None  # the tracking server decides
    assert stores.optuna_storage == "postgresql://u@db/optuna"
    absolute = resolve_stores(tmp_path, tracking_uri="sqlite:////srv/mlflow.db")
    assert absolute.tracking_uri == "sqlite:////srv/mlflow.db"
    assert resolve_stores(tmp_path, artifact_root="s3://b/a").artifact_root == "s3://b/a"


def test_a_tracking_server_keeps_the_artifacts_unless_a_uri_is_given(tmp_path: Path) -> None:
    # The scaffold's `artifact_location: mlruns/artifacts` would make the server record
    # paths on this machine that no other machine can read.
    server = "http://mlflow.internal:5000"
    assert resolve_stores(tmp_path, server, "mlruns/artifacts").artifact_root is None
    assert resolve_stores(tmp_path, server, "s3://b/a").artifact_root == "s3://b/a"
    local = resolve_stores(tmp_path, None, "mlruns/artifacts").artifact_root
    assert local == (tmp_path / "mlruns" / "artifacts").resolve().as_uri()


@pytest.mark.parametrize("uri", ["mlruns", "file:///tmp/mlruns"])
def test_file_store_is_refused_with_the_fix(tmp_path: Path, uri: str) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_stores(tmp_path, tracking_uri=uri)
    assert str(raised.value) == (
        f"tracking_uri {uri!r}: MLflow 3 no longer opens a plain-folder file store; "
        "use a database such as 'sqlite:///mlruns/mlflow.db'"
    )


def test_get_client_creates_a_fresh_database_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    client = get_client(resolve_stores(tmp_path / "project").tracking_uri)
    database = tmp_path / "project" / "mlruns" / "mlflow.db"
    assert client.search_experiments()  # the store works
    assert "database tables" not in capfd.readouterr().err
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_get_client_leaves_an_existing_database_alone(tmp_path: Path) -> None:
    database = tmp_path / "mlflow.db"
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE t (x)")
    get_client(f"sqlite:///{database}")
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_ensure_experiment_creates_once_under_the_artifact_root(
    client: MlflowClient, stores: Stores
) -> None:
    first = ensure_experiment(client, "lead scoring", stores.artifact_root)
    assert ensure_experiment(client, "lead scoring", stores.artifact_root) == first
    location = client.get_experiment(first).artifact_location
    assert location == f"{stores.artifact_root}/lead_scoring"


def test_deleted_experiment_is_reported_with_the_fix(client: MlflowClient, stores: Stores) -> None:
    experiment_id = ensure_experiment(client, "old", stores.artifact_root)
    client.delete_experiment(experiment_id)
    with pytest.raises(ConfigError, match=r"'old' is deleted; restore it with 'mlflow experiments"):
        ensure_experiment(client, "old", stores.artifact_root)


# --- runs -------------------------------------------------------------------------------


def test_trial_is_one_nested_run_with_params_metrics_and_state(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12", tags={"agileds.title": "t"})
    run_id = logger.log_trial(
        parent,
        3,
        params={"family": "hgb", "max_depth": None, "early_stop": True, "lr": 0.1},
        metrics={"auroc": 0.81, "fit_seconds": 1.5, "skipped": None},
        state="complete",
        start_ms=1_000,
        end_ms=4_000,
        step_metrics={"fold_auroc": [0.8, 0.82, 0.81]},
    )
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert (run.info.start_time, run.info.end_time) == (1_000, 4_000)
    assert run.info.run_name == "trial-3"
    assert run.data.params == {
        "family": "hgb",
        "max_depth": "None",
        "early_stop": "True",
        "lr": "0.1",
    }
    assert run.data.metrics == {"auroc": 0.81, "fit_seconds": 1.5, "fold_auroc": 0.81}
    folds = client.get_metric_history(run_id, "fold_auroc")
    assert [(m.step, m.value) for m in folds] == [(0, 0.8), (1, 0.82), (2, 0.81)]
    tags = run.data.tags
    assert tags["mlflow.parentRunId"] == parent
    assert tags["agileds.trial_number"] == "3"
    assert tags["agileds.trial_state"] == "complete"
    assert tags["agileds.ticket"] == "STORY-12"
    assert "agileds.error" not in tags
    assert client.get_run(parent).data.tags["agileds.title"] == "t"


def test_pruned_trial_is_killed(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    run = client.get_run(logger.log_trial(parent, 0, {}, {}, state="PRUNED"))
    assert run.info.status == "KILLED"
    assert run.data.tags["agileds.trial_state"] == "pruned"


def test_failed_trial_keeps_head_and_tail_of_a_long_error(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    error = "Traceback (most recent call last):\n" + "x" * 9000 + "\nValueError: bad input"
    run = client.get_run(logger.log_trial(parent, 1, {"a": 1}, {}, state="fail", error=error))
    assert run.info.status == "FAILED"
    assert run.data.tags["agileds.trial_state"] == "failed"
    logged = run.data.tags["agileds.error"]
    assert len(logged) == 5000
    assert logged.startswith("Traceback") and logged.endswith("ValueError: bad input")


def test_trial_of_a_parent_from_another_logger(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    worker = RunLogger(client, tags={})
    run = client.get_run(worker.log_trial(parent, 0, {}, {"auroc": 0.5}, "complete"))
    assert run.info.experiment_id == experiment_id
    assert run.data.tags["mlflow.parentRunId"] == parent


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state": "running"}, "trial state 'running': expected 'complete', 'pruned' or 'failed'"),
        ({"metrics": {"auroc": "high"}}, "metric 'auroc': expected a number, got 'high'"),
        (
            {"metrics": {"auroc": 0.8}, "step_metrics": {"auroc": [0.8]}},
            "metric 'auroc' is both a metric and a step series; "
            "name the series apart, e.g. 'fold_auroc'",
        ),
    ],
)
def test_bad_trial_input_is_a_usage_error(logger: RunLogger, kwargs: dict, message: str) -> None:
    arguments = {"params": {}, "metrics": {}, "state": "complete", **kwargs}
    with pytest.raises(UsageError) as raised:
        logger.log_trial("no-parent-needed", 0, **arguments)
    assert str(raised.value) == message


def test_values_are_converted_and_long_params_cut(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    params = {"space": {"depth": [2, 8]}, "families": ["lr", "rf"], "blob": "y" * 7000}
    parent = logger.start_parent(experiment_id, "STORY-12", params=params)
    logged = client.get_run(parent).data.params
    assert json.loads(logged["space"]) == {"depth": [2, 8]}
    assert json.loads(logged["families"]) == ["lr", "rf"]
    assert len(logged["blob"]) == 6000


def test_more_than_one_batch_is_split_within_mlflow_limits(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    params = {f"p{i}": i for i in range(250)}
    series = {"loss": [float(i) for i in range(1500)]}
    run_id = logger.log_trial(parent, 0, params, {"auroc": 0.7}, "complete", step_metrics=series)
    assert len(client.get_run(run_id).data.params) == 250
    assert len(client.get_metric_history(run_id, "loss")) == 1500


def test_batches_respect_every_limit() -> None:
    metrics, params, tags = list(range(2500)), list(range(230)), list(range(120))
    batches = list(_batches(metrics, params, tags))  # type: ignore[arg-type]
    for m, p, t in batches:
        assert len(p) <= 100 and len(t) <= 100
        assert len(m) + len(p) + len(t) <= MAX_ENTITIES_PER_BATCH
    assert list(chain.from_iterable(m for m, _, _ in batches)) == metrics
    assert list(chain.from_iterable(p for _, p, _ in batches)) == params
    assert list(_batches([], [], [])) == []


def test_finish_parent_logs_then_terminates(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    logger.finish_parent(parent, "killed", metrics={"trials": 40}, tags={"agileds.verdict": "pass"})
    run = client.get_run(parent)
    assert run.info.status == "KILLED"
    assert run.data.metrics == {"trials": 40.0}
    assert run.data.tags["agileds.verdict"] == "pass"
    with pytest.raises(UsageError, match="run status 'DONE': expected one of FINISHED, FAILED"):
        logger.finish_parent(parent, "done")


def test_artifacts_land_under_the_run(
    client: MlflowClient, logger: RunLogger, experiment_id: str, tmp_path: Path
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.md").write_text("# STORY-12\n")
    (report / "history.png").write_bytes(b"png")
    logger.log_dict_artifact(parent, {"trials": 40}, "sweep.json")
    logger.log_artifact(parent, str(report), "report")
    logger.log_artifact(parent, str(report / "report.md"))
    paths = {a.path for a in client.list_artifacts(parent)}
    assert paths == {"sweep.json", "report", "report.md"}
    assert {a.path for a in client.list_artifacts(parent, "report")} == {
        "report/report.md",
        "report/history.png",
    }


def test_default_tags_are_what_start_run_would_set(
    client: MlflowClient, experiment_id: str
) -> None:
    with active_ticket({"agileds.ticket": "SPIKE-2", "agileds.title": "Try HGB"}):
        logger = RunLogger(client)
        parent = logger.start_parent(experiment_id, "SPIKE-2")
    trial = logger.log_trial(parent, 0, {}, {}, "complete")
    for run_id in (parent, trial):
        tags = client.get_run(run_id).data.tags
        assert tags["agileds.ticket"] == "SPIKE-2"
        assert tags["agileds.ticket_type"] == "spike"
        assert tags["agileds.title"] == "Try HGB"
        assert tags["mlflow.user"]


def test_threads_logging_one_sweep_attach_every_trial_to_the_parent(
    client: MlflowClient, logger: RunLogger, experiment_id: str
) -> None:
    parent = logger.start_parent(experiment_id, "STORY-12")

    def trial(number: int) -> str:
        return logger.log_trial(parent, number, {"n": number}, {"auroc": number / 20}, "complete")

    with ThreadPoolExecutor(max_workers=4) as pool:
        run_ids = list(pool.map(trial, range(20)))
    children = client.search_runs(
        [experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'", max_results=100
    )
    assert sorted(run.info.run_id for run in children) == sorted(run_ids)
    assert {run.info.status for run in children} == {"FINISHED"}


def test_an_unreachable_tracking_server_is_one_line_naming_what_was_tried() -> None:
    from agileds.errors import ConfigError
    from agileds.tracking import get_client

    # Port 9 on loopback: nothing listens; MLflow's own client would retry for minutes.
    with pytest.raises(ConfigError) as caught:
        get_client("http://127.0.0.1:9")
    message = str(caught.value)
    assert message.startswith(
        "the MLflow tracking server http://127.0.0.1:9 does not answer "
        "(tried GET http://127.0.0.1:9/health: "
    )
    assert "agileds server" in message and "\n" not in message
