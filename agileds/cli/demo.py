"""``agileds demo``: the whole loop on the demo project, step by step."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

MODEL = "lead-scoring"
BATCHES = (  # the next two quarters after the training data: one clean, one drifted
    ("experiments/data/batch_1.csv", "2025-04-01"),
    ("experiments/data/batch_2.csv", "2025-07-01"),
)
SCORES = "scores"  # the output folder of the demo's scoring jobs (agileds score)


def _step(title: str) -> None:
    click.secho(f"\n== {title}", bold=True)


def _exit_code(ctx: click.Context, command: click.Command, **params: Any) -> int:
    """Invoke a command that ends with ``sys.exit`` (golive: 1 on NO-GO); return its code."""
    try:
        ctx.invoke(command, **params)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


@click.command()
@click.argument("directory", default="agileds-demo", type=click.Path(file_okay=False))
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    help="Trials of the story's sweep.",
)
@click.pass_context
def demo(ctx: click.Context, directory: str, trials: int) -> None:
    """Scaffold the demo project in DIRECTORY (reused when it exists) and run the loop.

    The loop: list and validate the tickets, rank the backlog, run the story STORY-1 (an
    Optuna sweep logged to MLflow, ending in its verdict), sign off its manual criterion,
    compare the candidate with production (go-live report, GO or NO-GO) and promote it,
    monitor two later batches of leads (the second has drifted, so an investigation is
    filed), run that investigation with its follow-ups, and write the monitoring dashboard.
    After the promotion the first batch is scored with production ('agileds score', into
    DIRECTORY/scores). A second demo resumes the study, registers a new version, goes
    through the gate against the first (its report rescores the first demo's scoring job)
    and, once promoted, scores the batch again with '--compare previous': how many
    decisions flip and how far the scores move. Exit code 1 when the gate says NO-GO (the
    demo stops before promotion), 2 when a step fails on bad input.
    """
    from agileds.cli.backlog import rank_cmd
    from agileds.cli.init import init
    from agileds.cli.run import print_run
    from agileds.cli.ticket import list_, validate
    from agileds.runners import run_ticket

    _step(f"agileds init --demo {directory}")
    ctx.invoke(init, directory=directory, demo=True, model=None)
    root = Path(directory).resolve()
    ctx.find_root().obj = {"project": str(root)}
    _step("agileds ticket list")
    ctx.invoke(list_)
    _step("agileds ticket validate")
    ctx.invoke(validate)
    _step("agileds backlog rank")
    ctx.invoke(rank_cmd)
    _step(f"agileds run STORY-1 --trials {trials}")
    print_run(run_ticket("STORY-1", root, trials=trials, **print_run.options()))
    if not _go_live(ctx, root):
        sys.exit(1)
    _score(root)
    _monitor(ctx, root)


def _go_live(ctx: click.Context, root: Path) -> bool:
    """Sign off, go-live report, promotion; False when the gate says NO-GO."""
    from agileds.cli.golive import golive
    from agileds.cli.promote import promote
    from agileds.cli.ticket import accept
    from agileds.project import Project
    from agileds.tickets import is_plain_words

    ticket = Project(root).backlog().get("STORY-1")
    for number, item in enumerate(ticket.criteria(), 1):
        if (item.manual or is_plain_words(item.text)) and item.accepted_by is None:
            _step(f"agileds ticket accept STORY-1 {number} --by sales-lead")
            ctx.invoke(accept, ticket_id="STORY-1", number=number, by="sales-lead")
    _step("agileds golive STORY-1")
    if _exit_code(ctx, golive, ticket_id="STORY-1", candidate=None, data=None, as_json=False):
        click.echo("\nthe demo stops here, before promotion (the gate's reasons are above)")
        return False
    # The demo folder usually sits in an uncommitted working tree: say so, then allow it.
    _step("agileds promote STORY-1 --allow-dirty")
    ctx.invoke(
        promote,
        ticket_id="STORY-1",
        candidate=None,
        force_reason=None,
        allow_dirty=True,
        as_json=False,
    )
    return True


def _score(root: Path) -> None:
    """Score the first batch with production; compare with ``previous`` when there is one."""
    from agileds.cli.score import print_score
    from agileds.project import Project
    from agileds.scoring import score
    from agileds.tracking import get_alias_version, get_client, resolve_stores

    project = Project(root)
    client = get_client(resolve_stores(root, project.settings.tracking_uri).tracking_uri)
    compare = "previous" if get_alias_version(client, MODEL, "previous") else None
    batch = BATCHES[0][0]
    extra = f" --compare {compare}" if compare else ""
    _step(f"agileds score {MODEL} --data {batch} --out {SCORES}{extra}")
    print_score(score(project, MODEL, root / batch, root / SCORES, compare=compare))


def _monitor(ctx: click.Context, root: Path) -> None:
    """Two batches through the monitor, the investigation it files, the dashboard."""
    from agileds.cli.monitor import _print_check, report
    from agileds.cli.run import print_run
    from agileds.monitor import check_batch
    from agileds.project import Project
    from agileds.runners import run_ticket

    project = Project(root)
    filed: list[str] = []
    for batch, at in BATCHES:
        _step(f"agileds monitor {MODEL} --data {batch} --labels is_closed --at {at}")
        check = check_batch(project, MODEL, str(root / batch), labels="is_closed", at=at)
        _print_check(check)
        filed.extend(f.ticket_id for f in check.filings if f.ticket_id not in filed)
    for ticket_id in filed:
        _step(f"agileds run {ticket_id} --file-followups")
        print_run(run_ticket(ticket_id, root, file_followups=True, **print_run.options()))
    _step(f"agileds monitor report {MODEL}")
    ctx.invoke(report, model=MODEL, as_json=False)
