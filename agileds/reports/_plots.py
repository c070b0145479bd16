"""The run report's PNG plots: optimisation history, parameter importances, leaderboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.reports._figures import new_figure, save_png
from agileds.reports._render import format_number
from agileds.reports._run import RunReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_run_report"]

_MAX_IMPORTANCES = 20


def plot_run_report(report: RunReport, folder: Path) -> dict[str, str]:
    """Write the report's plots as PNG files into ``folder``, which must exist.

    Plots without data are skipped: the history and leaderboard of a study without trials,
    the importances when none could be assessed. Each file is written atomically.

    Matplotlib is imported here, not with the package, and only through its object-oriented
    API (``Figure``, no ``pyplot``): the Agg renderer draws the PNG, the global backend of a
    notebook or GUI that called us is left alone, and nothing is left open.

    Returns:
        The plot name (``history``, ``importances``, ``leaderboard``) mapped to its file name.
    """
    plots: dict[str, Callable[[RunReport], Figure]] = {}
    if report.history:
        plots["history"] = _history_figure
    if report.importances:
        plots["importances"] = _importances_figure
    if report.leaderboard:
        plots["leaderboard"] = _leaderboard_figure
    if report.feature_importance:
        plots["features"] = _features_figure
    written = {}
    for name, draw in plots.items():
        written[name] = save_png(draw(report), folder / f"{name}.png").name
    return written


def _history_figure(report: RunReport) -> Figure:
    """Value per trial by state, and the best complete value so far as a step line."""
    fig = new_figure(4.0)
    ax = fig.add_subplot()
    by_state: dict[str, list[tuple[int, float | None]]] = {}
    for number, value, state in report.history:
        by_state.setdefault(state, []).append((number, value))
    _scatter(ax, by_state.get("complete", []), "complete", color="C0")
    _scatter(ax, by_state.get("pruned", []), "pruned (last reported value)", color="0.6")
    failed = [n for n, _ in by_state.get("fail", [])]
    if failed:  # no value: tick marks along the bottom edge
        ax.scatter(failed, [0.03] * len(failed), marker="x", color="C3", label="failed",
                   transform=ax.get_xaxis_transform())  # fmt: skip
    steps = _best_so_far(report.history, maximize=report.direction == "maximize")
    if steps:
        xs, ys = zip(*steps, strict=True)
        ax.step(xs, ys, where="post", color="C1", label="best so far")
    ax.set(xlabel="Trial", ylabel=report.metric)
    ax.set_title(f"{report.ticket_id}: optimisation history ({report.direction})")
    ax.legend(loc="best", fontsize="small")
    return fig


def _scatter(ax: Axes, points: list[tuple[int, float | None]], label: str, color: str) -> None:
    shown = [(n, v) for n, v in points if v is not None]
    if shown:
        xs, ys = zip(*shown, strict=True)
        ax.scatter(xs, ys, s=24, color=color, label=label, zorder=3)


def _best_so_far(
    history: list[tuple[int, float | None, str]], *, maximize: bool
) -> list[tuple[int, float]]:
    """The running best of the complete trials, extended to the last trial."""
    steps: list[tuple[int, float]] = []
    for number, value, state in history:
        if state != "complete" or value is None:
            continue
        if not steps or (value > steps[-1][1] if maximize else value < steps[-1][1]):
            steps.append((number, value))
    if steps and history[-1][0] > steps[-1][0]:
        steps.append((history[-1][0], steps[-1][1]))
    return steps


def _importances_figure(report: RunReport) -> Figure:
    """Horizontal bars, the most important parameter on top."""
    top = sorted(report.importances.items(), key=lambda kv: kv[1], reverse=True)
    top = top[:_MAX_IMPORTANCES][::-1]
    fig = new_figure(min(8.0, 1.6 + 0.3 * len(top)))
    ax = fig.add_subplot()
    names, values = zip(*top, strict=True)
    bars = ax.barh(names, values, color="C0")
    ax.bar_label(bars, labels=[format_number(v) for v in values], padding=3, fontsize="small")
    ax.set(xlabel="Importance (normalised)", xlim=(0, max(values) * 1.15 or 1.0))
    ax.set_title(f"{report.ticket_id}: parameter importances")
    return fig


def _features_figure(report: RunReport) -> Figure:
    """Permutation importance of the raw input columns, the most important on top."""
    top = list(report.feature_importance.items())[:_MAX_IMPORTANCES][::-1]
    fig = new_figure(min(8.0, 1.6 + 0.3 * len(top)))
    ax = fig.add_subplot()
    names, values = zip(*top, strict=True)
    bars = ax.barh(names, values, color="C2")
    ax.bar_label(bars, labels=[format_number(v) for v in values], padding=3, fontsize="small")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(xlabel=f"Drop in {report.metric} when the column is shuffled (holdout)")
    ax.set_title(f"{report.ticket_id}: which input columns the model uses")
    return fig


def _leaderboard_figure(report: RunReport) -> Figure:
    """The best value per family as horizontal bars, trial counts in the labels."""
    rows = report.leaderboard[::-1]  # best on top
    fig = new_figure(min(8.0, 1.4 + 0.5 * len(rows)))
    ax = fig.add_subplot()
    labels = [
        f"{r.family}\n{r.trials} trial{'' if r.trials == 1 else 's'}: {r.completed} complete, "
        f"{r.pruned} pruned, {r.failed} failed"
        for r in rows
    ]
    values = [r.best if r.best is not None else 0.0 for r in rows]
    colors = ["C1" if r is report.leaderboard[0] else "C0" for r in rows]
    bars = ax.barh(labels, values, color=colors)
    texts = [format_number(r.best) if r.best is not None else "no complete trial" for r in rows]
    ax.bar_label(bars, labels=texts, padding=3, fontsize="small")
    ax.margins(x=0.2)
    ax.tick_params(axis="y", labelsize="small")
    ax.set(xlabel=f"Best {report.metric} ({report.direction})")
    ax.set_title(f"{report.ticket_id}: leaderboard by model family")
    return fig
