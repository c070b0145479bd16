"""The ticket run report: data from a real Optuna study, PNG plots and the Markdown."""

from __future__ import annotations

import datetime as dt
import math
import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import optuna
import pytest

from agileds.errors import UsageError
from agileds.reports import (
    CriterionRow,
    FamilyRow,
    RunReport,
    build_run_report,
    param_importances,
    plot_run_report,
    render_markdown,
    split_quantities,
    write_atomic,
    write_run_report,
)
from agileds.reports._render import format_number
from agileds.tickets import CriterionResult, Verdict

FAMILIES = ("logistic", "random_forest", "hist_gradient_boosting")
CREATED = "2025-06-01T12:00:00+00:00"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUANTITIES = {
    "auroc": 0.8423,
    "auroc.ci_low": 0.8101,
    "auroc.ci_high": 0.8702,
    "aupr": 0.61,
    "production.auroc": 0.8302,
    "production.auroc.ci_low": 0.7952,
    "production.auroc.ci_high": 0.8611,
    "delta.auroc": 0.0121,
    "delta.auroc.ci_low": 0.0031,
    "delta.auroc.ci_high": 0.0208,
    "delta.auroc.p_value": 0.000012,
    "cv.auroc": 0.835,
    "cv.auroc.std": 0.011,
    "fit_seconds": 3.25,
    "rows": 4000.0,
    "latency_p50_ms": 0.41,
    "leakage_flags": 0.0,
}


def objective(trial: optuna.Trial) -> float:
    """A toy sweep: trial 3 fails before suggesting, every fourth trial is pruned."""
    if trial.number == 3:
        raise ValueError("boom")
    family = trial.suggest_categorical("family", FAMILIES)
    x = trial.suggest_float("x", 0.0, 1.0)
    value = 0.7 + 0.1 * FAMILIES.index(family) + 0.05 * x
    trial.report(value - 0.02, step=0)
    if trial.number % 4 == 1:
        raise optuna.TrialPruned()
    return value


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.RandomSampler(seed=7)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=12, catch=(ValueError,))
    return study


@pytest.fixture(scope="module")
def report(study: optuna.Study) -> RunReport:
    criteria = [
        CriterionResult(
            1,
            "auroc >= production.auroc + 0.01",
            Verdict.PASS,
            values={"auroc": 0.8423, "production.auroc": 0.8302},
        ),
        CriterionResult(
            2, "delta.auroc.ci_low > 0", Verdict.PASS, values={"delta.auroc.ci_low": 0.0031}
        ),
        CriterionResult(3, "Reviewed by the lead", Verdict.PENDING, manual=True),
    ]
    return build_run_report(
        study=study,
        ticket_id="STORY-1",
        title="Lead scoring beats production",
        ticket_type="story",
        metric="auroc",
        direction="maximize",
        created=CREATED,
        criteria=criteria,
        quantities=QUANTITIES,
        model_name="lead-scoring",
        model_version=3,
        mlflow_run_url="http://127.0.0.1:5000/#/experiments/1/runs/abc",
        git_commit="0123456789abcdef",
    )


def expected_leaderboard(study: optuna.Study) -> dict[str, tuple[float | None, Counter[str]]]:
    """Best value and state counts per family, computed independently of the builder."""
    result: dict[str, tuple[float | None, Counter[str]]] = {}
    for t in study.trials:
        family = t.params.get("family", "(none)")
        best, states = result.get(family, (None, Counter()))
        states[t.state.name] += 1
        if t.state == optuna.trial.TrialState.COMPLETE:
            best = t.value if best is None else max(best, t.value)
        result[family] = (best, states)
    return result


def test_leaderboard_counts_and_best_per_family(report: RunReport, study: optuna.Study) -> None:
    expected = expected_leaderboard(study)
    assert {r.family for r in report.leaderboard} == set(expected)
    for row in report.leaderboard:
        best, states = expected[row.family]
        assert row == FamilyRow(
            row.family,
            best,
            sum(states.values()),
            states["COMPLETE"],
            states["PRUNED"],
            states["FAIL"],
        )
    assert expected["(none)"][1] == Counter(FAIL=1)
    bests = [r.best for r in report.leaderboard if r.best is not None]
    assert bests == sorted(bests, reverse=True)
    assert report.leaderboard[-1].family == "(none)"  # no complete trial: last
    assert report.best_value == study.best_value


def test_leaderboard_minimize_puts_the_lowest_first(study: optuna.Study) -> None:
    low = build_run_report(
        study=study,
        ticket_id="S-1",
        title="t",
        ticket_type="story",
        metric="auroc",
        direction="minimize",
        created=CREATED,
    )
    bests = [r.best for r in low.leaderboard if r.best is not None]
    assert bests == sorted(bests)


def test_history_follows_the_trials(report: RunReport, study: optuna.Study) -> None:
    assert [n for n, _, _ in report.history] == list(range(12))
    assert [s for _, _, s in report.history] == [t.state.name.lower() for t in study.trials]
    assert report.history[3] == (3, None, "fail")
    _, value, state = report.history[1]
    assert state == "pruned" and value == pytest.approx(study.trials[1].intermediate_values[0])


def test_quantities_are_split_by_prefix(report: RunReport) -> None:
    assert report.holdout == {
        "auroc": 0.8423,
        "auroc.ci_low": 0.8101,
        "auroc.ci_high": 0.8702,
        "aupr": 0.61,
    }
    assert report.production["auroc.ci_low"] == 0.7952
    assert report.deltas["auroc.p_value"] == 0.000012
    assert report.cv == {"auroc": 0.835, "auroc.std": 0.011}
    assert report.facts == {
        "trials": 12.0,
        "trials_completed": 8.0,
        "trials_pruned": 3.0,
        "trials_failed": 1.0,
        "fit_seconds": 3.25,
        "rows": 4000.0,
        "latency_p50_ms": 0.41,
        "leakage_flags": 0.0,
    }


def test_split_quantities_keeps_measured_run_facts() -> None:
    parts = split_quantities({"trials": 40, "model_size_mb": 2.5, "cv.f1.std": 0.1, "f1": 0.5})
    assert parts["facts"] == {"trials": 40.0, "model_size_mb": 2.5}
    assert parts["cv"] == {"f1.std": 0.1}
    assert parts["holdout"] == {"f1": 0.5}


def test_rows_verdict_and_best_config(report: RunReport, study: optuna.Study) -> None:
    assert report.verdict == "pending"  # a manual criterion is not signed off yet
    assert report.criteria[0] == CriterionRow(
        1,
        "auroc >= production.auroc + 0.01",
        "pass",
        {"auroc": 0.8423, "production.auroc": 0.8302},
        False,
    )
    assert report.criteria[2].manual and report.criteria[2].verdict == "pending"
    assert report.best_config == study.best_params
    assert report.model_version == "3"
    first = report.metric_rows[0]
    assert (first.name, first.value, first.delta_ci_low, first.p_value) == (
        "auroc",
        0.8423,
        0.0031,
        0.000012,
    )
    assert [m.name for m in report.metric_rows] == ["auroc", "aupr"]
    assert [(c.name, c.mean, c.std) for c in report.cv_rows] == [("auroc", 0.835, 0.011)]


def test_importances_cover_the_parameters(report: RunReport) -> None:
    assert set(report.importances) == {"family", "x"}
    assert math.isclose(sum(report.importances.values()), 1.0)


def test_importances_need_two_complete_trials() -> None:
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert param_importances(study) == {}


def test_a_bad_direction_is_refused(study: optuna.Study) -> None:
    with pytest.raises(UsageError, match="unknown direction 'up'"):
        build_run_report(
            study=study,
            ticket_id="S-1",
            title="t",
            ticket_type="story",
            metric="auroc",
            direction="up",
            created=CREATED,
        )


def test_created_is_taken_not_read_from_the_clock(study: optuna.Study) -> None:
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    built = build_run_report(
        study=study,
        ticket_id="S-1",
        title="t",
        ticket_type="story",
        metric="auroc",
        direction="maximize",
        created=when,
    )
    assert built.created == CREATED


def test_plots_are_valid_pngs(report: RunReport, tmp_path: Path) -> None:
    plots = plot_run_report(report, tmp_path)
    assert plots == {n: f"{n}.png" for n in ("history", "importances", "leaderboard")}
    for file_name in plots.values():
        data = (tmp_path / file_name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(plots.values())  # no temp left


def test_write_run_report_renders_the_markdown(report: RunReport, tmp_path: Path) -> None:
    path = write_run_report(report, tmp_path / "docs" / "STORY-1")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert path.name == "run.md"
    assert lines[0] == "# STORY-1 — Lead scoring beats production"
    assert lines[2].startswith("**PENDING** · story · primary metric `auroc` (maximize)")
    assert (
        "| 1 | `auroc >= production.auroc + 0.01` | pass | "
        "`auroc = 0.8423`, `production.auroc = 0.8302` |"
    ) in lines
    assert "| 3 | Reviewed by the lead (manual) | pending | — |" in lines
    assert (
        "| `auroc` | 0.8423 | 0.8101 – 0.8702 | 0.8302 | 0.7952 – 0.8611 | +0.0121 | "
        "0.0031 – 0.0208 | 1.2e-05 |"
    ) in lines
    assert "- MLflow run: <http://127.0.0.1:5000/#/experiments/1/runs/abc>" in lines
    assert "![Optimisation history](history.png)" in lines
    assert (path.parent / "history.png").is_file()
    assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n")


def test_the_ensemble_trade_off_table_and_the_latency_method(report: RunReport) -> None:
    from dataclasses import replace

    weighed = [
        {"trials": "#2", "score": 0.823, "cost_ms": 11.1, "status": ""},
        {"trials": "#2, #0", "score": 0.8417, "cost_ms": 27.0, "status": "chosen"},
        {"trials": "#2, #0, #3", "score": 0.8473, "cost_ms": 61.4, "status": "over budget"},
    ]
    with_budget = replace(
        report, ensemble_weighed=weighed, ensemble_budget_ms=50.0, latency_method="CPU time"
    )
    lines = render_markdown("run.md.j2", report=with_budget).splitlines()
    assert "## Ensemble candidates: quality against latency" in lines
    assert "| #2, #0 | 0.8417 | 27 | chosen |" in lines
    assert "| #2, #0, #3 | 0.8473 | 61.4 | over budget |" in lines
    assert "A new member joined only while that sum stayed within 50 ms, half" in lines
    assert "Latency (`latency_*`): CPU time." in lines
    free = render_markdown("run.md.j2", report=replace(with_budget, ensemble_budget_ms=None))
    assert "has no `latency_p95_ms` bound, so cost did not limit the selection." in free
    alone = render_markdown("run.md.j2", report=replace(report, ensemble_weighed=weighed[:1]))
    assert "Ensemble candidates" not in alone


def test_without_production_the_holdout_table_is_narrow(report: RunReport) -> None:
    from dataclasses import replace

    text = render_markdown("run.md.j2", report=replace(report, production={}, deltas={}))
    assert "| `auroc` | 0.8423 | 0.8101 – 0.8702 |" in text.splitlines()
    assert "No production model to compare with." in text


def test_suspected_leaks_render_with_the_score_without_them(report: RunReport) -> None:
    from dataclasses import replace

    suspect = {
        "column": "fit_score",
        "check": "leak_suspect",
        "reason": "suspected leak, kept: single-feature auROC 1.00 | for y",
        "value": 1.0,
        "cv_measure": "auROC",
        "cv_alone": 1.0,
        "cv_with": 0.99912,
        "cv_without": 0.8125,
    }
    text = render_markdown("run.md.j2", report=replace(report, suspects=[suspect]))
    lines = text.splitlines()
    assert "## Sanity checks: suspected leaks, kept" in lines
    assert "| Column | auROC with it | without it | Evidence |" in lines
    assert (
        "| `fit_score` | 0.999 | 0.812 | suspected leak, kept: single-feature auROC 1.00 \\| for y |"
    ) in lines
    assert "suspected leaks" not in render_markdown("run.md.j2", report=report)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.84231, "0.8423"),
        (12.0, "12"),
        (1.2e-5, "1.2e-05"),
        (123456.7, "123457"),
        (-0.0121, "-0.0121"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert format_number(value) == text


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "run.md"
    write_atomic(target, "old")
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.md"]


def test_import_stays_light() -> None:
    code = (
        "import sys, agileds.reports; "
        "print(sorted({'matplotlib', 'optuna', 'mlflow', 'sklearn'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    target = write_atomic(tmp_path / "run.md", "x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_study_without_finished_trials_gives_an_empty_report(tmp_path: Path) -> None:
    empty = build_run_report(
        study=optuna.create_study(),
        ticket_id="SPIKE-2",
        title="t",
        ticket_type="spike",
        metric="rmse",
        direction="minimize",
        created=CREATED,
    )
    assert (empty.leaderboard, empty.history, empty.importances) == ([], [], {})
    assert empty.best_config == {} and empty.best_value is None
    assert empty.verdict == "pass"  # no criteria: nothing fails
    text = write_run_report(empty, tmp_path).read_text(encoding="utf-8")
    assert "The ticket declares no acceptance criteria." in text
    assert "## Plots" not in text and list(tmp_path.iterdir()) == [tmp_path / "run.md"]


def test_quality_rates_are_rows_only_when_a_criterion_names_them(report: RunReport) -> None:
    from dataclasses import replace

    quality = {"null_rate.age": 0.1, "blank_text_rate.notes": 0.0, "null_rate.leaky": 0.0}
    named = CriterionRow(4, "blank_text_rate.notes == 0 and null_rate.leaky < 1", "pass")
    noisy = replace(report, holdout={**report.holdout, **quality})
    assert [m.name for m in noisy.metric_rows] == ["auroc", "aupr"]
    shown = replace(
        noisy,
        criteria=[*report.criteria, named],
        sanity=[{"column": "leaky", "check": "leak", "reason": "leaks the label"}],
    )
    # the removed column's rate stays out even though a criterion names it
    assert [m.name for m in shown.metric_rows] == ["auroc", "aupr", "blank_text_rate.notes"]


def test_importances_from_few_trials_carry_a_warning(report: RunReport) -> None:
    from dataclasses import replace

    few = replace(report, facts={**report.facts, "trials_completed": 6.0})
    assert few.importances_trials == 6
    text = render_markdown("run.md.j2", report=few)
    assert "> **Rough:** from 6 complete trial(s) only;" in text
    enough = replace(report, facts={**report.facts, "trials_completed": 10.0})
    assert enough.importances_trials is None
    assert "**Rough:**" not in render_markdown("run.md.j2", report=enough)
