"""A sweep stopped mid-way by SIGKILL or Ctrl-C: a real ``agileds run`` subprocess, then resume."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from agileds.project import Project
from agileds.runners import run_ticket

STALE_ERROR = "interrupted: its process stopped"
POLL = 0.2


def _start_run(
    project: Project, *options: str, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``python -m agileds run STORY-1`` in the project, its stderr to ``run.err``.

    A file, not a pipe: nobody reads a pipe while the test polls, and a full one would block.
    """
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("AGILEDS_PROJECT", None)
    with (project.root / "run.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "agileds", "run", "STORY-1", "--trials", "40", *options],
            cwd=project.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=new_session,
        )


def _stderr(project: Project) -> str:
    return (project.root / "run.err").read_text()


def _stop(process: subprocess.Popen[bytes], group: bool = False) -> None:
    """Make sure the process, or its whole process group, is gone (the test may have failed)."""
    if group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    elif process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def _study(project: Project) -> Any:
    """The ticket's study in the journal file, or None while the run has not created it."""
    import optuna

    from agileds.sweeps._study import open_storage

    journal = project.root / "mlruns" / "optuna.journal"
    if not journal.exists():
        return None
    try:
        return optuna.load_study(study_name="STORY-1", storage=open_storage(str(journal)))
    except KeyError:
        return None


def _finished(study: Any) -> list[Any]:
    return [t for t in study.trials if t.state.is_finished()] if study is not None else []


def _wait_for_finished_trials(
    project: Project,
    process: subprocess.Popen[bytes],
    count: int,
    workers: int = 1,
    timeout: float = 120,
) -> None:
    """Poll the journal until ``count`` trials finished, run by ``workers`` processes.

    Fails when the process ends first or the timeout passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        done = _finished(_study(project))
        if len(done) >= count and len({t.user_attrs.get("pid") for t in done}) >= workers:
            return
        if process.poll() is not None:
            pytest.fail(
                f"agileds run exited ({process.returncode}) before {count} trial(s) finished:\n"
                + _stderr(project)
            )
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {count} trial(s) by {workers} worker(s) after {timeout:.0f} s")
        time.sleep(POLL)


def _client(project: Project) -> Any:
    from agileds.tracking import get_client, resolve_stores

    return get_client(resolve_stores(project.root).tracking_uri)


def _parent_runs(project: Project) -> dict[str, Any]:
    """The parent runs of STORY-1 (tagged with the ticket, no parent of their own), by id."""
    client = _client(project)
    experiment = client.get_experiment_by_name("lead-scoring")
    runs = client.search_runs(
        [experiment.experiment_id], filter_string="tags.`agileds.ticket` = 'STORY-1'"
    )
    return {r.info.run_id: r for r in runs if "mlflow.parentRunId" not in r.data.tags}


def test_a_killed_run_resumes_the_same_study(sweep_project: Project) -> None:
    process = _start_run(sweep_project)
    try:
        _wait_for_finished_trials(sweep_project, process, 2)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        _stop(process)

    study = _study(sweep_project)
    killed_parent = study.user_attrs["parent_run_id"]
    before = {t.number: (t.state.name, t.params) for t in _finished(study)}
    running = [t.number for t in study.trials if t.state.name == "RUNNING"]
    assert len(before) >= 2
    assert len(running) <= 1  # one worker: at most the trial in flight was lost
    assert _parent_runs(sweep_project)[killed_parent].info.status == "RUNNING"

    total = len(before) + 2
    result = run_ticket("STORY-1", sweep_project, trials=total)

    after = _study(sweep_project)
    trials = {t.number: t for t in after.trials}
    assert {n: (trials[n].state.name, trials[n].params) for n in before} == before
    for number in running:
        assert trials[number].state.name == "FAIL"
        assert trials[number].user_attrs["error"] == STALE_ERROR
    assert len(_finished(after)) == total == result.quantities["trials"]
    assert not [t for t in after.trials if t.state.name == "RUNNING"]
    assert after.user_attrs["parent_run_id"] == result.parent_run_id != killed_parent
    parents = _parent_runs(sweep_project)
    assert set(parents) == {killed_parent, result.parent_run_id}
    assert parents[killed_parent].info.status == "KILLED"
    assert parents[result.parent_run_id].info.status == "FINISHED"


def test_ctrl_c_exits_130_marks_the_parent_killed_and_the_next_run_resumes(
    sweep_project: Project,
) -> None:
    process = _start_run(sweep_project)
    try:
        _wait_for_finished_trials(sweep_project, process, 1)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    finally:
        _stop(process)
    err = _stderr(sweep_project)
    assert process.returncode == 130, err
    assert "Traceback" not in err, err
    (killed,) = _parent_runs(sweep_project).values()
    assert killed.info.status == "KILLED"
    assert killed.data.tags["agileds.verdict"] == "killed"

    study = _study(sweep_project)
    assert study.user_attrs["parent_run_id"] == killed.info.run_id
    assert len([t for t in study.trials if t.state.name == "RUNNING"]) <= 1
    done = len(study.trials)
    assert 1 <= len(_finished(study)) <= done < 40
    result = run_ticket("STORY-1", sweep_project, trials=done + 2)
    after = _study(sweep_project)
    assert [t.number for t in after.trials] == list(range(done + 2))
    assert len(_finished(after)) == done + 2 == result.quantities["trials"]
    assert _parent_runs(sweep_project)[result.parent_run_id].info.status == "FINISHED"
    assert err.rstrip().splitlines()[-1] == "interrupted"


def test_ctrl_c_in_a_terminal_stops_every_worker_without_a_traceback(
    sweep_project: Project,
) -> None:
    """A terminal sends SIGINT to the whole process group: the parent and its workers."""
    process = _start_run(sweep_project, "--workers", "2", new_session=True)
    try:
        _wait_for_finished_trials(sweep_project, process, 2, workers=2)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    finally:
        _stop(process, group=True)
    err = _stderr(sweep_project)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Process SpawnProcess" not in err, err
    (killed,) = _parent_runs(sweep_project).values()
    assert killed.info.status == "KILLED"
    assert killed.data.tags["agileds.verdict"] == "killed"
