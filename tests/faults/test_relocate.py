"""A project folder moved or copied elsewhere keeps working and never writes into the original."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from agileds.project import Project
from tests.faults.conftest import MODEL, agileds, client_of
from tests.faults.test_concurrency import _start


def _locations(root: Path) -> list[str]:
    """Every artifact location MLflow recorded in the project's database."""
    database = root / "mlruns" / "mlflow.db"
    with sqlite3.connect(database) as connection:
        rows = [
            *connection.execute("SELECT artifact_location FROM experiments"),
            *connection.execute("SELECT artifact_uri FROM runs"),
            *connection.execute("SELECT source FROM model_versions"),
            *connection.execute("SELECT storage_location FROM model_versions"),
            *connection.execute("SELECT artifact_location FROM logged_models"),
        ]
    return [str(location) for (location,) in rows if location]


def test_a_copied_project_works_after_the_original_is_deleted(
    tiny_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tiny_project.root
    ran = agileds(original, "run", "STORY-1")
    assert ran.returncode in (0, 1), ran.stderr
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(original, copy, symlinks=True)
    monkeypatch.chdir(copy)
    shutil.rmtree(original)

    golive = agileds(copy, "golive", "STORY-1")
    assert golive.returncode in (0, 1), golive.stderr  # GO or NO-GO, not an error
    promoted = agileds(copy, "promote", "STORY-1", "--force", "relocation test")
    assert promoted.returncode == 0, promoted.stderr
    batch = copy / "experiments" / "data" / "batch_1.csv"
    monitored = agileds(copy, "monitor", MODEL, "--data", str(batch))
    assert monitored.returncode == 0, monitored.stderr
    again = agileds(copy, "run", "STORY-1", "--trials", "3")  # new artifacts, in the copy
    assert again.returncode in (0, 1), again.stderr

    assert not original.exists()  # nothing wrote into the original's folder
    assert all(str(copy) in location for location in _locations(copy) if "mlruns" in location)
    from agileds.tracking import load_model

    client = client_of(copy)
    assert hasattr(load_model(client, f"models:/{MODEL}@production"), "predict_proba")


def test_a_moved_project_rolls_back_and_a_copy_leaves_the_original_alone(
    tiny_project: Project, tmp_path: Path
) -> None:
    from agileds.golive import rollback

    _start(tiny_project.root)  # production v2, previous v1
    before = _locations(tiny_project.root)
    copy = tmp_path / "copy"
    shutil.copytree(tiny_project.root, copy)
    moved = tmp_path / "moved"
    shutil.move(tiny_project.root, moved)

    done = rollback(Project(moved), MODEL)  # checks v1's files, found under the new folder
    assert (done.version, done.rolled_back) == ("1", "2")
    assert _locations(copy) == before  # the copy was not opened yet: still the old paths
    client_of(copy)  # opening it rewrites its own locations, not the moved project's
    assert all(str(copy) in location for location in _locations(copy) if "mlruns" in location)
    assert all(str(moved) in location for location in _locations(moved) if "mlruns" in location)
