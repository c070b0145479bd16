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
    cells = [[str(r.get(c, "") if r.get(c) is not None else "") for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    header = "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))
    body = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join([header.rstrip(), *body])
