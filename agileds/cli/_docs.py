"""Generate ``docs/cli.md`` from ``--help``, ``docs/api.md`` from the library's front door
(``agileds/__init__.py``) and ``docs/criteria.md`` (``make docs``)."""

from __future__ import annotations

import inspect
from typing import Any

import click

__all__ = ["api_reference", "cli_reference", "write_docs"]


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


def api_reference() -> str:
    """Return the Markdown Python API reference: every name ``agileds`` exports, in order."""
    import agileds

    header = (
        "# Python API\n\n"
        "Every command's library function, importable from `agileds` (names load on first use,\n"
        "so `import agileds` stays cheap). Generated from `agileds/__init__.py` by `make docs`;\n"
        "`tests/test_docs.py` fails when it is stale.\n\n"
        "| name | kind | what it is |\n|---|---|---|\n"
    )
    names = [n for n in agileds.__all__ if n != "__version__"]
    rows = [
        f"| `{n}` | {_kind(getattr(agileds, n))} | {_summary(getattr(agileds, n))} |" for n in names
    ]
    sections = [
        _section(n, getattr(agileds, n)) for n in names if inspect.isfunction(getattr(agileds, n))
    ]
    return header + "\n".join(rows) + "\n\n" + "\n".join(sections)


def _kind(obj: Any) -> str:
    if inspect.isfunction(obj):
        return "function"
    return "exception" if isinstance(obj, type) and issubclass(obj, Exception) else "class"


def _summary(obj: Any) -> str:
    """The docstring's first paragraph on one line."""
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def _section(name: str, fn: Any) -> str:
    """A function's signature, summary, example and home module."""
    lines = [f"## `{name}`\n", "```python", f"{name}{_signature(fn)}", "```\n", _summary(fn) + "\n"]
    example = _example(inspect.getdoc(fn) or "")
    if example:
        lines += ["```python", *example, "```\n"]
    import agileds

    module = agileds._LAZY.get(name, "agileds")
    lines.append(f"From `{module}`; the whole docstring: `help(agileds.{name})`.\n")
    return "\n".join(lines)


def _signature(fn: Any) -> str:
    """The signature as written in the source (annotations are strings there)."""
    sig = inspect.signature(fn)
    params = [p.replace(annotation=_Shown(p.annotation)) for p in sig.parameters.values()]
    shown = sig.replace(parameters=params, return_annotation=_Shown(sig.return_annotation))
    return str(shown)


class _Shown:
    """An annotation shown as written (``inspect`` would quote a string)."""

    def __init__(self, annotation: Any) -> None:
        self.text = (
            annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
        )

    def __repr__(self) -> str:
        return self.text


def _example(doc: str) -> list[str]:
    """The ``Example:`` section's lines, without doctest directives."""
    lines = doc.split("\n")
    if "Example:" not in lines:
        return []
    body = []
    for line in lines[lines.index("Example:") + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line.strip().split("  # doctest:")[0])
    return [b for b in body if b]


def write_docs(folder: str = "docs") -> None:
    """Write ``cli.md``, ``api.md`` and ``criteria.md`` into ``folder``."""
    from pathlib import Path

    from agileds.tickets import criteria_reference

    Path(folder, "cli.md").write_text(cli_reference(), encoding="utf-8")
    Path(folder, "api.md").write_text(api_reference(), encoding="utf-8")
    Path(folder, "criteria.md").write_text(criteria_reference(), encoding="utf-8")


if __name__ == "__main__":
    write_docs()
