"""Damaged stores: an empty mlflow.db, torn journal records, deleted artifacts, odd names."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from agileds.errors import ConfigError, UsageError
from agileds.project import Project
from agileds.sweeps._study import open_storage
from agileds.tracking._bridge import MAX_KEY_LENGTH, mlflow_key, mlflow_keys
from tests.faults.conftest import MODEL, agileds, client_of, one_line_error, parent_runs


def test_an_empty_mlflow_db_is_refused_not_taken_for_a_new_store(tiny_project: Project) -> None:
    database = tiny_project.root / "mlruns" / "mlflow.db"
    database.write_bytes(b"")
    result = agileds(tiny_project.root, "rollback", MODEL)
    assert result.returncode == 2
    line = one_line_error(result)
    assert f"{database} is empty (0 bytes)" in line
    assert "restore it from a backup, or delete it" in line
    assert database.stat().st_size == 0  # not silently migrated into a new, empty store


# --- the Optuna journal ---------------------------------------------------------------------


def _journal_with_trials(path: Path, trials: int = 3) -> None:
    import optuna

    from agileds.sweeps._study import quiet_optuna

    quiet_optuna()
    study = optuna.create_study(
        study_name="STORY-1", storage=open_storage(str(path)), load_if_exists=True
    )
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=trials)


def _trials(path: Path, said: list[str] | None = None) -> list[Any]:
    import optuna

    storage = open_storage(str(path), said.append if said is not None else None)
    return optuna.load_study(study_name="STORY-1", storage=storage).trials


def test_a_journal_cut_mid_record_drops_the_torn_record_and_says_so(tmp_path: Path) -> None:
    journal = tmp_path / "optuna.journal"
    _journal_with_trials(journal)
    whole = journal.read_bytes()
    journal.write_bytes(whole[:-25])  # a crash in the middle of the last record
    said: list[str] = []
    trials = _trials(journal, said)
    assert len(trials) == 3 and trials[0].state.name == "COMPLETE"
    assert said == [f"{journal}: dropped a torn last record (" + said[0].split("(")[1]]
    assert "left by a crash or a full disk" in said[0]
    assert journal.read_bytes() == whole[: whole.rstrip(b"\n").rfind(b"\n") + 1]
    _journal_with_trials(journal, 1)  # appending works again


def test_a_torn_record_with_records_appended_after_it_is_salvaged(tmp_path: Path) -> None:
    journal = tmp_path / "optuna.journal"
    _journal_with_trials(journal, 2)
    lines = journal.read_bytes().splitlines(keepends=True)
    # What an older agileds left: a torn record, then the next writer's record on its line.
    journal.write_bytes(b"".join(lines[:-1]) + lines[-1][:30] + lines[-1])
    said: list[str] = []
    trials = _trials(journal, said)
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    assert said == [f"{journal}: dropped 1 torn record(s) left by a crash or a full disk"]
    assert journal.read_bytes() == b"".join(lines)


def test_a_journal_with_a_damaged_line_names_it_and_the_fix(tmp_path: Path) -> None:
    journal = tmp_path / "optuna.journal"
    _journal_with_trials(journal, 2)
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b"\x00\x00garbage\n" + b"".join(lines[1:]))
    with pytest.raises(ConfigError, match=rf"{journal}:2 is not an Optuna journal record"):
        _trials(journal)
    assert b"garbage" in journal.read_bytes()  # left alone


def test_fresh_works_on_a_journal_cut_mid_record(tiny_project: Project) -> None:
    journal = tiny_project.root / "mlruns" / "optuna.journal"
    _journal_with_trials(journal)
    journal.write_bytes(journal.read_bytes()[:-10])
    result = agileds(tiny_project.root, "run", "STORY-1", "--fresh", "--trials", "1")
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output
    assert "dropped a torn last record" in output
    assert [t.state.name for t in _trials(journal)] == ["COMPLETE"]


# --- long and odd column names ----------------------------------------------------------------


def test_mlflow_keys_stay_within_mlflow_limits_and_apart() -> None:
    long_a, long_b = "a" * 5000 + "|x", "a" * 5000 + "|y"
    keys = {mlflow_key(f"null_rate.{name}") for name in (long_a, long_b)}
    assert len(keys) == 2
    assert all(len(key) == MAX_KEY_LENGTH for key in keys)
    assert mlflow_key(f"null_rate.{long_a}") == mlflow_key(f"null_rate.{long_a}")
    assert mlflow_key("days|open\nnow") == "days_open_now"
    assert mlflow_key("null_rate.Culmen Length (mm)") == "null_rate.Culmen Length _mm_"


def test_columns_whose_keys_clash_stay_apart() -> None:
    keys = mlflow_keys(["null_rate.a_b", "null_rate.a|b", "null_rate.a b"])
    assert keys["null_rate.a_b"] == "null_rate.a_b"  # taken as it is: kept
    assert keys["null_rate.a|b"].startswith("null_rate.a_b-")
    assert len(set(keys.values())) == 3


def test_a_run_on_columns_with_long_and_odd_names_finishes(tiny_project: Project) -> None:
    import pandas as pd

    data = tiny_project.root / "experiments" / "data" / "leads.csv"
    frame = pd.read_csv(data)
    long = "x|y\nz" + "a" * 5000
    frame.rename(columns={"employees": long, "days_open": "days|open\nnow"}).to_csv(
        data, index=False
    )
    result = agileds(tiny_project.root, "run", "STORY-1")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    (run,) = parent_runs(tiny_project.root)
    assert run.info.status == "FINISHED"
    assert mlflow_key(f"null_rate.{long}") in run.data.metrics
    assert all(len(key) <= MAX_KEY_LENGTH for key in run.data.metrics)
    versions = client_of(tiny_project.root).search_model_versions(f"name = '{MODEL}'")
    assert [str(v.version) for v in versions] == ["1"]


# --- deleted artifacts ------------------------------------------------------------------------


def _promoted_twice(root: Path) -> tuple[Any, str, str]:
    """Production v2, previous v1 (registry only, no sweep); return (client, v1, v2)."""
    from tests.faults.test_concurrency import _start

    client, _, _, production = _start(root)
    return client, "1", production


def _model_folder(client: Any, version: str) -> Path:
    from urllib.parse import urlparse

    return Path(urlparse(client.get_model_version_download_uri(MODEL, version)).path)


def test_rollback_to_a_version_whose_artifacts_were_deleted_is_refused(
    tiny_project: Project,
) -> None:
    from agileds.golive import rollback

    client, previous, production = _promoted_twice(tiny_project.root)
    # v1 and v2 share one logged model in this registry: delete its pickle only for v1's view
    folder = _model_folder(client, previous)
    (folder / "model.pkl").unlink()
    with pytest.raises(UsageError, match=rf"{MODEL} v{previous} cannot be loaded: model.pkl"):
        rollback(tiny_project, MODEL)
    aliases = {a: str(v) for a, v in client.get_registered_model(MODEL).aliases.items()}
    assert aliases == {"production": production, "previous": previous}


def test_promoting_a_version_whose_artifacts_were_deleted_is_refused(
    tiny_project: Project,
) -> None:
    from tests.faults.test_concurrency import _start, _version

    client, uri, run, production = _start(tiny_project.root)
    candidate = _version(client, uri, run, "STORY-2", production)
    shutil.rmtree(_model_folder(client, candidate))
    result = agileds(tiny_project.root, "promote", "STORY-2")
    assert result.returncode == 2
    line = one_line_error(result)
    assert f"{MODEL} v{candidate} cannot be loaded: MLmodel is missing from " in line
    assert "promote refused, aliases unchanged" in line
    assert str(client.get_registered_model(MODEL).aliases["production"]) == production
