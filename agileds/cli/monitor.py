"""``agileds monitor``: check a batch against the production model; the monitoring dashboard."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import click

from agileds.cli._options import MODEL_NAME, echo_json, get_project, json_option, table

if TYPE_CHECKING:
    from agileds.monitor import MonitorCheck, Signal


class DefaultGroup(click.Group):
    """A group that runs its default command when the first argument names no subcommand.

    ``agileds monitor lead-scoring --data b.csv`` is ``agileds monitor check lead-scoring
    --data b.csv``; ``agileds monitor report lead-scoring`` is the ``report`` subcommand. (A
    model literally called ``report`` is checked with ``agileds monitor check report ...``.)
    """

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Put the default command in front of arguments that do not start with one."""
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Show both forms of the command."""
        path = ctx.command_path
        formatter.write_usage(path, "MODEL --data BATCH [--labels COLUMN] [OPTIONS]")
        formatter.write_usage(path, "report MODEL", prefix="       ")


@click.group(cls=DefaultGroup, default="check")
def monitor() -> None:
    """Watch a production model on a batch; file investigations.

    'agileds monitor MODEL --data BATCH' scores the batch with models:/MODEL@production and
    measures it against the version's training data: scores written and their PSI, the
    drift of every input (PSI with a KS or chi-squared test), null and blank rates, unseen
    categories and, with --labels, the metrics with a bootstrap interval against their
    value at evaluation. The batch becomes a step of the version's monitoring run in MLflow.
    A signal over its threshold (agileds.yaml 'thresholds:', docs/monitoring.md) files an
    investigation ticket, or updates the open one for the same model and signal. Exit code
    0 whether or not a ticket was filed; 2 on bad input.

    'agileds monitor report MODEL' writes the dashboard docs/reports/monitor-MODEL.md with
    its plots. The options: 'agileds monitor check --help'.
    """


@monitor.command("check", short_help="Check a batch (the default: 'check' may be left out).")
@click.argument("model", type=MODEL_NAME)
@click.option(
    "--data",
    "data",
    required=True,
    metavar="BATCH",
    help="The batch to score: a CSV or Parquet file with the model's input columns.",
)
@click.option(
    "--labels",
    metavar="COLUMN",
    help="The batch's column of true outcomes: also measure the metrics and their drop.",
)
@click.option(
    "--at",
    metavar="TIME",
    help="The batch's time, ISO 8601 such as 2025-04-01 (default: now; naive means UTC).",
)
@json_option
def check(model: str, data: str, labels: str | None, at: str | None, as_json: bool) -> None:
    """Check batch BATCH against models:/MODEL@production (the default command)."""
    from agileds.monitor import check_batch

    progress = None if as_json else _say
    result = check_batch(get_project(), model, data, labels=labels, at=at, progress=progress)
    if as_json:
        echo_json(result.to_dict())
    else:
        _print_check(result)


@monitor.command("report", short_help="Write the dashboard docs/reports/monitor-MODEL.md.")
@click.argument("model", type=MODEL_NAME)
@json_option
def report(model: str, as_json: bool) -> None:
    """Write the monitoring dashboard of MODEL: docs/reports/monitor-MODEL.md and plots."""
    from agileds.monitor import build_dashboard, write_dashboard

    project = get_project()
    dashboard = build_dashboard(project, model)
    path = write_dashboard(dashboard, project.reports_dir)
    shown = project.relative(path)
    if as_json:
        echo_json(dataclasses.replace(dashboard, path=shown).to_dict())
    else:
        click.echo(f"report: {shown} ({len(dashboard.batches)} batches)")


def _say(text: str) -> None:
    click.echo(text, err=True)


def _value(signal: Signal) -> str:
    if signal.value is None:
        return "—"
    if signal.name == "scores_written":
        return f"{signal.value:.0f}"
    if signal.name == "score_volume":
        return f"{signal.value:+.0%}"
    if signal.name.endswith("_drop"):
        return f"{signal.value:.4f}"
    return f"{signal.value:.3f}"


def _print_check(check: MonitorCheck) -> None:
    r = check.result
    click.echo(
        f"\n{r.model} v{r.version}  batch {r.index}: {r.batch} "
        f"({r.rows} scores, {r.at:%Y-%m-%d %H:%M} UTC)"
    )
    rows = [
        {
            "signal": s.name,
            "value": _value(s),
            "threshold": s.rule or "—",
            "status": s.status.upper() if s.breached else s.status,
            "detail": s.detail,
        }
        for s in check.signals
    ]
    click.echo(table(rows, ["signal", "value", "threshold", "status", "detail"]))
    click.echo("")
    for filing in check.filings:
        click.echo(f"{filing.action} {filing.ticket_id}: {filing.title}")
    if not check.filings:
        click.echo("no threshold crossed: nothing filed")
    click.echo(f"mlflow:  run {r.run_id}, step {r.index} (agileds ui to browse)")
