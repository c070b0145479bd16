"""The agileds command line: a thin click layer over the library.

Only this package turns errors into exit codes: 0 success, 1 a verdict failed, 2 bad input.
"""

from __future__ import annotations

import errno
import sys

import click

from agileds import __version__
from agileds.cli._lazy import LazyGroup
from agileds.errors import AgileDSError, disk_full_reason

__all__ = ["cli", "main", "os_error_message", "wrapped_os_error_message"]

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("agileds.cli.init:init", "Scaffold a project (with --demo: demo data and tickets)."),
    "demo": ("agileds.cli.demo:demo", "Run the whole loop on the demo project in DIR."),
    "ticket": ("agileds.cli.ticket:ticket", "Create, list, show, validate and move tickets."),
    "backlog": ("agileds.cli.backlog:backlog", "Rank the backlog by value and effort."),
    "sprint": ("agileds.cli.sprint:sprint", "Plan a sprint to a capacity, with a forecast."),
    "run": (
        "agileds.cli.run:run",
        "Run a ticket: Optuna sweep logged to MLflow, then the verdict.",
    ),
    "golive": (
        "agileds.cli.golive:golive",
        "Compare a ticket's candidate with production; GO or NO-GO.",
    ),
    "promote": ("agileds.cli.promote:promote", "Move the production alias to a GO candidate."),
    "rollback": ("agileds.cli.promote:rollback", "Move production back to the previous version."),
    "monitor": (
        "agileds.cli.monitor:monitor",
        "Watch a production model on a batch; file investigations.",
    ),
    "score": (
        "agileds.cli.score:score",
        "Score a batch file with a registered model; Parquet out.",
    ),
    "worker": ("agileds.cli.run:worker", "Join the running sweep of a ticket from this machine."),
    "ui": ("agileds.cli.ui:ui", "Start the MLflow UI on the project's stores."),
    "server": (
        "agileds.cli.server:server",
        "Start a team's MLflow tracking server on a database.",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agileds")
@click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True),
    envvar="AGILEDS_PROJECT",
    help="Project folder (default: the one holding agileds.yaml above the cwd).",
)
@click.pass_context
def cli(ctx: click.Context, project: str | None) -> None:
    """agileds: agile data science, with tickets as code.

    Tickets in backlog/ declare value, effort and acceptance criteria; 'agileds run'
    executes them as Optuna sweeps logged to MLflow and decides the criteria.
    """
    ctx.obj = {"project": project}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``agileds`` console script: one line per error, exit code 2."""
    try:
        code = cli.main(args=argv, prog_name="agileds", standalone_mode=False)
    except AgileDSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:  # click turns Ctrl-C into Abort
        interrupted = isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)
        click.echo("interrupted" if interrupted else "aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: a full disk, a read-only folder
        message = os_error_message(exc) if isinstance(exc, OSError) else None
        reason = disk_full_reason(exc) if message is None else None
        if message is None and reason is None:
            message = wrapped_os_error_message(exc)
        if message is None and reason is None:
            raise
        click.echo(
            f"error: {message or f'the disk is full ({reason}); free space and try again'}",
            err=True,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EROFS: "the file system is read-only; run agileds in a writable copy of the project",
    errno.EACCES: "permission denied; check the owner and permissions of the project folder",
    errno.EPERM: "operation not permitted; check the owner and permissions of the project folder",
    errno.EISDIR: "a folder is where a file was expected; give a file path",
    errno.ENOTDIR: "a file is where a folder was expected; check the path",
}


def os_error_message(exc: OSError) -> str | None:
    """One line for the OS errors a user can fix (disk full, read-only, permissions), else
    None (a bug: let the traceback show)."""
    hint = _OS_HINTS.get(exc.errno) if exc.errno is not None else None
    if hint is None:
        return None
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}: {hint}"


# What SQLite says, inside MLflow's and SQLAlchemy's own exceptions, when the OS refuses.
_SQLITE_HINTS = {
    "attempt to write a readonly database": (
        "a database of the project is read-only (SQLite: attempt to write a readonly "
        "database); make mlruns/ and the files in it writable, or run agileds in a writable "
        "copy of the project"
    ),
    "unable to open database file": (
        "a database of the project cannot be opened (SQLite: unable to open database file); "
        "check that its folder exists and is writable"
    ),
}


def wrapped_os_error_message(exc: BaseException) -> str | None:
    """One line for an OS refusal that a library wrapped (MLflow, SQLAlchemy, Optuna): an
    ``OSError`` of :func:`os_error_message` in the chain, or SQLite's words for one; else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and (message := os_error_message(current)):
            return message
        text = str(current).lower()
        for words, hint in _SQLITE_HINTS.items():
            if words in text:
                return hint
        current = current.__cause__ or current.__context__
    return None
