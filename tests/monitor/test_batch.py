"""``monitor_batch``: what one batch measures, and how it lands in MLflow as a step."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from agileds.monitor import monitor_batch
from agileds.project import Project
from tests.monitor.conftest import MODEL


def test_two_batches_become_two_steps_of_one_monitoring_run(monitored: Project) -> None:
    from agileds.tracking import get_client, resolve_stores

    lines: list[str] = []
    first = monitor_batch(
        monitored, MODEL, "experiments/data/batch_1.csv", at="2025-04-01", progress=lines.append
    )
    second = monitor_batch(
        monitored,
        MODEL,
        monitored.root / "experiments/data/batch_2.csv",
        labels="is_closed",
        at=dt.datetime(2025, 7, 1, 12, 30),
    )
    assert lines[0] == "loading lead-scoring@production and its reference data"
    assert (first.index, second.index) == (1, 2)
    assert first.run_id == second.run_id
    assert (first.previous_rows, second.previous_rows) == (None, 1500)
    assert second.volume_change == 0.0
    assert first.metrics == {} and first.labelled == 0
    assert second.labelled == 1500
    assert (
        second.metrics["auroc.ci_low"] < second.metrics["auroc"] < second.metrics["auroc.ci_high"]
    )
    assert second.evaluation is not None and second.metrics["auroc"] < second.evaluation - 0.03
    assert second.batch == "experiments/data/batch_2.csv"
    assert second.at == dt.datetime(2025, 7, 1, 12, 30, tzinfo=dt.UTC)
    assert second.top_drift is not None and second.top_drift.column == "lead_source"
    assert second.unseen["lead_source"] == ("chatbot",)
    assert 0.1 < second.moved["lead_source"] < 0.2  # chatbot's share
    assert second.quality["null_rate.annual_revenue"] > 0
    assert "blank_text_rate.description" in second.quality

    client = get_client(resolve_stores(monitored.root).tracking_uri)
    run = client.get_run(second.run_id)
    assert run.data.tags["agileds.kind"] == "monitor"
    assert run.data.tags["agileds.model"] == MODEL
    assert run.data.tags["agileds.model_version"] == "1"
    assert "agileds.ticket" not in run.data.tags  # not a ticket execution
    assert run.data.tags["agileds.monitor.batch.2"] == "experiments/data/batch_2.csv"
    assert run.data.params["evaluation.auroc"] == f"{second.evaluation:.6g}"
    history = client.get_metric_history(second.run_id, "scores_written")
    stamps = [int(dt.datetime(2025, 4, 1, tzinfo=dt.UTC).timestamp() * 1000),
              int(dt.datetime(2025, 7, 1, 12, 30, tzinfo=dt.UTC).timestamp() * 1000)]  # fmt: skip
    assert sorted((m.step, m.timestamp, m.value) for m in history) == [
        (1, stamps[0], 1500.0),
        (2, stamps[1], 1500.0),
    ]
    auroc = client.get_metric_history(second.run_id, "auroc")
    assert [(m.step, m.value) for m in auroc] == [(2, pytest.approx(second.metrics["auroc"]))]
    assert {"psi.lead_source", "psi.description.word_count", "max_psi", "psi.score"} <= set(
        run.data.metrics
    )
    folder = Path(client.download_artifacts(second.run_id, "monitor/batch-2"))
    drift = json.loads((folder / "drift.json").read_text())
    assert drift["columns"][:3] == ["column", "kind", "psi"]
    assert drift["data"][0][0] == "lead_source"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["unseen"] == {"lead_source": ["chatbot"]}


def test_parquet_batches_outside_the_project_and_partial_labels(monitored: Project) -> None:
    frame = pd.read_csv(monitored.root / "experiments/data/batch_1.csv")
    frame.loc[frame.index[:500], "is_closed"] = None  # outcomes not known yet
    outside = monitored.root.parent / "batch.parquet"
    frame.to_parquet(outside)
    result = monitor_batch(monitored, MODEL, "../batch.parquet", labels="is_closed")
    assert result.batch == str(outside.resolve())  # absolute when outside the project
    assert (result.rows, result.labelled) == (1500, 1000)
    assert set(result.metrics) >= {"auroc", "auroc.ci_low", "aupr", "log_loss"}
