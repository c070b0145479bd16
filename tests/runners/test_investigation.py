"""``agileds run INV-n``: the production model's deep-dive on a drifted batch, its report,
the follow-ups it proposes and files once, and bad input that leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from agileds.project import Project
from agileds.reports import (
    FollowUp,
    InvestigationData,
    InvestigationMeasurements,
    InvestigationSubject,
    Provenance,
    build_investigation_report,
    render_markdown,
)
from agileds.reports._investigation_rows import DriftRow, SegmentRow
from agileds.runners import run_ticket
from agileds.runners._followups import Evidence, propose_followups
from agileds.tickets import Verdict
from tests.conftest import make_demo_project
from tests.runners.conftest import FAST_SPEC

SECTIONS = (
    "## Findings",
    "## Acceptance criteria",
    "## Metrics: evaluation against the batch",
    "## auroc per `customer_id`",
    "## auroc over time (`created_at`)",
    "## Drift per feature",
    "## How feature importance shifted",
    "## Leak re-check on the batch",
    "## Data quality",
    "## Rows the model got most wrong",
    "## Follow-ups",
)


@pytest.fixture(scope="module")
def production(
    tmp_path_factory: pytest.TempPathFactory, mlflow_template_db: Path
) -> Iterator[Project]:
    """A demo project whose STORY-1 model is in production, with a drifted batch on disk.

    Module-scoped: training the model once saves ~15 s per test. Tests that file tickets or
    write reports use their own investigation tickets where it matters.
    """
    from agileds.data import make_leads
    from agileds.tracking import get_client, resolve_stores, set_alias

    root = tmp_path_factory.mktemp("investigation")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.delenv("AGILEDS_PROJECT", raising=False)
        project = make_demo_project(root, mlflow_template_db, spec=("fast.yaml", FAST_SPEC))
        data = root / "experiments" / "data"
        make_leads(500, seed=3, batch=2, drift=1.0).to_csv(data / "drifted.csv", index=False)
        result = run_ticket("STORY-1", project, trials=2)
        client = get_client(resolve_stores(root).tracking_uri)
        set_alias(client, "lead-scoring", "production", result.model_version)
        yield project


@pytest.fixture
def inside(production: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The production project as the current directory (for the CLI)."""
    monkeypatch.chdir(production.root)
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    return production


def _backlog_files(project: Project) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(project.backlog_dir.glob("*.yaml"))}


def _copy_ticket(project: Project, source: str, new_id: str) -> None:
    text = (project.backlog_dir / f"{source}.yaml").read_text()
    (project.backlog_dir / f"{new_id}.yaml").write_text(
        text.replace(f"id: {source}", f"id: {new_id}")
    )


def _runs_of(project: Project, ticket: str) -> list[object]:
    from agileds.tracking import get_client, resolve_stores

    client = get_client(resolve_stores(project.root).tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, filter_string=f"tags.`agileds.ticket` = '{ticket}'")


def test_drifted_batch_gives_report_followups_and_a_verdict(production: Project) -> None:
    before = _backlog_files(production)
    result = run_ticket("INV-1", production, data=production.root / "experiments/data/drifted.csv")

    q = result.quantities
    assert q["metric_drop"] > 0.03 and q["auroc.ci_high"] < 0.84
    assert q["max_psi"] > 0.25 and q["psi.lead_source"] == q["max_psi"]  # the new chatbot source
    assert q["drifted_features"] >= 1 and q["followups"] == len(result.followups) >= 2
    assert q["leakage_flags"] == 0 and 0 <= q["null_rate.annual_revenue"] < 0.2
    assert [c.verdict for c in result.criteria] == [Verdict.PASS, Verdict.PENDING]  # followups >= 1
    assert result.verdict is Verdict.PENDING and not result.failed

    retrain, feature = result.followups[:2]
    assert (retrain.type, retrain.title) == ("story", "Retrain lead-scoring on recent data")
    assert retrain.acceptance == ("delta.auroc.ci_low > 0", "leakage_flags == 0")
    assert retrain.parent == "INV-1" and retrain.experiment == "experiments/lead_scoring.yaml"
    assert 2 <= retrain.value <= 13 and retrain.effort == 3
    assert (feature.type, feature.title) == ("spike", "Investigate feature lead_source")
    assert all(f.filed_as is None for f in result.followups)
    assert _backlog_files(production) == before  # proposed, not filed

    report = result.report_path
    assert report == production.reports_dir / "INV-1" / "investigation.md"
    text = report.read_text()
    for section in SECTIONS:
        assert section in text, section
    folder = report.parent
    for name in ("segments", "timeline", "drift", "importance"):
        assert f"]({name}.png)" in text and (folder / f"{name}.png").stat().st_size > 1000
    worst = pd.read_csv(folder / "worst_rows.csv")
    assert list(worst.columns[:4]) == ["row", "is_closed", "score", "loss"]
    assert worst["loss"].is_monotonic_decreasing and len(worst) == 100
    assert "`agileds run INV-1 --file-followups` files them" in text


def test_the_run_is_logged_to_mlflow(production: Project) -> None:
    from agileds.tracking import get_client, resolve_stores

    result = run_ticket("INV-1", production, data=production.root / "experiments/data/drifted.csv")
    client = get_client(resolve_stores(production.root).tracking_uri)
    run = client.get_run(result.parent_run_id)
    tags, metrics = run.data.tags, run.data.metrics
    assert tags["agileds.ticket"] == "INV-1" and tags["agileds.kind"] == "investigation"
    assert tags["agileds.ticket_type"] == "investigation" and tags["agileds.verdict"] == "pending"
    assert tags["agileds.ac.1"] == "pass" and tags["agileds.model_version"] == "1"
    assert metrics["followups"] >= 1 and metrics["max_psi"] > 0.25 and "auroc" in metrics
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "report")}
    assert {"report/investigation.md", "report/drift.png", "report/worst_rows.csv"} <= artifacts
    tables = {a.path for a in client.list_artifacts(run.info.run_id, "investigation")}
    assert "investigation/drift.json" in tables


def test_the_score_psi_is_the_monitors_for_the_same_batch(production: Project) -> None:
    from agileds.monitor import monitor_batch

    batch = production.root / "experiments/data/drifted.csv"
    monitored = monitor_batch(production, "lead-scoring", batch, labels="is_closed")
    result = run_ticket("INV-1", production, data=batch)
    # one computation, same reference and bins: the same number, not 0.036 against 0.059
    assert result.quantities["psi.score"] == pytest.approx(monitored.score_psi, abs=1e-9)
    assert monitored.score_psi > 0


def test_file_followups_files_each_draft_once(production: Project) -> None:
    _copy_ticket(production, "INV-1", "INV-7")
    batch = production.root / "experiments/data/drifted.csv"
    first = run_ticket("INV-7", production, data=batch, file_followups=True)
    ids = [f.filed_as for f in first.followups]
    assert all(ids) and len(set(ids)) == len(ids)
    backlog = production.backlog()
    filed = [backlog.get(i) for i in ids]
    assert all(t.parent == "INV-7" for t in filed)
    assert filed[0].acceptance == ["delta.auroc.ci_low > 0", "leakage_flags == 0"]
    assert filed[0].value == first.followups[0].value and filed[0].model == "lead-scoring"
    after_first = _backlog_files(production)

    second = run_ticket("INV-7", production, data=batch, file_followups=True)
    assert [f.filed_as for f in second.followups] == ids
    assert _backlog_files(production) == after_first  # nothing duplicated, nothing rewritten
    assert "| " + ids[0] + " | story |" in second.report_path.read_text()


def test_monitor_ticket_without_labels(production: Project) -> None:
    batch = pd.read_csv(production.root / "experiments/data/drifted.csv").drop(columns="is_closed")
    batch.to_parquet(production.root / "experiments/data/unlabelled.parquet")
    ticket = production.backlog().create(
        "investigation",
        "Feature drift in lead-scoring",
        value=5,
        effort=2,
        model="lead-scoring",
        monitor={
            "signal": "feature_drift",
            "model": "lead-scoring",
            "version": "1",
            "batch": "experiments/data/unlabelled.parquet",
            "at": "2025-07-01T00:00:00",
            "run_id": "abc123",
        },
        acceptance=["followups >= 1", "max_psi > 0.25"],
    )
    result = run_ticket(ticket.id, production)

    q = result.quantities
    assert "auroc" not in q and "metric_drop" not in q and "leakage_flags" not in q
    assert q["max_psi"] > 0.25 and q["followups"] >= 1
    assert result.verdict is Verdict.PASS
    assert [f.title for f in result.followups] == ["Investigate feature lead_source"]
    assert result.followups[0].experiment == "experiments/fast.yaml"  # the version's spec
    text = result.report_path.read_text()
    assert "without labels" in text and "signal `feature_drift`" in text
    assert "## Rows the model got most wrong" not in text
    assert not (result.report_path.parent / "timeline.png").exists()


BAD_BATCHES = {
    "missing file": (None, "error: nope.csv: file not found; check --data"),
    "missing columns": (
        lambda f: f.drop(columns=["title", "days_open"]),
        "error: bad.csv: missing model input column(s) days_open, title;",
    ),
    "wrong types": (
        lambda f: f.assign(annual_revenue=["lots", *f["annual_revenue"][1:]]),
        "error: bad.csv: column(s) annual_revenue hold text where lead-scoring v1 expects "
        "numbers (e.g. annual_revenue = 'lots')",
    ),
    "wrong labels": (
        lambda f: f.assign(is_closed=f["is_closed"].map({0: "no", 1: "yes"})),
        "error: bad.csv: labels column 'is_closed' holds 'no', 'yes', not the classes 0, 1",
    ),
    "empty": (lambda f: f.head(0), "error: bad.csv: no rows"),
}


@pytest.mark.parametrize("case", list(BAD_BATCHES))
def test_bad_batch_is_one_line_exit_2_nothing_written(inside: Project, run_cli, case: str) -> None:
    change, expected = BAD_BATCHES[case]
    name = "nope.csv"
    if change is not None:
        name = "bad.csv"
        change(pd.read_csv(inside.root / "experiments/data/drifted.csv")).to_csv(name, index=False)
    _copy_ticket(inside, "INV-1", "INV-9")
    before = _backlog_files(inside)

    res = run_cli("run", "INV-9", "--data", name, "--file-followups")
    assert res.code == 2, res.err
    lines = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(expected), res.err
    assert "Traceback" not in res.err
    assert not (inside.reports_dir / "INV-9").exists()
    assert _backlog_files(inside) == before and not _runs_of(inside, "INV-9")


def test_without_data_the_error_says_what_to_pass(inside: Project, run_cli) -> None:
    res = run_cli("run", "INV-1")
    assert res.code == 2
    assert res.err.rstrip().endswith("; pass --data FILE with the batch to investigate"), res.err
    assert "error: INV-1: no data to investigate" in res.err
    story = run_cli("run", "STORY-1", "--data", "experiments/data/drifted.csv")
    assert (story.code, story.err) == (
        2,
        "error: --data and --file-followups are for investigation tickets; STORY-1 is a story\n",
    )


def test_unknown_monitor_version_is_one_line(inside: Project, run_cli) -> None:
    monitor = {"signal": "auroc_drop", "version": 99, "batch": "experiments/data/drifted.csv"}
    ticket = inside.backlog().create("investigation", "Old", value=1, effort=1, monitor=monitor)
    res = run_cli("run", ticket.id)
    assert res.code == 2, res.err
    assert res.err.startswith("error: model 'lead-scoring' has no version 99; its versions are")
    assert res.err.rstrip().endswith(f"; check monitor.version in backlog/{ticket.id}.yaml")
    assert len(res.err.splitlines()) == 1


def test_cli_runs_an_investigation_and_files_followups(inside: Project, run_cli) -> None:
    _copy_ticket(inside, "INV-1", "INV-8")
    res = run_cli("run", "INV-8", "--data", "experiments/data/drifted.csv", "--file-followups")
    assert res.code == 0, res.err
    assert "followups >= 1" in res.out and "verdict: PENDING" in res.out
    filed = [line.split()[1] for line in res.out.splitlines() if line.startswith("follow-up:")]
    assert filed and all((inside.backlog_dir / f"{i}.yaml").is_file() for i in filed)
    assert "follow-ups in the backlog: " in res.err
    assert "report:  " + str(inside.reports_dir / "INV-8" / "investigation.md") in res.out


# -- pure parts: follow-up rules and the report data ---------------------------------------


def _evidence(**changes: object) -> Evidence:
    fields: dict[str, object] = {
        "investigation": "INV-3",
        "model": "m",
        "experiment": "experiments/x.yaml",
        "metric": "auroc",
        "direction": "maximize",
        "batch": "b.csv",
        "baseline": 0.86,
        "current": 0.79,
        "material_drop": True,
        "drift": [
            DriftRow("revenue", "numeric", 0.6, "major"),
            DriftRow("x", "numeric", 0.2, "moderate"),
        ],
        "importance": {"revenue": 0.3, "x": 0.1},
        "quality_reference": {"null_rate.notes": 0.02, "blank_text_rate.notes": 0.0},
        "quality_batch": {"null_rate.notes": 0.30, "blank_text_rate.notes": 0.01},
    }
    fields.update(changes)
    return Evidence(**fields)  # type: ignore[arg-type]


def test_followup_rules_and_heuristics() -> None:
    retrain, feature, quality = propose_followups(_evidence())
    assert (retrain.title, retrain.value, retrain.effort) == ("Retrain m on recent data", 8, 3)
    assert (feature.title, feature.value) == ("Investigate feature revenue", 8)  # 2 + 10 * 0.75
    assert feature.sweep == {"features": {"optional": {"drifted_revenue": ["revenue"]}}}
    assert quality.type == "bug" and quality.title == "Fix data quality of column notes"
    assert quality.acceptance == ("null_rate.notes <= 0.03", "delta.auroc.ci_low > -0.005")
    assert quality.value == 8 and quality.effort == 1  # 2 + 20 * 0.28, capped at 8

    quiet = _evidence(material_drop=False, drift=[], quality_batch={})
    assert propose_followups(quiet) == []
    loss = propose_followups(
        _evidence(metric="log_loss", direction="minimize", baseline=0.4, current=0.5)
    )
    assert loss[0].acceptance[0] == "delta.log_loss.ci_high < 0"
    leak = propose_followups(
        _evidence(material_drop=False, drift=[], quality_batch={}, leaks=["stage"])
    )
    assert [f.title for f in leak] == ["Stop feature stage leaking the label"]


def test_report_data_and_rendering() -> None:
    followup = FollowUp("story", "Retrain m", 8, 3, "drop", "text", ("auroc > 0.8",), "INV-3")
    report = build_investigation_report(
        InvestigationSubject("INV-3", "Drop", "m", "2", "binary", "auroc", "maximize"),
        InvestigationData("b.csv", 100, True, 400, segment_column="customer"),
        InvestigationMeasurements(
            evaluation={"auroc": 0.86, "auroc.ci_low": 0.8, "auroc.ci_high": 0.9},
            current={"auroc": 0.79, "auroc.ci_low": 0.74, "auroc.ci_high": 0.83},
            metric_drop=0.07,
            segments=[SegmentRow("C1", 50, 0.9, 60, 0.7, 0.6, 0.8, degraded=True)],
            drift=[
                DriftRow("x", "numeric", 0.05, "stable"),
                DriftRow("revenue", "numeric", 0.6, "major"),
            ],
            importance_reference={"revenue": 0.1, "x": 0.02},
            importance_batch={"revenue": 0.01, "x": 0.03},
            quality_reference={"null_rate.x": 0.0},
            quality_batch={"null_rate.x": 0.2, "null_rate.revenue": 0.001},
            worst=[{"row": 3, "y": 1, "score": 0.01, "loss": 4.6}],
        ),
        Provenance("2026-01-02T00:00:00+00:00"),
        followups=[followup],
    )
    assert [d.column for d in report.drift] == ["revenue", "x"]
    assert [(r.column, round(r.shift or 0, 2)) for r in report.importance] == [
        ("revenue", -0.09),
        ("x", 0.01),
    ]
    assert [(q.column, q.change) for q in report.quality] == [("x", 0.2)]
    assert report.metrics[0].name == "auroc" and round(report.metrics[0].change or 0, 2) == -0.07
    assert (
        report.findings[0]
        == "`auroc` is worse on the batch: 0.7900 against 0.8600 at evaluation (-0.0700)."
    )
    assert "1 segment(s) of `customer` got worse: `C1`." in report.findings
    text = render_markdown("investigation.md.j2", report=report)
    assert "| `C1` | 50 | 0.9 | 60 | 0.7 | 0.6 – 0.8 | -0.2 | yes |" in text
    assert "| draft | story | Retrain m | 8 | 3 | drop | `auroc > 0.8` |" in text
    assert "| 3 | 1 | 0.01 | 4.6 |" in text
