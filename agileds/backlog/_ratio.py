"""The ``ratio`` scorer: value ÷ effort, scaled by confidence when given."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.tickets import Ticket

__all__ = ["RatioScorer"]


class RatioScorer(Scorer):
    """value ÷ effort × confidence.

    Confidence is an optional adjustment here: when a ticket has none the ratio is left
    unscaled (a factor of 1.0) and no warning is given, since no default stands in for a
    value the method needs. ``value`` and ``effort`` are required by every ticket.

    Example:
        value 8, effort 4, confidence 0.5 → 8 ÷ 4 × 0.5 = 1.0.
    """

    name = "ratio"

    def score(self, ticket: Ticket) -> Score:
        """Return value ÷ effort × confidence (1.0 when unset)."""
        confidence = ticket.confidence if ticket.confidence is not None else 1.0
        return Score(ticket.value / ticket.effort * confidence)
