"""The rows of an investigation report: metrics, segments, time buckets, drift, importance,
data quality and the follow-up tickets it proposes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DriftRow",
    "FollowUp",
    "ImportanceRow",
    "MetricComparison",
    "QualityRow",
    "SegmentRow",
    "TimeRow",
]


@dataclass(frozen=True)
class MetricComparison:
    """One metric of the investigated model: at evaluation time and on the flagged batch.

    ``change`` is ``batch - evaluation`` in the metric's own units (raw, not oriented).
    """

    name: str
    evaluation: float | None
    evaluation_ci_low: float | None
    evaluation_ci_high: float | None
    batch: float | None
    batch_ci_low: float | None
    batch_ci_high: float | None

    @property
    def change(self) -> float | None:
        """The batch value minus the evaluation value, or None when either is missing."""
        if self.evaluation is None or self.batch is None:
            return None
        return self.batch - self.evaluation


@dataclass(frozen=True)
class SegmentRow:
    """The primary metric in one segment (e.g. one customer) on the reference holdout and
    on the batch; ``None`` where the segment has too few rows or a single class."""

    segment: str
    reference_rows: int
    reference: float | None
    batch_rows: int
    batch: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    degraded: bool = False

    @property
    def change(self) -> float | None:
        """Batch minus reference, or None when either is missing."""
        if self.reference is None or self.batch is None:
            return None
        return self.batch - self.reference


@dataclass(frozen=True)
class TimeRow:
    """The primary metric in one time bucket (week, month or quarter) of one source.

    Attributes:
        source: ``reference`` (the version's holdout) or ``batch``.
        bucket: The bucket as shown, e.g. ``2025-W03``, ``2025-02`` or ``2024-Q4``.
        start: The bucket's first day, ISO 8601 (the plot's x position).
        rows: Rows in the bucket.
        value: The metric, or None with too few rows or a single class.
        ci_low: Lower end of its bootstrap interval, when computed.
        ci_high: Upper end of its bootstrap interval, when computed.
        mean_score: The mean score (binary probability or regression prediction).
    """

    source: str
    bucket: str
    start: str
    rows: int
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    mean_score: float | None = None


@dataclass(frozen=True)
class DriftRow:
    """One feature's drift, batch against the reference (from ``agileds.monitor``)."""

    column: str
    kind: str
    psi: float
    band: str
    test: str | None = None
    statistic: float | None = None
    p_value: float | None = None


@dataclass(frozen=True)
class ImportanceRow:
    """Permutation importance of one input column on the reference and on the batch."""

    column: str
    reference: float
    batch: float | None

    @property
    def shift(self) -> float | None:
        """Batch minus reference importance (None without labels on the batch)."""
        return None if self.batch is None else self.batch - self.reference


@dataclass(frozen=True)
class QualityRow:
    """A data-quality rate (``null_rate`` or ``blank_text_rate``) that changed."""

    column: str
    measure: str
    reference: float
    batch: float

    @property
    def change(self) -> float:
        """Batch minus reference rate."""
        return self.batch - self.reference


@dataclass(frozen=True)
class FollowUp:
    """A follow-up ticket the investigation proposes, ready to file in ``backlog/``.

    Attributes:
        type: ``story``, ``spike`` or ``bug``.
        title: One line; with the parent it identifies the follow-up (filing twice does
            not duplicate it).
        value: Estimated value (see docs/investigations.md for the heuristics).
        effort: Estimated effort in points.
        reason: The finding behind it, in one line.
        description: The evidence, for the ticket's description.
        acceptance: Criteria ready to run.
        parent: The investigation, e.g. ``INV-1``.
        model: The registered model it concerns.
        experiment: The experiment spec to run it with, when known.
        sweep: Overrides of the experiment for this ticket (its ``sweep:`` block).
        filed_as: The ticket ID once filed (or found already filed).
    """

    type: str
    title: str
    value: float
    effort: float
    reason: str
    description: str
    acceptance: tuple[str, ...]
    parent: str
    model: str | None = None
    experiment: str | None = None
    sweep: dict[str, Any] = field(default_factory=dict)
    filed_as: str | None = None

    def ticket_fields(self) -> dict[str, Any]:
        """The fields of ``Backlog.create`` besides type and title."""
        fields: dict[str, Any] = {
            "description": self.description,
            "value": _plain_number(self.value),
            "effort": _plain_number(self.effort),
            "parent": self.parent,
            "model": self.model,
            "experiment": self.experiment,
            "sweep": self.sweep,
            "acceptance": list(self.acceptance),
        }
        return {k: v for k, v in fields.items() if v not in (None, "", [], {})}


def _plain_number(value: float) -> float | int:
    """Whole numbers as ints, so a ticket file reads ``value: 8``, not ``8.0``."""
    return int(value) if float(value).is_integer() else value
