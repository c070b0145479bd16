"""Reports: data objects built by pure functions, jinja2 Markdown templates, matplotlib plots."""

from __future__ import annotations

from agileds.reports._plots import plot_run_report
from agileds.reports._render import render_markdown, write_atomic, write_run_report
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

__all__ = [
    "CriterionRow",
    "CvRow",
    "FamilyRow",
    "MetricRow",
    "RunReport",
    "build_run_report",
    "param_importances",
    "plot_run_report",
    "render_markdown",
    "split_quantities",
    "write_atomic",
    "write_run_report",
]
