"""``agileds server``: a team's MLflow tracking server on a database, serving the artifacts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agileds.cli._options import server_options
from agileds.errors import UsageError


@click.command()
@click.option(
    "--backend",
    required=True,
    metavar="URL",
    help="Database of runs and the model registry, e.g. postgresql://mlflow@db/mlflow.",
)
@click.option(
    "--artifacts",
    required=True,
    metavar="DIR",
    help="Where the server keeps artifacts (a folder, or s3://...); clients send and fetch "
    "them through the server.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Server worker processes.",
)
@server_options
def server(backend: str, artifacts: str, host: str, port: int, workers: int, wait: float) -> None:
    """Start an MLflow tracking server for a team (Ctrl-C stops it).

    Runs and registered models go to the --backend database; artifacts (models, reports)
    are uploaded and downloaded through the server (proxied), so clients need no access
    to --artifacts. Point each project at it with 'tracking_uri: http://HOST:PORT' in
    agileds.yaml (see docs/team.md). Says 'starting' at once and 'ready' when it answers.
    """
    from agileds.cli.ui import serve

    args = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        _backend_uri(backend),
        "--artifacts-destination",
        _artifacts_uri(artifacts),
        "--serve-artifacts",
        "--workers",
        str(workers),
        "--host",
        host,
        "--port",
        str(port),
    ]
    serve(args, host, port, wait, f"MLflow tracking server on {_shown(backend)}")


def _backend_uri(url: str) -> str:
    """The database URL, checked: a supported scheme with its driver installed.

    Raises:
        UsageError: Not a database URL, or its driver is missing.
    """
    from agileds.project import tracking_uri_problem

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme or scheme in ("http", "https", "file") or scheme.startswith("databricks"):
        raise UsageError(
            f"--backend {url!r} is not a database URL; give one such as "
            "postgresql://USER@HOST/DB or sqlite:///PATH/mlflow.db"
        )
    problem = tracking_uri_problem(url)
    if problem is not None:
        raise UsageError(f"--backend {_shown(url)}: {problem}")
    return url


def _artifacts_uri(location: str) -> str:
    """A URI stays as given; a folder is made absolute (and created)."""
    if "://" in location:
        return location
    folder = Path(location).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--artifacts {location}: a file is there; give a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder.as_uri()


def _shown(url: str) -> str:
    """``url`` without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
