"""``agileds backlog``: rank the backlog by value and effort."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agileds.backlog import SCORER_NAMES, RankedTicket, plot_quadrants, rank_backlog
from agileds.cli._options import echo_json, get_project, json_option, table

COLUMNS = [
    "rank",
    "id",
    "type",
    "title",
    "value",
    "effort",
    "score",
    "quadrant",
    "status",
    "evidence",
]


@click.group()
def backlog() -> None:
    """Rank the backlog by value and effort."""


@backlog.command("rank")
@click.option(
    "--method",
    type=click.Choice(SCORER_NAMES),
    default=None,
    help="Scorer (default: agileds.yaml's scorer).",
)
@click.option(
    "--type",
    "type_",
    type=click.Choice(["investigation", "story", "spike", "bug"]),
    help="Only this ticket type.",
)
@click.option(
    "--evidence/--no-evidence",
    default=None,
    help="Read run results from MLflow (default: when mlruns/mlflow.db exists).",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the value-vs-ease quadrant chart to this PNG file.",
)
@json_option
def rank_cmd(
    method: str | None, type_: str | None, evidence: bool | None, plot: Path | None, as_json: bool
) -> None:
    """Rank open tickets, best first; blocked tickets are marked.

    Warnings (defaults used for missing fields, evidence adjustments, unknown dependencies)
    go to stderr, one line each.
    """
    from agileds.tickets import paused_gc

    with paused_gc():  # 10,000 tickets make no garbage cycles worth a collector's pass
        ranking = rank_backlog(get_project(), method, type_, evidence=evidence)
        if plot is not None:
            plot_quadrants(ranking.rows, plot)
        for warning in ranking.warnings:
            click.echo(f"warning: {warning}", err=True)
        if as_json:
            echo_json(ranking.to_dict())
        else:
            click.echo(table([_table_row(r) for r in ranking.rows], COLUMNS))


def _status(row: RankedTicket) -> str:
    if row.blocked_by:
        return "blocked by " + ",".join(row.blocked_by)
    return row.ticket.status.value


def _table_row(row: RankedTicket) -> dict[str, Any]:
    ticket = row.ticket
    return {
        "rank": row.rank,
        "id": ticket.id,
        "type": ticket.type.value,
        "title": ticket.title,
        "value": f"{ticket.value:g}",
        "effort": f"{ticket.effort:g}",
        "score": f"{row.score:.3g}",
        "quadrant": row.quadrant.value if row.quadrant else "",
        "status": _status(row),
        "evidence": row.evidence.summary() if row.evidence else "",
    }
