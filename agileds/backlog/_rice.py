"""The ``rice`` scorer: reach × impact × confidence ÷ effort."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.tickets import Ticket

__all__ = ["IMPACT_SCALE", "RiceScorer"]

#: Intercom's RICE impact scale: minimal, low, medium, high, massive.
IMPACT_SCALE: tuple[float, ...] = (0.25, 0.5, 1, 2, 3)


class RiceScorer(Scorer):
    """reach × impact × confidence ÷ effort.

    ``reach`` counts people or events per period; ``impact`` is on 0.25, 0.5, 1, 2, 3
    (minimal to massive; off-scale values are scored as given and warned about);
    ``confidence`` is the ticket's fraction in (0, 1]. Defaults, each with a warning:
    reach 1, impact 1 (medium), confidence 0.5.

    Example:
        reach 100, impact 2, confidence 0.8, effort 4 → 100 × 2 × 0.8 ÷ 4 = 40.0.
    """

    name = "rice"

    def score(self, ticket: Ticket) -> Score:
        """Return the RICE score of ``ticket``."""
        warnings: list[str] = []
        reach = self.field_or_default(ticket, "reach", 1, warnings)
        impact = self.field_or_default(ticket, "impact", 1, warnings)
        confidence = self.field_or_default(ticket, "confidence", 0.5, warnings)
        off = self.check_scale(ticket, "impact", impact, IMPACT_SCALE, "RICE")
        if off:
            warnings.append(off)
        return Score(reach * impact * confidence / ticket.effort, tuple(warnings))
