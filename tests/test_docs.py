"""Docs that cannot drift: the CLI reference and the list of quantities are generated."""

from __future__ import annotations

from pathlib import Path

from agileds.cli._docs import cli_reference
from agileds.tickets._reference import criteria_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == cli_reference(), "docs/cli.md is stale: run 'make docs'"


def test_criteria_reference_is_current() -> None:
    current = (DOCS / "criteria.md").read_text(encoding="utf-8")
    assert current == criteria_reference(), "docs/criteria.md is stale: run 'make docs'"


def test_criteria_reference_lists_every_metric() -> None:
    text = criteria_reference()
    for name in ("auroc", "delta.<measure>", "leakage_flags", "blank_text_rate.<column>"):
        assert f"`{name}`" in text


def test_api_reference_is_current() -> None:
    from agileds.cli._docs import api_reference

    current = (DOCS / "api.md").read_text(encoding="utf-8")
    assert current == api_reference(), "docs/api.md is stale: run 'make docs'"
