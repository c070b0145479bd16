"""Rendering reports: the jinja2 environment, its number filters and atomic file writes."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds._io import atomic_write as write_atomic

if TYPE_CHECKING:
    import jinja2

    from agileds.reports._run import RunReport

__all__ = [
    "code_span",
    "escape_markdown",
    "format_number",
    "format_value",
    "render_markdown",
    "write_atomic",
    "write_run_report",
]

_SCI_BELOW = 1e-3
_PLAIN_BELOW = 1e4


def format_number(value: float | None, *, signed: bool = False) -> str:
    """Format a measured number for a report: 4 significant digits, tiny values in sci notation.

    Args:
        value: The number; None or NaN is shown as an em dash.
        signed: Show a leading ``+`` on positive numbers (for differences).

    Example:
        >>> [format_number(v) for v in (0.84231, 12.0, 1.2e-5, 123456.7, None)]
        ['0.8423', '12', '1.2e-05', '123457', '—']
    """
    if value is None or math.isnan(value):
        return "—"
    sign = "+" if signed else ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):{sign}d}"
    if abs(value) < _SCI_BELOW:
        return f"{value:{sign}.3g}"  # scientific below 1e-4
    if abs(value) >= _PLAIN_BELOW:
        return f"{value:{sign}.0f}"
    return f"{value:{sign}.4g}"


def format_value(value: Any) -> str:
    """Format a configuration value: numbers as :func:`format_number`, switches as on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return format_number(float(value))
    return "—" if value is None else str(value)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#!~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]+")


def escape_markdown(text: Any) -> str:
    """Make ``text`` (a title, a column or segment name) plain text anywhere in a Markdown
    report: in a table cell, a heading or a list item.

    Line breaks become spaces (a title cannot start a heading or end a table row), and
    every character Markdown or HTML gives a meaning to is backslash-escaped, so ``<script>``
    and ``[x](javascript:...)`` show as written and never become markup or a link.

    Example:
        >>> print(escape_markdown("<b>x</b> | [y](javascript:z)"))
        \\<b\\>x\\</b\\> \\| \\[y\\](javascript:z)
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


def code_span(text: Any) -> str:
    """Render ``text`` as an inline code span that no backtick inside it can end early.

    Example:
        >>> code_span("a`b")
        '``a`b``'
    """
    value = _LINE_BREAKS.sub(" ", str(text)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agileds.reports", "templates"),
        autoescape=False,  # Markdown: user text goes through the md, cell or code filters
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=format_number,
        value=format_value,
        cell=escape_markdown,
        md=escape_markdown,
        code=code_span,
    )
    return env


def render_markdown(template_name: str, **data: Any) -> str:
    """Render the packaged template ``template_name`` (e.g. ``run.md.j2``) with ``data``.

    The templates have the filters ``num`` (see :func:`format_number`, ``num(signed=True)``
    for differences), ``value`` (see :func:`format_value`), ``cell``/``md`` (user text made
    plain, see :func:`escape_markdown`) and ``code`` (a code span, see :func:`code_span`).

    Raises:
        jinja2.TemplateNotFound: No such template in ``agileds/reports/templates``.
        jinja2.UndefinedError: The template uses a name not in ``data``.
    """
    return _environment().get_template(template_name).render(**data)


def write_run_report(report: RunReport, folder: Path) -> Path:
    """Write the run report into ``folder``: its PNG plots, then ``run.md`` beside them.

    Creates ``folder`` if needed; every file is replaced atomically, so a reader never sees
    a half-written report.

    Returns:
        The path of ``run.md``.
    """
    from agileds.reports._plots import plot_run_report  # imports matplotlib when drawing

    folder.mkdir(parents=True, exist_ok=True)
    plotted = dataclasses.replace(report, plots=plot_run_report(report, folder))
    return write_atomic(folder / "run.md", render_markdown("run.md.j2", report=plotted))
