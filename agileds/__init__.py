"""agileds: agile data science — tickets as code, sweeps logged to MLflow, go-live gates.

The public API, one screen (every command's library function; ``docs/api.md`` lists them)::

    import agileds
    project = agileds.find_project()                  # the folder holding agileds.yaml
    backlog = project.backlog()                       # tickets in backlog/*.yaml
    backlog.create("story", "Add lead source", value=8, effort=3)
    agileds.rank_backlog(project).tickets[0]          # agileds backlog rank
    agileds.plan_sprint(project, 1, capacity=20)      # agileds sprint plan
    result = agileds.run_ticket("STORY-1", project, trials=20)  # agileds run
    report = agileds.run_golive(project, "STORY-1")   # agileds golive: GO or NO-GO
    agileds.promote(project, "STORY-1")               # agileds promote
    agileds.check_batch(project, "lead-scoring", "batch.csv")  # agileds monitor
    agileds.score(project, "lead-scoring", "batch.csv", "scores/")  # agileds score

Subpackages: ``agileds.tickets`` (model, store, acceptance criteria), ``agileds.backlog``
(scorers, ranking, sprint planning), ``agileds.sweeps`` (experiment specs, studies),
``agileds.automl`` (column kinds, features, model families), ``agileds.evaluation``
(metrics, intervals, DeLong, drift statistics), ``agileds.tracking`` (MLflow bridge),
``agileds.reports``, ``agileds.runners``, ``agileds.golive`` (candidate vs production, the
gate, promote and rollback), ``agileds.monitor``, ``agileds.scoring`` (batch scoring).
Importing ``agileds`` is cheap: every name but the error base loads on first use, and
MLflow, scikit-learn and Optuna only when a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agileds.errors import AgileDSError

if TYPE_CHECKING:
    from agileds._scaffold import InitResult, init_project
    from agileds.backlog import Ranking, SprintPlan, plan_sprint, rank_backlog
    from agileds.golive import GoLiveReport, Promotion, Rollback, promote, rollback, run_golive
    from agileds.monitor import (
        MonitorCheck,
        MonitorDashboard,
        build_dashboard,
        check_batch,
        write_dashboard,
    )
    from agileds.project import Project, find_project
    from agileds.reports import (
        SprintReport,
        build_sprint_report,
        sprint_report,
        write_sprint_report,
    )
    from agileds.runners import RunResult, run_ticket
    from agileds.scoring import ScoreResult, score
    from agileds.tickets import Backlog, Ticket

__version__ = "0.1.0"

_LAZY = {
    # projects and tickets: agileds init, agileds ticket ...
    "Project": "agileds.project",
    "find_project": "agileds.project",
    "InitResult": "agileds._scaffold",
    "init_project": "agileds._scaffold",
    "Backlog": "agileds.tickets",
    "Ticket": "agileds.tickets",
    # agileds backlog rank, agileds sprint plan, agileds sprint report
    "Ranking": "agileds.backlog",
    "rank_backlog": "agileds.backlog",
    "SprintPlan": "agileds.backlog",
    "plan_sprint": "agileds.backlog",
    "SprintReport": "agileds.reports",
    "sprint_report": "agileds.reports",
    "build_sprint_report": "agileds.reports",
    "write_sprint_report": "agileds.reports",
    # agileds run
    "RunResult": "agileds.runners",
    "run_ticket": "agileds.runners",
    # agileds golive, promote, rollback
    "GoLiveReport": "agileds.golive",
    "run_golive": "agileds.golive",
    "Promotion": "agileds.golive",
    "promote": "agileds.golive",
    "Rollback": "agileds.golive",
    "rollback": "agileds.golive",
    # agileds monitor, agileds monitor report
    "MonitorCheck": "agileds.monitor",
    "check_batch": "agileds.monitor",
    "MonitorDashboard": "agileds.monitor",
    "build_dashboard": "agileds.monitor",
    "write_dashboard": "agileds.monitor",
    # agileds score
    "ScoreResult": "agileds.scoring",
    "score": "agileds.scoring",
}

__all__ = [
    "AgileDSError",
    "Backlog",
    "GoLiveReport",
    "InitResult",
    "MonitorCheck",
    "MonitorDashboard",
    "Project",
    "Promotion",
    "Ranking",
    "Rollback",
    "RunResult",
    "ScoreResult",
    "SprintPlan",
    "SprintReport",
    "Ticket",
    "__version__",
    "build_dashboard",
    "build_sprint_report",
    "check_batch",
    "find_project",
    "init_project",
    "plan_sprint",
    "promote",
    "rank_backlog",
    "rollback",
    "run_golive",
    "run_ticket",
    "score",
    "sprint_report",
    "write_dashboard",
    "write_sprint_report",
]


def __getattr__(name: str) -> Any:
    """Import the public names on first use (``agileds --help`` stays fast)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agileds' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
