"""The gate alone: criteria and guardrails into GO or NO-GO, every reason listed."""

from __future__ import annotations

import pytest

from agileds.golive import Decision, Guardrails, decide
from agileds.tickets import CriterionResult, Verdict

MEASURED = {
    "auroc": 0.81,
    "delta.auroc": 0.02,
    "delta.auroc.ci_low": -0.01,
    "delta.auroc.ci_high": 0.05,
    "delta.auroc.p_value": 0.2,
    "latency_p95_ms": 3.0,
    "production.latency_p95_ms": 2.5,
    "latency_p95_ratio": 1.2,
}


def gate(criteria=(), quantities=None, first=False, worse=(), metric="auroc", **guardrails):
    return decide(
        list(criteria),
        MEASURED if quantities is None else quantities,
        Guardrails(**guardrails),
        metric=metric,
        direction="minimize" if metric == "log_loss" else "maximize",
        first_deployment=first,
        ticket_id="STORY-3",
        worse_segments=worse,
    )


def test_defaults_pass_and_every_reason_is_listed() -> None:
    criterion = CriterionResult(1, "auroc >= 0.8", Verdict.PASS, values={"auroc": 0.81})
    result = gate([criterion])
    assert result.decision is Decision.GO and result.go
    assert result.texts() == [
        "criterion 1 passed: auroc >= 0.8 (auroc = 0.81)",
        "guardrail auroc not significantly worse passed: delta.auroc = +0.02, 95% CI "
        "[-0.01, +0.05] does not lie wholly below 0",
        "guardrail latency p95 passed: latency_p95_ms = 3 ms is 1.2x production's 2.5 ms "
        "(at most 1.5x)",
    ]


def test_an_interval_wholly_on_the_worse_side_is_no_go() -> None:
    worse = {**MEASURED, "delta.auroc": -0.05, "delta.auroc.ci_high": -0.01}
    result = gate(quantities=worse)
    assert result.decision is Decision.NO_GO
    (reason,) = result.failed
    assert reason.text == (
        "guardrail auroc not significantly worse failed: delta.auroc = -0.05, 95% CI "
        "[-0.01, -0.01] lies wholly below 0 (p = 0.2): the candidate is significantly worse "
        "than production"
    )


def test_for_a_loss_worse_means_above_zero() -> None:
    loss = {
        **MEASURED,
        "delta.log_loss": 0.04,
        "delta.log_loss.ci_low": 0.01,
        "delta.log_loss.ci_high": 0.07,
    }
    assert not gate(quantities=loss, metric="log_loss").go
    fine = {**loss, "delta.log_loss": -0.04, "delta.log_loss.ci_low": -0.07}
    assert gate(quantities=fine, metric="log_loss").go


@pytest.mark.parametrize(("ratio", "go"), [(1.5, True), (1.51, False)])
def test_latency_p95_at_most_one_and_a_half_times_production(ratio: float, go: bool) -> None:
    assert gate(quantities={**MEASURED, "latency_p95_ratio": ratio}).go is go


def test_guardrails_switched_off_are_reported_not_applied() -> None:
    worse = {**MEASURED, "delta.auroc.ci_high": -0.01, "latency_p95_ratio": 9.0}
    result = gate(quantities=worse, primary_not_worse=False, max_latency_ratio=None)
    assert result.go
    assert [r.status for r in result.reasons] == ["n/a", "n/a"]
    assert result.texts()[1] == "guardrail latency p95: off (guardrails.max_latency_ratio: null)"


def test_pending_manual_criteria_block_until_signed_off() -> None:
    pending = CriterionResult(2, "Sales lead agrees", Verdict.PENDING, manual=True)
    result = gate([pending])
    assert not result.go
    assert result.failed[0].text == (
        "criterion 2 awaiting sign-off: Sales lead agrees "
        "(sign it off with 'agileds ticket accept STORY-3 2')"
    )
    assert gate([pending], require_signoff=False).go
    signed = CriterionResult(2, "Sales lead agrees", Verdict.PASS, manual=True)
    assert gate([signed]).texts()[0] == "criterion 2 signed off: Sales lead agrees"


def test_unmeasured_quantities_block_except_production_on_a_first_deployment() -> None:
    unknown = CriterionResult(
        1, "auroc >= production.auroc", Verdict.UNKNOWN, missing=("production.auroc",)
    )
    assert not gate([unknown]).go
    first = gate([unknown], quantities={"auroc": 0.8}, first=True)
    assert first.go
    assert first.texts() == [
        "criterion 1 not applicable: first deployment (auroc >= production.auroc needs "
        "production.auroc)",
        "guardrail auroc not significantly worse: not applicable: first deployment",
        "guardrail latency p95: not applicable: first deployment",
    ]
    cv = CriterionResult(1, "cv.auroc >= 0.7", Verdict.UNKNOWN, missing=("cv.auroc",))
    assert gate([cv], first=True).failed[0].text == (
        "criterion 1 cannot be decided: cv.auroc >= 0.7 (cv.auroc not measured)"
    )


def test_segments_gate_only_when_a_limit_is_set() -> None:
    measured = {**MEASURED, "segments_compared": 5.0}
    assert gate(quantities=measured, worse=["C1", "C2"]).texts()[-1] == (
        "guardrail segments: off (guardrails.max_segments_worse); "
        "2 segment(s) significantly worse: C1, C2"
    )
    limited = gate(quantities=measured, worse=["C1", "C2"], max_segments_worse=1)
    assert limited.failed[0].text == (
        "guardrail segments failed: 2 segment(s) significantly worse: C1, C2 (at most 1)"
    )
    assert gate(quantities=measured, max_segments_worse=0).go
