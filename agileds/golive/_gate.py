"""The go-live gate: the ticket's criteria and the project's guardrails give GO or NO-GO,
with every reason listed, passed ones included."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from agileds.golive._guardrails import Guardrails
from agileds.golive._segments import significantly_worse
from agileds.tickets import CriterionResult, Verdict

__all__ = ["Decision", "GateDecision", "Reason", "decide"]

Status = Literal["pass", "fail", "n/a"]
_PRODUCTION_PREFIXES = ("production.", "delta.")


class Decision(StrEnum):
    """The gate's outcome."""

    GO = "GO"
    NO_GO = "NO-GO"


@dataclass(frozen=True)
class Reason:
    """One reason of the decision.

    Attributes:
        status: ``pass``, ``fail`` (makes NO-GO) or ``n/a`` (not applicable, or switched off).
        source: ``criterion`` (the ticket's) or ``guardrail`` (the project's).
        text: One self-contained sentence, e.g. ``criterion 1 passed: auroc >= 0.8 (...)``.
    """

    status: Status
    source: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class GateDecision:
    """GO or NO-GO and every reason, in the order: criteria, then guardrails."""

    decision: Decision
    reasons: tuple[Reason, ...]

    @property
    def go(self) -> bool:
        """True on GO."""
        return self.decision is Decision.GO

    @property
    def failed(self) -> list[Reason]:
        """The reasons that make NO-GO."""
        return [r for r in self.reasons if r.status == "fail"]

    def texts(self) -> list[str]:
        """Every reason as a sentence (the ``agileds.golive.reasons`` tag)."""
        return [r.text for r in self.reasons]


def decide(
    criteria: Sequence[CriterionResult],
    quantities: Mapping[str, float],
    guardrails: Guardrails,
    *,
    metric: str,
    direction: str,
    first_deployment: bool,
    ticket_id: str = "TICKET",
    worse_segments: Sequence[str] = (),
) -> GateDecision:
    """Decide GO or NO-GO.

    NO-GO when any reason fails: a criterion fails; a criterion cannot be decided because
    a quantity was not measured; a manual criterion awaits sign-off (unless
    ``guardrails.require_signoff`` is off); or a guardrail fails. On a first deployment,
    criteria and guardrails that need production are not applicable.

    Args:
        criteria: The ticket's criteria decided on the go-live quantities
            (:func:`agileds.tickets.evaluate_ticket`).
        quantities: The measured quantities (``auroc``, ``delta.auroc.ci_high``, ...).
        guardrails: The project's guardrails.
        metric: The primary metric.
        direction: ``maximize`` or ``minimize``.
        first_deployment: True when there is no production model.
        ticket_id: The ticket, named in the sign-off hint.
        worse_segments: Segments where the candidate is significantly worse.

    Returns:
        The decision with its reasons.
    """
    reasons = [_criterion(c, first_deployment, guardrails, ticket_id) for c in criteria]
    reasons.append(_primary(quantities, guardrails, metric, direction, first_deployment))
    reasons.append(_latency(quantities, guardrails, first_deployment))
    if worse_segments or "segments_compared" in quantities:
        reasons.append(_segments(worse_segments, guardrails, first_deployment))
    failed = any(r.status == "fail" for r in reasons)
    return GateDecision(Decision.NO_GO if failed else Decision.GO, tuple(reasons))


def _num(value: float | None, *, signed: bool = False) -> str:
    from agileds.reports import format_number

    return format_number(value, signed=signed)


def _measured(values: Mapping[str, float]) -> str:
    return f" ({', '.join(f'{k} = {_num(v)}' for k, v in values.items())})" if values else ""


def _criterion(
    result: CriterionResult, first: bool, guardrails: Guardrails, ticket_id: str
) -> Reason:
    head, text = f"criterion {result.number}", result.text
    if result.manual:
        if result.verdict is Verdict.PASS:
            return Reason("pass", "criterion", f"{head} signed off: {text}")
        if guardrails.require_signoff:
            hint = f"sign it off with 'agileds ticket accept {ticket_id} {result.number}'"
            return Reason("fail", "criterion", f"{head} awaiting sign-off: {text} ({hint})")
        return Reason("n/a", "criterion", f"{head} not signed off (not required): {text}")
    if result.verdict is Verdict.PASS:
        return Reason("pass", "criterion", f"{head} passed: {text}{_measured(result.values)}")
    if result.verdict is Verdict.FAIL:
        return Reason("fail", "criterion", f"{head} failed: {text}{_measured(result.values)}")
    missing = ", ".join(result.missing)
    if first and result.missing and all(m.startswith(_PRODUCTION_PREFIXES) for m in result.missing):
        return Reason(
            "n/a", "criterion", f"{head} not applicable: first deployment ({text} needs {missing})"
        )
    return Reason("fail", "criterion", f"{head} cannot be decided: {text} ({missing} not measured)")


def _primary(
    q: Mapping[str, float], guardrails: Guardrails, metric: str, direction: str, first: bool
) -> Reason:
    head = f"guardrail {metric} not significantly worse"
    if not guardrails.primary_not_worse:
        return Reason("n/a", "guardrail", f"{head}: off (guardrails.primary_not_worse: false)")
    if first:
        return Reason("n/a", "guardrail", f"{head}: not applicable: first deployment")
    key = f"delta.{metric}"
    if key not in q or f"{key}.ci_low" not in q:
        return Reason("fail", "guardrail", f"{head} failed: {key} was not measured")
    low, high = q[f"{key}.ci_low"], q[f"{key}.ci_high"]
    interval = (
        f"{key} = {_num(q[key], signed=True)}, {guardrails.level:.0%} CI "
        f"[{_num(low, signed=True)}, {_num(high, signed=True)}]"
    )
    side = "below" if direction == "maximize" else "above"
    p_value = f" (p = {_num(q[f'{key}.p_value'])})" if f"{key}.p_value" in q else ""
    if significantly_worse(low, high, direction):
        return Reason(
            "fail",
            "guardrail",
            f"{head} failed: {interval} lies wholly {side} 0{p_value}: the candidate is "
            "significantly worse than production",
        )
    return Reason("pass", "guardrail", f"{head} passed: {interval} does not lie wholly {side} 0")


def _latency(q: Mapping[str, float], guardrails: Guardrails, first: bool) -> Reason:
    limit = guardrails.max_latency_ratio
    head = "guardrail latency p95"
    if limit is None:
        return Reason("n/a", "guardrail", f"{head}: off (guardrails.max_latency_ratio: null)")
    if first:
        return Reason("n/a", "guardrail", f"{head}: not applicable: first deployment")
    if "latency_p95_ratio" not in q:
        return Reason("fail", "guardrail", f"{head} failed: latency was not measured")
    ratio = q["latency_p95_ratio"]
    detail = (
        f"latency_p95_ms = {_num(q['latency_p95_ms'])} ms is {_num(ratio)}x production's "
        f"{_num(q['production.latency_p95_ms'])} ms (at most {_num(limit)}x)"
    )
    if ratio > limit:
        return Reason("fail", "guardrail", f"{head} failed: {detail}")
    return Reason("pass", "guardrail", f"{head} passed: {detail}")


def _segments(worse: Sequence[str], guardrails: Guardrails, first: bool) -> Reason:
    limit = guardrails.max_segments_worse
    head = "guardrail segments"
    if first:
        return Reason("n/a", "guardrail", f"{head}: not applicable: first deployment")
    named = f": {', '.join(worse)}" if worse else ""
    count = f"{len(worse)} segment(s) significantly worse{named}"
    if limit is None:
        return Reason("n/a", "guardrail", f"{head}: off (guardrails.max_segments_worse); {count}")
    if len(worse) > limit:
        return Reason("fail", "guardrail", f"{head} failed: {count} (at most {limit})")
    return Reason("pass", "guardrail", f"{head} passed: {count} (at most {limit})")
