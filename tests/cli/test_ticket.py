"""``agileds ticket``: exit codes and the exact text a user sees."""

from __future__ import annotations

import json

from agileds.project import Project
from tests._helpers import GOOD_TICKET, write_ticket


def test_new_then_list_and_show(project: Project, run_cli) -> None:
    res = run_cli(
        "ticket",
        "new",
        "story",
        "Add lead source",
        "--value",
        "8",
        "--effort",
        "3",
        "--ac",
        "auroc >= 0.8",
        "--ac",
        "Sales lead agrees",
    )
    assert (res.code, res.out) == (0, "created backlog/STORY-1.yaml\n")
    listed = run_cli("ticket", "list")
    assert listed.code == 0
    assert listed.out.splitlines()[1].split() == [
        "STORY-1",
        "story",
        "todo",
        "8",
        "3",
        "Add",
        "lead",
        "source",
    ]
    shown = run_cli("ticket", "show", "STORY-1")
    assert "  1. auroc >= 0.8\n  2. Sales lead agrees (manual)\n" in shown.out


def test_list_filters_and_json(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    run_cli("ticket", "new", "bug", "Blank text", "--value", "5", "--effort", "1")
    bugs = json.loads(run_cli("ticket", "list", "--type", "bug", "--json").out)
    assert [t["id"] for t in bugs] == ["BUG-1"]
    assert json.loads(run_cli("ticket", "list", "--status", "done", "--json").out) == []


def test_list_reports_invalid_files_and_exits_2(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    write_ticket(
        project, "STORY-2.yaml", "id: STORY-2\ntype: story\ntitle: x\nvalue: 1\neffort: zero\n"
    )
    res = run_cli("ticket", "list")
    assert res.code == 2
    assert "STORY-1" in res.out
    assert (
        res.err.splitlines()[0]
        == "backlog/STORY-2.yaml:5: effort: must be a positive number, got 'zero'"
    )


def test_validate_ok_and_broken(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    assert run_cli("ticket", "validate").out == "1 ticket(s) valid\n"
    write_ticket(
        project,
        "STORY-2.yaml",
        "id: STORY-2\ntype: story\ntitle: x\nvalue: 1\neffort: 1\nacceptance:\n  - aurco >= 0.8\n",
    )
    res = run_cli("ticket", "validate")
    assert res.code == 2
    first, criterion, caret = res.out.splitlines()[:3]
    assert first.startswith("backlog/STORY-2.yaml:7: acceptance[0]: unknown quantity 'aurco'")
    assert (criterion.strip(), caret.strip()) == ("aurco >= 0.8", "^")
    assert "1 problem(s); 1 valid ticket(s)" in res.err


def test_move_and_accept(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    assert run_cli("ticket", "move", "STORY-1", "done").out == "STORY-1 -> done\n"
    res = run_cli("ticket", "accept", "STORY-1", "2", "--by", "bob")
    assert res.out == "STORY-1: criterion 2 signed off by bob\n"
    assert "(manual, signed off by bob)" in run_cli("ticket", "show", "STORY-1").out


def test_user_mistakes_are_one_line_and_exit_2(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    cases = {
        ("ticket", "show", "STORY-9"): "error: no ticket STORY-9 in backlog; did you mean STORY-1?",
        (
            "ticket",
            "move",
            "STORY-1",
            "doing",
        ): "error: Invalid value for 'STATUS': 'doing' is not one of",
        (
            "ticket",
            "accept",
            "STORY-1",
            "1",
        ): "error: criterion 1 of STORY-1 is measured, not manual",
        ("ticket", "new", "epic", "x"): "error: Invalid value for 'TYPE': 'epic' is not one of",
        ("ticket", "list", "--colour"): "error: No such option '--colour'.",
        ("ticket", "new", "story", "x", "--effort", "-1"): "error: backlog/STORY-2.yaml:",
    }
    for args, expected in cases.items():
        res = run_cli(*args)
        assert res.code == 2, args
        assert res.err.startswith(expected), (args, res.err)
        assert len(res.err.strip().splitlines()) == 1, res.err
        assert "Traceback" not in res.err
    assert sorted(p.name for p in project.backlog_dir.iterdir()) == ["STORY-1.yaml"]


def test_outside_a_project(tmp_path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    res = run_cli("ticket", "list")
    assert res.code == 2
    assert (
        res.err
        == f"error: no agileds.yaml in {tmp_path.resolve()} or its parents; run 'agileds init' there or pass --project DIR\n"
    )


def test_schema_is_json_schema_of_a_ticket(project: Project, run_cli) -> None:
    schema = json.loads(run_cli("ticket", "schema").out)
    assert schema["additionalProperties"] is False
    assert {"id", "type", "title", "value", "effort"} <= set(schema["required"])


STORY_WITH_SPEC = (
    "id: STORY-3\ntype: story\ntitle: x\nvalue: 1\neffort: 1\n"
    "experiment: experiments/{spec}.yaml\n{sweep}acceptance:\n  - auroc >= 0.8\n"
)


def test_validate_finds_broken_experiment_specs(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-3.yaml", STORY_WITH_SPEC.format(spec="missing", sweep=""))
    res = run_cli("ticket", "validate")
    assert res.code == 2
    assert res.out.splitlines()[0] == (
        "backlog/STORY-3.yaml:6: experiment: experiments/missing.yaml not found; "
        "create it or fix the path (relative to the project folder)"
    )
    spec = project.root / "experiments" / "churn.yaml"
    spec.write_text("data:\n  path: data/churn.csv\n  target: y\nbudgett:\n  trials: 5\n")
    write_ticket(project, "STORY-3.yaml", STORY_WITH_SPEC.format(spec="churn", sweep=""))
    res = run_cli("ticket", "validate")
    assert res.code == 2
    assert res.out.splitlines()[0] == (
        "experiments/churn.yaml:4: budgett: unknown key; see docs/experiments.md for the keys "
        "of a spec"
    )
    spec.write_text("data:\n  path: data/churn.csv\n  target: y\n")
    res = run_cli("ticket", "validate", "--json")
    assert json.loads(res.out)["errors"] == [
        {
            "file": "experiments/churn.yaml",
            "line": 2,
            "message": "data.path: experiments/data/churn.csv not found; check data.path "
            "(relative to the spec file)",
        }
    ]
    (project.root / "experiments" / "data").mkdir(exist_ok=True)
    (project.root / "experiments" / "data" / "churn.csv").write_text("x,y\n1,0\n")
    sweep = "sweep:\n  cv_folds: 1\n"
    write_ticket(project, "STORY-3.yaml", STORY_WITH_SPEC.format(spec="churn", sweep=sweep))
    res = run_cli("ticket", "validate")
    assert res.out.startswith(
        "backlog/STORY-3.yaml: sweep: cv_folds: input should be greater than or equal to 2, got 1"
    )
    write_ticket(project, "STORY-3.yaml", STORY_WITH_SPEC.format(spec="churn", sweep=""))
    assert run_cli("ticket", "validate").out == "1 ticket(s) valid\n"


def test_validate_checks_specs_without_importing_mlflow(project: Project) -> None:
    import subprocess
    import sys

    write_ticket(project, "STORY-3.yaml", STORY_WITH_SPEC.format(spec="missing", sweep=""))
    code = (
        "import sys; from agileds.cli import main\n"
        "try: main(['ticket', 'validate'])\n"
        "except SystemExit: pass\n"
        "print('HEAVY', [m for m in ('mlflow', 'sklearn', 'optuna') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project.root
    ).stdout
    assert "experiments/missing.yaml not found" in out
    assert "HEAVY []" in out
