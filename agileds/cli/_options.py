"""Options and helpers shared by every command group."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from agileds.project import Project, find_project

__all__ = [
    "MODEL_NAME",
    "PORT",
    "TICKET_ID",
    "FiniteFloat",
    "cap_workers",
    "echo_json",
    "get_project",
    "json_option",
    "server_options",
    "storage_path",
    "table",
]

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:  # click 8.4 made ParamType generic; older clicks cannot subscript it
    _TextType = click.ParamType[str, Any]
    _NumberType = click.ParamType[float, Any]
else:
    _TextType = _NumberType = click.ParamType


class TicketIdType(_TextType):
    """A ticket ID such as ``STORY-12`` (any case), checked before it can touch a path."""

    name = "ticket_id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from agileds.errors import UsageError
        from agileds.tickets import check_ticket_id

        try:
            return check_ticket_id(str(value))
        except UsageError as exc:
            self.fail(str(exc), param, ctx)


TICKET_ID = TicketIdType()


class ModelNameType(_TextType):
    """A registered model name; it names report files, so no path separators."""

    name = "model"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.strip() or text.startswith(".") or any(c in text for c in "/\\\0\n"):
            self.fail(
                f"not a model name: {text!r}; use letters, digits, '-', '_' or '.', "
                "e.g. lead-scoring",
                param,
                ctx,
            )
        return text


MODEL_NAME = ModelNameType()


class FiniteFloat(_NumberType):
    """A finite number above ``minimum`` (``nan``, ``inf`` and negatives are refused).

    Args:
        minimum: The bound; ``inclusive`` says whether it is allowed itself.
    """

    name = "number"

    def __init__(self, minimum: float = 0.0, *, inclusive: bool = False) -> None:
        self.minimum = minimum
        self.inclusive = inclusive

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        bound = f">= {self.minimum:g}" if self.inclusive else f"> {self.minimum:g}"
        low = number < self.minimum if self.inclusive else number <= self.minimum
        if not math.isfinite(number) or low:
            self.fail(f"{value!r} is not a finite number {bound}", param, ctx)
        return number


PORT = click.IntRange(1, 65535)


def server_options(f: F) -> F:
    """``--host``, ``--port`` and ``--wait`` of the commands that start an MLflow server."""
    f = click.option(
        "--wait",
        type=click.FloatRange(min=1),
        default=180,
        show_default=True,
        help="Seconds to wait for the server to answer before giving up.",
    )(f)
    f = click.option(
        "--port", type=PORT, default=5000, show_default=True, help="Port to listen on."
    )(f)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
    )(f)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cap_workers(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """Click callback: at most one worker process per core of this machine, said on stderr."""
    cores = _cores()
    if value is not None and value > cores:
        click.echo(f"--workers {value}: this machine has {cores} core(s); using {cores}", err=True)
        return cores
    return value


def storage_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback: a storage that is not a URL must not be an existing folder."""
    if value is not None and "://" not in value and os.path.isdir(value):
        raise click.BadParameter(
            f"{value!r} is a folder; give a journal file such as mlruns/optuna.journal "
            "or a database URL such as postgresql://host/db",
            ctx,
            param,
        )
    return value


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table."
)


def get_project() -> Project:
    """Return the current project: ``--project``, ``$AGILEDS_PROJECT`` or the cwd's."""
    ctx = click.get_current_context()
    root = (ctx.find_root().obj or {}).get("project")
    return find_project(root)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (dates and enums as strings)."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Render rows as a plain aligned text table with a header."""
    # Column by column, then one format string per line: a 10,000-row ranking stays fast.
    cells = [["" if (v := r.get(c)) is None else str(v) for r in rows] for c in columns]
    widths = [max(len(c), *map(len, col), 0) for c, col in zip(columns, cells, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    header = line.format(*(c.upper() for c in columns))
    lines = zip(*cells, strict=True) if columns else [()] * len(rows)
    body = [line.format(*row).rstrip() for row in lines]
    return "\n".join([header.rstrip(), *body])
