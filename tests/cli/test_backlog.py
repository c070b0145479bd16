"""``agileds backlog rank``: the table, JSON, warnings, plot, evidence and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agileds.project import Project
from tests._helpers import write_ticket


def ticket(project: Project, ticket_id: str, kind: str, extra: str = "", **fields: object) -> None:
    lines = [f"id: {ticket_id}", f"type: {kind}", f"title: Work on {ticket_id}"]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    write_ticket(project, f"{ticket_id}.yaml", "\n".join(lines) + "\n" + extra)


@pytest.fixture
def backlog(project: Project) -> Project:
    """Four tickets; ratio scores: BUG-1 5/1 = 5, STORY-1 13/5 = 2.6, STORY-2 3/2 = 1.5,
    SPIKE-1 4/4 × 0.5 = 0.5. Medians: value 4.5, effort 3."""
    ticket(project, "STORY-1", "story", value=13, effort=5, created="2026-11-01")
    ticket(project, "STORY-2", "story", value=3, effort=2, depends_on="[STORY-1, STORY-99]")
    ticket(project, "BUG-1", "bug", value=5, effort=1, time_criticality=8)
    ticket(project, "SPIKE-1", "spike", value=4, effort=4, confidence=0.5)
    return project


def test_rank_prints_the_table_best_first(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0].split() == [
        "RANK",
        "ID",
        "TYPE",
        "TITLE",
        "VALUE",
        "EFFORT",
        "SCORE",
        "QUADRANT",
        "STATUS",
        "EVIDENCE",
    ]
    assert [line.split()[1] for line in lines[1:]] == ["BUG-1", "STORY-1", "STORY-2", "SPIKE-1"]
    assert " ".join(lines[2].split()) == "2 STORY-1 story Work on STORY-1 13 5 2.6 big bets todo"
    assert "quick wins" in lines[1] and "money pits" in lines[4]  # SPIKE-1: 4 < 4.5, 4 >= 3
    assert lines[3].endswith("blocked by STORY-1")
    assert (
        res.err == "warning: STORY-2: depends on STORY-99, which is not in the backlog; ignored\n"
    )


def test_warnings_go_to_stderr_once_each(backlog: Project, run_cli) -> None:
    ticket(backlog, "STORY-3", "story", value=1, effort=1, depends_on="[STORY-98, STORY-98]")
    res = run_cli("backlog", "rank", "--method", "wsjf")
    assert res.code == 0
    warnings = res.err.splitlines()
    assert (
        warnings.count(
            "warning: STORY-3: depends on STORY-98, which is not in the backlog; ignored"
        )
        == 1
    )
    assert "warning: BUG-1: no risk_reduction; used 1" in warnings
    assert (
        "warning: SPIKE-1: value 4 is off the WSJF scale 1, 2, 3, 5, 8, 13, 20; scored as given"
        in warnings
    )
    assert len(warnings) == len(set(warnings))


def test_json_has_rows_warnings_and_evidence(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank", "--json", "--method", "rice")
    assert res.code == 0
    data = json.loads(res.out)
    assert data["method"] == "rice" and data["evidence_uri"] is None
    assert data["thresholds"] == {"value": 4.5, "effort": 3.0}
    # RICE from defaults (reach 1, impact 1, confidence 0.5 unless given):
    # BUG-1 0.5/1 = 0.5, STORY-2 0.5/2 = 0.25, SPIKE-1 0.5/4 = 0.125, STORY-1 0.5/5 = 0.1
    assert [r["id"] for r in data["tickets"]] == ["BUG-1", "STORY-2", "SPIKE-1", "STORY-1"]
    story2 = data["tickets"][1]
    assert story2["blocked_by"] == ["STORY-1"] and story2["evidence"] is None
    assert story2["score"] == 0.25 and story2["quadrant"] == "fill-ins"
    assert "STORY-2: no reach; used 1" in story2["warnings"]
    assert "BUG-1: no confidence; used 0.5" in data["warnings"]


def test_default_method_comes_from_settings(backlog: Project, run_cli) -> None:
    (backlog.root / "agileds.yaml").write_text("name: x\nscorer: ice\n")
    data = json.loads(run_cli("backlog", "rank", "--json").out)
    assert data["method"] == "ice"


def test_type_filter_keeps_blockers_of_other_types(backlog: Project, run_cli) -> None:
    ticket(backlog, "STORY-4", "story", value=1, effort=1, depends_on="[BUG-1]")
    data = json.loads(run_cli("backlog", "rank", "--type", "story", "--json").out)
    ids = [r["id"] for r in data["tickets"]]
    assert ids == ["STORY-1", "STORY-2", "STORY-4"]  # 2.6, 1.5, 1.0
    assert data["tickets"][2]["blocked_by"] == ["BUG-1"]


def test_plot_writes_a_png(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank", "--plot", "quadrants.png")
    assert res.code == 0
    assert (backlog.root / "quadrants.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_plot_into_a_missing_folder_exits_2(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank", "--plot", "no/such/q.png")
    assert res.code == 2
    assert res.err.startswith("error: cannot write the chart to no/such/q.png: folder no/such")


def test_unknown_method_exits_2(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank", "--method", "magic")
    assert res.code == 2 and "'magic' is not one of 'ratio', 'wsjf', 'rice', 'ice'" in res.err


def test_invalid_ticket_exits_2(project: Project, run_cli) -> None:
    write_ticket(
        project, "STORY-1.yaml", "id: STORY-1\ntype: story\ntitle: x\nvalue: 0\neffort: 1\n"
    )
    res = run_cli("backlog", "rank")
    assert res.code == 2 and "STORY-1.yaml" in res.err


def test_empty_backlog_prints_the_header(project: Project, run_cli) -> None:
    res = run_cli("backlog", "rank")
    assert res.code == 0 and res.out.startswith("RANK  ID") and res.err == ""


def test_rank_does_not_import_mlflow_without_a_database(backlog: Project) -> None:
    code = (
        "import sys; from agileds.cli import main\n"
        "try: main(['backlog', 'rank'])\n"
        "except SystemExit: pass\n"
        "print('HEAVY', [m for m in ('mlflow', 'sklearn', 'optuna', 'matplotlib') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=backlog.root
    ).stdout
    assert "blocked by STORY-1" in out
    assert "HEAVY []" in out
    assert not (backlog.mlruns_dir / "mlflow.db").exists()


def test_asking_for_evidence_without_a_database_warns(backlog: Project, run_cli) -> None:
    res = run_cli("backlog", "rank", "--evidence")
    assert res.code == 0
    assert "warning: evidence: no MLflow database at " in res.err
    assert not (backlog.mlruns_dir / "mlflow.db").exists()


def test_evidence_from_mlflow_is_shown_and_moves_confidence(
    backlog: Project, run_cli, mlflow_template_db: Path
) -> None:
    from agileds.tracking import get_client, resolve_stores
    from tests.conftest import copy_mlflow_db

    copy_mlflow_db(mlflow_template_db, backlog.mlruns_dir)
    ticket(backlog, "STORY-5", "story", value=3, effort=2, confidence=0.6, parent="SPIKE-1")
    client = get_client(resolve_stores(backlog.root).tracking_uri)
    experiment = client.create_experiment("lead-scoring")

    def parent_run(ticket_id: str, start: int, auroc: float, verdict: str) -> str:
        tags = {"agileds.ticket": ticket_id, "agileds.metric": "auroc", "agileds.verdict": verdict}
        run = client.create_run(experiment, start_time=start, tags=tags)
        client.log_metric(run.info.run_id, "auroc", auroc)
        client.set_terminated(run.info.run_id)
        return str(run.info.run_id)

    spike = parent_run("SPIKE-1", 1000, 0.83, "pass")
    # A trial (nested run) with a better value must not count.
    client.create_run(experiment, tags={"agileds.ticket": "SPIKE-1", "mlflow.parentRunId": spike})
    parent_run("STORY-1", 2000, 0.80, "fail")
    parent_run("STORY-1", 3000, 0.78, "killed")  # newest, but killed: verdict stays fail

    res = run_cli("backlog", "rank", "--json")
    data = json.loads(res.out)
    rows = {r["id"]: r for r in data["tickets"]}
    assert data["evidence_uri"].endswith("mlflow.db")
    assert rows["SPIKE-1"]["evidence"] == {
        "metric": "auroc",
        "value": 0.83,
        "verdict": "pass",
        "runs": 1,
        "severity": None,
        "best_run_id": spike,
    }
    story1 = rows["STORY-1"]["evidence"]
    assert (story1["value"], story1["verdict"], story1["runs"]) == (0.8, "fail", 2)
    # STORY-5 (parent SPIKE-1 passed): 3/2 × 0.9 = 1.35, was 3/2 × 0.6 = 0.9.
    assert rows["STORY-5"]["score"] == pytest.approx(1.35)
    assert "STORY-5: confidence 0.6 → 0.9: parent SPIKE-1 passed its criteria" in data["warnings"]
    # STORY-1 failed its criteria: 13/5 × 0.3 = 0.78.
    assert rows["STORY-1"]["score"] == pytest.approx(0.78)

    table = run_cli("backlog", "rank").out
    assert "auroc 0.83 pass" in table and "auroc 0.8 fail" in table
    assert run_cli("backlog", "rank", "--no-evidence", "--json").out.count('"verdict"') == 0
