"""``agileds ui``: the MLflow UI on the project's own stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import click

from agileds.cli._options import get_project, server_options
from agileds.errors import AgileDSError


class ServerNotAnsweringError(AgileDSError):
    """The MLflow server exited, or did not answer within the wait; exit code 1."""

    exit_code = 1


@click.command()
@server_options
def ui(host: str, port: int, wait: float) -> None:
    """Start the MLflow UI on the project's tracking store (Ctrl-C stops it).

    Says 'starting' at once and 'ready' when the server answers (it can take a minute on a
    busy machine).
    """
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
    serve(args, host, port, wait, f"MLflow UI for {project.root}")


def serve(args: list[str], host: str, port: int, wait: float, label: str) -> None:
    """Run the MLflow server command ``args`` until it ends or Ctrl-C; exit with its code.

    Says '<label>: starting' at once and '<label> ready' once ``/health`` answers.

    Raises:
        ServerNotAnsweringError: it exited first, or did not answer within ``wait`` seconds.
    """
    url = f"http://{host}:{port}"
    click.echo(f"{label}: starting on {url} ...", err=True)
    # Its own process group, stopped as a whole (the server runs worker processes).
    server = subprocess.Popen(args, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally` on kill too
    try:
        wait_until_answers(server, f"http://{_local(host)}:{port}/health", wait)
        click.echo(f"{label}: ready at {url} (Ctrl-C stops it)", err=True)
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        stop(server)
    sys.exit(code)


def _local(host: str) -> str:
    """Where to reach a server listening on ``host`` from this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def wait_until_answers(
    server: subprocess.Popen[bytes], health_url: str, timeout: float, poll: float = 0.5
) -> None:
    """Return once ``health_url`` answers HTTP 200.

    Raises:
        ServerNotAnsweringError: ``server`` exited first, or ``timeout`` seconds passed.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health_url, timeout=min(5.0, timeout)) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused or reset while the server starts
            pass
        if server.poll() is not None:
            raise ServerNotAnsweringError(
                f"the MLflow server exited (code {server.returncode}) before answering at "
                f"{health_url}; see its output above (port in use? try --port)"
            )
        if time.monotonic() > deadline:
            raise ServerNotAnsweringError(
                f"the MLflow server did not answer at {health_url} within {timeout:g} s; "
                "stopped it; try again with a longer --wait"
            )
        time.sleep(poll)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop ``server``'s process group politely, then for good."""
    for sig, timeout in ((signal.SIGTERM, 15.0), (signal.SIGKILL, None)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:  # the whole group has ended
            break
        try:
            server.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
