"""Writing a sweep's run report to ``docs/reports/<TICKET>/`` and logging it to MLflow."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def write_report(
    execution: Any,
    study: Any,
    quantities: dict[str, float],
    criteria: Any,
    verdict: str,
    parent: str,
    version: str,
    explained: dict[str, float],
    sanity: dict[str, list[dict[str, Any]]],
    config: dict[str, Any],
    ensemble: Any = None,
) -> Path:
    """Build the report data, render it beside its plots, and log the folder to the run.

    ``config`` is the refitted configuration (an ensemble's members are flattened);
    ``ensemble`` the selection that chose it, if it ran; ``sanity`` the sanity checks'
    ``removed`` and ``suspects`` rows.
    """
    from agileds.evaluation import LATENCY_METHOD
    from agileds.reports import build_run_report, write_run_report
    from agileds.sweeps import flat_config

    ticket, data = execution.ticket, execution.data
    report = build_run_report(
        study=study,
        ticket_id=ticket.id,
        title=ticket.title,
        ticket_type=ticket.type.value,
        metric=data.metric,
        direction=data.direction,
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        criteria=criteria,
        quantities=quantities,
        verdict=verdict,
        best_config=flat_config(config),
        model_name=execution.model_name,
        model_version=version,
        mlflow_run_url=execution.project.run_url(execution.experiment_id, parent),
        git_commit=execution.git.commit,
    )
    report = dataclasses.replace(
        report,
        feature_importance=explained,
        sanity=sanity.get("removed", []),
        suspects=sanity.get("suspects", []),
        ensemble=_ensemble_rows(study, ensemble, execution.data.task),
        ensemble_scores=() if ensemble is None else (ensemble.score, ensemble.best_score),
        ensemble_weighed=_weighed_rows(ensemble),
        ensemble_budget_ms=None if ensemble is None else ensemble.budget_ms,
        latency_method=LATENCY_METHOD,
    )
    folder = execution.project.reports_dir / ticket.id
    path = write_run_report(report, folder)
    execution.client.log_artifacts(parent, str(folder), "report")
    return path


def _ensemble_rows(study: Any, ensemble: Any, task: str) -> list[dict[str, Any]]:
    """One row per member of a chosen ensemble (none for a single model)."""
    from agileds.automl import canonical_family

    if ensemble is None or len(ensemble.trials) < 2:
        return []
    trials = {t.number: t for t in study.trials}
    return [
        {
            "trial": number,
            "family": canonical_family(str(trials[number].params.get("family", "?")), task),
            "weight": weight,
            "value": trials[number].value,
        }
        for number, weight in zip(ensemble.trials, ensemble.weights, strict=True)
    ]


def _weighed_rows(ensemble: Any) -> list[dict[str, Any]]:
    """The compositions ensemble selection weighed: members, score, cost, status."""
    if ensemble is None:
        return []
    return [
        {
            "trials": ", ".join(f"#{n}" for n in w.trials),
            "score": w.score,
            "cost_ms": w.cost_ms,
            "status": w.status,
        }
        for w in ensemble.weighed
    ]
