"""The monitoring dashboard of a model: its batches read back from MLflow, then rendered.

``build_dashboard`` reads every monitoring run of the model (one per version) and its scoring jobs
(:mod:`agileds.monitor._volume`) and builds a
:class:`~agileds.reports.MonitorDashboard` from them (``agileds.reports``'s pure
``build_monitor_dashboard``); ``write_dashboard`` draws its plots and renders
``docs/reports/monitor-<MODEL>.md`` with the template ``monitor.md.j2``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError
from agileds.evaluation import psi_band
from agileds.monitor._runs import ROWS_KEY, batch_tag, find_monitor_runs, metric_key
from agileds.monitor._volume import read_scoring_volume
from agileds.reports import (
    BatchRow,
    MonitorDashboard,
    batch_order,
    build_monitor_dashboard,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

    from agileds.project import Project

__all__ = ["BatchRow", "MonitorDashboard", "build_dashboard", "write_dashboard"]


def build_dashboard(project: Project, model: str) -> MonitorDashboard:
    """Read the model's monitoring runs from MLflow into a dashboard.

    Raises:
        UsageError: The model was never monitored.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> dashboard = agileds.build_dashboard(project, "lead-scoring")  # doctest: +SKIP
        >>> agileds.write_dashboard(dashboard, project.reports_dir)  # doctest: +SKIP
    """
    from agileds.tracking import get_client, resolve_stores

    client = get_client(resolve_stores(project.root, project.settings.tracking_uri).tracking_uri)
    experiments = [experiment.experiment_id for experiment in client.search_experiments()]
    runs = [run for e in experiments for run in find_monitor_runs(client, e, model)]
    if not runs:
        raise UsageError(
            f"model '{model}' has no monitored batches yet; run "
            f"'agileds monitor {model} --data BATCH' first"
        )
    metric = runs[0].data.tags.get("agileds.metric") or runs[0].data.params.get("metric", "")
    rows = sorted(
        (row for run in runs for row in _batch_rows(client, run, metric)), key=batch_order
    )
    if not rows:
        raise UsageError(
            f"model '{model}' has no monitored batches yet; run 'agileds monitor {model} --data BATCH' first"
        )
    return build_monitor_dashboard(
        model=model,
        metric=metric,
        direction=runs[0].data.params.get("direction", "maximize"),
        batches=rows,
        latest_psi=_latest_psi(client, rows[-1], runs),
        band=psi_band,
        experiment_id=str(runs[0].info.experiment_id),
        created=dt.datetime.now(dt.UTC),
        scoring=read_scoring_volume(client, experiments, model),
    )


def _history(client: MlflowClient, run_id: str, key: str) -> dict[int, Any]:
    """Step to metric (value and timestamp) of one metric of a run."""
    return {int(m.step): m for m in client.get_metric_history(run_id, key)}


def _batch_rows(client: MlflowClient, run: Run, metric: str) -> list[BatchRow]:
    run_id, tags = run.info.run_id, run.data.tags
    evaluation = run.data.params.get(f"evaluation.{metric}")
    series = {
        key: _history(client, run_id, metric_key(key))
        for key in (metric, f"{metric}.ci_low", f"{metric}.ci_high", "psi.score", "max_psi")
    }
    features = [k for k in run.data.metrics if k.startswith("psi.") and k != "psi.score"]
    feature_history = {k[4:]: _history(client, run_id, k) for k in features}
    rows = []
    for step, scores in sorted(_history(client, run_id, ROWS_KEY).items()):
        values = {key: (h[step].value if step in h else None) for key, h in series.items()}
        at_step = {name: h[step].value for name, h in feature_history.items() if step in h}
        top = max(at_step, key=lambda name: at_step[name]) if at_step else None
        rows.append(
            BatchRow(
                version=tags.get("agileds.model_version", "?"),
                index=step,
                at=dt.datetime.fromtimestamp(scores.timestamp / 1000, dt.UTC),
                batch=tags.get(batch_tag(step), "?"),
                rows=int(scores.value),
                metric=values[metric],
                ci_low=values[f"{metric}.ci_low"],
                ci_high=values[f"{metric}.ci_high"],
                evaluation=float(evaluation) if evaluation is not None else None,
                score_psi=values["psi.score"],
                max_psi=values["max_psi"],
                top_feature=top,
                signals=_none_empty(tags.get(batch_tag(step, "signals"), "")),
                tickets=_none_empty(tags.get(batch_tag(step, "tickets"), "")),
            )
        )
    return rows


def _none_empty(text: str) -> str:
    return "" if text == "none" else text


def _latest_psi(client: MlflowClient, last: BatchRow, runs: list[Run]) -> dict[str, float]:
    """Feature PSIs of the latest batch."""
    run = next(r for r in runs if r.data.tags.get("agileds.model_version") == last.version)
    values = {}
    for key in run.data.metrics:
        if key.startswith("psi.") and key != "psi.score":
            at_step = _history(client, run.info.run_id, key).get(last.index)
            if at_step is not None:
                values[key[4:]] = float(at_step.value)
    return values


def write_dashboard(dashboard: MonitorDashboard, folder: Path) -> Path:
    """Write ``monitor-<MODEL>.md`` into ``folder`` and its plots into ``monitor-<MODEL>/``.

    Every file is replaced atomically. Returns the Markdown file's path.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> dashboard = agileds.build_dashboard(project, "lead-scoring")  # doctest: +SKIP
        >>> agileds.write_dashboard(dashboard, project.reports_dir)  # doctest: +SKIP
    """
    from agileds.monitor._plots import plot_dashboard
    from agileds.reports import render_markdown, write_atomic

    name = f"monitor-{_slug(dashboard.model)}"
    plots_dir = folder / name
    plots_dir.mkdir(parents=True, exist_ok=True)
    plots = {key: f"{name}/{file}" for key, file in plot_dashboard(dashboard, plots_dir).items()}
    text = render_markdown("monitor.md.j2", d=replace(dashboard, plots=plots))
    return write_atomic(folder / f"{name}.md", text)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
