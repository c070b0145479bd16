"""Reports: data objects built by pure functions, jinja2 Markdown templates, matplotlib plots."""

from __future__ import annotations

from agileds._json import fields_dict, json_ready
from agileds.reports._figures import new_figure, save_png
from agileds.reports._golive import GoLiveReport, ServingRow, build_golive_report
from agileds.reports._investigation import (
    FollowUp,
    InvestigationData,
    InvestigationMeasurements,
    InvestigationReport,
    InvestigationSubject,
    Provenance,
    build_investigation_report,
    write_investigation_report,
)
from agileds.reports._investigation_plots import plot_investigation_report
from agileds.reports._investigation_rows import DriftRow, SegmentRow, TimeRow
from agileds.reports._monitor import (
    BatchRow,
    MonitorDashboard,
    batch_order,
    build_monitor_dashboard,
)
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
from agileds.reports._sprint_gather import SprintSources, gather_sprint, sprint_report
from agileds.reports._sprint_plots import plot_files, plot_sprint_report

__all__ = [
    "DEFAULT_UI_URL",
    "SPRINT_EXPERIMENT",
    "BatchRow",
    "BurndownDay",
    "CriterionRow",
    "CvRow",
    "DriftRow",
    "FamilyRow",
    "FollowUp",
    "GoLiveReport",
    "InvestigationData",
    "InvestigationMeasurements",
    "InvestigationReport",
    "InvestigationSubject",
    "MetricRow",
    "MonitorDashboard",
    "Provenance",
    "RunLink",
    "RunReport",
    "SegmentRow",
    "ServingRow",
    "SprintCommit",
    "SprintReport",
    "SprintSources",
    "SprintTicket",
    "TimeRow",
    "batch_order",
    "build_golive_report",
    "build_investigation_report",
    "build_monitor_dashboard",
    "build_run_report",
    "build_sprint_report",
    "fields_dict",
    "format_number",
    "gather_sprint",
    "json_ready",
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
    "sprint_report",
    "write_atomic",
    "write_investigation_report",
    "write_run_report",
    "write_sprint_report",
]
