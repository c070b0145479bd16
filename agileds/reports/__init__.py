"""Reports: data objects built by pure functions, jinja2 Markdown templates, matplotlib plots."""

from __future__ import annotations

from agileds.reports._figures import new_figure, save_png
from agileds.reports._investigation import (
    FollowUp,
    InvestigationReport,
    build_investigation_report,
    write_investigation_report,
)
from agileds.reports._investigation_plots import plot_investigation_report
from agileds.reports._investigation_rows import DriftRow, SegmentRow, TimeRow
from agileds.reports._plots import plot_run_report
from agileds.reports._render import format_number, render_markdown, write_atomic, write_run_report
from agileds.reports._run import (
    CriterionRow,
    CvRow,
    FamilyRow,
    MetricRow,
    RunReport,
    build_run_report,
    param_importances,
    split_quantities,
)
from agileds.reports._sprint import (
    DEFAULT_UI_URL,
    SPRINT_EXPERIMENT,
    BurndownDay,
    RunLink,
    SprintCommit,
    SprintReport,
    SprintTicket,
    build_sprint_report,
    log_sprint_report,
    write_sprint_report,
)
from agileds.reports._sprint_plots import plot_files, plot_sprint_report

__all__ = [
    "DEFAULT_UI_URL",
    "SPRINT_EXPERIMENT",
    "BurndownDay",
    "CriterionRow",
    "CvRow",
    "DriftRow",
    "FamilyRow",
    "FollowUp",
    "InvestigationReport",
    "MetricRow",
    "RunLink",
    "RunReport",
    "SegmentRow",
    "SprintCommit",
    "SprintReport",
    "SprintTicket",
    "TimeRow",
    "build_investigation_report",
    "build_run_report",
    "build_sprint_report",
    "format_number",
    "log_sprint_report",
    "new_figure",
    "param_importances",
    "plot_files",
    "plot_investigation_report",
    "plot_run_report",
    "plot_sprint_report",
    "render_markdown",
    "save_png",
    "split_quantities",
    "write_atomic",
    "write_investigation_report",
    "write_run_report",
    "write_sprint_report",
]
