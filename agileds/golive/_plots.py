"""The go-live report's PNG plots: both models' curves, calibration, scores and segments.

Matplotlib is imported when drawing, through its object-oriented API only (``Figure``, no
``pyplot``), as in :mod:`agileds.reports._plots`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.golive._compare import Comparison
from agileds.golive._report import GoLiveReport
from agileds.reports import new_figure, save_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_golive"]

_BINS = 10
Draw = Callable[[GoLiveReport, Comparison], "Figure"]


def plot_golive(report: GoLiveReport, comparison: Comparison, folder: Path) -> dict[str, str]:
    """Write the report's plots as ``golive_<name>.png`` into ``folder``, which must exist.

    Binary: ROC and precision-recall curves, reliability curve, score distributions.
    Regression: predicted against actual, residuals. Multiclass: confusion matrices.
    With compared segments: the primary metric per segment.

    Returns:
        The plot name mapped to its file name.
    """
    plots: dict[str, Draw] = dict(_TASK_PLOTS[comparison.task])
    if report.segments:
        plots["segments"] = _segments_figure
    written = {}
    for name, draw in plots.items():
        path = folder / f"golive_{name}.png"
        written[name] = save_png(draw(report, comparison), path).name
    return written


def _figure(height: float = 4.5, columns: int = 1) -> tuple[Figure, list[Axes]]:

    fig = new_figure(height)
    return fig, list(np.atleast_1d(fig.subplots(1, columns)))


def _models(report: GoLiveReport, comparison: Comparison) -> list[tuple[str, Any, str]]:
    """``(label, scores, colour)`` of each model, the candidate first."""
    shown = [(f"candidate v{report.candidate_version}", comparison.candidate_scores, "C0")]
    if comparison.production_scores is not None:
        label = f"production v{report.production_version}"
        shown.append((label, comparison.production_scores, "C1"))
    return shown


def _positive(comparison: Comparison) -> Any:
    labels = comparison.labels
    return np.asarray(comparison.y == (labels[1] if labels else 1))


def _roc_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, (ax,) = _figure()
    positive = _positive(comparison)
    for label, scores, color in _models(report, comparison):
        fpr, tpr, _ = roc_curve(positive, scores)
        auc = roc_auc_score(positive, scores)
        ax.plot(fpr, tpr, color=color, label=f"{label} (auROC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.7", linestyle="--", linewidth=0.8)
    ax.set(xlabel="False positive rate", ylabel="True positive rate", aspect="equal")
    ax.set_title(f"{report.ticket_id}: ROC curves")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def _pr_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, (ax,) = _figure()
    positive = _positive(comparison)
    for label, scores, color in _models(report, comparison):
        precision, recall, _ = precision_recall_curve(positive, scores)
        ap = average_precision_score(positive, scores)
        ax.step(recall, precision, where="post", color=color, label=f"{label} (auPR {ap:.3f})")
    ax.axhline(positive.mean(), color="0.7", linestyle="--", linewidth=0.8, label="base rate")
    ax.set(xlabel="Recall", ylabel="Precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.set_title(f"{report.ticket_id}: precision-recall curves")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def _calibration_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    """Mean score against the fraction positive in 10 equal-width bins (as ``ece``)."""
    fig, (ax,) = _figure()
    positive = _positive(comparison)
    for label, scores, color in _models(report, comparison):
        bins = np.minimum((scores * _BINS).astype(int), _BINS - 1)
        counts = np.bincount(bins, minlength=_BINS)
        used = counts > 0
        mean_score = np.bincount(bins, scores, _BINS)[used] / counts[used]
        observed = np.bincount(bins, positive.astype(float), _BINS)[used] / counts[used]
        ax.plot(mean_score, observed, marker="o", color=color, label=label)
    ax.plot([0, 1], [0, 1], color="0.7", linestyle="--", linewidth=0.8, label="perfect")
    ax.set(xlabel="Mean predicted probability", ylabel="Fraction positive", aspect="equal")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.set_title(f"{report.ticket_id}: reliability (calibration) curves")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def _scores_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    models = _models(report, comparison)
    fig, axes = _figure(3.6, len(models))
    positive = _positive(comparison)
    edges = np.linspace(0, 1, 21).tolist()
    for ax, (label, scores, _) in zip(axes, models, strict=True):
        ax.hist(scores[~positive], bins=edges, alpha=0.6, color="C7", label="negatives")
        ax.hist(scores[positive], bins=edges, alpha=0.6, color="C2", label="positives")
        ax.set(xlabel="Predicted probability", ylabel="Rows", title=label)
        ax.legend(loc="upper center", fontsize="small")
    fig.suptitle(f"{report.ticket_id}: score distributions by true class")
    return fig


def _predicted_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    fig, (ax,) = _figure()
    y = comparison.y.astype(float)
    for label, scores, color in _models(report, comparison):
        ax.scatter(y, scores, s=10, alpha=0.5, color=color, label=label)
    low, high = float(np.min(y)), float(np.max(y))
    ax.plot([low, high], [low, high], color="0.7", linestyle="--", linewidth=0.8)
    ax.set(xlabel="Actual", ylabel="Predicted")
    ax.set_title(f"{report.ticket_id}: predicted against actual")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def _residuals_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    fig, (ax,) = _figure(3.6)
    y = comparison.y.astype(float)
    residuals = [(label, scores - y, color) for label, scores, color in _models(report, comparison)]
    edges = np.histogram_bin_edges(np.concatenate([r for _, r, _ in residuals]), bins=30).tolist()
    for label, values, color in residuals:
        ax.hist(values, bins=edges, alpha=0.5, color=color, label=label)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.set(xlabel="Predicted − actual", ylabel="Rows")
    ax.set_title(f"{report.ticket_id}: residuals")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def _confusion_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    """Row-normalised confusion matrices: each row is a true class."""
    models = _models(report, comparison)
    labels = list(comparison.labels or ())
    fig, axes = _figure(3.8, len(models))
    index = {str(c): i for i, c in enumerate(labels)}
    truth = np.array([index[str(v)] for v in comparison.y])
    for ax, (label, scores, _) in zip(axes, models, strict=True):
        matrix = np.zeros((len(labels), len(labels)))
        np.add.at(matrix, (truth, np.argmax(scores, axis=1)), 1)
        matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        ax.imshow(matrix, vmin=0, vmax=1, cmap="Blues")
        ticks = range(len(labels))
        ax.set(xticks=ticks, yticks=ticks, xlabel="Predicted", ylabel="True", title=label)
        ax.set_xticklabels([str(c) for c in labels], rotation=45, fontsize="small")
        ax.set_yticklabels([str(c) for c in labels], fontsize="small")
    fig.suptitle(f"{report.ticket_id}: confusion matrices (rows sum to 1)")
    return fig


def _segments_figure(report: GoLiveReport, comparison: Comparison) -> Figure:
    """Paired difference per segment with its interval; or the candidate's metric alone."""
    rows = report.segments[::-1]  # largest on top
    fig, (ax,) = _figure(min(10.0, 1.6 + 0.3 * len(rows)))
    names = [f"{s.segment} ({s.rows})" for s in rows]
    if report.first_deployment:
        ax.barh(names, [s.candidate or 0.0 for s in rows], color="C0")
        ax.set(xlabel=f"{report.metric} of the candidate")
    else:
        deltas = np.array([s.delta for s in rows], dtype=float)
        low = deltas - np.array([s.ci_low for s in rows], dtype=float)
        high = np.array([s.ci_high for s in rows], dtype=float) - deltas
        colors = ["C3" if s.worse else "C0" for s in rows]
        ax.errorbar(deltas, names, xerr=[low, high], fmt="none", ecolor="0.5", capsize=2)
        ax.scatter(deltas, names, color=colors, zorder=3)
        ax.axvline(0, color="0.4", linewidth=0.8)
        ax.set(xlabel=f"delta.{report.metric} (candidate − production), {report.level:.0%} CI")
    ax.tick_params(axis="y", labelsize="small")
    ax.set_title(f"{report.ticket_id}: {report.metric} by {report.segment_column}")
    return fig


_TASK_PLOTS: dict[str, dict[str, Draw]] = {
    "binary": {
        "roc": _roc_figure,
        "pr": _pr_figure,
        "calibration": _calibration_figure,
        "scores": _scores_figure,
    },
    "regression": {"predicted": _predicted_figure, "residuals": _residuals_figure},
    "multiclass": {"confusion": _confusion_figure},
}
