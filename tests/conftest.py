"""Shared fixtures: small projects on disk and a CLI runner that returns exit code and output."""

from __future__ import annotations

import os

# One OpenMP/BLAS thread per test process: on a shared 2-core machine, thread pools that
# spin-wait for busy cores make gradient boosting many times slower, not faster.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from dataclasses import dataclass
from pathlib import Path

import pytest

from agileds.project import Project

#: A test that uses one of these fixtures is end to end (a sweep, a trained or registered
#: model, a real ``agileds`` process or server), so it is marked ``slow``: ``make unit-fast``
#: (``pytest -m "not slow"``) leaves it out, ``make test`` runs it. Other end-to-end tests
#: carry ``@pytest.mark.slow`` (or a module's ``pytestmark``) themselves.
SLOW_FIXTURES = frozenset(
    {
        "sweep_project",  # tests/runners: sweeps on the demo data
        "tiny_project",  # tests/faults: real agileds processes on a tiny project
        "small_disk",  # tests/faults/test_disk.py: real processes on a real full disk
        "trained_template",  # tests/monitor: the demo project after a run
        "register",  # tests/golive: registered models
        "scoring_template",  # tests/scoring: two registered versions
        "postgres_database",  # tests/servers: PostgreSQL and the tracking server
        "production",  # tests/runners/test_investigation.py: a run, then production
        "demo",  # tests/reports/test_sprint_report.py: a real run of STORY-1
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use a fixture of :data:`SLOW_FIXTURES` as ``slow``."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(scope="session")
def mlflow_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty MLflow database, made once (a fresh one costs about two seconds)."""
    from agileds.tracking import get_client, resolve_stores

    stores = resolve_stores(tmp_path_factory.mktemp("mlflow-template"))
    get_client(stores.tracking_uri)
    return Path(stores.tracking_uri.removeprefix("sqlite:///"))


def copy_mlflow_db(template: Path, mlruns: Path) -> None:
    """Give a project a copy of the template database (with its WAL files, if any)."""
    import shutil

    mlruns.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copy(source, mlruns / source.name)


def make_demo_project(
    root: Path,
    template_db: Path,
    *,
    rows: int | None = 900,
    spec: tuple[str, str] | None = None,
) -> Project:
    """The demo project in ``root`` with a copy of the template MLflow database.

    Args:
        rows: Rows of demo leads in ``experiments/data/leads.csv`` (None: the scaffold's).
        spec: ``(file name, text)`` of an experiment spec written to ``experiments/``;
            STORY-1 is pointed at it (small and fast, for tests).
    """
    from agileds._scaffold import init_project
    from agileds.data import make_leads

    init_project(root, demo=True)
    copy_mlflow_db(template_db, root / "mlruns")
    if rows is not None:
        make_leads(rows, seed=3).to_csv(root / "experiments" / "data" / "leads.csv", index=False)
    if spec is not None:
        name, text = spec
        (root / "experiments" / name).write_text(text)
        story = root / "backlog" / "STORY-1.yaml"
        story.write_text(story.read_text().replace("lead_scoring.yaml", name))
    return Project(root)
