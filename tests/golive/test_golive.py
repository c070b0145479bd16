"""Go-live end to end on real registered models in a real MLflow registry (SQLite)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from agileds.golive import (
    AT_TAG,
    DECISION_TAG,
    PRODUCTION_TAG,
    REASONS_TAG,
    REPORT_TAG,
    run_golive,
)
from agileds.project import Project
from agileds.tracking import set_alias
from tests.golive.conftest import MODEL, client_of, set_guardrails

REPORT = "docs/reports/STORY-3/golive.md"


def test_a_better_candidate_goes_live_with_every_reason_and_mlflow_evaluation(
    golive_project: Project,
    register: Callable[..., str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mlflow

    sentinel = tmp_path / "global" / "unused.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{sentinel}")
    client = client_of(golive_project)
    weak = register("STORY-1", shuffled=True)
    set_alias(client, MODEL, "production", weak)
    good = register(config={"logistic.C": 0.5, "features.text": False})
    set_guardrails(
        golive_project, n_boot=200, min_segment_rows=15, max_latency_ratio=20, mlflow_evaluate=True
    )
    messages: list[str] = []

    report = run_golive(golive_project.root, "STORY-3", progress=messages.append)

    assert report.decision == "GO"
    assert (report.candidate_version, report.production_version) == (good, weak)
    texts = [r.text for r in report.reasons]
    assert texts[0].startswith("criterion 1 passed: auroc >= 0.6 (auroc = ")
    assert texts[1].startswith("criterion 2 passed: delta.auroc.ci_low > 0 (delta.auroc.ci_low")
    assert texts[2].startswith("guardrail auroc not significantly worse passed: delta.auroc = +")
    assert texts[3].startswith("guardrail latency p95 passed: latency_p95_ms = ")
    assert not report.reasons_with("fail")
    q = report.quantities
    assert q["delta.auroc.ci_low"] > 0 and q["auroc"] > q["production.auroc"]
    assert q["eval_rows"] == report.rows == 180
    assert report.delong is not None and report.delong.p_value == q["delta.auroc.p_value"]
    assert report.changes.groups_removed == ["text"]
    assert [(h.name, h.production, h.candidate) for h in report.changes.hyperparameters] == [
        ("logistic.C", 1.0, 0.5)
    ]
    assert report.changes.commit == ("commit-of-STORY-1", "commit-of-STORY-3")
    assert messages[-1] == f"recorded the decision on {MODEL} v{good} (agileds promote reads it)"
    assert not any("decision: " in m for m in messages)  # the CLI prints it, once

    # The contract with 'agileds promote': tags on the candidate version.
    tags = client.get_model_version(MODEL, good).tags
    assert tags[DECISION_TAG] == "GO"
    assert json.loads(tags[REASONS_TAG]) == texts
    assert tags[REPORT_TAG] == REPORT
    assert tags[PRODUCTION_TAG] == weak
    assert dt.datetime.fromisoformat(tags[AT_TAG]).utcoffset() == dt.timedelta(0)

    # The go-live run: tagged, with our numbers, MLflow's own, the report and predictions.
    run = client.get_run(report.run_id)
    assert run.data.tags["agileds.kind"] == "golive"
    assert run.data.tags["agileds.ticket"] == "STORY-3"
    assert run.data.tags[DECISION_TAG] == "GO"
    assert run.info.status == "FINISHED"
    assert run.data.metrics["delta.auroc"] == pytest.approx(q["delta.auroc"])
    assert run.data.metrics["candidate_roc_auc"] == pytest.approx(q["auroc"], abs=1e-6)
    assert run.data.metrics["production_roc_auc"] == pytest.approx(q["production.auroc"], abs=1e-6)
    check = report.mlflow_check
    assert check is not None and check.ran and check.agrees and check.passed
    text = (golive_project.root / REPORT).read_text()
    assert "## MLflow's evaluation" in text
    assert "MLflow's values agree with agileds' (within 1e-6)." in text
    artifacts = {a.path for a in client.list_artifacts(report.run_id, "golive")}
    assert {"golive/predictions.parquet", "golive/report"} <= artifacts
    local = client.download_artifacts(report.run_id, "golive/predictions.parquet", str(tmp_path))
    predictions = pd.read_parquet(local)
    assert list(predictions.columns) == ["row", "label", "candidate", "production", "segment"]
    assert len(predictions) == report.rows
    assert predictions["candidate"].between(0, 1).all()

    # MLflow's evaluation left the global tracking URI and its environment variable alone.
    assert mlflow.get_tracking_uri() == f"sqlite:///{sentinel}"
    assert not sentinel.exists()


def test_a_worse_candidate_is_no_go_naming_the_paired_difference(
    golive_project: Project, register: Callable[..., str], run_cli
) -> None:
    client = client_of(golive_project)
    good = register("STORY-1")
    set_alias(client, MODEL, "production", good)
    worse = register(shuffled=True)

    result = run_cli("golive", "STORY-3")

    assert result.code == 1, result.err
    assert (result.out + result.err).count("decision: NO-GO") == 1
    tags = client.get_model_version(MODEL, worse).tags
    assert tags[DECISION_TAG] == "NO-GO"
    failed = [r for r in json.loads(tags[REASONS_TAG]) if " failed: " in r]
    assert any(r.startswith("criterion 2 failed: delta.auroc.ci_low > 0") for r in failed)
    primary = next(r for r in failed if r.startswith("guardrail auroc"))
    assert "delta.auroc = -" in primary
    assert "lies wholly below 0 (p = " in primary
    assert primary.endswith("): the candidate is significantly worse than production")
    assert f"FAIL  {primary}" in result.out
    _assert_rendered_with_every_plot(golive_project.root / "docs" / "reports" / "STORY-3")


def _assert_rendered_with_every_plot(folder: Path) -> None:
    plots = ["roc", "pr", "calibration", "scores", "segments"]
    for name in plots:
        assert (folder / f"golive_{name}.png").read_bytes().startswith(b"\x89PNG"), name
    text = (folder / "golive.md").read_text()
    for section in (
        "# STORY-3 go-live — Better lead scores",
        "## Decision: NO-GO",
        "## Acceptance criteria",
        "## Guardrails",
        "## Metrics",
        "### DeLong's test of the two auROCs",
        "## Segments by `customer_id`",
        "fewer than 15 rows",
        "## Serving cost",
        "## What changed",
        "## Links",
        "## Plots",
        "![ROC curves](golive_roc.png)",
        "![Precision-recall curves](golive_pr.png)",
        "![Reliability (calibration) curves](golive_calibration.png)",
        "![Score distributions](golive_scores.png)",
        "![By segment](golive_segments.png)",
    ):
        assert section in text, section
    assert "MLflow's evaluation" not in text  # switched off in the test guardrails


def test_first_deployment_judges_the_candidate_on_its_own(
    golive_project: Project, register: Callable[..., str], run_cli
) -> None:
    from agileds.data import make_leads

    version = register()
    make_leads(300, seed=11).to_parquet(golive_project.root / "new.parquet")

    result = run_cli("golive", "STORY-3", "--data", "new.parquet", "--json")

    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["decision"] == "GO"
    assert out["first_deployment"] is True
    assert out["production_version"] is None
    assert out["candidate_version"] == version
    assert out["report"] == REPORT
    assert (out["data"], out["rows"]) == ("the file new.parquet", 300)
    reasons = {r["text"]: r["status"] for r in out["reasons"]}
    assert (
        reasons[
            "criterion 2 not applicable: first deployment (delta.auroc.ci_low > 0 needs "
            "delta.auroc.ci_low)"
        ]
        == "n/a"
    )
    assert reasons["guardrail auroc not significantly worse: not applicable: first deployment"]
    assert "production.auroc" not in out["quantities"]
    tags = client_of(golive_project).get_model_version(MODEL, version).tags
    assert (tags[DECISION_TAG], tags[PRODUCTION_TAG]) == ("GO", "")
    text = (golive_project.root / REPORT).read_text()
    assert "(first deployment: no production model)" in text
    assert "First deployment: nothing to compare with." in text


def test_run_facts_are_noted_only_for_quantities_a_criterion_names(
    golive_project: Project, register: Callable[..., str], run_cli
) -> None:
    ticket = golive_project.root / "backlog" / "STORY-3.yaml"
    ticket.write_text(ticket.read_text() + "  - cv.auroc >= 0.5\n  - Sales agrees\n")
    version = register()
    client = client_of(golive_project)
    run_id = client.get_model_version(MODEL, version).run_id
    for name, value in (("cv.auroc", 0.8), ("null_rate.description", 0.1), ("trials", 2.0)):
        client.log_metric(run_id, name, value)

    assert run_cli("golive", "STORY-3").code in (0, 1)

    notes = [
        line
        for line in (golive_project.root / REPORT).read_text().splitlines()
        if "use the values measured by the candidate's run" in line
    ]
    assert len(notes) == 1
    assert (
        f"criteria on cv.auroc use the values measured by the candidate's run {run_id}" in notes[0]
    )
