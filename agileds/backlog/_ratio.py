"""The ``ratio`` scorer: value ÷ effort, scaled by confidence when given."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.tickets import Ticket

__all__ = ["RatioScorer"]


class RatioScorer(Scorer):
    """value ÷ effort × confidence (confidence defaults to 1 and is then not warned about)."""

    name = "ratio"

    def score(self, ticket: Ticket) -> Score:
        confidence = ticket.confidence if ticket.confidence is not None else 1.0
        return Score(ticket.value / ticket.effort * confidence)
