"""Per-segment comparison: the primary metric of both models and their paired difference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agileds.errors import DataError

__all__ = ["MAX_SEGMENTS", "SegmentResult", "compare_segments", "significantly_worse"]

MAX_SEGMENTS = 50
"""Segments compared at most, the largest first; the rest are counted in the report."""


@dataclass(frozen=True)
class SegmentResult:
    """The primary metric in one segment.

    Attributes:
        segment: The segment's value (as text).
        rows: Evaluation rows in the segment.
        candidate: The candidate's metric, None when skipped.
        production: Production's metric, None when skipped or on a first deployment.
        delta: ``candidate - production``.
        ci_low: Lower bound of the bootstrap interval of ``delta``.
        ci_high: Upper bound of that interval.
        p_value: Two-sided p-value of a zero difference (DeLong's for auroc).
        worse: The interval lies wholly on the worse side of 0.
        skipped: Why the segment was not compared (too few rows, one class), else None.
    """

    segment: str
    rows: int
    candidate: float | None = None
    production: float | None = None
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    worse: bool = False
    skipped: str | None = None


def significantly_worse(ci_low: float, ci_high: float, direction: str) -> bool:
    """Whether a difference's interval lies wholly on the worse side of 0.

    >>> significantly_worse(-0.08, -0.01, "maximize"), significantly_worse(-0.08, 0.01, "maximize")
    (True, False)
    """
    return ci_high < 0 if direction == "maximize" else ci_low > 0


def compare_segments(
    task: str,
    metric: str,
    direction: str,
    y: Any,
    candidate: Any,
    production: Any | None,
    segments: Any,
    *,
    labels: Sequence[object] | None,
    n_boot: int,
    seed: int,
    level: float,
    min_rows: int,
) -> list[SegmentResult]:
    """Compare the models in each segment, the largest segments first.

    Args:
        task: The task.
        metric: The primary metric.
        direction: How ``metric`` improves.
        y: Labels of every row.
        candidate: The candidate's scores of every row.
        production: Production's scores, or None on a first deployment.
        segments: The segment of every row (strings).
        labels: Class labels in score-column order (classification).
        n_boot: Bootstrap resamples.
        seed: Seed of the resamples.
        level: Coverage of the intervals.
        min_rows: Segments with fewer rows are skipped.

    Returns:
        One result per segment, at most :data:`MAX_SEGMENTS`, skipped ones included.
    """
    names, inverse, counts = np.unique(
        np.asarray(segments), return_inverse=True, return_counts=True
    )
    order = np.argsort(-counts, kind="stable")[:MAX_SEGMENTS]
    results = []
    for index in order:
        rows = np.flatnonzero(inverse == index)
        name, n = str(names[index]), int(counts[index])
        if n < min_rows:
            results.append(SegmentResult(name, n, skipped=f"fewer than {min_rows} rows"))
            continue
        parts = (y[rows], candidate[rows], None if production is None else production[rows])
        opts = {"labels": labels, "n_boot": n_boot, "seed": seed, "level": level}
        results.append(_one(task, metric, direction, name, *parts, **opts))
    return results


def _one(
    task: str,
    metric: str,
    direction: str,
    name: str,
    y: Any,
    a: Any,
    b: Any | None,
    **options: Any,
) -> SegmentResult:
    from agileds.evaluation import compute_metrics, paired_bootstrap

    if task != "regression" and len(np.unique(y)) < 2:
        return SegmentResult(name, len(y), skipped="one class only")
    labels = options["labels"]
    try:
        value = compute_metrics(task, y, a, labels=labels, metrics=[metric])[metric]
        if b is None:
            return SegmentResult(name, len(y), candidate=value)
        other = compute_metrics(task, y, b, labels=labels, metrics=[metric])[metric]
        paired = paired_bootstrap(task, y, a, b, metrics=[metric], **options)
    except DataError as exc:
        return SegmentResult(name, len(y), skipped=str(exc))
    low, high = paired[f"delta.{metric}.ci_low"], paired[f"delta.{metric}.ci_high"]
    return SegmentResult(
        name,
        len(y),
        candidate=value,
        production=other,
        delta=paired[f"delta.{metric}"],
        ci_low=low,
        ci_high=high,
        p_value=paired[f"delta.{metric}.p_value"],
        worse=significantly_worse(low, high, direction),
    )
