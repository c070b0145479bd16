"""Two copies of a project sharing one ``--storage``: the run lock lives in the storage.

The project lock (``mlruns/locks/``) cannot see a run in another checkout; a shared journal
gets a lock file beside it, a shared database a row with a heartbeat. Real processes in two
project folders, against a shared SQLite file, a shared journal and PostgreSQL.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agileds.sweeps import _runlock
from agileds.sweeps._runlock import RunLockedError, storage_lock
from tests.conftest import make_demo_project
from tests.faults.conftest import GUARDRAILS, TINY_SPEC, agileds, env, one_line_error
from tests.servers.conftest import postgres_database  # noqa: F401 - a fixture

STALE_ERROR = "interrupted: its process stopped"


def _checkout(root: Path, template_db: Path) -> Path:
    root.mkdir()
    make_demo_project(root, template_db, rows=300, spec=("tiny.yaml", TINY_SPEC))
    config = root / "agileds.yaml"
    config.write_text(config.read_text() + GUARDRAILS)
    return root


@pytest.fixture
def two_checkouts(tmp_path: Path, mlflow_template_db: Path) -> tuple[Path, Path]:
    return _checkout(tmp_path / "a", mlflow_template_db), _checkout(
        tmp_path / "b", mlflow_template_db
    )


def _start(root: Path, storage: str) -> subprocess.Popen[bytes]:
    with (root / "first.err").open("wb") as err:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agileds",
                "run",
                "STORY-1",
                "--trials",
                "60",
                "--storage",
                storage,
            ],
            cwd=root,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _row_pid(url: str) -> int | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT pid FROM agileds_run_locks WHERE study = 'STORY-1'")
            ).first()
    except DBAPIError:  # the table is not there yet
        return None
    finally:
        engine.dispose()
    return None if row is None else int(row[0])


def _file_pid(journal: Path) -> int | None:
    lock = journal.parent / "locks" / "STORY-1.lock"
    text = lock.read_text() if lock.exists() else ""
    return int(text.split('"pid": "')[1].split('"')[0]) if '"pid": "' in text else None


def _wait_for_owner(
    process: subprocess.Popen[bytes], owner: Callable[[], int | None], root: Path
) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if owner() == process.pid:
            return
        if process.poll() is not None:
            pytest.fail(f"the first run ended ({process.returncode}): {_err(root)}")
        time.sleep(0.1)
    pytest.fail("the first run never took the storage lock")


def _err(root: Path) -> str:
    return (root / "first.err").read_text()


def _stale_trials(storage: str) -> list[Any]:
    import optuna

    from agileds.sweeps._study import open_storage

    study = optuna.load_study(study_name="STORY-1", storage=open_storage(storage))
    return [t for t in study.trials if t.user_attrs.get("error") == STALE_ERROR]


def _refused_then_taken_over(
    checkouts: tuple[Path, Path], storage: str, owner: Callable[[], int | None], where: str
) -> None:
    """The first checkout runs; the second is refused; the first is killed; the second runs."""
    a, b = checkouts
    first = _start(a, storage)
    try:
        _wait_for_owner(first, owner, a)
        second = agileds(b, "run", "STORY-1", "--trials", "2", "--storage", storage)
        assert first.poll() is None, "the first run ended before the second was refused"
        assert _stale_trials(storage) == []  # the second failed none of the first's trials
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(timeout=60)
    assert second.returncode == 2, second.stderr
    line = one_line_error(second)
    assert f"STORY-1 is already running {where}" in line, line
    assert f"(pid {first.pid} on {socket.gethostname()}, started " in line
    assert "'agileds worker STORY-1 --storage " in line
    assert "Traceback" not in _err(a)

    third = agileds(b, "run", "STORY-1", "--trials", "1", "--storage", storage)
    output = third.stdout + third.stderr
    assert third.returncode in (0, 1), output  # a verdict
    assert f"took over the lock of a run of STORY-1 {where}" in output
    assert f"pid {first.pid} on" in output
    assert owner() is None  # released at the end


def test_two_checkouts_on_one_sqlite_storage(
    two_checkouts: tuple[Path, Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'shared' / 'optuna.db'}"
    (tmp_path / "shared").mkdir()
    _refused_then_taken_over(
        two_checkouts, url, lambda: _row_pid(url), f"against the Optuna storage {url}"
    )


def test_two_checkouts_on_one_journal(two_checkouts: tuple[Path, Path], tmp_path: Path) -> None:
    journal = tmp_path / "shared" / "optuna.journal"
    _refused_then_taken_over(
        two_checkouts,
        str(journal),
        lambda: _file_pid(journal),
        f"against the Optuna journal {journal}",
    )


def test_two_checkouts_on_one_postgresql_storage(
    two_checkouts: tuple[Path, Path],
    postgres_database: Callable[[], str],  # noqa: F811 - the fixture imported above
) -> None:
    url = postgres_database()
    _refused_then_taken_over(
        two_checkouts, url, lambda: _row_pid(url), f"against the Optuna storage {url}"
    )


# --- the row lock in one process: heartbeats and owners on other hosts -----------------------


def _put_row(url: str, host: str, pid: int, age: float) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agileds_run_locks (study, token, host, pid, started, heartbeat) "
                "VALUES ('STORY-1', 'theirs', :host, :pid, '2026-01-01T00:00:00+00:00', :beat)"
            ),
            {"host": host, "pid": pid, "beat": time.time() - age},
        )
    engine.dispose()


def _create_table(url: str) -> None:
    with storage_lock(url, "STORY-0", lambda _: None):
        pass


def test_a_live_owner_on_another_host_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    _create_table(url)
    _put_row(url, "other-machine", 4242, age=5)
    with pytest.raises(RunLockedError) as caught, storage_lock(url, "STORY-1", print):
        pass
    assert "(pid 4242 on other-machine, started 2026-01-01T00:00:00+00:00, last heartbeat 5 s" in (
        str(caught.value)
    )


def test_an_owner_whose_heartbeat_stopped_is_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    _create_table(url)
    _put_row(url, "other-machine", 4242, age=_runlock.STALE_SECONDS + 5)
    said: list[str] = []
    with storage_lock(url, "STORY-1", said.append):
        assert _row_pid(url) is not None
    assert len(said) == 1 and "took over the lock of a run of STORY-1" in said[0]
    assert "pid 4242 on other-machine" in said[0]
    assert _row_pid(url) is None


def test_a_dead_pid_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    _create_table(url)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    _put_row(url, socket.gethostname(), int(dead.stdout), age=1)
    said: list[str] = []
    with storage_lock(url, "STORY-1", said.append):
        pass
    assert len(said) == 1 and f"pid {int(dead.stdout)} on {socket.gethostname()}" in said[0]


def test_the_owner_refreshes_its_heartbeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine, text

    monkeypatch.setattr(_runlock, "HEARTBEAT_SECONDS", 0.05)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    engine = create_engine(url)

    def beat() -> float:
        with engine.connect() as connection:
            return float(
                connection.execute(text("SELECT heartbeat FROM agileds_run_locks")).scalar_one()
            )

    with storage_lock(url, "STORY-1", print):
        first = beat()
        deadline = time.monotonic() + 60
        while beat() == first:
            assert time.monotonic() < deadline, "the heartbeat never moved"
            time.sleep(0.05)
    engine.dispose()


def test_an_unreachable_storage_database_is_one_line(tmp_path: Path) -> None:
    from agileds.errors import ConfigError

    with (
        pytest.raises(ConfigError, match=r"^cannot open Optuna storage 'postgresql://postgres@127"),
        storage_lock("postgresql://postgres@127.0.0.1:9/none", "STORY-1", print),
    ):
        pass
