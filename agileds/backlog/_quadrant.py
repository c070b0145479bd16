"""Value/effort quadrants: quick wins, big bets, fill-ins, money pits, and their chart."""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from agileds._io import atomic_write
from agileds.errors import UsageError

if TYPE_CHECKING:
    from agileds.backlog._rank import RankedTicket

__all__ = ["Quadrant", "Thresholds", "plot_quadrants", "quadrant_of", "thresholds"]


class Quadrant(StrEnum):
    """Where a ticket falls on the value/effort chart."""

    QUICK_WINS = "quick wins"  # high value, low effort
    BIG_BETS = "big bets"  # high value, high effort
    FILL_INS = "fill-ins"  # low value, low effort
    MONEY_PITS = "money pits"  # low value, high effort


@dataclass(frozen=True)
class Thresholds:
    """The value and effort that split the chart: medians over the ranked tickets."""

    value: float
    effort: float


def thresholds(values: Sequence[float], efforts: Sequence[float]) -> Thresholds:
    """Return the medians of ``values`` and ``efforts`` (0 and 0 when there are none)."""
    if not values:
        return Thresholds(0.0, 0.0)
    return Thresholds(float(statistics.median(values)), float(statistics.median(efforts)))


def quadrant_of(value: float, effort: float, split: Thresholds) -> Quadrant:
    """Return the quadrant of one ticket; a value or effort equal to the median counts as high.

    Example:
        >>> quadrant_of(8, 2, Thresholds(value=5, effort=3))
        <Quadrant.QUICK_WINS: 'quick wins'>
    """
    return _BY_HIGH[value >= split.value, effort >= split.effort]


# (high value, high effort) → quadrant; a table, since enum attribute access is slow.
_BY_HIGH = {
    (True, False): Quadrant.QUICK_WINS,
    (True, True): Quadrant.BIG_BETS,
    (False, False): Quadrant.FILL_INS,
    (False, True): Quadrant.MONEY_PITS,
}


_COLOURS = {
    Quadrant.QUICK_WINS: "tab:green",
    Quadrant.BIG_BETS: "tab:blue",
    Quadrant.FILL_INS: "tab:gray",
    Quadrant.MONEY_PITS: "tab:red",
}


def plot_quadrants(rows: Sequence[RankedTicket], path: Path | str) -> Path:
    """Draw the value-vs-ease chart of ranked tickets as a PNG at ``path``, atomically.

    Value runs up; effort runs right to left, so ease grows to the right and quick wins sit
    top right. Dashed lines mark the median value and effort (the quadrant thresholds);
    each point is labelled with its ticket ID and blocked tickets are drawn hollow. The file
    is written to a temporary file beside ``path`` and moved into place.

    Args:
        rows: Ranked tickets, e.g. ``Ranking.rows``.
        path: The PNG to write; its folder must exist.

    Returns:
        The path written.

    Raises:
        UsageError: The folder of ``path`` does not exist.
    """
    from matplotlib.figure import Figure

    path = Path(path)
    if not path.parent.is_dir():
        raise UsageError(
            f"cannot write the chart to {path}: folder {path.parent} does not exist; create it first"
        )

    split = thresholds([r.ticket.value for r in rows], [r.ticket.effort for r in rows])
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.add_subplot()
    for r in rows:
        colour = _COLOURS[quadrant_of(r.ticket.value, r.ticket.effort, split)]
        face = "none" if r.blocked_by else colour
        ax.scatter(r.ticket.effort, r.ticket.value, s=60, facecolors=face, edgecolors=colour)
        ax.annotate(
            r.ticket.id,
            (r.ticket.effort, r.ticket.value),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
        )
    if rows:
        ax.axhline(split.value, color="0.6", linestyle="--", linewidth=1)
        ax.axvline(split.effort, color="0.6", linestyle="--", linewidth=1)
    ax.margins(0.22)  # room for the corner names and the labels at the edges
    ax.invert_xaxis()
    ax.set_xlabel("effort (easier →)")
    ax.set_ylabel("value")
    ax.set_title("Value vs ease (hollow: blocked)")
    corners = {
        Quadrant.BIG_BETS: (0.02, 0.98, "left", "top"),
        Quadrant.QUICK_WINS: (0.98, 0.98, "right", "top"),
        Quadrant.MONEY_PITS: (0.02, 0.02, "left", "bottom"),
        Quadrant.FILL_INS: (0.98, 0.02, "right", "bottom"),
    }
    for quadrant, (x, y, ha, va) in corners.items():
        ax.text(
            x,
            y,
            quadrant.value,
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=_COLOURS[quadrant],
            fontweight="bold",
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return atomic_write(path, buffer.getvalue())
