"""Writing the go-live report; its data object and builder live in ``agileds.reports``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from agileds.golive._compare import Comparison
from agileds.reports import GoLiveReport, build_golive_report, render_markdown, write_atomic

__all__ = ["REPORT_NAME", "GoLiveReport", "build_golive_report", "write_golive_report"]

REPORT_NAME = "golive.md"


def write_golive_report(report: GoLiveReport, comparison: Comparison, folder: Path) -> GoLiveReport:
    """Write the plots, then ``golive.md`` beside them, each file atomically.

    Returns:
        The report with ``plots`` filled in.
    """
    from agileds.golive._plots import plot_golive

    folder.mkdir(parents=True, exist_ok=True)
    plotted = dataclasses.replace(report, plots=plot_golive(report, comparison, folder))
    write_atomic(folder / REPORT_NAME, render_markdown("golive.md.j2", report=plotted))
    return plotted
