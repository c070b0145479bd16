"""``agileds golive``: compare a ticket's candidate with production and decide GO or NO-GO."""

from __future__ import annotations

import sys
from typing import Any

import click

from agileds.cli._options import TICKET_ID, echo_json, get_project, json_option, table


def _say(text: str) -> None:
    click.echo(text, err=True)


@click.command()
@click.argument("ticket_id", type=TICKET_ID)
@click.option(
    "--candidate",
    metavar="VERSION",
    help="Model version to judge (default: the newest one the ticket registered).",
)
@click.option(
    "--data",
    metavar="FILE",
    help="Labelled .csv or .parquet file to compare on (default: the experiment's holdout).",
)
@json_option
def golive(ticket_id: str, candidate: str | None, data: str | None, as_json: bool) -> None:
    """Compare TICKET_ID's candidate with the production model; decide GO or NO-GO.

    Both models are scored on the same rows with their own pipelines: metrics with 95%
    bootstrap intervals, the paired difference and DeLong's test, segments, serving cost
    and what changed. The ticket's criteria and the guardrails in agileds.yaml decide.
    The report goes to docs/reports/<TICKET>/golive.md, the numbers and predictions to a
    go-live MLflow run, the decision to the candidate version's tags (read by promote).
    Exit code 0 on GO, 1 on NO-GO, 2 on bad input.
    """
    from agileds.golive import run_golive

    report = run_golive(
        get_project(),
        ticket_id,
        candidate=candidate,
        data=data,
        progress=None if as_json else _say,
    )
    if as_json:
        echo_json(report.to_dict())
    else:
        _print(report)
    sys.exit(0 if report.go else 1)


def _num(value: float | None, *, signed: bool = False) -> str:
    from agileds.reports import format_number

    return format_number(value, signed=signed)


def _interval(low: float | None, high: float | None, *, signed: bool = False) -> str:
    if low is None or high is None:
        return ""
    return f"[{_num(low, signed=signed)}, {_num(high, signed=signed)}]"


def _numbers(report: Any) -> list[dict[str, str]]:
    """The key numbers: the task's metrics, then latency and size."""
    rows = [
        {
            "measure": m.name,
            "candidate": _num(m.value),
            "95% ci": _interval(m.ci_low, m.ci_high),
            "production": _num(m.production) if m.production is not None else "",
            "delta": _num(m.delta, signed=True) if m.delta is not None else "",
            "delta 95% ci": _interval(m.delta_ci_low, m.delta_ci_high, signed=True),
            "p": _num(m.p_value) if m.p_value is not None else "",
        }
        for m in report.metrics
    ]
    rows += [
        {
            "measure": s.name,
            "candidate": _num(s.candidate),
            "production": _num(s.production) if s.production is not None else "",
            "delta": _num(s.delta, signed=True) if s.delta is not None else "",
        }
        for s in report.serving
        if s.name in ("latency_p95_ms", "model_size_mb")
    ]
    return rows


def _print(report: Any) -> None:
    against = (
        "first deployment (no production model)"
        if report.first_deployment
        else f"production v{report.production_version}"
    )
    click.echo(f"\n{report.ticket_id}  {report.title}")
    click.echo(f"{report.model_name} v{report.candidate_version} vs {against}")
    click.echo(f"on {report.source}: {report.rows} rows\n")
    columns = ["measure", "candidate", "95% ci", "production", "delta", "delta 95% ci", "p"]
    if report.first_deployment:
        columns = columns[:3]
    click.echo(table(_numbers(report), columns))
    click.echo("\nreasons:")
    for reason in report.reasons:
        click.echo(f"  {reason.status.upper():<4}  {reason.text}")
    click.echo(f"\ndecision: {report.decision}")
    click.echo(f"report:   {report.path}")
    if report.run_id:
        click.echo(f"mlflow:   run {report.run_id} (agileds ui to browse)")
    if report.go:
        click.echo(f"next:     agileds promote {report.ticket_id}")
