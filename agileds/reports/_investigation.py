"""The investigation report of an ``INV-n`` ticket: its data objects and the pure builder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agileds._json import fields_dict
from agileds.reports._investigation_rows import (
    DriftRow,
    FollowUp,
    ImportanceRow,
    MetricComparison,
    QualityRow,
    SegmentRow,
    TimeRow,
)
from agileds.reports._run import CriterionRow, _criterion_row
from agileds.tickets import overall_verdict

if TYPE_CHECKING:
    from agileds.tickets import CriterionResult

__all__ = [
    "PLOTS",
    "DriftRow",
    "FollowUp",
    "ImportanceRow",
    "InvestigationData",
    "InvestigationMeasurements",
    "InvestigationReport",
    "InvestigationSubject",
    "MetricComparison",
    "Provenance",
    "QualityRow",
    "SegmentRow",
    "TimeRow",
    "build_investigation_report",
    "write_investigation_report",
]

PLOTS = ("segments", "timeline", "drift", "importance")
"""The plots an investigation report may have, each written as ``<name>.png``."""

_MAX_IMPORTANCES = 15
_MIN_QUALITY_CHANGE = 0.01
_MAX_WORST_SHOWN = 10


class _Drift(Protocol):
    """What a drift entry offers (``agileds.monitor.FeatureDrift``, :class:`DriftRow`)."""

    @property
    def column(self) -> str: ...
    @property
    def kind(self) -> Any: ...
    @property
    def psi(self) -> float: ...
    @property
    def band(self) -> str: ...
    @property
    def test(self) -> str | None: ...
    @property
    def statistic(self) -> float | None: ...
    @property
    def p_value(self) -> float | None: ...


@dataclass(frozen=True)
class InvestigationReport:
    """Everything the investigation report shows, computed and ready to format.

    Build it with :func:`build_investigation_report`; write it with
    :func:`write_investigation_report`.
    """

    ticket_id: str
    title: str
    verdict: str
    model_name: str
    model_version: str
    task: str
    metric: str
    direction: str
    batch: str
    batch_rows: int
    labelled: bool
    reference_rows: int
    holdout_rows: int | None
    baseline: str
    criteria: list[CriterionRow]
    metrics: list[MetricComparison]
    metric_drop: float | None
    segment_column: str | None
    segments: list[SegmentRow]
    time_column: str | None
    timeline: list[TimeRow]
    drift: list[DriftRow]
    score_psi: float | None
    importance: list[ImportanceRow]
    quality: list[QualityRow]
    sanity: list[dict[str, Any]]
    worst: list[dict[str, Any]]
    followups: list[FollowUp]
    findings: list[str]
    notes: list[str]
    monitor: dict[str, Any]
    created: str
    production_version: str | None = None
    worst_file: str | None = None
    mlflow_run_url: str | None = None
    git_commit: str | None = None
    plots: dict[str, str] = field(default_factory=dict)

    @property
    def major_drift(self) -> list[DriftRow]:
        """Features whose PSI is in the major band (over 0.25)."""
        return [d for d in self.drift if d.band == "major"]

    @property
    def worst_columns(self) -> list[str]:
        """The columns of the worst-rows table, in order."""
        return list(self.worst[0]) if self.worst else []

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, one key per field."""
        return fields_dict(self)


@dataclass(frozen=True)
class InvestigationSubject:
    """What was investigated: the ticket and the model version, and how its metric reads.

    Attributes:
        ticket_id: The investigation, e.g. ``INV-1``.
        title: Its title.
        model_name: The investigated registered model.
        model_version: The investigated version (production's, or the monitor's).
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The primary metric.
        direction: ``maximize`` or ``minimize``.
        production_version: The version the ``production`` alias points at.
        monitor: The ticket's ``monitor:`` mapping, when a monitor filed it.
    """

    ticket_id: str
    title: str
    model_name: str
    model_version: str
    task: str
    metric: str
    direction: str
    production_version: str | None = None
    monitor: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InvestigationData:
    """The rows looked at: the batch, the version's reference, and how they are cut.

    Attributes:
        batch: The investigated data, as shown to the user.
        batch_rows: Its rows.
        labelled: Whether the batch has labels (metrics, importances and the leak
            re-check need them).
        reference_rows: Rows of the version's reference (training) data.
        holdout_rows: Rows of the rebuilt reference holdout, None when it could not be rebuilt.
        segment_column: The column the segments come from.
        time_column: The column the time buckets come from.
    """

    batch: str
    batch_rows: int
    labelled: bool
    reference_rows: int
    holdout_rows: int | None = None
    segment_column: str | None = None
    time_column: str | None = None


@dataclass(frozen=True)
class InvestigationMeasurements:
    """What the runner measured on the batch against the reference.

    Attributes:
        evaluation: The version's metrics at evaluation (``auroc``, ``auroc.ci_low``, ...).
        current: The same metrics on the batch, with bootstrap intervals.
        metric_drop: How much worse the primary metric is on the batch (positive: worse).
        baseline: Where the reference values come from, in words.
        segments: The metric per segment.
        timeline: The metric per time bucket.
        drift: Per-feature drift (``agileds.monitor.FeatureDrift`` or alike).
        score_psi: PSI of the model's scores, batch against reference.
        importance_reference: Permutation importances on the reference sample.
        importance_batch: Permutation importances on the batch (None without labels).
        quality_reference: ``null_rate.<column>`` and ``blank_text_rate.<column>`` of the
            reference.
        quality_batch: The same rates on the batch.
        sanity: The sanity checks' findings on the batch (column, check, reason, value).
        worst: The rows the model got most wrong, worst first.
        worst_file: The CSV file holding them, beside the report.
        notes: Caveats, e.g. what could not be measured and why.
    """

    evaluation: Mapping[str, float] = field(default_factory=dict)
    current: Mapping[str, float] = field(default_factory=dict)
    metric_drop: float | None = None
    baseline: str = ""
    segments: Sequence[SegmentRow] = ()
    timeline: Sequence[TimeRow] = ()
    drift: Sequence[_Drift] = ()
    score_psi: float | None = None
    importance_reference: Mapping[str, float] = field(default_factory=dict)
    importance_batch: Mapping[str, float] | None = None
    quality_reference: Mapping[str, float] = field(default_factory=dict)
    quality_batch: Mapping[str, float] = field(default_factory=dict)
    sanity: Sequence[Mapping[str, Any]] = ()
    worst: Sequence[Mapping[str, Any]] = ()
    worst_file: str | None = None
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Provenance:
    """When and where a report's numbers were made.

    Attributes:
        created: When the work ran; a datetime is written in ISO 8601.
        mlflow_run_url: Link to its MLflow run in the MLflow UI.
        git_commit: The commit it ran at.
    """

    created: str | dt.datetime
    mlflow_run_url: str | None = None
    git_commit: str | None = None


def build_investigation_report(
    subject: InvestigationSubject,
    data: InvestigationData,
    measurements: InvestigationMeasurements,
    provenance: Provenance,
    *,
    criteria: Sequence[CriterionResult] = (),
    verdict: str | None = None,
    followups: Sequence[FollowUp] = (),
) -> InvestigationReport:
    """Build the investigation report from what the runner measured.

    Pure: it reads its arguments only, never the clock, the stores or the data.

    Args:
        subject: The ticket and the model version investigated.
        data: The batch and reference rows and how they are cut.
        measurements: What the runner measured.
        provenance: When the investigation ran, its MLflow run and git commit.
        criteria: The verdicts from :func:`agileds.tickets.evaluate_ticket`.
        verdict: The overall verdict; by default derived from ``criteria``.
        followups: The proposed follow-up tickets.
    """
    s, d, m, p = subject, data, measurements, provenance
    drift_rows = sorted((_drift_row(row) for row in m.drift), key=lambda row: -row.psi)
    report = InvestigationReport(
        ticket_id=s.ticket_id,
        title=s.title,
        verdict=verdict or str(overall_verdict(list(criteria))),
        model_name=s.model_name,
        model_version=str(s.model_version),
        task=s.task,
        metric=s.metric,
        direction=s.direction,
        batch=d.batch,
        batch_rows=d.batch_rows,
        labelled=d.labelled,
        reference_rows=d.reference_rows,
        holdout_rows=d.holdout_rows,
        baseline=m.baseline,
        criteria=[_criterion_row(r) for r in criteria],
        metrics=_metric_comparisons(s.task, s.metric, m.evaluation or {}, m.current or {}),
        metric_drop=m.metric_drop,
        segment_column=d.segment_column,
        segments=list(m.segments),
        time_column=d.time_column,
        timeline=list(m.timeline),
        drift=drift_rows,
        score_psi=m.score_psi,
        importance=importance_rows(m.importance_reference or {}, m.importance_batch),
        quality=quality_rows(m.quality_reference or {}, m.quality_batch or {}),
        sanity=[dict(row) for row in m.sanity],
        worst=[dict(row) for row in m.worst[:_MAX_WORST_SHOWN]],
        worst_file=m.worst_file,
        followups=list(followups),
        findings=[],
        notes=list(m.notes),
        monitor=dict(s.monitor or {}),
        created=p.created.isoformat() if isinstance(p.created, dt.datetime) else p.created,
        production_version=s.production_version,
        mlflow_run_url=p.mlflow_run_url,
        git_commit=p.git_commit,
    )
    return dataclasses.replace(report, findings=summarise(report))


def importance_rows(
    reference: Mapping[str, float], batch: Mapping[str, float] | None
) -> list[ImportanceRow]:
    """Importance per column on both sides, largest absolute shift first (top 15).

    Without batch importances (no labels) the rows keep the reference order.

    Example:
        >>> rows = importance_rows({"a": 0.10, "b": 0.05}, {"a": 0.02, "b": 0.06})
        >>> [(r.column, round(r.shift, 2)) for r in rows]
        [('a', -0.08), ('b', 0.01)]
    """
    rows = [
        ImportanceRow(column, float(value), None if batch is None else batch.get(column))
        for column, value in reference.items()
    ]
    if batch is not None:
        rows.sort(key=lambda r: -abs(r.shift or 0.0))
    return rows[:_MAX_IMPORTANCES]


def quality_rows(reference: Mapping[str, float], batch: Mapping[str, float]) -> list[QualityRow]:
    """Null and blank rates that changed by at least one point, largest increase first."""
    rows = []
    for name, value in batch.items():
        measure, _, column = name.partition(".")
        before = reference.get(name, 0.0)
        if abs(value - before) >= _MIN_QUALITY_CHANGE:
            rows.append(QualityRow(column, measure, float(before), float(value)))
    return sorted(rows, key=lambda r: -r.change)


def summarise(report: InvestigationReport) -> list[str]:
    """The report's findings in plain sentences, most important first."""
    lines = []
    drop = report.metric_drop
    metric = report.metric
    if not report.labelled:
        lines.append(
            "The batch has no labels: metrics, importances and the leak re-check need them."
        )
    elif drop is not None:
        row = next((m for m in report.metrics if m.name == metric), None)
        what = "worse" if drop > 0 else "better or the same"
        if row is not None and row.evaluation is not None and row.batch is not None:
            lines.append(
                f"`{metric}` is {what} on the batch: {row.batch:.4f} against "
                f"{row.evaluation:.4f} at evaluation ({_signed(-drop if _maximize(report) else drop)})."
            )
    major = report.major_drift
    if major:
        named = ", ".join(f"`{d.column}` (PSI {d.psi:.2f})" for d in major[:5])
        lines.append(f"{len(major)} feature(s) drifted a lot (PSI over 0.25): {named}.")
    elif report.drift:
        top = report.drift[0]
        lines.append(
            f"No feature drifted a lot; the largest PSI is `{top.column}`'s, {top.psi:.3f}."
        )
    worse = [s for s in report.segments if s.degraded]
    if worse:
        named = ", ".join(f"`{s.segment}`" for s in worse[:5])
        lines.append(f"{len(worse)} segment(s) of `{report.segment_column}` got worse: {named}.")
    lines += _quality_and_leak_lines(report)
    if report.followups:
        lines.append(f"{len(report.followups)} follow-up(s) proposed (see below).")
    else:
        lines.append("Nothing here calls for a follow-up.")
    return lines


def _quality_and_leak_lines(report: InvestigationReport) -> list[str]:
    lines = []
    jumps = [q for q in report.quality if q.change >= 0.05]
    for q in jumps[:3]:
        lines.append(
            f"`{q.column}`: {q.measure.replace('_', ' ')} rose from {q.reference:.1%} to "
            f"{q.batch:.1%}."
        )
    leaks = [s for s in report.sanity if s.get("check") == "leak"]
    if leaks:
        named = ", ".join(f"`{s['column']}`" for s in leaks)
        lines.append(f"The leak re-check flags {named} on the batch.")
    return lines


def _maximize(report: InvestigationReport) -> bool:
    return report.direction == "maximize"


def _signed(value: float) -> str:
    return f"{value:+.4f}"


def _drift_row(d: _Drift) -> DriftRow:
    kind = getattr(d.kind, "value", d.kind)
    return DriftRow(
        str(d.column),
        str(kind),
        float(d.psi),
        str(d.band),
        d.test,
        _finite(d.statistic),
        _finite(d.p_value),
    )


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _metric_comparisons(
    task: str, metric: str, evaluation: Mapping[str, float], current: Mapping[str, float]
) -> list[MetricComparison]:
    from agileds.evaluation import METRICS

    names = [metric, *(m for m in METRICS.get(task, {}) if m != metric)]
    rows = []
    for name in names:
        if name not in evaluation and name not in current:
            continue
        e, c = evaluation, current
        rows.append(
            MetricComparison(
                name,
                e.get(name),
                e.get(f"{name}.ci_low"),
                e.get(f"{name}.ci_high"),
                c.get(name),
                c.get(f"{name}.ci_low"),
                c.get(f"{name}.ci_high"),
            )
        )
    return rows


def write_investigation_report(report: InvestigationReport, folder: Path) -> Path:
    """Write the report into ``folder``: its PNG plots, then ``investigation.md`` beside them.

    Creates ``folder`` if needed; every file is replaced atomically, and plots an earlier
    report left there but this one has no data for are removed.

    Returns:
        The path of ``investigation.md``.
    """
    from agileds.reports._investigation_plots import plot_investigation_report
    from agileds.reports._render import render_markdown, write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    plots = plot_investigation_report(report, folder)
    for name in PLOTS:  # a plot of an earlier run that this one has no data for
        if name not in plots:
            (folder / f"{name}.png").unlink(missing_ok=True)
    text = render_markdown("investigation.md.j2", report=dataclasses.replace(report, plots=plots))
    return write_atomic(folder / "investigation.md", text)
