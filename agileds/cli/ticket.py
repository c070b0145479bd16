"""``agileds ticket``: create, list, show, validate, move and sign off tickets."""

from __future__ import annotations

import getpass
import sys
from typing import Any

import click

from agileds.cli._options import TICKET_ID, echo_json, get_project, json_option, table

TYPES = ["investigation", "story", "spike", "bug"]
STATUSES = ["todo", "in_progress", "done", "blocked"]


@click.group()
def ticket() -> None:
    """Create, list, show, validate and move tickets (backlog/*.yaml)."""


@ticket.command("new")
@click.argument("type_", metavar="TYPE", type=click.Choice(TYPES))
@click.argument("title")
@click.option("--value", type=float, default=3.0, show_default=True, help="Business value.")
@click.option("--effort", type=float, default=3.0, show_default=True, help="Effort in points.")
@click.option("--ac", "acceptance", multiple=True, help="An acceptance criterion (repeatable).")
@click.option("--description", default="", help="Longer description.")
@click.option("--model", default=None, help="Registered model name the ticket works on.")
@click.option("--experiment", default=None, help="Experiment spec, e.g. experiments/x.yaml.")
@click.option("--parent", type=TICKET_ID, default=None, help="Parent ticket ID.")
@json_option
def new(type_: str, title: str, as_json: bool, **fields: Any) -> None:
    """Create a ticket of TYPE with a fresh ID, e.g.

    agileds ticket new story "Add lead source" --value 8 --effort 3 --ac "auroc >= 0.8"
    """
    fields["acceptance"] = list(fields["acceptance"])
    created = get_project().backlog().create(type_, title, **fields)
    if as_json:
        echo_json(created.model_dump(mode="json"))
    else:
        click.echo(f"created backlog/{created.id}.yaml")


@ticket.command("list")
@click.option("--type", "type_", type=click.Choice(TYPES), help="Only tickets of this type.")
@click.option("--status", type=click.Choice(STATUSES), help="Only tickets with this status.")
@click.option("--sprint", type=int, help="Only tickets of this sprint.")
@json_option
def list_(type_: str | None, status: str | None, sprint: int | None, as_json: bool) -> None:
    """List tickets, sorted by ID; invalid files are reported on stderr (exit 2).

    Acceptance criteria are not parsed here: 'agileds ticket validate' checks them.
    """
    result = get_project().backlog().load(check_criteria=False)
    rows = [
        t.model_dump(mode="json")
        for t in sorted(result.tickets, key=_id_key)
        if (type_ is None or t.type.value == type_)
        and (status is None or t.status.value == status)
        and (sprint is None or t.sprint == sprint)
    ]
    if as_json:
        echo_json(rows)
    else:
        cols = ["id", "type", "status", "value", "effort", "sprint", "title"]
        click.echo(table([_short(r) for r in rows], cols) if rows else "no tickets")
    _report_invalid(result.errors)


def _id_key(t: Any) -> tuple[str, int]:
    prefix, number = t.id.split("-")
    return prefix, int(number)


def _short(row: dict[str, Any]) -> dict[str, Any]:
    def num(x: Any) -> Any:
        return int(x) if isinstance(x, float) and x.is_integer() else x

    return {**row, "value": num(row["value"]), "effort": num(row["effort"])}


def _report_invalid(errors: list[Any]) -> None:
    if errors:
        for err in errors:
            click.echo(str(err), err=True)
        click.echo(
            f"{len(errors)} invalid ticket file(s); fix them, then 'agileds ticket validate'",
            err=True,
        )
        sys.exit(2)


@ticket.command("show")
@click.argument("ticket_id", type=TICKET_ID)
@json_option
def show(ticket_id: str, as_json: bool) -> None:
    """Show one ticket with its acceptance criteria."""
    from agileds.tickets import is_plain_words

    found = get_project().backlog().get(ticket_id)
    if as_json:
        echo_json(found.model_dump(mode="json"))
        return
    click.echo(f"{found.id}  [{found.type.value}, {found.status.value}]  {found.title}")
    click.echo(
        f"value {found.value:g}, effort {found.effort:g}"
        + (f", sprint {found.sprint}" if found.sprint else "")
    )
    if found.description:
        click.echo("\n" + found.description.rstrip())
    for n, item in enumerate(found.criteria(), start=1):
        manual = item.manual or is_plain_words(item.text)
        mark = (
            f" (manual, signed off by {item.accepted_by})"
            if item.accepted_by
            else " (manual)"
            if manual
            else ""
        )
        click.echo(f"  {n}. {item.text}{mark}")


@ticket.command("validate")
@json_option
def validate(as_json: bool) -> None:
    """Check every ticket file and the experiment specs they name (exit 2 on any problem).

    Besides each file: IDs against file names, duplicate IDs, dependencies or parents on
    missing tickets, dependency cycles, and the experiment specs the tickets name.
    """
    from agileds.tickets import experiment_errors

    project = get_project()
    backlog = project.backlog()
    result = backlog.load()
    _check_links(backlog, result)
    result.errors.extend(experiment_errors(project, result))
    if as_json:
        echo_json(
            {
                "valid": len(result.tickets),
                "errors": [
                    {"file": e.path, "line": e.line, "message": e.message} for e in result.errors
                ],
            }
        )
        sys.exit(2 if result.errors else 0)
    for err in result.errors:
        click.echo(str(err))
    n = len(result.tickets)
    if result.errors:
        click.echo(f"{len(result.errors)} problem(s); {n} valid ticket(s)", err=True)
        sys.exit(2)
    click.echo(f"{n} ticket(s) valid")


def _check_links(backlog: Any, result: Any) -> None:
    """Add the problems between tickets (missing dependencies, cycles) to ``result``."""
    result.errors.extend(backlog.link_errors(result))


@ticket.command("move")
@click.argument("ticket_id", type=TICKET_ID)
@click.argument("status", metavar="STATUS", type=click.Choice(STATUSES))
def move(ticket_id: str, status: str) -> None:
    """Set the STATUS of a ticket (comments and key order are kept)."""
    moved = get_project().backlog().move(ticket_id, status)
    click.echo(f"{moved.id} -> {moved.status.value}")


@ticket.command("accept")
@click.argument("ticket_id", type=TICKET_ID)
@click.argument("number", type=int)
@click.option("--by", default=None, help="Who signs off (default: the current user).")
def accept(ticket_id: str, number: int, by: str | None) -> None:
    """Sign off manual criterion NUMBER (1-based, as 'ticket show' numbers them)."""
    who = by or getpass.getuser()
    signed = get_project().backlog().accept(ticket_id, number, who)
    click.echo(f"{signed.id}: criterion {number} signed off by {who}")


@ticket.command("schema")
def schema() -> None:
    """Print the JSON Schema of a ticket file (for editor validation)."""
    from agileds.tickets import ticket_schema

    echo_json(ticket_schema())
