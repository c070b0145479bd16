"""Generate ``docs/cli.md`` from ``--help`` and ``docs/criteria.md`` (``make docs``)."""

from __future__ import annotations

import click

__all__ = ["cli_reference", "write_docs"]


def _walk(command: click.Command, ctx: click.Context) -> list[str]:
    text = command.get_help(ctx).replace("Usage: agileds", "Usage: agileds", 1)
    parts = [f"## `{ctx.command_path}`\n\n```\n{text}\n```\n"]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                parts += _walk(sub, click.Context(sub, info_name=name, parent=ctx))
    return parts


def cli_reference() -> str:
    """Return the Markdown CLI reference: every command's ``--help``, in order."""
    from agileds.cli import cli

    settings = {**cli.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(cli, info_name="agileds", **settings)
    header = (
        "# CLI reference\n\n"
        "Generated from `--help` by `make docs`; `tests/test_docs.py` fails when it is stale.\n\n"
    )
    return header + "\n".join(_walk(cli, ctx))


def write_docs(folder: str = "docs") -> None:
    """Write ``cli.md`` and ``criteria.md`` into ``folder``."""
    from pathlib import Path

    from agileds.tickets import criteria_reference

    Path(folder, "cli.md").write_text(cli_reference(), encoding="utf-8")
    Path(folder, "criteria.md").write_text(criteria_reference(), encoding="utf-8")


if __name__ == "__main__":
    write_docs()
