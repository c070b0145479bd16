"""The backlog: scorers, ranking, quadrants and sprint planning."""

from __future__ import annotations

from agileds.backlog._base import Score, Scorer
from agileds.backlog._rank import RankedTicket, get_scorer, rank
from agileds.backlog._ratio import RatioScorer

__all__ = ["RankedTicket", "RatioScorer", "Score", "Scorer", "get_scorer", "rank"]
