"""The reference data of a model version: the training part it was fitted on, stored with it.

Monitors compare a production batch with it (drift) and go-live reports show its window.
The table is a Parquet artifact of the version's run; the window and size are version tags.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError
from agileds.tracking._tags import DATA_ROWS_TAG, DATA_WINDOW_TAG, TARGET_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from pandas import DataFrame

__all__ = ["REFERENCE_ARTIFACT", "load_reference", "log_reference", "reference_tags"]

REFERENCE_ARTIFACT = "reference/train.parquet"


def log_reference(client: MlflowClient, run_id: str, frame: DataFrame) -> None:
    """Log ``frame`` (features and target of the training part) as the run's reference data."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(REFERENCE_ARTIFACT).name
        frame.to_parquet(path, index=False)
        client.log_artifact(run_id, str(path), artifact_path=str(Path(REFERENCE_ARTIFACT).parent))


def reference_tags(frame: DataFrame, target: str, time_column: str | None) -> dict[str, str]:
    """Version tags describing the training data: rows, target and the time window."""
    import pandas as pd

    tags = {DATA_ROWS_TAG: str(len(frame)), TARGET_TAG: target}
    if time_column and time_column in frame.columns:
        times = pd.to_datetime(frame[time_column], errors="coerce").dropna()
        if len(times):
            tags[DATA_WINDOW_TAG] = f"{times.min():%Y-%m-%d}..{times.max():%Y-%m-%d}"
    return tags


def load_reference(client: MlflowClient, name: str, version: str | int) -> Any:
    """Return the reference data (a DataFrame) stored with version ``version`` of ``name``.

    Raises:
        UsageError: The version has no reference data (it was registered outside agileds).
    """
    import pandas as pd
    from mlflow.exceptions import MlflowException

    run_id = client.get_model_version(name, str(version)).run_id or ""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = client.download_artifacts(run_id, REFERENCE_ARTIFACT, tmp)
        except (MlflowException, OSError):
            raise UsageError(
                f"{name} v{version} has no reference data ({REFERENCE_ARTIFACT} in run "
                f"{run_id}); register models with 'agileds run' so monitors can compare"
            ) from None
        return pd.read_parquet(local)
