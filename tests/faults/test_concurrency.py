"""Races between real processes: two runs of one ticket, promote against rollback, two promotes."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agileds.project import Project
from tests.faults.conftest import MODEL, agileds, client_of, env, one_line_error, parent_runs

STALE_ERROR = "interrupted: its process stopped"
TRIES = 3


def _start_run(root: Path, trials: int = 40) -> subprocess.Popen[bytes]:
    with (root / "first.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "agileds", "run", "STORY-1", "--trials", str(trials)],
            cwd=root,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _wait_for_lock_owner(root: Path, process: subprocess.Popen[bytes]) -> None:
    """Poll the run lock until it names ``process`` (fails if the process ends first)."""
    lock = root / "mlruns" / "locks" / "STORY-1.lock"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if lock.exists() and f'"pid": "{process.pid}"' in lock.read_text():
            return
        if process.poll() is not None:
            pytest.fail(f"the first run ended ({process.returncode}): {_err(root)}")
        time.sleep(0.1)
    pytest.fail("the first run never took its lock")


def _err(root: Path) -> str:
    return (root / "first.err").read_text()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=60)


def _study(root: Path) -> Any:
    import optuna

    from agileds.sweeps._study import open_storage

    return optuna.load_study(
        study_name="STORY-1", storage=open_storage(str(root / "mlruns" / "optuna.journal"))
    )


def test_a_second_run_of_a_live_ticket_is_refused_and_leaves_the_first_alone(
    tiny_project: Project,
) -> None:
    root = tiny_project.root
    first = _start_run(root)
    try:
        _wait_for_lock_owner(root, first)
        second = agileds(root, "run", "STORY-1", "--trials", "2")
        assert first.poll() is None, "the first run ended before the second started"
        study_trials = _study(root).trials
        runs = parent_runs(root)
    finally:
        _stop(first)
    assert second.returncode == 2
    line = one_line_error(second)
    assert f"STORY-1 is already running (pid {first.pid} on " in line
    assert "'agileds worker STORY-1'" in line
    assert not [t for t in study_trials if t.user_attrs.get("error") == STALE_ERROR]
    assert [r.info.status for r in runs] == ["RUNNING"]  # the first's parent, not KILLED
    assert "Traceback" not in _err(root)


def test_a_run_takes_over_the_lock_of_a_killed_run(tiny_project: Project) -> None:
    root = tiny_project.root
    first = _start_run(root)
    try:
        _wait_for_lock_owner(root, first)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=60) == -signal.SIGKILL
    finally:
        _stop(first)
    second = agileds(root, "run", "STORY-1", "--trials", "1")
    output = second.stdout + second.stderr
    assert second.returncode in (0, 1), output  # a verdict, pass or fail
    assert (
        f"took over the lock of a run of STORY-1 that stopped without ending (pid {first.pid}"
        in output
    )
    assert {r.info.status for r in parent_runs(root)} <= {"KILLED", "FINISHED"}
    assert (root / "mlruns" / "locks" / "STORY-1.lock").read_text() == ""  # released


# --- promote and rollback at once ----------------------------------------------------------

WORKER = """
import sys, time
from pathlib import Path
from agileds.errors import AgileDSError
from agileds.golive import promote, rollback
from agileds.golive._promote import _client
from agileds.project import Project

root, name, action = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
project = Project(root)
_client(project).search_registered_models()  # imports and connections before the start
(root / f"ready-{name}").touch()
while not (root / "go").exists():
    time.sleep(0.002)
try:
    if action[0] == "promote":
        promote(project, action[1])
    else:
        rollback(project, "lead-scoring")
    print("done")
except AgileDSError as error:
    print(f"refused: {error}")
"""


def _registry(root: Path) -> tuple[Any, str, str]:
    """A fitted pipeline logged once; return (client, model URI, run ID)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from agileds.tracking import RunLogger, ensure_experiment, log_model, resolve_stores

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"revenue": rng.normal(50, 10, 60), "visits": rng.normal(3, 1, 60)})
    labels = (frame["revenue"] > 50).astype(int)
    model = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    client = client_of(root)
    experiment = ensure_experiment(client, MODEL, resolve_stores(root).artifact_root)
    run = RunLogger(client, tags={}).start_parent(experiment, "setup")
    return client, log_model(client, run, model.fit(frame, labels), frame.head(5), "binary"), run


def _version(client: Any, uri: str, run: str, ticket: str, against: str | None) -> str:
    """Register a version for ``ticket`` with a GO decision made against ``against``."""
    from agileds.tracking import register_model

    at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).replace(microsecond=0)
    tags = {
        "agileds.ticket": ticket,
        "agileds.golive.reasons": json.dumps(["fine"]),
        "agileds.golive.at": at.isoformat(),
        "agileds.golive.production_version": against or "",
        "agileds.golive.decision": "GO",
    }
    return register_model(client, MODEL, uri, run, tags=tags)


def _race(root: Path, *actions: tuple[str, ...]) -> list[str]:
    """Start one process per action, release them at once; return their outputs."""
    (root / "go").unlink(missing_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root), str(i), *action],
            cwd=root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, action in enumerate(actions)
    ]
    deadline = time.monotonic() + 180
    while not all((root / f"ready-{i}").exists() for i in range(len(actions))):
        assert time.monotonic() < deadline, "the racing processes never got ready"
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)
    (root / "go").touch()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0 and "Traceback" not in err, err
        outputs.append(out.strip())
    for i in range(len(actions)):
        (root / f"ready-{i}").unlink()
    return outputs


def _aliases(client: Any) -> dict[str, str]:
    return {a: str(v) for a, v in client.get_registered_model(MODEL).aliases.items()}


def _start(root: Path) -> tuple[Any, str, str, str]:
    """Production v2 with previous v1; return (client, uri, run, "2")."""
    from agileds.golive import promote

    client, uri, run = _registry(root)
    project = Project(root)
    _version(client, uri, run, "STORY-1", None)
    promote(project, "STORY-1")
    _version(client, uri, run, "STORY-1", "1")
    promote(project, "STORY-1")
    assert _aliases(client) == {"production": "2", "previous": "1"}
    return client, uri, run, "2"


@pytest.mark.parametrize("attempt", range(TRIES))
def test_promote_racing_rollback_ends_in_one_consistent_state(
    tiny_project: Project, attempt: int
) -> None:
    root = tiny_project.root
    client, uri, run, _ = _start(root)
    candidate = _version(client, uri, run, "STORY-2", "2")  # v3, GO against v2
    outputs = _race(root, ("promote", "STORY-2"), ("rollback",))
    aliases = _aliases(client)
    tags = dict(client.get_model_version(MODEL, candidate).tags)
    if outputs == ["done", "done"]:  # promote, then rollback of that promotion
        assert aliases == {"production": "2"}
        assert tags["agileds.rolled_back_to"] == "2"
        assert "agileds.promoted_at" in tags
    else:  # rollback first: the decision against v2 is stale, promote refused
        assert outputs[1] == "done"
        assert outputs[0].startswith("refused: the go-live decision on lead-scoring v3")
        assert aliases == {"production": "1"}
        assert "agileds.promoted_at" not in tags


@pytest.mark.parametrize("attempt", range(TRIES))
def test_two_promotes_at_once_leave_production_and_previous_set(
    tiny_project: Project, attempt: int
) -> None:
    from agileds.golive import rollback

    root = tiny_project.root
    client, uri, run, production = _start(root)
    first = _version(client, uri, run, "STORY-1", production)
    second = _version(client, uri, run, "STORY-2", production)
    outputs = _race(root, ("promote", "STORY-1"), ("promote", "STORY-2"))
    assert sorted(o.split(":")[0] for o in outputs) == ["done", "refused"]
    winner = first if outputs[0] == "done" else second
    assert _aliases(client) == {"production": winner, "previous": production}
    rollback(Project(root), MODEL)
    assert _aliases(client) == {"production": production}
