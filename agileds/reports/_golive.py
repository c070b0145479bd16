"""The go-live report: its data object and the pure function that builds it.

``agileds.golive`` gathers the comparison and the decision, builds the report here and
writes it with :func:`agileds.golive.write_golive_report`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agileds._json import json_ready
from agileds.reports._run import CriterionRow, MetricRow, _criterion_row

if TYPE_CHECKING:
    from agileds.evaluation import DeLongResult
    from agileds.golive import (
        ChangeList,
        Comparison,
        GateDecision,
        Guardrails,
        MlflowCheck,
        Reason,
        SegmentResult,
    )
    from agileds.scoring import OldPredictions
    from agileds.tickets import CriterionResult

__all__ = ["GoLiveReport", "ServingRow", "build_golive_report", "metric_rows", "serving_rows"]

_NAMES_SHOWN = 10


@dataclass(frozen=True)
class ServingRow:
    """One serving measure of both models; ``ratio`` is candidate / production."""

    name: str
    candidate: float | None
    production: float | None
    delta: float | None
    ratio: float | None


@dataclass(frozen=True)
class GoLiveReport:
    """Everything the go-live report shows, computed and ready to format.

    Build it with :func:`build_golive_report`; write it with
    :func:`agileds.golive.write_golive_report`.

    Attributes:
        ticket_id: The ticket.
        title: Its title.
        decision: ``GO`` or ``NO-GO``.
        reasons: Every reason of the decision, passed ones included.
        model_name: The registered model.
        candidate_version: The version judged.
        production_version: The version compared against; None on a first deployment.
        source: Where the evaluation rows come from.
        rows: How many rows.
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The primary metric.
        direction: How it improves.
        level: Coverage of the intervals.
        criteria: The ticket's criteria on the go-live quantities.
        metrics: The task's metrics of both models and their paired differences.
        serving: Latency and size of both models.
        delong: DeLong's test of the two auROCs (binary with production).
        segment_column: The column that names segments, or None.
        segments: Segments compared (largest first).
        skipped_segments: Segments not compared, with the reason.
        changes: What changed between the versions.
        guardrails: The guardrail settings used.
        mlflow_check: What MLflow's own evaluator found, or None when it was not run.
        quantities: Every quantity the criteria could use.
        notes: Remarks on how the comparison was made.
        created: When, ISO 8601 in UTC.
        run_id: The go-live MLflow run.
        mlflow_run_url: Link to it in the MLflow UI.
        predictions_artifact: The predictions' artifact path in that run.
        path: The report file, relative to the project root.
        plots: Plot name mapped to its PNG file beside the report.
        old_predictions: Production's last scoring job rescored by the candidate
            (:func:`agileds.scoring.old_predictions`); None without one.
    """

    ticket_id: str
    title: str
    decision: str
    reasons: list[Reason]
    model_name: str
    candidate_version: str
    production_version: str | None
    source: str
    rows: int
    task: str
    metric: str
    direction: str
    level: float
    criteria: list[CriterionRow]
    metrics: list[MetricRow]
    serving: list[ServingRow]
    delong: DeLongResult | None
    segment_column: str | None
    segments: list[SegmentResult]
    skipped_segments: list[SegmentResult]
    changes: ChangeList
    guardrails: Guardrails
    mlflow_check: MlflowCheck | None
    quantities: dict[str, float]
    notes: list[str] = field(default_factory=list)
    created: str = ""
    run_id: str | None = None
    mlflow_run_url: str | None = None
    predictions_artifact: str | None = None
    path: str | None = None
    plots: dict[str, str] = field(default_factory=dict)
    old_predictions: OldPredictions | None = None

    @property
    def go(self) -> bool:
        """True on GO."""
        return self.decision == "GO"

    @property
    def first_deployment(self) -> bool:
        """True when there was no production model."""
        return self.production_version is None

    @property
    def worse_segments(self) -> list[SegmentResult]:
        """Segments where the candidate is significantly worse."""
        return [s for s in self.segments if s.worse]

    @property
    def skipped_summary(self) -> list[tuple[str, int, list[str]]]:
        """Skipped segments grouped by reason: ``(reason, count, first names)``."""
        groups: dict[str, list[str]] = {}
        for s in self.skipped_segments:
            groups.setdefault(s.skipped or "", []).append(s.segment)
        return [(r, len(names), names[:_NAMES_SHOWN]) for r, names in groups.items()]

    def reasons_with(self, status: str) -> list[Reason]:
        """The reasons of one status: ``pass``, ``fail`` or ``n/a``."""
        return [r for r in self.reasons if r.status == status]

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data (what ``agileds golive --json`` prints)."""
        data = {
            "ticket": self.ticket_id,
            "decision": self.decision,
            "reasons": [
                {"status": r.status, "source": r.source, "text": r.text} for r in self.reasons
            ],
            "model": self.model_name,
            "candidate_version": self.candidate_version,
            "production_version": self.production_version,
            "first_deployment": self.first_deployment,
            "data": self.source,
            "rows": self.rows,
            "metric": self.metric,
            "quantities": self.quantities,
            "criteria": [
                {"number": c.number, "text": c.text, "verdict": c.verdict, "values": c.values}
                for c in self.criteria
            ],
            "segments_worse": [s.segment for s in self.worse_segments],
            "report": self.path,
            "run_id": self.run_id,
        }
        return {key: json_ready(value) for key, value in data.items()}


def build_golive_report(
    *,
    ticket_id: str,
    title: str,
    comparison: Comparison,
    gate: GateDecision,
    criteria: Sequence[CriterionResult],
    changes: ChangeList,
    guardrails: Guardrails,
    model_name: str,
    candidate_version: str,
    production_version: str | None,
    quantities: Mapping[str, float],
    created: str | dt.datetime,
    mlflow_check: MlflowCheck | None = None,
    notes: Sequence[str] = (),
    run_id: str | None = None,
    mlflow_run_url: str | None = None,
    predictions_artifact: str | None = None,
    path: str | None = None,
    old_predictions: OldPredictions | None = None,
) -> GoLiveReport:
    """Build the go-live report from the comparison and the decision.

    Pure: it reads its arguments only, never the clock or the stores.
    """
    segments = comparison.segments
    return GoLiveReport(
        ticket_id=ticket_id,
        title=title,
        decision=gate.decision.value,
        reasons=list(gate.reasons),
        model_name=model_name,
        candidate_version=candidate_version,
        production_version=production_version,
        source=comparison.source,
        rows=comparison.rows,
        task=comparison.task,
        metric=comparison.metric,
        direction=comparison.direction,
        level=comparison.level,
        criteria=[_criterion_row(c) for c in criteria],
        metrics=metric_rows(comparison),
        serving=serving_rows(comparison),
        delong=comparison.delong,
        segment_column=comparison.segment_column,
        segments=[s for s in segments if s.skipped is None],
        skipped_segments=[s for s in segments if s.skipped is not None],
        changes=changes,
        guardrails=guardrails,
        mlflow_check=mlflow_check,
        quantities=dict(quantities),
        notes=list(notes),
        created=created.isoformat() if isinstance(created, dt.datetime) else created,
        run_id=run_id,
        mlflow_run_url=mlflow_run_url,
        predictions_artifact=predictions_artifact,
        path=path,
        old_predictions=old_predictions,
    )


def metric_rows(comparison: Comparison) -> list[MetricRow]:
    """The task's metrics of both models, the primary metric first."""
    from agileds.evaluation import METRICS

    names = sorted(METRICS[comparison.task], key=lambda n: n != comparison.metric)
    c, p, d = comparison.candidate, comparison.production, comparison.deltas
    return [MetricRow.of(n, c.get(n), c, p, d) for n in names if n in c]


def serving_rows(comparison: Comparison) -> list[ServingRow]:
    """Latency and size of both models."""
    from agileds.evaluation import SERVING

    rows = []
    for name in SERVING:
        own, other = comparison.candidate.get(name), comparison.production.get(name)
        ratio = own / other if own is not None and other else None
        rows.append(ServingRow(name, own, other, comparison.deltas.get(name), ratio))
    return rows
