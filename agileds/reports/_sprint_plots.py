"""The sprint report's PNG plots: the burn-down and the value-vs-ease quadrant chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agileds.reports._sprint import SprintReport

__all__ = ["plot_burndown", "plot_files", "plot_sprint_quadrants", "plot_sprint_report"]


def plot_files(report: SprintReport) -> dict[str, str]:
    """The plots the report gets, by name, and their file names.

    ``sprint-N-burndown.png`` needs the sprint's dates; ``sprint-N-quadrants.png`` needs
    at least one ticket.
    """
    files = {}
    if report.burndown:
        files["burndown"] = f"sprint-{report.number}-burndown.png"
    if report.tickets:
        files["quadrants"] = f"sprint-{report.number}-quadrants.png"
    return files


def plot_sprint_report(report: SprintReport, folder: Path) -> dict[str, str]:
    """Write the report's plots (see :func:`plot_files`) into ``folder``, each atomically.

    The folder must exist. Matplotlib is imported here, through its object-oriented API only.

    Returns:
        ``burndown`` and ``quadrants`` mapped to the file names written.
    """
    draw = {"burndown": plot_burndown, "quadrants": plot_sprint_quadrants}
    files = plot_files(report)
    for name, file_name in files.items():
        draw[name](report, folder / file_name)
    return files


def plot_burndown(report: SprintReport, path: Path) -> Path:
    """Draw the ideal line and the remaining points per day; days to come are left blank."""
    from agileds.reports._figures import new_figure, save_png

    fig = new_figure(4.0)
    ax = fig.add_subplot()
    days = report.burndown
    ax.plot(range(len(days)), [d.ideal for d in days], "--", color="0.6", label="ideal")
    actual = [(i, d.remaining) for i, d in enumerate(days) if d.remaining is not None]
    if actual:
        xs, ys = zip(*actual, strict=True)
        ax.step(xs, ys, where="post", color="C0", label="remaining")
        ax.plot(xs, ys, "o", color="C0", markersize=4)
    step = max(1, len(days) // 14)  # at most about 14 date labels
    ticks = list(range(0, len(days), step))
    ax.set_xticks(ticks, [days[i].day.strftime("%b %d") for i in ticks], rotation=45)
    ax.set_ylim(bottom=0, top=max(report.committed_points, 1.0) * 1.08)
    ax.set(xlabel="Day", ylabel="Points remaining")
    ax.set_title(f"Sprint {report.number}: burn-down ({report.committed_points:g} points)")
    ax.legend(loc="upper right", fontsize="small")
    return save_png(fig, path)


def plot_sprint_quadrants(report: SprintReport, path: Path) -> Path:
    """Draw the sprint's tickets on the value-vs-ease chart of ``backlog rank --plot``."""
    from agileds.backlog import RankedTicket, plot_quadrants
    from agileds.tickets import Ticket, TicketType

    rows = [
        RankedTicket(
            rank=i,
            ticket=Ticket.model_construct(
                id=t.id, type=TicketType(t.type), title=t.title, value=t.value, effort=t.effort
            ),
            score=0.0,
            blocked_by=(),
            warnings=(),
        )
        for i, t in enumerate(report.tickets, start=1)
    ]
    return plot_quadrants(rows, path)
