"""Options and helpers shared by every command group."""

from __future__ import annotations

import json
from typing import Any

import click

from agileds.project import Project, find_project

__all__ = ["echo_json", "get_project", "json_option", "table"]

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
