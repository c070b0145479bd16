"""``agileds run BUG-n``: the demo bug fails before its fix is enabled and passes after."""

from __future__ import annotations

from agileds.project import Project
from agileds.runners import run_ticket
from agileds.tickets import Verdict
from tests.runners.conftest import FAST_SPEC


def _use_fast_spec(project: Project, preprocessing: str = "") -> None:
    bug = project.backlog_dir / "BUG-1.yaml"
    bug.write_text(bug.read_text().replace("lead_scoring.yaml", "fast.yaml"))
    (project.root / "experiments" / "fast.yaml").write_text(FAST_SPEC + preprocessing)


def test_demo_bug_fails_before_the_fix_and_passes_after(sweep_project: Project) -> None:
    from agileds.tracking import get_client, resolve_stores, set_alias

    story = run_ticket("STORY-1", sweep_project, trials=2)
    client = get_client(resolve_stores(sweep_project.root).tracking_uri)
    set_alias(client, "lead-scoring", "production", story.model_version)

    _use_fast_spec(sweep_project, "preprocessing: {blank_as_null: false}\n")
    before = run_ticket("BUG-1", sweep_project)
    assert before.quantities["blank_text_rate.description"] > 0.01
    assert before.verdict is Verdict.FAIL and before.failed

    _use_fast_spec(sweep_project)  # the fix: blank strings are nulls (the default)
    after = run_ticket("BUG-1", sweep_project)
    assert after.quantities["blank_text_rate.description"] == 0
    assert after.quantities["null_rate.description"] > 0.01
    assert after.quantities["delta.auroc.ci_low"] > -0.005
    assert after.verdict is Verdict.PASS
    assert after.best_config["family"] == story.best_config["family"]
    parent = client.get_run(after.parent_run_id)
    assert parent.data.tags["agileds.ticket_type"] == "bug"
    assert parent.data.tags["agileds.verdict"] == "pass"


def test_bug_without_production_retrains_defaults(sweep_project: Project) -> None:
    _use_fast_spec(sweep_project)
    result = run_ticket("BUG-1", sweep_project)
    assert result.best_config["family"] == "logistic"  # the spec's first family
    assert "delta.auroc.ci_low" not in result.quantities
    assert result.verdict is Verdict.UNKNOWN  # the delta half cannot be decided yet
