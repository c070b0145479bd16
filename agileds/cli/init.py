"""``agileds init``: scaffold a project."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--demo", is_flag=True, help="Also write the demo tickets, experiment and data.")
@click.option(
    "--model",
    default=None,
    help="Registered model name (default: the folder's name as a slug; with --demo: lead-scoring).",
)
def init(directory: str, demo: bool, model: str | None) -> None:
    """Scaffold agileds.yaml, backlog/, experiments/, mlruns/ and docs/ in DIRECTORY.

    Existing files are kept, so running it again is safe.
    """
    from agileds._scaffold import init_project

    result = init_project(Path(directory), demo=demo, model=model)
    for path in result.created:
        click.echo(f"created {path.relative_to(result.root)}")
    if result.kept:
        click.echo(f"kept {len(result.kept)} existing file(s)")
    click.echo(f"project ready in {result.root}")
