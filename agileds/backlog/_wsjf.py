"""The ``wsjf`` scorer: SAFe's weighted shortest job first, cost of delay ÷ job size."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.tickets import Ticket

__all__ = ["WSJF_SCALE", "WsjfScorer"]

#: The modified Fibonacci scale SAFe estimates every WSJF term on.
WSJF_SCALE: tuple[float, ...] = (1, 2, 3, 5, 8, 13, 20)


class WsjfScorer(Scorer):
    """(value + time_criticality + risk_reduction) ÷ effort.

    The numerator is SAFe's cost of delay (user-business value, time criticality, risk
    reduction / opportunity enablement); ``effort`` is the job size. Every term is expected
    on SAFe's 1, 2, 3, 5, 8, 13, 20 scale; a term off the scale is scored as given and warned
    about. Missing ``time_criticality`` and ``risk_reduction`` count as 1 (the lowest step),
    each with a warning.

    Example:
        value 8, time_criticality 5, risk_reduction 3, effort 8 → 16 ÷ 8 = 2.0.
    """

    name = "wsjf"

    def score(self, ticket: Ticket) -> Score:
        """Return the WSJF of ``ticket``."""
        warnings: list[str] = []
        time_criticality = self.field_or_default(ticket, "time_criticality", 1, warnings)
        risk_reduction = self.field_or_default(ticket, "risk_reduction", 1, warnings)
        terms = {
            "value": ticket.value,
            "time_criticality": time_criticality,
            "risk_reduction": risk_reduction,
            "effort": ticket.effort,
        }
        for name, value in terms.items():
            off = self.check_scale(ticket, name, value, WSJF_SCALE, "WSJF")
            if off:
                warnings.append(off)
        cost_of_delay = ticket.value + time_criticality + risk_reduction
        return Score(cost_of_delay / ticket.effort, tuple(warnings))
