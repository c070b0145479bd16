"""Verdicts of a ticket's acceptance criteria on measured quantities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agileds.tickets._criteria import Verdict, is_plain_words, parse_criterion, upper_bound
from agileds.tickets._model import Ticket

__all__ = ["CriterionResult", "criterion_bound", "evaluate_ticket", "overall_verdict"]


@dataclass(frozen=True)
class CriterionResult:
    """The verdict on one criterion, with the measured values it used."""

    number: int
    text: str
    verdict: Verdict
    manual: bool = False
    values: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def evaluate_ticket(ticket: Ticket, quantities: Mapping[str, float]) -> list[CriterionResult]:
    """Decide every criterion of ``ticket`` from ``quantities``.

    Manual criteria are PENDING until signed off (``agileds ticket accept``), then PASS.
    """
    results = []
    for number, item in enumerate(ticket.criteria(), start=1):
        if item.manual or is_plain_words(item.text):
            verdict = Verdict.PASS if item.accepted_by else Verdict.PENDING
            results.append(CriterionResult(number, item.text, verdict, manual=True))
            continue
        outcome = parse_criterion(item.text).evaluate(quantities)
        results.append(
            CriterionResult(
                number, item.text, outcome.verdict, False, outcome.values, outcome.missing
            )
        )
    return results


def overall_verdict(results: list[CriterionResult]) -> Verdict:
    """FAIL if any criterion fails, else UNKNOWN/PENDING if any is open, else PASS."""
    verdicts = {r.verdict for r in results}
    for worst in (Verdict.FAIL, Verdict.UNKNOWN, Verdict.PENDING):
        if worst in verdicts:
            return worst
    return Verdict.PASS


def criterion_bound(ticket: Ticket, name: str) -> float | None:
    """The tightest constant upper bound the ticket's measured criteria put on ``name``
    (e.g. 100 from ``latency_p95_ms <= 100``); None when none does."""
    bounds = [
        upper_bound(parse_criterion(item.text), name)
        for item in ticket.criteria()
        if not (item.manual or is_plain_words(item.text))
    ]
    known = [b for b in bounds if b is not None]
    return min(known) if known else None
