"""``agileds ui``: the MLflow UI on the project's own stores."""

from __future__ import annotations

import os
import sys

import click

from agileds.cli._options import PORT, get_project


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=PORT, default=5000, show_default=True, help="Port to listen on.")
def ui(host: str, port: int) -> None:
    """Start the MLflow UI on the project's tracking store (Ctrl-C stops it)."""
    from agileds.tracking import resolve_stores

    project = get_project()
    settings = project.settings
    stores = resolve_stores(project.root, settings.tracking_uri, settings.artifact_location)
    args = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        stores.tracking_uri,
        "--workers",
        "1",  # one user: starts in a third of the time of MLflow's default four workers
        "--host",
        host,
        "--port",
        str(port),
    ]
    if stores.artifact_root:
        args += ["--default-artifact-root", stores.artifact_root]
    click.echo(f"MLflow UI for {project.root} on http://{host}:{port}", err=True)
    os.execv(sys.executable, args)
