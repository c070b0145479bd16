"""``agileds run`` from the command line: verdict table, JSON, exit codes, bad data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agileds.project import Project


def _spec(project: Project, text: str) -> None:
    (project.root / "experiments" / "fast.yaml").write_text(text)


def _data(project: Project, name: str, text: str) -> None:
    (project.root / "experiments" / "data" / name).write_text(text)


BAD_DATA = {
    "missing file": (
        "data: {path: data/nope.csv, target: is_closed}\n",
        None,
        "error: experiments/data/nope.csv",
    ),
    "missing target": (
        "data: {path: data/leads.csv, target: is_closd}\n",
        None,
        "error: data/leads.csv: target column 'is_closd' not found",
    ),
    "one class": (
        "data: {path: data/one.csv, target: y}\n",
        ("one.csv", "x,y\n1,1\n2,1\n3,1\n"),
        "error: ",
    ),
    "empty file": (
        "data: {path: data/empty.csv, target: y}\n",
        ("empty.csv", ""),
        "error: ",
    ),
    "non-numeric regression target": (
        "data: {path: data/text.csv, target: y, task: regression}\n",
        ("text.csv", "x,y\n1,a\n2,b\n3,c\n4,d\n"),
        "error: ",
    ),
    "unknown spec key": (
        "data: {path: data/leads.csv, target: is_closed}\nbudgett: {trials: 3}\n",
        None,
        "error: experiments/fast.yaml:2: budgett: unknown key",
    ),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_one_line_and_exit_2(sweep_project: Project, run_cli, case: str) -> None:
    spec, data, expected = BAD_DATA[case]
    _spec(sweep_project, spec)
    if data:
        _data(sweep_project, *data)
    res = run_cli("run", "STORY-1", "--trials", "2")
    assert res.code == 2, res.err
    lines = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(expected), res.err
    assert "Traceback" not in res.err
    assert not (sweep_project.mlruns_dir / "optuna.journal").exists()


def test_error_messages_name_the_problem(sweep_project: Project, run_cli) -> None:
    _spec(sweep_project, "data: {path: data/one.csv, target: y}\n")
    _data(sweep_project, "one.csv", "x,y\n1,1\n2,1\n3,1\n")
    assert "has the single value 1 in all 3 rows" in run_cli("run", "STORY-1").err
    _spec(sweep_project, "data: {path: data/text.csv, target: y, task: regression}\n")
    _data(sweep_project, "text.csv", "x,y\n1,a\n2,b\n3,c\n4,d\n")
    assert "numeric" in run_cli("run", "STORY-1").err


def test_tickets_that_cannot_run(sweep_project: Project, run_cli) -> None:
    run_cli("ticket", "new", "story", "No experiment", "--value", "1", "--effort", "1")
    res = run_cli("run", "STORY-3")
    assert (res.code, res.err) == (
        2,
        "error: STORY-3 names no experiment; add 'experiment: experiments/<name>.yaml' to backlog/STORY-3.yaml\n",
    )
    assert run_cli("run", "STORY-99").code == 2
    assert run_cli("run", "STORY-1", "--workers", "0").code == 2


def test_run_prints_verdicts_and_json(sweep_project: Project, run_cli) -> None:
    spec = sweep_project.root / "experiments" / "fast.yaml"
    spec.write_text(
        spec.read_text().replace("drop: [lead_id, deal_stage_final]", "drop: [lead_id]")
    )
    res = run_cli("run", "STORY-1", "--trials", "2")
    assert res.code in (0, 1)
    assert "cv.auroc >= 0.75" in res.out and "verdict: " in res.out
    # plain progress lines when not on a terminal, trials named as their MLflow runs
    assert "trial-1 complete  2/2 done" in res.err and "trial 3/2" not in res.err
    removal = res.err.index("sanity check removed deal_stage_final (leak): leaks the label")
    assert removal < res.err.index("trial-0 ")  # the sanity findings come first
    payload = json.loads(run_cli("run", "STORY-1", "--trials", "3", "--json").out)
    assert [row["column"] for row in payload["sanity"]["removed"]] == ["deal_stage_final"]
    assert payload["sanity"]["removed"][0]["reason"].startswith("leaks the label: Cramér's V")
    assert payload["sanity"]["suspects"] == []
    assert payload["ticket"] == "STORY-1" and payload["model_version"] == "2"
    failed = any(c["verdict"] == "fail" for c in payload["criteria"])
    assert payload["quantities"]["trials"] == 3
    assert Path(payload["report"]).is_file()
    rerun = run_cli("run", "STORY-1", "--trials", "3")
    assert rerun.code == (1 if failed else 0) or "resuming study STORY-1" in rerun.err


def _acceptance(project: Project, *criteria: str) -> None:
    story = project.root / "backlog" / "STORY-1.yaml"
    text = story.read_text()
    head = text[: text.index("acceptance:")]
    tail = text[text.index("created:") :]
    lines = "".join(f"  - {c}\n" for c in criteria)
    story.write_text(f"{head}acceptance:\n{lines}{tail}")


def test_an_unknown_criterion_exits_1_unless_allowed(sweep_project: Project, run_cli) -> None:
    spec = sweep_project.root / "experiments" / "fast.yaml"
    spec.write_text(spec.read_text() + "sanity: {enabled: false}\n")
    _acceptance(sweep_project, "leakage_flags == 0", "trials >= 1")
    res = run_cli("run", "STORY-1", "--trials", "1")
    assert res.code == 1, res.err
    assert (
        "criterion 1 'leakage_flags == 0' is unknown: leakage_flags was not measured: the "
        "sanity checks are off (sanity: {enabled: false} in the spec); pass --allow-unknown "
        "to accept the run without it"
    ) in res.err
    allowed = run_cli("run", "STORY-1", "--trials", "1", "--allow-unknown", "--json")
    assert allowed.code == 0, allowed.err
    payload = json.loads(allowed.out)
    assert payload["verdict"] == "unknown"
    assert payload["criteria"][0]["why"].startswith("leakage_flags was not measured")
    assert "why" not in payload["criteria"][1]


def test_a_production_criterion_before_any_production_is_unknown(
    sweep_project: Project, run_cli
) -> None:
    _acceptance(sweep_project, "auroc >= production.auroc")
    res = run_cli("run", "STORY-1", "--trials", "1")
    assert res.code == 1
    assert "production.auroc was not measured: there is no production model of" in res.err


def test_a_timeout_says_it_stopped_the_sweep(sweep_project: Project, run_cli) -> None:
    # The limit never ends a sweep before its first complete trial: one trial, then stop.
    res = run_cli("run", "STORY-1", "--trials", "4", "--timeout", "0.001")
    assert "stopped by --timeout after 1 of 4 trials (limit 0.001 s;" in res.err, res.err
    payload = json.loads(run_cli("run", "STORY-1", "--json", "--fresh", "--timeout", "0.001").out)
    assert payload["quantities"]["trials"] == 1
