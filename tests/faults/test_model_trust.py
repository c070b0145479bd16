"""Models are unpickled only from the project's own store or a store the user trusts outside
the repository (``$AGILEDS_TRUSTED_STORES``, ``~/.config/agileds/trusted-stores``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agileds.errors import ConfigError
from agileds.tracking._trust import check_model_source, trusted_stores_file

DB = "sqlite:////p/mlruns/mlflow.db"


@pytest.fixture(autouse=True)
def no_user_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGILEDS_TRUSTED_STORES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.mark.parametrize(
    "location",
    [
        "/p/mlruns/artifacts/1/models/m-1/artifacts",
        "file:///p/mlruns/artifacts/1/models/m-1/artifacts",
        "/p/mlruns/x",
    ],
)
def test_the_projects_own_store_is_trusted(location: str) -> None:
    check_model_source("models:/m/1", location, DB)


@pytest.mark.parametrize(
    ("location", "tracking"),
    [
        ("/elsewhere/artifacts/m", DB),
        ("/p/mlruns/../../etc/m", DB),
        ("/p/mlruns-evil/m", DB),
        ("s3://attacker/m", DB),
        ("https://attacker.example/m", DB),
        ("mlflow-artifacts:/1/m", "https://attacker.example"),
        ("/p/mlruns/artifacts/m", "https://attacker.example"),
        ("dbfs:/m", "databricks"),
    ],
)
def test_anything_else_needs_the_users_word(location: str, tracking: str) -> None:
    with pytest.raises(ConfigError, match=r"not loading models:/m/1 from .*AGILEDS_TRUSTED_STORES"):
        check_model_source("models:/m/1", location, tracking)


@pytest.mark.parametrize(
    ("entry", "location", "tracking"),
    [
        ("/elsewhere", "/elsewhere/artifacts/m", DB),
        ("s3://team-bucket", "s3://team-bucket/m", DB),
        ("https://mlflow.team", "mlflow-artifacts:/1/m", "https://mlflow.team"),
    ],
)
def test_a_store_the_user_trusts(
    monkeypatch: pytest.MonkeyPatch, entry: str, location: str, tracking: str
) -> None:
    monkeypatch.setenv("AGILEDS_TRUSTED_STORES", entry)
    check_model_source("models:/m/1", location, tracking)
    monkeypatch.delenv("AGILEDS_TRUSTED_STORES")
    path = trusted_stores_file()
    path.parent.mkdir(parents=True)
    path.write_text(f"# stores I trust\n{entry}\n")
    check_model_source("models:/m/1", location, tracking)


def test_another_agileds_projects_store_on_this_machine(tmp_path: Path) -> None:
    other = tmp_path / "original"
    (other / "mlruns" / "artifacts").mkdir(parents=True)
    location = str(other / "mlruns" / "artifacts" / "m")
    with pytest.raises(ConfigError):  # not a project: no agileds.yaml
        check_model_source("models:/m/1", location, DB)
    (other / "agileds.yaml").write_text("")
    check_model_source("models:/m/1", location, DB)


def test_a_prefix_is_not_a_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGILEDS_TRUSTED_STORES", "s3://team")
    with pytest.raises(ConfigError):
        check_model_source("models:/m/1", "s3://team-evil/m", DB)


def test_a_real_model_outside_the_store_is_refused_then_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from agileds.tracking import (
        ensure_experiment,
        get_client,
        load_model,
        log_model,
        resolve_stores,
    )

    outside = tmp_path / "shared-artifacts"
    stores = resolve_stores(tmp_path / "project", artifact_root=str(outside))
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, "m", stores.artifact_root)
    run = client.create_run(experiment).info.run_id
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    fitted = LogisticRegression().fit(frame, [0, 0, 1, 1])
    uri = log_model(client, run, fitted, frame, "binary")
    with pytest.raises(ConfigError, match="outside the project's own store"):
        load_model(client, uri)
    monkeypatch.setenv("AGILEDS_TRUSTED_STORES", str(outside))
    assert list(load_model(client, uri).predict(frame)) == [0, 0, 1, 1]
