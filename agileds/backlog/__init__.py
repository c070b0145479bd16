"""The backlog: scorers, ranking, quadrants, evidence from MLflow and sprint planning.

Sprint planning and the forecast (``plan_sprint``, ``forecast``, ``load_sprints``, ...) are
imported on first use, so ``agileds backlog rank`` does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agileds.backlog._base import Score, Scorer
from agileds.backlog._evidence import (
    Evidence,
    adjust_confidence,
    evidence_from_mlflow,
    monitor_severity,
)
from agileds.backlog._ice import IceScorer
from agileds.backlog._quadrant import Quadrant, Thresholds, plot_quadrants, quadrant_of
from agileds.backlog._rank import (
    SCORER_NAMES,
    RankedTicket,
    Ranking,
    get_scorer,
    rank,
    rank_backlog,
)
from agileds.backlog._ratio import RatioScorer
from agileds.backlog._rice import RiceScorer
from agileds.backlog._wsjf import WsjfScorer

if TYPE_CHECKING:
    from agileds.backlog._forecast import Forecast, StatusChange, forecast, status_history
    from agileds.backlog._plan import PlannedTicket, SprintPlan, plan_sprint
    from agileds.backlog._sprints import Sprint, load_sprints

from agileds.backlog._evidence import parent_runs, summarise_runs
from agileds.backlog._forecast import (
    TicketVersion,
    status_changes,
    ticket_versions,
    weekly_throughput,
)
from agileds.backlog._quadrant import thresholds
from agileds.backlog._sprints import sprint_weeks

__all__ = [
    "SCORER_NAMES",
    "Evidence",
    "Forecast",
    "IceScorer",
    "PlannedTicket",
    "Quadrant",
    "RankedTicket",
    "Ranking",
    "RatioScorer",
    "RiceScorer",
    "Score",
    "Scorer",
    "Sprint",
    "SprintPlan",
    "StatusChange",
    "Thresholds",
    "TicketVersion",
    "WsjfScorer",
    "adjust_confidence",
    "evidence_from_mlflow",
    "forecast",
    "get_scorer",
    "load_sprints",
    "monitor_severity",
    "parent_runs",
    "plan_sprint",
    "plot_quadrants",
    "quadrant_of",
    "rank",
    "rank_backlog",
    "sprint_weeks",
    "status_changes",
    "status_history",
    "summarise_runs",
    "thresholds",
    "ticket_versions",
    "weekly_throughput",
]

_LAZY = {
    "Forecast": "agileds.backlog._forecast",
    "StatusChange": "agileds.backlog._forecast",
    "forecast": "agileds.backlog._forecast",
    "status_history": "agileds.backlog._forecast",
    "PlannedTicket": "agileds.backlog._plan",
    "SprintPlan": "agileds.backlog._plan",
    "plan_sprint": "agileds.backlog._plan",
    "Sprint": "agileds.backlog._sprints",
    "load_sprints": "agileds.backlog._sprints",
}


def __getattr__(name: str) -> Any:
    """Import the planning names on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agileds.backlog' has no attribute {name!r}")
