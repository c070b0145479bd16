"""MLflow's evaluator logs through the process's tracking URI: agileds points it at the
project's store for the call and puts back exactly what was there, with MLflow's public API."""

from __future__ import annotations

import os

import pytest

from agileds.golive._mlflow_eval import _project_store


def test_the_variable_is_set_for_the_call_and_restored() -> None:
    import mlflow

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", "sqlite:///user.db")
        with _project_store("sqlite:///project.db"):
            assert mlflow.get_tracking_uri() == "sqlite:///project.db"
        assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///user.db"
        assert mlflow.get_tracking_uri() == "sqlite:///user.db"
        patch.delenv("MLFLOW_TRACKING_URI")
        with _project_store("sqlite:///project.db"):
            assert mlflow.get_tracking_uri() == "sqlite:///project.db"
        assert "MLFLOW_TRACKING_URI" not in os.environ


def test_a_uri_pinned_by_set_tracking_uri_is_moved_and_put_back() -> None:
    import mlflow
    from mlflow.tracking._tracking_service import utils  # the test restores MLflow's state

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, "_tracking_uri", None)
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        mlflow.set_tracking_uri("sqlite:///pinned.db")
        patch.setenv("MLFLOW_TRACKING_URI", "sqlite:///variable.db")
        with _project_store("sqlite:///project.db"):
            assert mlflow.get_tracking_uri() == "sqlite:///project.db"
        assert mlflow.get_tracking_uri() == "sqlite:///pinned.db"
        assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///variable.db"
