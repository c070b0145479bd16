"""``agileds promote`` and ``agileds rollback``: exit codes and the exact text a user sees."""

from __future__ import annotations

import json

from tests.golive.test_promote import MODEL, Registry, pipeline, registry

__all__ = ["pipeline", "registry"]  # fixtures shared with the library tests


def test_promote_prints_the_move_and_rollback_undoes_it(registry: Registry, run_cli) -> None:
    registry.candidate()
    res = run_cli("promote", "STORY-1")
    assert (res.code, res.err) == (0, "")
    assert res.out == (
        "lead-scoring: production v1 (first deployment, no previous); STORY-1 moved to done\n"
    )
    registry.candidate()
    res = run_cli("promote", "STORY-1")
    assert res.out == "lead-scoring: production v1 -> v2 (previous: v1); STORY-1 moved to done\n"
    res = run_cli("rollback", MODEL, "--reason", "conversion dropped")
    assert (res.code, res.out) == (
        0,
        "lead-scoring: production v2 -> v1 (rolled back; no previous now)\n",
    )
    assert registry.tags("2")["agileds.rolled_back_reason"] == "conversion dropped"
    res = run_cli("rollback", MODEL)
    assert (res.code, res.out) == (2, "")
    assert res.err == (
        "error: lead-scoring has no 'previous' version to roll back to (production is v1); "
        "set one in the MLflow UI (agileds ui) or promote another candidate\n"
    )


def test_no_go_exits_2_and_force_promotes_with_the_reason(registry: Registry, run_cli) -> None:
    version = registry.register()
    reasons = [
        "criterion 1 passed: auroc >= 0.8 (auroc = 0.85)",
        "criterion 2 failed: delta.auroc.ci_low > 0 (delta.auroc.ci_low = -0.01)",
        "criterion 3 signed off: Sales agrees",
        "guardrail segments: not applicable: first deployment",
        "guardrail latency p95 failed: 3x production's",
    ]
    registry.decide(version, "NO-GO", None, reasons)
    res = run_cli("promote", "STORY-1")
    assert (res.code, res.out) == (2, "")
    assert res.err == (  # only what blocks, one per line
        "error: lead-scoring v1 has a NO-GO go-live decision; what blocks it:\n"
        "  - criterion 2 failed: delta.auroc.ci_low > 0 (delta.auroc.ci_low = -0.01)\n"
        "  - guardrail latency p95 failed: 3x production's\n"
        "fix it and rerun 'agileds golive STORY-1', or override with --force REASON\n"
    )
    assert registry.aliases() == {}
    res = run_cli("promote", "STORY-1", "--force", "outage fix, approved by Dana")
    assert res.code == 0
    assert res.err == "forced past a NO-GO decision: outage fix, approved by Dana\n"
    assert registry.tags(version)["agileds.promotion.forced_reason"] == (
        "outage fix, approved by Dana"
    )


def test_no_decision_and_dirty_are_refused(registry: Registry, run_cli) -> None:
    registry.register()
    res = run_cli("promote", "STORY-1")
    assert (res.code, res.err) == (
        2,
        "error: lead-scoring v1 has no go-live decision; run 'agileds golive STORY-1' first\n",
    )
    registry.candidate(dirty=True)
    res = run_cli("promote", "STORY-1")
    assert (res.code, res.err) == (
        2,
        "error: lead-scoring v2 was trained from a git tree with uncommitted changes; commit "
        "them and rerun 'agileds run STORY-1', or promote anyway with --allow-dirty\n",
    )
    res = run_cli("promote", "STORY-1", "--allow-dirty")
    assert res.code == 0
    assert res.err == "promoted a version trained from uncommitted code (--allow-dirty)\n"


def test_json_output_and_an_explicit_candidate(registry: Registry, run_cli) -> None:
    first = registry.candidate()
    registry.register()
    res = run_cli("promote", "STORY-1", "--candidate", first, "--json")
    assert res.code == 0, res.err
    got = json.loads(res.out)
    assert {k: got[k] for k in ("model", "ticket", "version", "replaced", "decision")} == {
        "model": MODEL,
        "ticket": "STORY-1",
        "version": "1",
        "replaced": None,
        "decision": "GO",
    }
    assert got["report"] == "docs/reports/STORY-1/golive.md"
    res = run_cli("rollback", MODEL, "--json")
    assert res.code == 2
    assert res.err.startswith("error: lead-scoring has no 'previous' version to roll back to")


def test_rollback_of_an_unknown_model(registry: Registry, run_cli) -> None:
    res = run_cli("rollback", "no-such-model")
    assert (res.code, res.err) == (
        2,
        "error: no-such-model has no production version; nothing to roll back\n",
    )
