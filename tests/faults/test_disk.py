"""A full disk: a real one (a small tmpfs, where this machine lets us mount one) and ENOSPC
injected at chosen write points. Every multi-step change ends done or undone, in one line."""

from __future__ import annotations

import errno
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agileds.errors import DiskFullError
from agileds.project import Project
from tests.conftest import make_demo_project
from tests.faults.conftest import (
    GUARDRAILS,
    MODEL,
    TINY_SPEC,
    agileds,
    client_of,
    one_line_error,
    parent_runs,
)
from tests.faults.test_concurrency import _start, _version


def _enospc(*_: Any, **__: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _aliases(client: Any) -> dict[str, str]:
    return {a: str(v) for a, v in client.get_registered_model(MODEL).aliases.items()}


# --- injected at one write point ------------------------------------------------------------


@pytest.mark.parametrize("fail_at", ["alias", "tag", "ticket"])
def test_a_promote_failing_halfway_is_undone(
    tiny_project: Project, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    from agileds.golive import promote

    client, uri, run, production = _start(tiny_project.root)
    candidate = _version(client, uri, run, "STORY-2", production)
    before = {v: dict(client.get_model_version(MODEL, v).tags) for v in ("1", "2", candidate)}
    cls = type(client)
    if fail_at == "alias":  # previous moved, production refused
        real = cls.set_registered_model_alias
        monkeypatch.setattr(
            cls,
            "set_registered_model_alias",
            lambda self, n, a, v: _enospc() if a == "production" else real(self, n, a, v),
        )
    elif fail_at == "tag":  # aliases moved, the third audit tag refused
        real_tag, calls = cls.set_model_version_tag, []

        def tag(self: Any, *args: Any) -> None:
            calls.append(args)
            if len(calls) == 3:
                _enospc()
            real_tag(self, *args)

        monkeypatch.setattr(cls, "set_model_version_tag", tag)
    else:  # everything in the registry done, the ticket file refused
        from agileds.tickets._store import Backlog

        monkeypatch.setattr(Backlog, "move", _enospc)
    with pytest.raises(DiskFullError) as caught:
        promote(tiny_project, "STORY-2")
    monkeypatch.undo()
    assert str(caught.value) == (
        f"promote {MODEL} v{candidate} failed (the disk is full: [Errno 28] No space left on "
        "device) and was undone, nothing changed; free space and try again"
    )
    assert _aliases(client) == {"production": production, "previous": "1"}
    after = {v: dict(client.get_model_version(MODEL, v).tags) for v in ("1", "2", candidate)}
    assert after == before
    assert tiny_project.backlog().get("STORY-2").status.value != "done"


def test_a_rollback_failing_halfway_is_undone(
    tiny_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agileds.golive import rollback

    client, _, _, production = _start(tiny_project.root)
    before = dict(client.get_model_version(MODEL, production).tags)
    real, calls = type(client).set_model_version_tag, []

    def tag(self: Any, *args: Any) -> None:
        calls.append(args)
        if len(calls) == 5:  # the first restored_* tag, after the rolled_back_* ones
            _enospc()
        real(self, *args)

    monkeypatch.setattr(type(client), "set_model_version_tag", tag)
    with pytest.raises(DiskFullError, match=r"rollback of lead-scoring to v1 failed .* undone"):
        rollback(tiny_project, MODEL)
    monkeypatch.undo()
    assert _aliases(client) == {"production": production, "previous": "1"}
    assert dict(client.get_model_version(MODEL, production).tags) == before


def test_a_run_whose_disk_fills_while_logging_ends_failed_in_one_line(
    tiny_project: Project, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    from mlflow import MlflowClient

    monkeypatch.setattr(MlflowClient, "log_dict", _enospc)  # explanations, after registering
    result = run_cli("run", "STORY-1")
    assert result.code == 2, result.err
    assert result.err.splitlines()[-1] == (
        "error: STORY-1 stopped: the disk is full ([Errno 28] No space left on device); its "
        "MLflow run is marked FAILED; free space, then run it again (the study resumes)"
    )
    assert "removed lead-scoring v1: its run failed" in result.out + result.err
    assert [r.info.status for r in parent_runs(tiny_project.root)] == ["FAILED"]
    assert client_of(tiny_project.root).search_model_versions(f"name = '{MODEL}'") == []


# --- a real full disk -----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MB tmpfs mounted for the test (skipped where mounting is not allowed)."""
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    mount = shutil.which("mount")
    done = (
        subprocess.run(
            [mount, "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if mount
        else None
    )
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(disk: Path, leave_kb: int) -> Path:
    """Fill ``disk`` up to ``leave_kb`` free kilobytes; return the filler file."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free // 1024
    with filler.open("wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * 1024
        for _ in range(max(0, free - leave_kb)):
            handle.write(chunk)
    return filler


def _project_on(disk: Path, template_db: Path) -> Project:
    root = disk / "project"
    root.mkdir()
    project = make_demo_project(root, template_db, rows=300, spec=("tiny.yaml", TINY_SPEC))
    config = root / "agileds.yaml"
    config.write_text(config.read_text() + GUARDRAILS)
    client_of(root).search_experiments()  # the store is migrated before the disk fills
    return project


def test_a_run_on_a_real_full_disk_stops_in_one_line_and_the_next_run_finishes(
    small_disk: Path, mlflow_template_db: Path
) -> None:
    # No room at all: deterministic. A disk that fills mid-run (a few hundred KB left) ends
    # at a point that depends on timing; the injected-ENOSPC tests cover those steps one by
    # one (docs/reliability.md lists what a real mid-run fill showed).
    project = _project_on(small_disk, mlflow_template_db)
    filler = _fill(small_disk, 0)
    full = agileds(project.root, "run", "STORY-1")
    assert full.returncode == 2
    assert "the disk is full" in one_line_error(full)
    filler.unlink()
    again = agileds(project.root, "run", "STORY-1")
    assert again.returncode in (0, 1), again.stderr
    runs = parent_runs(project.root)
    assert runs[0].info.status == "FINISHED"
    assert "RUNNING" not in {r.info.status for r in runs}  # the full disk's run was closed
    versions = client_of(project.root).search_model_versions(f"name = '{MODEL}'")
    assert len(versions) == 1  # the failed run left no version behind


def test_a_promote_on_a_real_full_disk_is_done_or_undone(
    small_disk: Path, mlflow_template_db: Path
) -> None:
    project = _project_on(small_disk, mlflow_template_db)
    client, uri, run, production = _start(project.root)
    candidate = _version(client, uri, run, "STORY-2", production)
    filler = _fill(small_disk, 0)
    result = agileds(project.root, "promote", "STORY-2")
    filler.unlink()
    aliases = _aliases(client_of(project.root))
    if result.returncode == 0:  # the registry and the ticket still had room: done
        assert aliases == {"production": candidate, "previous": production}
        assert project.backlog().get("STORY-2").status.value == "done"
    else:
        assert result.returncode == 2
        line = one_line_error(result)
        assert "the disk is full" in line and "nothing changed" in line
        assert aliases == {"production": production, "previous": "1"}
        assert project.backlog().get("STORY-2").status.value != "done"
