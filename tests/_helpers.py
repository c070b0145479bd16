"""Small helpers shared by test modules."""

from __future__ import annotations

from pathlib import Path

from agileds.project import Project


def write_ticket(project: Project, name: str, text: str) -> Path:
    """Write a ticket file verbatim into the project's backlog."""
    path = project.backlog_dir / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_TICKET = """\
# a comment the user wrote
id: STORY-1
type: story
title: Add lead data object into model
status: todo    # keep me
value: 8
effort: 3
acceptance:
  - auroc >= 0.8
  - Product owner signs off on the threshold
"""
