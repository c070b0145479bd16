"""Shared fixtures: small projects on disk and a CLI runner that returns exit code and output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from agileds.project import Project


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``agileds ARGS`` in-process through the real entry point."""
    from agileds.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """An empty scaffolded project, and the cwd set to it."""
    from agileds._scaffold import init_project

    init_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    return Project(tmp_path)
