"""The measurements of an investigation: metrics per segment and over time, the rows the
model got most wrong, and the small helpers they share. Pure functions of frames and scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.errors import DataError
from agileds.reports import SegmentRow, TimeRow

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MATERIAL_DROP",
    "Scored",
    "bucket_rule",
    "is_worse",
    "metric_drop",
    "metric_with_interval",
    "row_losses",
    "segment_rows",
    "time_rows",
    "worst_rows",
]

MATERIAL_DROP = 0.03
"""A drop of the primary metric larger than this is material (the monitor's default)."""

MIN_ROWS = 20
"""Fewest labelled rows a segment or time bucket needs for its metric."""

SEGMENTS = 10
"""Segments shown: the largest of the batch."""

_SEGMENT_BOOT = 200
_WORST = 100


@dataclass(frozen=True)
class Scored:
    """Rows scored by the model: the raw rows, their labels (None without), the scores and
    each row's position in the file it came from."""

    frame: pd.DataFrame
    y: np.ndarray | None
    scores: np.ndarray
    positions: np.ndarray

    def subset(self, mask: np.ndarray) -> Scored:
        """The rows where ``mask`` is true."""
        y = None if self.y is None else self.y[mask]
        frame = self.frame.loc[mask].reset_index(drop=True)
        return Scored(frame, y, self.scores[mask], self.positions[mask])


def metric_with_interval(
    task: str,
    metric: str,
    data: Scored,
    classes: tuple[Any, ...] | None,
    *,
    n_boot: int = _SEGMENT_BOOT,
    seed: int = 0,
    metrics: list[str] | None = None,
) -> dict[str, float]:
    """The metric(s) with bootstrap intervals; empty when they are undefined on these rows
    (no labels, too few rows, a single class)."""
    from agileds.evaluation import bootstrap_metrics

    if data.y is None or len(data.y) < MIN_ROWS:
        return {}
    try:
        return bootstrap_metrics(
            task,
            data.y,
            data.scores,
            n_boot=n_boot,
            seed=seed,
            labels=classes,
            metrics=metrics or [metric],
        )
    except DataError:
        return {}


def metric_drop(baseline: float | None, value: float | None, direction: str) -> float | None:
    """How much worse ``value`` is than ``baseline`` (positive: worse), in the metric's units.

    Example:
        >>> round(metric_drop(0.86, 0.79, "maximize"), 2), round(metric_drop(0.4, 0.5, "minimize"), 2)
        (0.07, 0.1)
    """
    if baseline is None or value is None:
        return None
    return baseline - value if direction == "maximize" else value - baseline


def is_worse(baseline: float | None, low: float | None, high: float | None, direction: str) -> bool:
    """Whether a whole interval lies on the worse side of ``baseline``."""
    if baseline is None or low is None or high is None:
        return False
    return high < baseline if direction == "maximize" else low > baseline


def segment_rows(
    column: str,
    task: str,
    metric: str,
    direction: str,
    batch: Scored,
    reference: Scored | None,
    classes: tuple[Any, ...] | None,
    *,
    seed: int = 0,
) -> list[SegmentRow]:
    """The metric in the largest segments of the batch, on the batch and the reference.

    A segment is *degraded* when its whole batch interval lies on the worse side of its
    reference value.
    """
    counts = batch.frame[column].astype("string").fillna("(null)").value_counts()
    rows = []
    for segment in counts.index[:SEGMENTS]:
        cur = batch.subset(_is(batch.frame[column], segment))
        values = metric_with_interval(task, metric, cur, classes, seed=seed)
        ref_rows, ref_value = 0, None
        if reference is not None:
            ref = reference.subset(_is(reference.frame[column], segment))
            ref_rows = len(ref.scores)
            ref_value = metric_with_interval(task, metric, ref, classes, n_boot=1).get(metric)
        low, high = values.get(f"{metric}.ci_low"), values.get(f"{metric}.ci_high")
        rows.append(
            SegmentRow(
                segment=str(segment),
                reference_rows=ref_rows,
                reference=ref_value,
                batch_rows=len(cur.scores),
                batch=values.get(metric),
                ci_low=low,
                ci_high=high,
                degraded=is_worse(ref_value, low, high, direction),
            )
        )
    return rows


def _is(column: pd.Series, segment: str) -> np.ndarray:
    shown = column.astype("string").fillna("(null)")
    out: np.ndarray = (shown == segment).to_numpy(dtype=bool)
    return out


def bucket_rule(times: pd.Series) -> str:
    """``W`` (weeks) for up to 120 days, ``M`` (months) up to 550 days, else ``Q`` (quarters)."""
    span = (times.max() - times.min()).days if len(times) else 0
    return "W" if span <= 120 else "M" if span <= 550 else "Q"


def time_rows(
    column: str,
    task: str,
    metric: str,
    sources: dict[str, Scored],
    classes: tuple[Any, ...] | None,
    *,
    seed: int = 0,
) -> list[TimeRow]:
    """The metric per time bucket of each source (``reference``, ``batch``).

    Each source is bucketed by its own span (see :func:`bucket_rule`), so a two-year
    reference shows quarters and a quarter's batch shows weeks.
    """
    rows: list[TimeRow] = []
    for source, data in sources.items():
        times = parse_times(data.frame[column])
        known = times.notna().to_numpy(dtype=bool)
        if not known.any():
            continue
        rule = bucket_rule(times[known])
        periods = times.dt.to_period("W-SUN" if rule == "W" else rule)
        for period in sorted(periods[known].unique()):
            part = data.subset((periods == period).to_numpy(dtype=bool))
            values = metric_with_interval(task, metric, part, classes, seed=seed)
            rows.append(
                TimeRow(
                    source=source,
                    bucket=_bucket_label(period, rule),
                    start=period.start_time.date().isoformat(),
                    rows=len(part.scores),
                    value=values.get(metric),
                    ci_low=values.get(f"{metric}.ci_low"),
                    ci_high=values.get(f"{metric}.ci_high"),
                    mean_score=float(part.scores.mean()) if part.scores.ndim == 1 else None,
                )
            )
    return rows


def parse_times(column: pd.Series) -> pd.Series:
    """The column as naive timestamps; values that are no dates become NaT."""
    import pandas as pd

    times = pd.to_datetime(column, errors="coerce", utc=True)
    return times.dt.tz_localize(None)


def _bucket_label(period: Any, rule: str) -> str:
    if rule == "W":
        year, week, _ = period.start_time.isocalendar()
        return f"{year}-W{week:02d}"
    if rule == "Q":
        return f"{period.year}-Q{period.quarter}"
    return f"{period.year}-{period.month:02d}"


def row_losses(task: str, y: np.ndarray, scores: np.ndarray, classes: Any) -> np.ndarray:
    """Each row's loss: log loss for classification, squared error for regression."""
    if task == "regression":
        out: np.ndarray = (np.asarray(y, dtype=float) - scores) ** 2
        return out
    eps = 1e-15
    if task == "binary":
        positive = np.asarray(y) == classes[1]
        p = np.clip(scores, eps, 1 - eps)
        return np.asarray(-np.where(positive, np.log(p), np.log1p(-p)), dtype=float)
    index = {c: i for i, c in enumerate(classes)}
    codes = np.array([index[v] for v in y])
    return np.asarray(-np.log(np.clip(scores[np.arange(len(y)), codes], eps, 1.0)), dtype=float)


def worst_rows(
    task: str, target: str, data: Scored, classes: Any, shown: list[str], n: int = _WORST
) -> pd.DataFrame:
    """The ``n`` labelled rows with the largest loss, worst first.

    Columns: ``row`` (0-based position in the batch), the label, ``score`` (P(positive),
    the probability of the true class, or the prediction), ``loss``, then ``shown``.
    """
    import pandas as pd

    assert data.y is not None
    losses = row_losses(task, data.y, data.scores, classes)
    order = np.argsort(-losses, kind="stable")[:n]
    if task == "multiclass":
        index = {c: i for i, c in enumerate(classes)}
        codes = np.array([index[v] for v in data.y[order]])
        score = data.scores[order][np.arange(len(order)), codes]
    else:
        score = data.scores[order]
    table = pd.DataFrame(
        {
            "row": data.positions[order],
            target: data.y[order],
            "score": score,
            "loss": losses[order],
        }
    )
    for name in shown:
        if name not in table.columns:
            table[name] = data.frame[name].to_numpy()[order]
    return table
