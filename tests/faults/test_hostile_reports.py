"""Titles, goals and names that try to become markup: raw HTML, ``javascript:`` links, a
newline that starts a heading, a pipe that splits a table row. Reports show them as text."""

from __future__ import annotations

import re

import pytest

from agileds.project import Project
from agileds.reports._render import code_span, escape_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "Fine\n# Injected heading",
    "Fine\r\n## Also injected",
    "a | b | c",
    "`code` and ``more``",
    "*bold* _it_ ~~gone~~",
    "&lt;script&gt; entity",
    "trailing backslash \\",
    "line\u2028separator",
    "<!-- comment -->",
    "#hashtag start",
]
_PUNCT = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescaped(text: str, char: str) -> list[int]:
    """Positions of ``char`` not escaped by a backslash."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            out.append(i)
        i += 1
    return out


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_escaped_text_has_no_markup_and_reads_back(text: str) -> None:
    shown = escape_markdown(text)
    assert "\n" not in shown and "\r" not in shown and "\u2028" not in shown
    for char in "<>[]|`*_&#!":
        assert _unescaped(shown, char) == [], (char, shown)
    expected = re.sub(r"[\r\n\u2028]+", " ", text)
    assert _PUNCT.sub(r"\1", shown) == expected


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_a_code_span_cannot_be_closed_early(text: str) -> None:
    span = code_span(text)
    fence = re.match(r"`+", span).group()  # type: ignore[union-attr]
    inner = span[len(fence) : -len(fence)]
    assert span.endswith(fence) and "\n" not in span
    assert all(len(run) < len(fence) for run in re.findall(r"`+", inner))
    assert _unescaped(inner.replace("\\|", ""), "|") == []


SPRINTS = "sprints:\n  - number: 1\n    capacity: 8\n    goal: {goal}\n"


@pytest.mark.parametrize("title", HOSTILE[:8], ids=repr)
def test_sprint_report_shows_a_hostile_title_as_text(project: Project, run_cli, title: str) -> None:
    import json

    (project.backlog_dir / "sprints.yaml").write_text(
        SPRINTS.format(goal=json.dumps("<b>goal</b>\n# not a heading"))
    )
    ticket = {
        "id": "STORY-1",
        "type": "story",
        "title": title,
        "value": 3,
        "effort": 2,
        "sprint": 1,
        "acceptance": ["auroc >= 0.8", {"text": "Sign | off <b>by</b> the lead", "manual": True}],
    }
    (project.backlog_dir / "STORY-1.yaml").write_text(json.dumps(ticket))
    res = run_cli("sprint", "report", "1", "--no-mlflow")
    assert res.code == 0, res.err
    text = (project.reports_dir / "sprint-1.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# Sprint 1 — \\<b\\>goal\\</b\\> \\# not a heading")
    assert not any(h.lstrip("#").strip().startswith(("Injected", "Also")) for h in headings)
    assert all(
        not re.search(r"(?<!\\)<(script|img|b>|javascript)", line) for line in text.splitlines()
    )
    assert "](javascript:" not in text.replace("\\](javascript:", "")
    for line in text.splitlines():
        if "STORY-1" in line and line.startswith("| STORY-1"):
            assert len(_unescaped(line, "|")) == 10, line  # nine cells, untouched by the title
