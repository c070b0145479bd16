"""agileds: agile data science — tickets as code, sweeps logged to MLflow, go-live gates.

The public API, one screen::

    from agileds import find_project, run_ticket
    project = find_project()                      # the folder holding agileds.yaml
    backlog = project.backlog()                   # tickets in backlog/*.yaml
    backlog.create("story", "Add lead source", value=8, effort=3)
    result = run_ticket("STORY-1", trials=20)     # Optuna sweep logged to MLflow, verdict
    result.verdict, result.quantities["auroc"]
    report = run_golive(project, "STORY-1")       # candidate vs production: GO or NO-GO
    job = score(project, "lead-scoring", "batch.csv", "scores/")  # batch scoring, logged

Subpackages: ``agileds.tickets`` (model, store, acceptance criteria), ``agileds.backlog``
(scorers), ``agileds.sweeps`` (experiment specs, studies), ``agileds.automl`` (column kinds,
features, model families), ``agileds.evaluation`` (metrics, intervals, DeLong),
``agileds.tracking`` (MLflow bridge), ``agileds.reports``, ``agileds.runners``,
``agileds.golive`` (candidate vs production, the gate), ``agileds.monitor``,
``agileds.scoring`` (batch scoring with a registered version).
Importing ``agileds`` is cheap: MLflow, scikit-learn and Optuna load when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agileds.errors import AgileDSError

if TYPE_CHECKING:
    from agileds.golive import GoLiveReport, run_golive
    from agileds.project import Project, find_project
    from agileds.runners import RunResult
    from agileds.scoring import ScoreResult, score

__version__ = "0.1.0"
__all__ = [
    "AgileDSError",
    "GoLiveReport",
    "Project",
    "RunResult",
    "ScoreResult",
    "__version__",
    "find_project",
    "run_golive",
    "run_ticket",
    "score",
]


def run_ticket(ticket_id: str, project: Any = None, **options: Any) -> RunResult:
    """Run a ticket; see :func:`agileds.runners.run_ticket`."""
    from agileds.runners import run_ticket as _run

    return _run(ticket_id, project, **options)


_LAZY = {
    "Project": "agileds.project",
    "find_project": "agileds.project",
    "RunResult": "agileds.runners",
    "run_golive": "agileds.golive",
    "GoLiveReport": "agileds.golive",
    "score": "agileds.scoring",
    "ScoreResult": "agileds.scoring",
}


def __getattr__(name: str) -> Any:
    """Import the heavier public names on first use (``agileds --help`` stays fast)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agileds' has no attribute {name!r}")
