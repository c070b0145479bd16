"""Percentile bootstrap intervals of metrics and of paired differences, vectorised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agileds.errors import UsageError
from agileds.evaluation._delong import delong_test
from agileds.evaluation._kernels import Floats, Prepared, Scratch
from agileds.evaluation._metrics import binary_target, check_metrics, prepare
from agileds.evaluation._resample import draw_counts

__all__ = ["bootstrap_metrics", "paired_bootstrap", "prefixed"]

_CHUNK_CELLS = 1 << 18
"""Resampled rows drawn at once (resamples per chunk times rows): keeps the work in cache."""


def _check_resampling(n_boot: int, seed: int, level: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, Integral) or n_boot < 1:
        raise UsageError(f"n_boot must be a positive integer, got {n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0 < level < 1:
        raise UsageError(f"level must be between 0 and 1 (exclusive), got {level!r}")


def _relative_order(base: Prepared, other: Prepared) -> NDArray[np.intp] | None:
    """Columns of ``base``'s weights that give ``other``'s rows; None when the same."""
    if np.array_equal(base.order, other.order):
        return None
    position = np.empty_like(base.order)
    position[base.order] = np.arange(len(base.order))
    return position[other.order]


def _replicates(
    datasets: Sequence[Prepared], metrics: Sequence[str], n_boot: int, seed: int
) -> list[dict[str, Floats]]:
    """Metric values of each dataset under the same ``n_boot`` stratified resamples.

    The resamples are drawn in chunks, chunk ``i`` from child ``i`` of ``SeedSequence(seed)``,
    so the result depends only on the seed, the data and ``n_boot``.
    """
    base = datasets[0]
    columns = [_relative_order(base, d) for d in datasets]
    per_chunk = max(1, _CHUNK_CELLS // len(base.order))
    n_chunks = -(-n_boot // per_chunk)
    parts: list[list[dict[str, Floats]]] = [[] for _ in datasets]
    scratch = Scratch()
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n_chunks)):
        rows = min(per_chunk, n_boot - i * per_chunk)
        counts = draw_counts(np.random.default_rng(child), base.strata, rows, scratch)
        for part, data, cols in zip(parts, datasets, columns, strict=True):
            if cols is not None:  # the same resamples, in the other dataset's row order
                own = scratch.get("reordered", counts.shape, counts.dtype)
                part.append(data.evaluate(counts.take(cols, axis=1, out=own), metrics, scratch))
            else:
                part.append(data.evaluate(counts, metrics, scratch))
    return [{m: np.concatenate([p[m] for p in part]) for m in metrics} for part in parts]


def _percentiles(values: Floats, level: float) -> tuple[float, float]:
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _p_value(differences: Floats) -> float:
    """Two-sided bootstrap p-value of a zero difference: twice the smaller tail at 0.

    Counts ``(1 + #{d <= 0}) / (B + 1)`` and ``(1 + #{d >= 0}) / (B + 1)``, so a finite
    number of resamples never claims p = 0; capped at 1.
    """
    b = len(differences)
    below = (1 + np.count_nonzero(differences <= 0)) / (b + 1)
    above = (1 + np.count_nonzero(differences >= 0)) / (b + 1)
    return float(min(1.0, 2 * min(below, above)))


def bootstrap_metrics(
    task: str,
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    threshold: float = 0.5,
    labels: Sequence[object] | None = None,
    metrics: Sequence[str] | None = None,
) -> dict[str, float]:
    """Compute metrics with percentile bootstrap intervals.

    Classification resamples each class to its own count (stratified), so every resample
    has every class of ``y_true``; regression resamples all rows. Resamples are drawn as
    matrices of row counts (exact multinomial draws, about a byte of randomness per row)
    and scored in chunks without sorting again: 1,000 resamples of auROC on a million
    rows take about 3 s (``benchmarks/bench_bootstrap.py``).
    Percentile intervals inherit the bootstrap's bias: ``ece``, an average of absolute
    gaps, grows under resampling, so its estimate can sit near or below ``ece.ci_low``.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        y_true: True labels or targets, as for :func:`compute_metrics`.
        scores: Probabilities or predictions, as for :func:`compute_metrics`.
        n_boot: Number of resamples.
        seed: Seed of the resamples; the same seed and data give the same intervals.
        level: Coverage of the intervals.
        threshold: Binary decision threshold (``score >= threshold`` is positive).
        labels: As for :func:`compute_metrics`.
        metrics: Names to compute; all of the task's by default.

    Returns:
        For each metric ``m``: ``m`` (the estimate on all rows), ``m.ci_low`` and
        ``m.ci_high``.

    Raises:
        UsageError: Unknown task or metric, ``n_boot < 1``, a negative ``seed``, or
            ``level`` outside (0, 1).
        DataError: As for :func:`compute_metrics`.
    """
    names = check_metrics(task, metrics)
    _check_resampling(n_boot, seed, level)
    data = prepare(task, y_true, scores, threshold=threshold, labels=labels)
    point = data.evaluate(np.ones((1, len(data.order)), dtype=np.int64), names)
    (replicates,) = _replicates([data], names, n_boot, seed)
    out: dict[str, float] = {}
    for name in names:
        out[name] = float(point[name][0])
        out[f"{name}.ci_low"], out[f"{name}.ci_high"] = _percentiles(replicates[name], level)
    return out


def paired_bootstrap(
    task: str,
    y_true: ArrayLike,
    scores_a: ArrayLike,
    scores_b: ArrayLike,
    *,
    metrics: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    threshold: float = 0.5,
    labels: Sequence[object] | None = None,
) -> dict[str, float]:
    """Compare candidate ``a`` with production ``b`` scored on the same rows.

    Both models are scored under the same stratified resamples, so the interval of the
    difference accounts for their correlation. The difference is raw, ``a - b``, whatever
    the metric's direction: for a loss such as ``log_loss`` a negative delta is better.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        y_true: True labels or targets, as for :func:`compute_metrics`.
        scores_a: The candidate's probabilities or predictions.
        scores_b: The production model's, on the same rows in the same order.
        metrics: Names to compare; all of the task's by default.
        n_boot: Number of resamples.
        seed: Seed of the resamples.
        level: Coverage of the intervals.
        threshold: Binary decision threshold.
        labels: As for :func:`compute_metrics`.

    Returns:
        For each metric ``m``: ``delta.m``, ``delta.m.ci_low``, ``delta.m.ci_high`` and
        ``delta.m.p_value``, the two-sided p-value of a zero difference. For ``auroc`` the
        p-value is DeLong's test (:func:`delong_test`) when each class has 2 rows or more;
        otherwise, and for the other metrics, it is the bootstrap one: twice the share of
        resampled differences on the far side of 0.

    Raises:
        UsageError: As for :func:`bootstrap_metrics`.
        DataError: As for :func:`compute_metrics`.
    """
    names = check_metrics(task, metrics)
    _check_resampling(n_boot, seed, level)
    pair = [
        prepare(task, y_true, s, threshold=threshold, labels=labels) for s in (scores_a, scores_b)
    ]
    ones = np.ones((1, len(pair[0].order)), dtype=np.int64)
    point_a, point_b = (data.evaluate(ones, names) for data in pair)
    reps_a, reps_b = _replicates(pair, names, n_boot, seed)
    out: dict[str, float] = {}
    for name in names:
        diff = reps_a[name] - reps_b[name]
        key = f"delta.{name}"
        out[key] = float(point_a[name][0] - point_b[name][0])
        out[f"{key}.ci_low"], out[f"{key}.ci_high"] = _percentiles(diff, level)
        out[f"{key}.p_value"] = _p_value(diff)
    positive = binary_target(y_true, labels) if "auroc" in names else None
    if positive is not None and min(positive.sum(), (~positive).sum()) >= 2:
        out["delta.auroc.p_value"] = delong_test(positive, scores_a, scores_b).p_value
    return out


def prefixed(values: Mapping[str, float], prefix: str) -> dict[str, float]:
    """Return ``values`` with every name under ``prefix``, for acceptance criteria.

    >>> prefixed({"auroc": 0.81, "auroc.ci_low": 0.78}, "production")
    {'production.auroc': 0.81, 'production.auroc.ci_low': 0.78}
    """
    if not prefix or prefix.startswith(".") or prefix.endswith("."):
        raise UsageError(f"prefix must be a name such as 'production', got {prefix!r}")
    return {f"{prefix}.{name}": value for name, value in values.items()}
