"""The monitoring dashboard's PNG plots: the metric over time, scores per batch, drift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.evaluation import BANDS
from agileds.reports import new_figure, save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from agileds.reports import BatchRow, MonitorDashboard

__all__ = ["plot_dashboard"]

_BAND_COLORS = {"stable": "C2", "moderate": "C1", "major": "C3"}
_ONE_POINT_SPAN = dt.timedelta(days=3)
"""Either side of the only labelled batch on the metric plot's time axis."""


def plot_dashboard(dashboard: MonitorDashboard, folder: Path) -> dict[str, str]:
    """Write the dashboard's plots as PNG files into ``folder``, which must exist.

    The metric plot needs a batch with labels and the drift plot a compared feature;
    without them they are skipped. Matplotlib is imported here and used through its
    object-oriented API only (no ``pyplot``), as in :mod:`agileds.reports`.

    Returns:
        Plot name (``metric``, ``scores``, ``drift``) to its file name.
    """
    plots: dict[str, Callable[[MonitorDashboard], Figure]] = {}
    if dashboard.labelled:
        plots["metric"] = _metric_figure
    plots["scores"] = _scores_figure
    if dashboard.drift:
        plots["drift"] = _drift_figure
    written = {}
    for name, draw in plots.items():
        written[name] = save_png(draw(dashboard), folder / f"{name}.png").name
    return written


def _label(batch: BatchRow) -> str:
    return f"v{batch.version} #{batch.index}\n{batch.at:%Y-%m-%d}"


def _metric_figure(d: MonitorDashboard) -> Figure:
    """The metric per batch with its interval, one series per version, and each version's
    evaluation value as a dashed reference line."""
    fig = new_figure(4.0)
    ax = fig.add_subplot()
    versions = sorted({b.version for b in d.batches}, key=int)
    for i, version in enumerate(versions):
        points = [
            (b.at, b.metric, b.ci_low, b.ci_high)
            for b in d.batches
            if b.version == version and b.metric is not None
        ]
        color = f"C{i % 10}"
        if points:
            xs: list[Any] = [at for at, _, _, _ in points]
            ys = [float(m) for _, m, _, _ in points if m is not None]
            low = [m - lo if m is not None and lo is not None else 0.0 for _, m, lo, _ in points]
            high = [hi - m if m is not None and hi is not None else 0.0 for _, m, _, hi in points]
            ax.errorbar(xs, ys, yerr=[low, high], fmt="o-", color=color, capsize=3,
                        label=f"v{version} on the batches (95% CI)")  # fmt: skip
        evaluation = next((b.evaluation for b in d.batches if b.version == version), None)
        if evaluation is not None:
            ax.axhline(evaluation, color=color, linestyle="--", linewidth=1,
                       label=f"v{version} at evaluation ({evaluation:.4f})")  # fmt: skip
    times = sorted({b.at for b in d.batches if b.metric is not None})
    if len(times) == 1:  # matplotlib would span years around one date; show a week
        from matplotlib.dates import date2num

        ax.set_xlim(date2num(times[0] - _ONE_POINT_SPAN), date2num(times[0] + _ONE_POINT_SPAN))
    ax.set(xlabel="Batch time", ylabel=d.metric)
    ax.set_title(f"{d.model}: {d.metric} over time")
    ax.legend(loc="best", fontsize="small")
    fig.autofmt_xdate()
    return fig


def _scores_figure(d: MonitorDashboard) -> Figure:
    """Scores written per batch as bars, the scores' PSI on a second axis."""
    fig = new_figure(4.0)
    ax = fig.add_subplot()
    labels = [_label(b) for b in d.batches]
    positions = list(range(len(labels)))
    bars = ax.bar(positions, [b.rows for b in d.batches], color="C0", label="scores written")
    ax.bar_label(bars, padding=2, fontsize="small")
    ax.set_xticks(positions, labels, fontsize="small")
    ax.set(ylabel="Scores written", ylim=(0, max(b.rows for b in d.batches) * 1.35))
    psis = [
        (p, b.score_psi)
        for p, b in zip(positions, d.batches, strict=True)
        if b.score_psi is not None
    ]
    if psis:
        twin = ax.twinx()
        twin.plot([p for p, _ in psis], [v for _, v in psis], "o-", color="C1", label="score PSI")
        twin.set_ylabel("PSI of the scores vs the reference")
        twin.set_ylim(0, max(max(v for _, v in psis) * 1.5, 0.1))
        twin.legend(loc="upper right", fontsize="small")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(f"{d.model}: scores per batch")
    return fig


def _drift_figure(d: MonitorDashboard) -> Figure:
    """PSI of the most drifted features of the latest batch, coloured by band."""
    top = list(d.drift)[::-1]  # the most drifted on top
    fig = new_figure(min(8.0, 1.8 + 0.3 * len(top)))
    ax = fig.add_subplot()
    names = [name for name, _, _ in top]
    values = [value for _, value, _ in top]
    colors = [_BAND_COLORS[band] for _, _, band in top]
    bars = ax.barh(names, values, color=colors)
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in values], padding=3, fontsize="small")
    for _, limit in BANDS:
        ax.axvline(limit, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="PSI (dotted: 0.1 moderate, 0.25 major)", xlim=(0, max([*values, 0.3]) * 1.15))
    last = d.latest
    ax.set_title(f"{d.model}: most drifted features, batch {last.index} of v{last.version}")
    return fig
