"""``agileds backlog``: rank the backlog by value and effort."""

from __future__ import annotations

import click

from agileds.cli._options import echo_json, get_project, json_option, table


@click.group()
def backlog() -> None:
    """Rank the backlog by value and effort."""


@backlog.command("rank")
@click.option(
    "--method",
    type=click.Choice(["ratio"]),
    default=None,
    help="Scorer (default: agileds.yaml's scorer).",
)
@click.option(
    "--type",
    "type_",
    type=click.Choice(["investigation", "story", "spike", "bug"]),
    help="Only this ticket type.",
)
@json_option
def rank_cmd(method: str | None, type_: str | None, as_json: bool) -> None:
    """Rank open tickets, best first; blocked tickets are marked."""
    from agileds.backlog import get_scorer, rank

    project = get_project()
    tickets = [t for t in project.backlog().tickets() if type_ is None or t.type.value == type_]
    ranked = rank(tickets, get_scorer(method or project.settings.scorer))
    rows = [
        {
            "rank": r.rank,
            "id": r.ticket.id,
            "type": r.ticket.type.value,
            "value": f"{r.ticket.value:g}",
            "effort": f"{r.ticket.effort:g}",
            "score": round(r.score, 3),
            "status": "blocked by " + ",".join(r.blocked_by)
            if r.blocked_by
            else r.ticket.status.value,
            "title": r.ticket.title,
        }
        for r in ranked
    ]
    if as_json:
        echo_json(rows)
    else:
        click.echo(
            table(rows, ["rank", "id", "type", "value", "effort", "score", "status", "title"])
        )
