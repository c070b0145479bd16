"""``agileds monitor`` on the demo with a real production model: files, dedupes, refuses."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from agileds.project import Project
from tests.monitor.conftest import MODEL

BATCH_1 = "experiments/data/batch_1.csv"
BATCH_2 = "experiments/data/batch_2.csv"


def _steps(project: Project) -> int:
    """Batches logged to any monitoring run of the model."""
    from agileds.monitor._runs import find_monitor_runs
    from agileds.tracking import get_client, resolve_stores

    client = get_client(resolve_stores(project.root).tracking_uri)
    runs = find_monitor_runs(client, "1", MODEL)
    return sum(len(client.get_metric_history(r.info.run_id, "scores_written")) for r in runs)


def _investigations(project: Project) -> list[str]:
    return [t.id for t in project.backlog().tickets() if t.type.value == "investigation"]


def test_clean_batch_files_nothing_drifted_files_one_and_no_duplicate(
    monitored: Project, run_cli
) -> None:
    before = _investigations(monitored)  # the demo's hand-written INV-1
    clean = run_cli(
        "monitor", MODEL, "--data", BATCH_1, "--labels", "is_closed", "--at", "2025-04-01"
    )
    assert clean.code == 0, clean.err
    assert "no threshold crossed: nothing filed" in clean.out
    assert _investigations(monitored) == before

    drifted = run_cli(
        "monitor", MODEL, "--data", BATCH_2, "--labels", "is_closed", "--at", "2025-07-01"
    )
    assert drifted.code == 0, drifted.err
    # the demo's own "Drop in auROC" (INV-1) is that investigation: no duplicate
    assert "updated INV-1: Drop in auROC for model lead-scoring" in drifted.out
    assert _investigations(monitored) == before
    ticket = monitored.backlog().get("INV-1")
    assert ticket.monitor["signal"] == "auroc_drop"
    assert ticket.monitor["batch"] == BATCH_2
    assert ticket.monitor["also"] == ["feature_drift"]

    again = run_cli(
        "monitor", MODEL, "--data", BATCH_2, "--labels", "is_closed", "--at", "2025-07-02"
    )
    assert again.code == 0, again.err
    assert "updated INV-1" in again.out
    assert _investigations(monitored) == before
    assert monitored.backlog().get("INV-1").monitor["occurrences"] == 2
    assert _steps(monitored) == 3


def test_health_table_and_json(monitored: Project, run_cli) -> None:
    result = run_cli("monitor", MODEL, "--data", BATCH_2, "--json")  # no labels: drift only
    assert result.code == 0, result.err
    data = json.loads(result.out)
    statuses = {s["signal"]: s["status"] for s in data["signals"]}
    assert statuses == {
        "scores_written": "info",
        "auroc_drop": "n/a",
        "feature_drift": "breach",
        "score_volume": "n/a",
        "score_psi": "info",
    }
    assert data["rows"] == 1500 and data["batch"] == BATCH_2 and data["batch_index"] == 1
    assert data["drift"][0]["column"] == "lead_source"
    assert data["unseen"] == {"lead_source": ["chatbot"]}
    assert data["tickets"] == [
        {
            "id": "INV-2",
            "action": "filed",
            "signal": "feature_drift",
            "title": "Feature drift in lead_source for model lead-scoring",
        }
    ]
    assert monitored.backlog().get("INV-2").value == 3  # PSI 1.0 / 0.25 x 15% moved: 0.6
    table = run_cli("monitor", "check", MODEL, "--data", BATCH_1)
    assert table.code == 0, table.err
    header = table.out.splitlines()[2]
    assert header.split() == ["SIGNAL", "VALUE", "THRESHOLD", "STATUS", "DETAIL"]
    assert "score_volume    +0%" in table.out  # against the first batch


def _write(project: Project, name: str, frame: pd.DataFrame) -> str:
    path = project.root / name
    frame.to_csv(path, index=False)
    return name


@pytest.fixture
def batch(monitored: Project) -> pd.DataFrame:
    return pd.read_csv(monitored.root / BATCH_1).head(200)


@pytest.mark.parametrize(
    ("change", "extra", "message"),
    [
        (
            lambda f: f.drop(columns=["annual_revenue", "title"]),
            [],
            "bad.csv: missing model input column(s) annual_revenue, title; "
            "lead-scoring v1 needs every column it was trained on",
        ),
        (
            lambda f: f.assign(annual_revenue=["lots", *list(f["annual_revenue"].iloc[1:])]),
            [],
            "bad.csv: column(s) annual_revenue hold text where lead-scoring v1 expects numbers "
            "(e.g. annual_revenue = 'lots'); fix those values or leave them empty",
        ),
        (
            lambda f: f.assign(title=range(len(f))),
            [],
            "bad.csv: column(s) title hold only numbers where lead-scoring v1 expects text; "
            "check the export's columns",
        ),
        (
            lambda f: f.head(0),
            [],
            "bad.csv: the batch has no rows; nothing to monitor",
        ),
        (
            lambda f: f.assign(is_closed=f["is_closed"].map({0: "no", 1: "yes"})),
            ["--labels", "is_closed"],
            "bad.csv: labels column 'is_closed' holds 'no', 'yes', not the classes 0, 1 that "
            "lead-scoring v1 predicts",
        ),
        (
            lambda f: f.assign(is_closed=1),
            ["--labels", "is_closed"],
            "bad.csv: labels column 'is_closed' holds only class 1; auroc needs both classes "
            "0 and 1",
        ),
        (
            lambda f: f,
            ["--labels", "won"],
            "bad.csv: labels column 'won' is not in the batch; columns are: lead_id, "
            "customer_id, created_at, annual_revenue, employees, days_open, title, industry, "
            "lead_source, description, deal_stage_final, is_closed",
        ),
        (
            lambda f: f,
            ["--at", "last tuesday"],
            "timestamp 'last tuesday' (--at) is not ISO 8601; use e.g. 2025-04-01 or "
            "2025-04-01T09:30",
        ),
    ],
)
def test_bad_input_exits_2_and_leaves_no_trace(
    monitored: Project, run_cli, batch: pd.DataFrame, change, extra: list[str], message: str
) -> None:
    frame = change(batch)
    name = _write(monitored, "bad.csv", frame)
    if frame.empty:  # the header alone
        (monitored.root / name).write_text(",".join(batch.columns) + "\n")
    before = sorted(p.name for p in monitored.backlog_dir.iterdir())
    result = run_cli("monitor", MODEL, "--data", name, *extra)
    assert (result.code, result.out) == (2, "")
    assert result.err.strip().splitlines()[-1] == f"error: {message}"
    assert sorted(p.name for p in monitored.backlog_dir.iterdir()) == before
    assert _steps(monitored) == 0


def test_missing_and_odd_files(monitored: Project, run_cli) -> None:
    missing = run_cli("monitor", MODEL, "--data", "nope.csv")
    assert (
        missing.err.strip()
        == "error: nope.csv: batch file not found; check the path given to --data"
    )
    (monitored.root / "batch.txt").write_text("a,b\n1,2\n")
    odd = run_cli("monitor", MODEL, "--data", "batch.txt")
    assert odd.err.strip() == (
        "error: batch.txt: unsupported file type '.txt'; save the batch as .csv or .parquet"
    )
    (monitored.root / "empty.csv").write_text("")
    empty = run_cli("monitor", MODEL, "--data", "empty.csv")
    assert empty.err.strip() == "error: empty.csv: the batch has no rows; nothing to monitor"
    assert {missing.code, odd.code, empty.code} == {2}
    assert _steps(monitored) == 0


def test_a_model_without_production(monitored: Project, run_cli) -> None:
    result = run_cli("monitor", "churn", "--data", BATCH_1)
    assert result.code == 2
    assert result.err.strip().splitlines()[-1] == (
        "error: model 'churn' has no production version; promote one first "
        "('agileds promote TICKET') or check the model name"
    )


def test_dashboard_renders_with_plots(monitored: Project, run_cli) -> None:
    assert run_cli("monitor", "report", MODEL).err.strip() == (
        "error: model 'lead-scoring' has no monitored batches yet; run "
        "'agileds monitor lead-scoring --data BATCH' first"
    )
    for data, at in ((BATCH_1, "2025-04-01"), (BATCH_2, "2025-07-01")):
        assert (
            run_cli("monitor", MODEL, "--data", data, "--labels", "is_closed", "--at", at).code == 0
        )
    result = run_cli("monitor", "report", MODEL)
    assert result.code == 0, result.err
    assert result.out.strip() == "report: docs/reports/monitor-lead-scoring.md (2 batches)"
    folder = monitored.reports_dir / "monitor-lead-scoring"
    assert sorted(p.name for p in folder.iterdir()) == ["drift.png", "metric.png", "scores.png"]
    for png in folder.iterdir():
        assert png.read_bytes().startswith(b"\x89PNG")
    text = (monitored.reports_dir / "monitor-lead-scoring.md").read_text()
    assert (
        "![auroc per batch against its evaluation value](monitor-lead-scoring/metric.png)" in text
    )
    assert "| 2 | 1 | 2025-07-01 00:00 | `experiments/data/batch_2.csv` | 1500 |" in text
    assert "auroc_drop, feature_drift | INV-1 updated |" in text  # the demo's own INV-1
    assert "| `lead_source` |" in text
    assert "deal_stage_final" not in text  # removed by the sanity checks: the model never reads it


def test_help_shows_both_forms(run_cli) -> None:
    result = run_cli("monitor", "--help")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[:2] == [
        "Usage: agileds monitor MODEL --data BATCH [--labels COLUMN] [OPTIONS]",
        "       agileds monitor report MODEL",
    ]
    assert "check   Check a batch (the default: 'check' may be left out)." in result.out
    assert "report  Write the dashboard docs/reports/monitor-MODEL.md." in result.out
    check = run_cli("monitor", "check", "--help")
    assert check.code == 0 and "--labels COLUMN" in check.out and "--at TIME" in check.out
