"""``agileds promote`` and ``agileds rollback``: move a model's production alias."""

from __future__ import annotations

import click

from agileds.cli._options import MODEL_NAME, TICKET_ID, echo_json, get_project, json_option


@click.command()
@click.argument("ticket_id", type=TICKET_ID)
@click.option(
    "--candidate",
    metavar="VERSION",
    help="Model version to promote (default: the newest one the ticket registered).",
)
@click.option(
    "--force",
    "force_reason",
    metavar="REASON",
    help="Promote despite a NO-GO decision; the reason is recorded on the version.",
)
@click.option(
    "--allow-dirty", is_flag=True, help="Promote a version trained from uncommitted code."
)
@json_option
def promote(
    ticket_id: str,
    candidate: str | None,
    force_reason: str | None,
    allow_dirty: bool,
    as_json: bool,
) -> None:
    """Move the production alias to TICKET_ID's candidate after a GO decision.

    The candidate needs a go-live decision made against the current production version
    ('agileds golive TICKET_ID'). The version it replaces keeps the 'previous' alias, for
    'agileds rollback'; both versions are tagged with who, when, the ticket and the
    report, and the ticket is moved to done.
    """
    from agileds.golive import promote as promote_candidate

    done = promote_candidate(
        get_project(),
        ticket_id,
        candidate=candidate,
        force_reason=force_reason,
        allow_dirty=allow_dirty,
    )
    if as_json:
        echo_json(done.to_dict())
        return
    if done.replaced is None:
        moved = f"production v{done.version} (first deployment, no previous)"
    else:
        moved = f"production v{done.replaced} -> v{done.version} (previous: v{done.replaced})"
    click.echo(f"{done.model}: {moved}; {done.ticket} moved to done")
    if done.forced_reason is not None:
        click.echo(f"forced past a {done.decision} decision: {done.forced_reason}", err=True)
    if done.dirty:
        click.echo("promoted a version trained from uncommitted code (--allow-dirty)", err=True)


@click.command()
@click.argument("model", type=MODEL_NAME)
@click.option("--reason", default=None, help="Why; recorded on the version rolled back.")
@json_option
def rollback(model: str, reason: str | None, as_json: bool) -> None:
    """Move the production alias of MODEL back to its 'previous' version.

    'previous' is removed afterwards, so a second rollback is refused rather than putting
    the version just rolled back into production again.
    """
    from agileds.golive import rollback as rollback_model

    done = rollback_model(get_project(), model, reason=reason)
    if as_json:
        echo_json(done.to_dict())
        return
    click.echo(
        f"{done.model}: production v{done.rolled_back} -> v{done.version} "
        "(rolled back; no previous now)"
    )
