"""``agileds sprint``: plan a sprint to a capacity, with a forecast from history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from agileds.cli._options import echo_json, get_project, json_option, table

if TYPE_CHECKING:
    from agileds.backlog import SprintPlan
    from agileds.reports import SprintReport


@click.group()
def sprint() -> None:
    """Plan sprints to a capacity; report on them at the end."""


@sprint.command("plan")
@click.argument("number", type=int)
@click.option("--capacity", type=float, help="Points the sprint holds (default: sprints.yaml's).")
@click.option("--method", default=None, help="Scorer (default: agileds.yaml's scorer).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day, e.g. 2026-01-05.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, e.g. 2026-01-16.")
@click.option("--goal", default=None, help="The sprint goal, in one line.")
@click.option("--dry-run", is_flag=True, help="Show the plan only; write nothing.")
@json_option
def plan_cmd(
    number: int,
    capacity: float | None,
    method: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    goal: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Fill sprint NUMBER with the best-scoring open tickets that fit (exact knapsack).

    Dependencies come first: a ticket is chosen only with each dependency done or chosen.
    Writes 'sprint: NUMBER' into the chosen tickets and the sprint into backlog/sprints.yaml.
    """
    from agileds.backlog import plan_sprint

    plan = plan_sprint(
        get_project(),
        number,
        capacity,
        method=method,
        start=start.date() if start else None,
        end=end.date() if end else None,
        goal=goal,
        dry_run=dry_run,
    )
    if as_json:
        echo_json(plan.to_dict())
    else:
        click.echo(_as_text(plan))


def _rows(plan: SprintPlan) -> list[dict[str, Any]]:
    return [
        {
            "id": p.ticket.id,
            "title": p.ticket.title,
            "effort": f"{p.ticket.effort:g}",
            "score": round(p.score, 3),
            "cumulative": f"{p.cumulative:g}",
        }
        for p in plan.chosen
    ]


def _forecast_line(plan: SprintPlan) -> str:
    f = plan.forecast
    if f is None:
        return plan.note
    return (
        f"forecast: {f.probability:.0%} chance to finish {f.committed:g} points in {f.weeks} "
        f"week(s); P50 {f.p50:g}, P85 {f.p85:g} points (from {len(f.samples)} weeks of history)"
    )


def _as_text(plan: SprintPlan) -> str:
    s = plan.sprint
    lines = [f"sprint {s.number}: capacity {s.capacity:g} points, method {plan.method}"]
    if plan.chosen:
        lines.append(table(_rows(plan), ["id", "title", "effort", "score", "cumulative"]))
    else:
        lines.append("no open ticket fits")
    lines.append(
        f"total: {plan.points:g} of {s.capacity:g} points, score {plan.score:.3g}, "
        f"{len(plan.chosen)} ticket(s)"
    )
    if plan.released:
        lines.append(f"released from sprint {s.number}: {', '.join(plan.released)}")
    if plan.unplannable:
        lines.append(f"waiting on unplanned dependencies: {', '.join(plan.unplannable)}")
    lines.append(_forecast_line(plan))
    lines.append(
        "dry run: nothing written" if plan.dry_run else "written: tickets and sprints.yaml"
    )
    return "\n".join(lines)


@sprint.command("report")
@click.argument("number", type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for sprint-NUMBER.md and its PNGs (default: docs/reports).",
)
@click.option(
    "--ui-url",
    default=None,
    help="Address of the MLflow UI in run links (default: ui_url in agileds.yaml, else http://127.0.0.1:5000).",
)
@click.option("--no-mlflow", is_flag=True, help="Read no runs from MLflow and log nothing to it.")
@json_option
def report_cmd(
    number: int, out: Path | None, ui_url: str | None, no_mlflow: bool, as_json: bool
) -> None:
    """Write the report of sprint NUMBER to docs/reports/sprint-NUMBER.md, PNGs beside it.

    It shows the goal, committed versus done points, each ticket's verdict per acceptance
    criterion with the values its latest MLflow run measured and links to its runs, the
    commits of the sprint naming a ticket, the carried-over tickets, the forecast, a
    burn-down from the git history of backlog/ and the value-vs-ease chart. The report is
    also logged to MLflow (experiment agileds-sprints, a run named sprint-NUMBER).
    """
    from agileds.reports import plot_files, sprint_report, write_sprint_report

    project = get_project()
    sources = "the backlog and git" if no_mlflow else "the backlog, git and MLflow"
    click.echo(f"sprint {number}: reading {sources}", err=True)
    report = sprint_report(
        project, number, ui_url=ui_url or project.settings.ui_url, mlflow=not no_mlflow
    )
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(_summary(report), err=True)
    path = write_sprint_report(report, out or project.reports_dir)
    if report.tracking_uri is not None:
        click.echo(f"logged to MLflow: experiment agileds-sprints, run sprint-{number}", err=True)
    if as_json:
        echo_json(report.to_dict() | {"plots": plot_files(report), "path": str(path)})
    else:
        click.echo(str(path))


def _summary(report: SprintReport) -> str:
    carried = len(report.carried_over)
    verdicts = ", ".join(f"{t.id} {t.status} ({t.verdict or 'no run'})" for t in report.tickets)
    return (
        f"sprint {report.number}: {report.done_points:g} of {report.committed_points:g} "
        f"points done, {carried} ticket(s) carried over, {len(report.commits)} commit(s)"
        + (f"\ntickets: {verdicts}" if verdicts else "")
    )
