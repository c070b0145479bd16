"""``agileds monitor MODEL --data BATCH``: monitor a batch, check thresholds, file tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.monitor._batch import MonitorResult, monitor_batch
from agileds.monitor._filing import Filing, file_investigation
from agileds.monitor._signals import Signal, check_thresholds

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = ["MonitorCheck", "check_batch"]


@dataclass(frozen=True)
class MonitorCheck:
    """A monitored batch, its health against the thresholds and the tickets filed.

    Attributes:
        result: What the batch showed (logged to MLflow).
        signals: Its health table, in order (see :func:`agileds.monitor.check_thresholds`).
        filings: The investigation filed or updated; empty when nothing breached.
    """

    result: MonitorResult
    signals: tuple[Signal, ...]
    filings: tuple[Filing, ...]

    @property
    def breaches(self) -> tuple[Signal, ...]:
        """The signals that crossed their thresholds."""
        return tuple(s for s in self.signals if s.breached)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``agileds monitor --json`` prints)."""
        r = self.result
        return {
            "model": r.model,
            "version": r.version,
            "batch": r.batch,
            "at": r.at.isoformat(),
            "batch_index": r.index,
            "run_id": r.run_id,
            "experiment_id": r.experiment_id,
            "rows": r.rows,
            "labelled": r.labelled,
            "metric": r.metric,
            "evaluation": r.evaluation,
            "metrics": r.metrics,
            "signals": [
                {
                    "signal": s.name,
                    "value": s.value,
                    "threshold": s.threshold,
                    "rule": s.rule,
                    "status": s.status,
                    "detail": s.detail,
                    "severity": s.severity,
                }
                for s in self.signals
            ],
            "tickets": [
                {"id": f.ticket_id, "action": f.action, "signal": f.signal, "title": f.title}
                for f in self.filings
            ],
            "drift": [
                {
                    "column": d.column,
                    "kind": d.kind,
                    "psi": d.psi,
                    "band": d.band,
                    "test": d.test,
                    "statistic": _finite(d.statistic),
                    "p_value": _finite(d.p_value),
                }
                for d in r.drift
            ],
            "unseen": {k: list(v) for k, v in r.unseen.items() if v},
        }


def check_batch(
    project: Project,
    model: str,
    data_path: str | Path,
    *,
    labels: str | None = None,
    at: str | dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> MonitorCheck:
    """Monitor a batch (:func:`agileds.monitor.monitor_batch`), check it, file a ticket.

    The thresholds and the backlog are validated before anything is measured, so a bad
    ``agileds.yaml`` or ticket file stops the check before MLflow gets a step. A breach
    files an investigation or updates the open one (:func:`file_investigation`); what the
    check concluded is tagged on the batch's step of the monitoring run.

    Raises:
        AgileDSError: As :func:`monitor_batch`, or an invalid backlog.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> check = agileds.check_batch(project, "lead-scoring", "batch.csv")  # doctest: +SKIP
        >>> [s.name for s in check.signals if s.status == "breach"], check.filings  # doctest: +SKIP
    """
    from agileds.monitor._thresholds import load_thresholds

    thresholds = load_thresholds(project)
    project.backlog().tickets()  # an invalid ticket file stops us before anything is logged
    result = monitor_batch(project, model, data_path, labels=labels, at=at, progress=progress)
    signals = check_thresholds(result, thresholds)
    filings = file_investigation(project, result, signals)
    _tag_outcome(project, result, signals, filings)
    return MonitorCheck(result, signals, filings)


def _tag_outcome(
    project: Project,
    result: MonitorResult,
    signals: tuple[Signal, ...],
    filings: tuple[Filing, ...],
) -> None:
    from agileds.monitor._runs import set_batch_tags
    from agileds.tracking import get_client, resolve_stores

    client = get_client(resolve_stores(project.root, project.settings.tracking_uri).tracking_uri)
    tags = {
        "signals": ", ".join(s.name for s in signals if s.breached) or "none",
        "tickets": ", ".join(f"{f.ticket_id} {f.action}" for f in filings) or "none",
    }
    set_batch_tags(client, result.run_id, result.index, tags)


def _finite(value: float) -> float | None:
    return None if value != value else value  # NaN is not JSON
