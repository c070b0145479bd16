"""``agileds demo``: the whole loop on the demo project, step by step."""

from __future__ import annotations

from pathlib import Path

import click


def _step(title: str) -> None:
    click.secho(f"\n== {title}", bold=True)


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

    The loop: list and validate the tickets, rank the backlog, run the story STORY-1
    (an Optuna sweep logged to MLflow, ending in its verdict). A second demo resumes the
    study and registers a new model version.
    """
    from agileds.cli.backlog import rank_cmd
    from agileds.cli.init import init
    from agileds.cli.run import print_run
    from agileds.cli.ticket import list_, validate
    from agileds.runners import run_ticket

    _step(f"agileds init --demo {directory}")
    ctx.invoke(init, directory=directory, demo=True, model=None)
    ctx.find_root().obj = {"project": str(Path(directory).resolve())}
    _step("agileds ticket list")
    ctx.invoke(list_)
    _step("agileds ticket validate")
    ctx.invoke(validate)
    _step("agileds backlog rank")
    ctx.invoke(rank_cmd)
    _step(f"agileds run STORY-1 --trials {trials}")
    print_run(run_ticket("STORY-1", Path(directory), trials=trials, **print_run.options()))
