"""``agileds run BUG-n``: the demo bug fails before its fix is enabled and passes after."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_a_suspected_leak_is_kept_reported_up_front_and_logged(sweep_project: Project) -> None:
    import numpy as np
    import pandas as pd

    from agileds.tracking import get_client, resolve_stores

    _use_fast_spec(sweep_project)
    data = sweep_project.root / "experiments" / "data" / "leads.csv"
    frame = pd.read_csv(data)
    rng = np.random.default_rng(0)  # a measurement that separates the classes, no copy
    frame["fit_score"] = np.where(frame["is_closed"] == 1, 1.5, 0.0) + rng.uniform(0, 1, len(frame))
    frame.to_csv(data, index=False)
    messages: list[str] = []
    result = run_ticket("BUG-1", sweep_project, message=messages.append)

    assert (result.quantities["leakage_flags"], result.quantities["leakage_suspects"]) == (0, 1)
    (suspect,) = result.sanity["suspects"]
    assert suspect["column"] == "fit_score" and suspect["check"] == "leak_suspect"
    assert suspect["cv_with"] > suspect["cv_without"] + 0.05
    said = [m for m in messages if m.startswith("sanity check kept fit_score under suspicion: ")]
    assert len(said) == 1 and "it tells every class apart" in said[0]
    assert messages.index(said[0]) < messages.index(
        next(m for m in messages if m.startswith("no production configuration"))
    )  # said before the model is fitted
    client = get_client(resolve_stores(sweep_project.root).tracking_uri)
    path = client.download_artifacts(result.parent_run_id, "sanity/suspected_leaks.json")
    table = json.loads(Path(path).read_text())
    assert [row[0] for row in table["data"]] == ["fit_score"]
    assert table["columns"][:2] == ["column", "check"]
