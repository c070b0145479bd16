"""The investigation report's PNG plots: metric per segment and over time, drift, importance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.reports._figures import new_figure, save_png
from agileds.reports._investigation import InvestigationReport, TimeRow
from agileds.reports._render import format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_investigation_report"]

_MAX_BARS = 15
_BAND_COLORS = {"stable": "C2", "moderate": "C1", "major": "C3"}


def plot_investigation_report(report: InvestigationReport, folder: Path) -> dict[str, str]:
    """Write the report's plots as PNG files into ``folder``, which must exist.

    Plots without data are skipped (no labels: no segment, time or importance-shift plot).
    Drawn with the object-oriented API and the Agg renderer, like the run report's.

    Returns:
        The plot name (``segments``, ``timeline``, ``drift``, ``importance``) mapped to its
        file name.
    """
    plots: dict[str, Callable[[InvestigationReport], Figure]] = {}
    if any(s.batch is not None or s.reference is not None for s in report.segments):
        plots["segments"] = _segments_figure
    if any(t.value is not None for t in report.timeline):
        plots["timeline"] = _timeline_figure
    if report.drift:
        plots["drift"] = _drift_figure
    if any(i.batch is not None for i in report.importance):
        plots["importance"] = _importance_figure
    return {
        name: save_png(draw(report), folder / f"{name}.png").name for name, draw in plots.items()
    }


def _segments_figure(report: InvestigationReport) -> Figure:
    """Paired horizontal bars per segment: reference holdout and batch, batch CI as whiskers."""
    import numpy as np

    measured = [s for s in report.segments if s.batch is not None or s.reference is not None]
    rows = measured[:_MAX_BARS][::-1]
    fig = new_figure(min(9.0, 1.6 + 0.45 * len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ref = [r.reference if r.reference is not None else np.nan for r in rows]
    cur = [r.batch if r.batch is not None else np.nan for r in rows]
    ax.barh(y + 0.2, ref, height=0.4, color="0.7", label="reference holdout")
    errors = [
        [max(0.0, (r.batch or 0) - r.ci_low) if r.ci_low is not None else 0 for r in rows],
        [max(0.0, r.ci_high - (r.batch or 0)) if r.ci_high is not None else 0 for r in rows],
    ]
    colors = ["C3" if r.degraded else "C0" for r in rows]
    ax.barh(y - 0.2, cur, height=0.4, color=colors, xerr=errors, capsize=2, label="batch")
    ax.set_yticks(y, [f"{r.segment} ({r.batch_rows})" for r in rows], fontsize="small")
    ax.set(xlabel=f"{report.metric} (batch rows in brackets; red: worse than the reference)")
    ax.set_title(f"{report.ticket_id}: {report.metric} per {report.segment_column}")
    ax.legend(loc="best", fontsize="small")
    return fig


def _timeline_figure(report: InvestigationReport) -> Figure:
    """The metric per time bucket, the reference holdout and the batch in two colours."""
    fig = new_figure(4.0)
    ax = fig.add_subplot()
    for source, color in (("reference", "0.5"), ("batch", "C0")):
        rows = [t for t in report.timeline if t.source == source and t.value is not None]
        if rows:
            _series(ax, rows, color, "reference holdout" if source == "reference" else "batch")
    evaluation = next((m.evaluation for m in report.metrics if m.name == report.metric), None)
    if evaluation is not None:
        ax.axhline(evaluation, color="C1", linestyle="--", linewidth=1, label="at evaluation")
    ax.set(xlabel=f"{report.time_column}", ylabel=report.metric)
    ax.set_title(f"{report.ticket_id}: {report.metric} over time")
    ax.legend(loc="best", fontsize="small")
    fig.autofmt_xdate()
    return fig


def _series(ax: Axes, rows: list[TimeRow], color: str, label: str) -> None:
    import numpy as np

    xs = np.array([t.start for t in rows], dtype="datetime64[D]")
    ys = np.array([t.value for t in rows], dtype=float)
    low = [max(0.0, (t.value or 0) - t.ci_low) if t.ci_low is not None else 0.0 for t in rows]
    high = [max(0.0, t.ci_high - (t.value or 0)) if t.ci_high is not None else 0.0 for t in rows]
    ax.errorbar(xs, ys, yerr=[low, high], color=color, marker="o", capsize=2, label=label)


def _drift_figure(report: InvestigationReport) -> Figure:
    """PSI per feature, the most drifted on top, coloured by band, with the band limits."""
    rows = report.drift[:_MAX_BARS][::-1]
    fig = new_figure(min(8.0, 1.6 + 0.3 * len(rows)))
    ax = fig.add_subplot()
    bars = ax.barh(
        [r.column for r in rows],
        [r.psi for r in rows],
        color=[_BAND_COLORS.get(r.band, "C0") for r in rows],
    )
    ax.bar_label(bars, labels=[format_number(r.psi) for r in rows], padding=3, fontsize="small")
    for limit in (0.1, 0.25):
        ax.axvline(limit, color="grey", linestyle=":", linewidth=0.8)
    ax.margins(x=0.15)
    ax.set(xlabel="PSI, batch against reference (0.1 moderate, 0.25 major)")
    ax.set_title(f"{report.ticket_id}: drift per feature")
    return fig


def _importance_figure(report: InvestigationReport) -> Figure:
    """Permutation importance per column on the reference and on the batch, side by side."""
    import numpy as np

    rows = [r for r in report.importance if r.batch is not None][:_MAX_BARS][::-1]
    fig = new_figure(min(8.0, 1.6 + 0.4 * len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, [r.reference for r in rows], height=0.4, color="0.7", label="reference")
    ax.barh(y - 0.2, [r.batch or 0.0 for r in rows], height=0.4, color="C2", label="batch")
    ax.set_yticks(y, [r.column for r in rows], fontsize="small")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(xlabel=f"Drop in {report.metric} when the column is shuffled")
    ax.set_title(f"{report.ticket_id}: how feature importance shifted")
    ax.legend(loc="best", fontsize="small")
    return fig
