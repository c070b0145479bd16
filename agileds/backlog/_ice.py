"""The ``ice`` scorer: impact × confidence × ease, each on 1 to 10."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.tickets import Ticket

__all__ = ["IceScorer", "ease_of"]


def ease_of(effort: float) -> float:
    """Map effort to ICE's ease: ``11 - effort`` with effort clamped to 1..10.

    Effort 1 (or less) is ease 10; effort 10 or more is ease 1.
    """
    return 11 - min(max(effort, 1.0), 10.0)


class IceScorer(Scorer):
    """impact × confidence × ease, each term on 1 to 10 (so scores run from 1 to 1000).

    - impact: the ticket's ``impact`` read on 1..10 (not RICE's 0.25..3 scale); values
      outside 1..10 are clamped and warned about. Missing: 5, the middle, with a warning.
    - confidence: the ticket's (0, 1] ``confidence`` × 10, at least 1. Missing: 0.5 (so 5),
      with a warning.
    - ease: from ``effort`` by :func:`ease_of`, ``11 - min(max(effort, 1), 10)``.

    Example:
        impact 8, confidence 0.5, effort 3 → 8 × 5 × 8 = 320.
    """

    name = "ice"

    def score(self, ticket: Ticket) -> Score:
        """Return the ICE score of ``ticket``."""
        warnings: list[str] = []
        impact = self.field_or_default(ticket, "impact", 5, warnings)
        if not 1 <= impact <= 10:
            clamped = min(max(impact, 1.0), 10.0)
            warnings.append(
                f"{ticket.id}: impact {impact:g} is off the ICE scale 1..10; used {clamped:g}"
            )
            impact = clamped
        confidence = max(self.field_or_default(ticket, "confidence", 0.5, warnings) * 10, 1.0)
        return Score(impact * confidence * ease_of(ticket.effort), tuple(warnings))
