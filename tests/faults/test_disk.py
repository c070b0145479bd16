"""A full disk: a real one (a small tmpfs, where this machine lets us mount one) and ENOSPC
injected at chosen write points. Every multi-step change ends done or undone, in one line."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
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
    env,
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


def _mount_tmpfs(folder: Path, size: str) -> str | None:
    """Mount a tmpfs of ``size`` on ``folder`` (as root, else through ``sudo -n``); None
    when done, else why not."""
    mount = shutil.which("mount")
    if mount is None:
        return "no mount command"
    command = [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            return "not root and no sudo"
        command = [sudo, "-n", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else (done.stderr.strip() or "mount failed")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MB tmpfs mounted for the test.

    Skipped where this machine does not let us mount one (not root, no passwordless sudo);
    on CI (``CI`` set) or with ``AGILEDS_REQUIRE_TMPFS=1`` that fails instead, so the
    real-disk tests cannot pass there without running.
    """
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    why = _mount_tmpfs(folder, "48m")
    if why is not None:
        reason = f"cannot mount a tmpfs here ({why}; needs root, CAP_SYS_ADMIN or sudo -n)"
        if os.environ.get("CI") or os.environ.get("AGILEDS_REQUIRE_TMPFS"):
            pytest.fail(f"{reason} (required: CI or AGILEDS_REQUIRE_TMPFS is set)", pytrace=False)
        pytest.skip(reason)
    try:
        yield folder
    finally:
        umount = ["umount", "-l", str(folder)]
        subprocess.run(umount if os.geteuid() == 0 else ["sudo", "-n", *umount], check=False)


def _fill(disk: Path, leave_kb: int = 0) -> Path:
    """Fill ``disk`` up to ``leave_kb`` free kilobytes; return the ballast file."""
    ballast = disk / "ballast"
    with ballast.open("ab") as handle:
        for _ in range(max(0, shutil.disk_usage(disk).free // 1024 - leave_kb)):
            handle.write(b"\0" * 1024)
    return ballast


def _project_on(disk: Path, template_db: Path) -> Project:
    root = disk / "project"
    root.mkdir()
    project = make_demo_project(root, template_db, rows=300, spec=("tiny.yaml", TINY_SPEC))
    config = root / "agileds.yaml"
    config.write_text(config.read_text() + GUARDRAILS)
    client_of(root).search_experiments()  # the store is migrated before the disk fills
    return project


# Runs ``agileds run STORY-1`` after wrapping one function of agileds so that, the first
# time it is called, the disk is filled to the last byte (a ballast file written until the
# kernel says ENOSPC) before the function itself runs: its writes then meet a real full
# disk, at a chosen point, whatever the machine's load.
FILL_THEN_RUN = """
import errno, importlib, os, sys
from pathlib import Path

disk, target = Path(sys.argv[1]), sys.argv[2]
module_name, attribute = target.split(":")
owner = importlib.import_module(module_name)
*path, name = attribute.split(".")
for part in path:
    owner = getattr(owner, part)
real = getattr(owner, name)
filled = []

def fill():
    fd = os.open(disk / "ballast", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    if os.write(fd, b"\\0" * size) < size:
                        break
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    finally:
        os.close(fd)
    print(f"filled the disk before {target}", file=sys.stderr)

def wrapper(*args, **kwargs):
    if not filled:
        filled.append(True)
        fill()
    return real(*args, **kwargs)

setattr(owner, name, wrapper)
from agileds.cli import main
main(["run", "STORY-1"])
"""

# Where a run writes, in the order it writes: the function wrapped for each stage.
STAGES = {
    "journal": "agileds.runners._sweep:Execution._sweep",  # the first trial's journal records
    "oof": "agileds.sweeps._oof:OofStore.save",  # a trial's out-of-fold predictions
    "trial-run": "agileds.tracking._bridge:RunLogger.log_trial",  # a trial's MLflow run (SQLite)
    "model-files": "agileds.tracking:log_model",  # the model's artifacts
    "registration": "agileds.tracking:register_model",  # the registry row (SQLite)
    "explanations": "agileds.runners._sweep:Execution._explain",  # an artifact, once registered
    "report": "agileds.runners._report:write_report",  # docs/reports/ and its MLflow copy
    "finish": "agileds.tracking._bridge:RunLogger.finish_parent",  # the verdict tags, the end
}


def _run_filling_at(root: Path, disk: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", FILL_THEN_RUN, str(disk), target],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_disk_that_fills_at_each_write_of_a_run(
    small_disk: Path, mlflow_template_db: Path, stage: str
) -> None:
    project = _project_on(small_disk, mlflow_template_db)
    full = _run_filling_at(project.root, small_disk, STAGES[stage])
    assert f"filled the disk before {STAGES[stage]}" in full.stderr, full.stderr
    assert full.returncode == 2, full.stderr
    line = one_line_error(full)
    assert line.startswith("error: STORY-1 stopped: the disk is full ("), line
    assert line.endswith("free space, then run it again (the study resumes)"), line
    assert "its MLflow run is marked FAILED" in line, line
    runs = parent_runs(project.root)  # read with the disk still full
    assert [r.info.status for r in runs] == ["FAILED"]
    assert client_of(project.root).search_model_versions(f"name = '{MODEL}'") == []
    assert not (project.root / "mlruns" / "locks" / "STORY-1.reserve").exists()

    (small_disk / "ballast").unlink()
    again = agileds(project.root, "run", "STORY-1")
    assert again.returncode in (0, 1), again.stderr  # a verdict
    assert [r.info.status for r in parent_runs(project.root)] == ["FINISHED", "FAILED"], (
        again.stderr
    )
    versions = client_of(project.root).search_model_versions(f"name = '{MODEL}'")
    assert len(versions) == 1  # the failed run left none behind


def test_a_run_on_a_real_full_disk_stops_in_one_line_and_the_next_run_finishes(
    small_disk: Path, mlflow_template_db: Path
) -> None:
    project = _project_on(small_disk, mlflow_template_db)
    filler = _fill(small_disk, 0)
    full = agileds(project.root, "run", "STORY-1")
    assert full.returncode == 2
    assert "the disk is full" in one_line_error(full)
    assert parent_runs(project.root) == []  # refused before its MLflow run started
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
