"""Comparing the candidate with production on the same rows: metrics with intervals, the
paired difference, DeLong's test, segments and serving cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.errors import DataError
from agileds.evaluation import SERVING
from agileds.golive._data import EvalData
from agileds.golive._segments import SegmentResult, compare_segments

if TYPE_CHECKING:
    from agileds.evaluation import DeLongResult

__all__ = ["SERVING", "Comparison", "compare_models", "model_scores"]


@dataclass(frozen=True)
class Comparison:
    """The candidate and production scored on the same rows.

    Quantity dictionaries use the names of acceptance criteria without their prefix:
    ``candidate["auroc.ci_low"]``, ``production["latency_p95_ms"]``, ``deltas["auroc"]``.

    Attributes:
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The primary metric.
        direction: How ``metric`` improves.
        level: Coverage of every interval.
        rows: Evaluation rows.
        source: Where the rows come from.
        labels: Class labels in score-column order (None for regression).
        candidate: The candidate's metrics with intervals, and its serving cost.
        production: The same for production; empty on a first deployment.
        deltas: Paired differences ``candidate - production`` (``auroc``, ``auroc.ci_low``,
            ``auroc.ci_high``, ``auroc.p_value``, ``latency_p95_ms``, ...).
        delong: DeLong's test of the two auROCs (binary with production only).
        segments: Per-segment results, when the data names a segment column.
        segment_column: That column.
        y: The labels.
        candidate_scores: The candidate's scores (probabilities or predictions).
        production_scores: Production's, or None.
        segment_values: The segment of each row, or None.
    """

    task: str
    metric: str
    direction: str
    level: float
    rows: int
    source: str
    labels: tuple[Any, ...] | None
    candidate: dict[str, float]
    production: dict[str, float]
    deltas: dict[str, float]
    delong: DeLongResult | None = None
    segments: list[SegmentResult] = field(default_factory=list)
    segment_column: str | None = None
    y: Any = None
    candidate_scores: Any = None
    production_scores: Any = None
    segment_values: Any = None

    @property
    def first_deployment(self) -> bool:
        """True when there is no production model to compare with."""
        return self.production_scores is None

    @property
    def quantities(self) -> dict[str, float]:
        """Every measured quantity under its acceptance-criteria name."""
        out = dict(self.candidate)
        out.update({f"production.{k}": v for k, v in self.production.items()})
        out.update({f"delta.{k}": v for k, v in self.deltas.items()})
        out["eval_rows"] = float(self.rows)
        compared = [s for s in self.segments if s.skipped is None]
        if self.segment_column is not None:
            out["segments_compared"] = float(len(compared))
            if not self.first_deployment:
                out["segments_worse"] = float(sum(s.worse for s in compared))
        ratio = self._latency_ratio()
        if ratio is not None:
            out["latency_p95_ratio"] = ratio
        return out

    def _latency_ratio(self) -> float | None:
        own, other = self.candidate.get("latency_p95_ms"), self.production.get("latency_p95_ms")
        if own is None or not other:
            return None
        return own / other


def model_scores(model: Any, x: Any, task: str) -> Any:
    """Scores of a fitted model: P(positive) for binary, class probabilities for
    multiclass, predictions for regression; a model that cannot score ``x`` is a DataError."""
    from agileds.sweeps import model_scores as scores

    try:
        return np.asarray(scores(model, x, task), dtype=np.float64)
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(f"a model cannot score the evaluation rows: {exc}") from None


def compare_models(
    candidate: Any,
    production: Any | None,
    data: EvalData,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    min_segment_rows: int = 30,
    threshold: float = 0.5,
) -> Comparison:
    """Score both fitted models on ``data`` and compare them.

    Each model gets its own input columns (:meth:`EvalData.x_for`). The task's metrics
    get bootstrap intervals (:func:`~agileds.evaluation.bootstrap_metrics`), the paired
    differences share resamples (:func:`~agileds.evaluation.paired_bootstrap`, with
    DeLong's p-value for auroc), and the serving cost is measured on the same rows.

    Args:
        candidate: The candidate's fitted pipeline.
        production: Production's, or None on a first deployment.
        data: The evaluation rows.
        n_boot: Bootstrap resamples.
        seed: Seed of the resamples.
        level: Coverage of the intervals.
        min_segment_rows: Segments with fewer rows are skipped.
        threshold: Binary decision threshold for f1, precision, recall and accuracy.

    Returns:
        The comparison.

    Raises:
        DataError: A model cannot score the rows, or the models predict different classes.
    """
    from agileds.evaluation import bootstrap_metrics, paired_bootstrap

    labels = _labels(candidate, production, data.task)
    opts: dict[str, Any] = {"n_boot": n_boot, "seed": seed, "level": level, "labels": labels}
    y = data.y
    a = model_scores(candidate, data.x_for(candidate), data.task)
    own = {**bootstrap_metrics(data.task, y, a, threshold=threshold, **opts)}
    own.update(_serving(candidate, data))
    b, other, deltas, delong = None, {}, {}, None
    if production is not None:
        b = model_scores(production, data.x_for(production), data.task)
        other = {**bootstrap_metrics(data.task, y, b, threshold=threshold, **opts)}
        other.update(_serving(production, data))
        paired = paired_bootstrap(data.task, y, a, b, threshold=threshold, **opts)
        deltas = {k.removeprefix("delta."): v for k, v in paired.items()}
        deltas.update({k: own[k] - other[k] for k in SERVING})
        delong = _delong(data.task, y, a, b, labels)
    segments = _segments(data, y, a, b, opts, min_segment_rows)
    return Comparison(
        task=data.task,
        metric=data.metric,
        direction=data.direction,
        level=level,
        rows=len(y),
        source=data.source,
        labels=labels,
        candidate=own,
        production=other,
        deltas=deltas,
        delong=delong,
        segments=segments,
        segment_column=data.segment_column,
        y=y,
        candidate_scores=a,
        production_scores=b,
        segment_values=data.segments,
    )


def _labels(candidate: Any, production: Any | None, task: str) -> tuple[Any, ...] | None:
    if task == "regression":
        return None
    own = _plain(getattr(candidate, "classes_", ()))
    other = _plain(getattr(production, "classes_", own)) if production is not None else own
    if [str(c) for c in own] != [str(c) for c in other]:
        raise DataError(
            f"the candidate predicts classes {list(own)} but production predicts {list(other)}; "
            "models of one task must share their classes"
        )
    return own


def _plain(classes: Any) -> tuple[Any, ...]:
    """Class labels as Python values (numpy scalars print as ``np.int64(1)``)."""
    return tuple(c.item() if hasattr(c, "item") else c for c in classes)


def _serving(model: Any, data: EvalData) -> dict[str, float]:
    from agileds.evaluation import serving_cost

    return serving_cost(model, data.x_for(model))


def _delong(task: str, y: Any, a: Any, b: Any, labels: Any) -> DeLongResult | None:
    from agileds.evaluation import delong_test

    if task != "binary":
        return None
    positive = np.asarray(y == labels[1]) if labels else np.asarray(y == 1)
    if min(positive.sum(), (~positive).sum()) < 2:
        return None
    return delong_test(positive, a, b)


def _segments(
    data: EvalData, y: Any, a: Any, b: Any | None, opts: dict[str, Any], min_rows: int
) -> list[SegmentResult]:
    if data.segments is None:
        return []
    return compare_segments(
        data.task,
        data.metric,
        data.direction,
        y,
        a,
        b,
        data.segments,
        min_rows=min_rows,
        **opts,
    )
