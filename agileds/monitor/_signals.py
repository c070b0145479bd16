"""The health of a batch: each signal against its threshold, and how severe a breach is.

Severity is the size of the breach times the share of scores it affects::

    severity = (measured / threshold) x share affected

* a metric drop: the drop over ``metric_drop`` (0.03 by default), every score affected
  (the model's quality fell for the whole batch);
* feature drift: the largest feature PSI over ``feature_psi``, times the share of the
  batch's rows that moved bucket in that feature (the total variation distance);
* score volume: the relative change over ``score_volume``, every score affected. The
  change is the latest scoring job's scores written (``agileds score``) against the job
  before it when the model has two jobs or more, else the batch's rows against the
  version's previous monitored batch.

So 1 is a breach just at its threshold. The level written into a ticket is ``high`` from 2,
``medium`` from 1 and ``low`` below (a breach by the interval rule alone can be below 1),
and the ticket's value is the number of :data:`VALUE_SCALE` nearest to ``5 x severity``:
a drop of auROC 0.08 (severity 2.7) is worth 13, drift alone in a new category taking 15%
of the leads (PSI 1.0, severity 0.6) is worth 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agileds.monitor._batch import MonitorResult
    from agileds.monitor._thresholds import Thresholds

__all__ = [
    "VALUE_SCALE",
    "Signal",
    "check_thresholds",
    "severity_level",
    "ticket_value",
]

VALUE_SCALE = (1, 2, 3, 5, 8, 13, 21)
"""The ticket values a monitor files with (the backlog's Fibonacci scale)."""
_VALUE_PER_SEVERITY = 5.0
_DEFAULT_DROP = 0.03


@dataclass(frozen=True)
class Signal:
    """One row of a batch's health table.

    Attributes:
        name: ``<metric>_drop`` (e.g. ``auroc_drop``), ``feature_drift``, ``score_volume``,
            or the informational ``scores_written`` and ``score_psi``.
        value: The measured number (the drop, the largest PSI, the relative change, ...).
        threshold: The threshold it is held against; None when there is none.
        status: ``breach``, ``ok``, ``n/a`` (not measurable for this batch, or switched
            off) or ``info`` (measured, never breaches).
        detail: The numbers in words, for the table and the ticket.
        rule: The threshold in words (``> 0.25``); empty when there is none.
        evidence: The numbers behind it, for the ticket's ``monitor.evidence``.
        severity: How severe a breach is (see the module docstring); 0 otherwise.
    """

    name: str
    value: float | None
    threshold: float | None
    status: str
    detail: str
    rule: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: float = 0.0

    @property
    def breached(self) -> bool:
        """Whether the signal crossed its threshold."""
        return self.status == "breach"


def check_thresholds(result: MonitorResult, thresholds: Thresholds) -> tuple[Signal, ...]:
    """Hold a batch's measures against the thresholds; breaches in order of importance.

    The order is: scores written, the metric drop, feature drift, score volume, score PSI.
    """
    return (
        Signal("scores_written", float(result.rows), None, "info", f"{result.rows} scores written"),
        _metric_signal(result, thresholds),
        _drift_signal(result, thresholds),
        _volume_signal(result, thresholds),
        _score_psi_signal(result),
    )


def severity_level(severity: float) -> str:
    """``high`` (>= 2), ``medium`` (>= 1) or ``low``.

    >>> severity_level(2.7), severity_level(1.0), severity_level(0.6)
    ('high', 'medium', 'low')
    """
    return "high" if severity >= 2 else "medium" if severity >= 1 else "low"


def ticket_value(severity: float) -> int:
    """The value of :data:`VALUE_SCALE` nearest to ``5 x severity`` (ties go up).

    >>> ticket_value(2.7), ticket_value(0.6), ticket_value(100)
    (13, 3, 21)
    """
    wanted = _VALUE_PER_SEVERITY * severity
    return min(VALUE_SCALE, key=lambda v: (abs(v - wanted), -v))


def _metric_signal(result: MonitorResult, thresholds: Thresholds) -> Signal:
    name, metric = f"{result.metric}_drop", result.metric
    limit = thresholds.metric_drop
    rule = " or ".join(
        ([f"drop > {limit:g}"] if limit is not None else [])
        + (["CI wholly worse"] if thresholds.metric_interval else [])
    )
    if not rule:
        return Signal(name, None, None, "n/a", "switched off in agileds.yaml")
    if not result.labels:
        return Signal(name, None, limit, "n/a", "no labels: pass --labels COLUMN", rule)
    if result.evaluation is None or metric not in result.metrics:
        no_value = f"no {metric} at evaluation to compare with"
        return Signal(name, None, limit, "n/a", no_value, rule)
    value, reference = result.metrics[metric], result.evaluation
    low, high = result.metrics[f"{metric}.ci_low"], result.metrics[f"{metric}.ci_high"]
    maximize = result.direction == "maximize"
    drop = reference - value if maximize else value - reference
    wholly_worse = high < reference if maximize else low > reference
    breach = (limit is not None and drop > limit) or (thresholds.metric_interval and wholly_worse)
    change = f"a drop of {drop:.4f}" if drop > 0 else f"no drop ({-drop:+.4f})"
    detail = (
        f"{metric} {value:.4f} ({thresholds.level:.0%} CI {low:.4f}–{high:.4f}) vs "
        f"{reference:.4f} at evaluation: {change}"
        + (", interval wholly worse" if wholly_worse else "")
    )
    evidence = {
        metric: value,
        f"{metric}.ci_low": low,
        f"{metric}.ci_high": high,
        f"evaluation.{metric}": reference,
        "drop": drop,
        "labelled_rows": result.labelled,
    }
    severity = max(drop, 0.0) / (limit or _DEFAULT_DROP) if breach else 0.0
    status = "breach" if breach else "ok"
    return Signal(name, drop, limit, status, detail, rule, _rounded(evidence), severity)


def _drift_signal(result: MonitorResult, thresholds: Thresholds) -> Signal:
    limit, top = thresholds.feature_psi, result.top_drift
    rule = f"any psi > {limit:g}" if limit is not None else ""
    if top is None:
        return Signal("feature_drift", None, limit, "n/a", "no feature column to compare", rule)
    detail = f"psi.{top.column} {top.psi:.3f} ({top.band})"
    if limit is None:
        return Signal("feature_drift", top.psi, None, "n/a", f"{detail}; switched off")
    over = [d for d in result.drift if d.psi > limit]
    if len(over) > 1:
        detail += f"; {len(over)} features over {limit:g}: " + ", ".join(d.column for d in over)
    moved = result.moved.get(top.column, 0.0)
    evidence = {
        "max_psi": top.psi,
        "column": top.column,
        "moved_share": moved,
        "features_over": len(over),
        **{f"psi.{d.column}": d.psi for d in over[:10]},
    }
    breach = bool(over)
    severity = top.psi / limit * moved if breach else 0.0
    status = "breach" if breach else "ok"
    return Signal(
        "feature_drift", top.psi, limit, status, detail, rule, _rounded(evidence), severity
    )


def _volume_signal(result: MonitorResult, thresholds: Thresholds) -> Signal:
    limit, change = thresholds.score_volume, result.volume_change
    rule = f"change > {limit:.0%}" if limit is not None else ""
    if change is None:
        first = f"first batch of {result.model} v{result.version}: nothing to compare with"
        return Signal("score_volume", None, limit, "n/a", first, rule)
    rows, before = result.rows, result.previous_rows
    detail = f"{rows} scores vs {before} in batch {result.index - 1} ({change:+.0%})"
    if result.volume_from_jobs:
        assert result.scoring is not None
        last, prior = result.scoring.jobs[-1], result.scoring.jobs[-2]
        rows, before = last.rows, prior.rows
        detail = (
            f"{rows} scores in scoring job {last.job} (v{last.version}) vs {before} in "
            f"job {prior.job} (v{prior.version}) ({change:+.0%})"
        )
    if limit is None:
        return Signal("score_volume", change, None, "n/a", f"{detail}; switched off")
    evidence = {"rows": rows, "previous_rows": before, "change": change}
    breach = abs(change) > limit
    severity = abs(change) / limit if breach else 0.0
    status = "breach" if breach else "ok"
    return Signal("score_volume", change, limit, status, detail, rule, _rounded(evidence), severity)


def _score_psi_signal(result: MonitorResult) -> Signal:
    from agileds.evaluation import psi_band

    value = result.score_psi
    detail = f"scores vs the model's scores of its training data: {psi_band(value)}"
    return Signal("score_psi", value, None, "info", detail, "", {"psi.score": round(value, 4)})


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}
