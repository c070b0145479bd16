"""Option values a hostile or hurried user types: non-finite numbers, ports out of range,
folders for files, model names that are paths, unusable tracking URIs, and the OS errors of
a full disk or a read-only folder. Each is one line and exit code 2, and changes nothing."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agileds.project import Project
from tests.faults._refusals import assert_refused, snapshot, story

NOT_POSITIVE_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1", "0", "abc", ""]


@pytest.mark.parametrize("value", NOT_POSITIVE_FINITE)
def test_run_timeout(project: Project, run_cli, value: str) -> None:
    before = snapshot(project.root)
    assert_refused(run_cli("run", "STORY-1", "--timeout", value), "--timeout")
    assert snapshot(project.root) == before


@pytest.mark.parametrize("value", NOT_POSITIVE_FINITE)
def test_sprint_capacity(project: Project, run_cli, value: str) -> None:
    (project.backlog_dir / "STORY-1.yaml").write_text(story(1))
    before = snapshot(project.root)
    res = run_cli("sprint", "plan", "1", "--capacity", value)
    assert_refused(res, "capacity")
    assert snapshot(project.root) == before


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf"])
def test_sprints_yaml_capacity(project: Project, run_cli, value: str) -> None:
    (project.backlog_dir / "STORY-1.yaml").write_text(story(1))
    (project.backlog_dir / "sprints.yaml").write_text(
        f"sprints:\n  - number: 1\n    capacity: {value}\n"
    )
    before = snapshot(project.root)
    assert_refused(run_cli("sprint", "plan", "1"), "capacity")
    assert snapshot(project.root) == before


@pytest.mark.parametrize("option", ["--value", "--effort"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_ticket_new_numbers(project: Project, run_cli, option: str, value: str) -> None:
    before = snapshot(project.root)
    res = run_cli("ticket", "new", "story", "x", option, value)
    assert_refused(res, f"{option[2:]}: must be a positive number")
    assert snapshot(project.root) == before


@pytest.mark.parametrize("value", ["0", "-1", "65536", "99999", "abc", "1.5"])
def test_ui_port(project: Project, run_cli, value: str) -> None:
    assert_refused(run_cli("ui", "--port", value), "--port")


@pytest.mark.parametrize(
    ("option", "value"),
    [("--trials", "0"), ("--trials", "-5"), ("--workers", "0"), ("--workers", "-2")],
)
def test_run_counts(project: Project, run_cli, option: str, value: str) -> None:
    assert_refused(run_cli("run", "STORY-1", option, value), option)


def test_worker_index(project: Project, run_cli) -> None:
    assert_refused(run_cli("worker", "STORY-1", "--index", "-1"), "--index")


def test_workers_are_capped_at_the_cores(
    project: Project, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agileds.runners
    from agileds.cli._options import _cores

    seen: dict[str, Any] = {}

    def fake_run(ticket_id: str, project: Any, **options: Any) -> Any:
        seen.update(options)
        raise SystemExit(0)

    monkeypatch.setattr(agileds.runners, "run_ticket", fake_run)
    res = run_cli("run", "STORY-1", "--workers", "1000")
    assert res.code == 0
    assert seen["workers"] == _cores()
    assert res.err == f"--workers 1000: this machine has {_cores()} core(s); using {_cores()}\n"


@pytest.mark.parametrize("command", [("run", "STORY-1"), ("worker", "STORY-1")])
def test_storage_that_is_a_folder(project: Project, run_cli, command: tuple[str, ...]) -> None:
    before = snapshot(project.root)
    res = run_cli(*command, "--storage", str(project.mlruns_dir))
    assert_refused(res, "--storage", "is a folder", "optuna.journal")
    assert snapshot(project.root) == before


BAD_MODELS = ["../x", "a/b", "..", ".hidden", "a\\b", " "]


@pytest.mark.parametrize("name", BAD_MODELS)
@pytest.mark.parametrize(
    "command",
    [
        ("monitor", "check", "{m}", "--data", "b.csv"),
        ("monitor", "report", "{m}"),
        ("rollback", "{m}"),
    ],
    ids=["monitor check", "monitor report", "rollback"],
)
def test_a_model_name_that_is_a_path(
    project: Project, run_cli, name: str, command: tuple[str, ...]
) -> None:
    before = snapshot(project.root)
    res = run_cli(*(part.format(m=name) for part in command))
    assert_refused(res, "not a model name")
    assert snapshot(project.root) == before


URIS = {
    "mysql://u@db/mlflow": "needs the MySQLdb driver, which is not installed; pip install mysqlclient",
    "mysql+pymysql://u@db/mlflow": "pip install pymysql",
    "mssql://u@db/mlflow": "pip install pyodbc",
    "oracle://u@db/mlflow": "unsupported scheme 'oracle://'",
    "ftp://host/x": "unsupported scheme 'ftp://'",
    "s3://bucket/x": "unsupported scheme 's3://'",
}


@pytest.mark.parametrize("uri", list(URIS))
def test_tracking_uri_that_cannot_work(project: Project, run_cli, uri: str) -> None:
    import importlib.util

    if "mysql+pymysql" in uri and importlib.util.find_spec("pymysql"):
        pytest.skip("pymysql is installed here")
    if uri.startswith("mysql://") and importlib.util.find_spec("MySQLdb"):
        pytest.skip("mysqlclient is installed here")
    if uri.startswith("mssql") and importlib.util.find_spec("pyodbc"):
        pytest.skip("pyodbc is installed here")
    (project.root / "agileds.yaml").write_text(f"name: p\ntracking_uri: {uri}\n")
    (project.backlog_dir / "STORY-1.yaml").write_text(story(1))
    before = snapshot(project.root)
    assert_refused(run_cli("backlog", "rank"), "agileds.yaml:2: tracking_uri: ", URIS[uri])
    assert snapshot(project.root) == before


@pytest.mark.parametrize(
    "uri", ["sqlite:///mlruns/mlflow.db", "sqlite:////tmp/elsewhere.db", "http://localhost:5000"]
)
def test_tracking_uris_that_work_pass(project: Project, run_cli, uri: str) -> None:
    (project.root / "agileds.yaml").write_text(f"tracking_uri: {uri}\n")
    assert run_cli("backlog", "rank").code == 0


# -- a full disk, a read-only folder: the last line of defence ----------------------------

OS_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "a folder is where a file was expected",
}


@pytest.mark.parametrize("code", list(OS_ERRORS))
def test_an_os_error_is_one_line(
    project: Project, run_cli, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    from agileds.tickets import _store

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code), "backlog/.STORY-1.yaml.tmp")

    monkeypatch.setattr(_store, "atomic_write", fail)
    before = snapshot(project.root)
    res = run_cli("ticket", "new", "story", "x")
    assert_refused(res, os.strerror(code), "(backlog/.STORY-1.yaml.tmp)", OS_ERRORS[code])
    assert snapshot(project.root) == before


def test_an_unexpected_os_error_still_shows_its_traceback(
    project: Project, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agileds.tickets import _store

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ECONNRESET, "Connection reset")

    monkeypatch.setattr(_store, "atomic_write", fail)
    with pytest.raises(OSError, match="Connection reset"):
        run_cli("ticket", "new", "story", "x")


def _read_only(folder: Path) -> tuple[str, Any]:
    """Make ``folder`` read-only for this process; return the expected message and the undo.

    Root ignores permissions, so as root the folder becomes a read-only bind mount of itself
    (a real read-only file system); otherwise its mode drops the write bits.
    """
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return "permission denied", lambda: folder.chmod(0o755)
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
    return "the file system is read-only", lambda: subprocess.run(
        ["umount", str(folder)], check=True
    )


def test_a_read_only_backlog(project: Project, run_cli) -> None:
    (project.backlog_dir / "STORY-1.yaml").write_text(story(1))
    before = snapshot(project.root)
    expected, undo = _read_only(project.backlog_dir)
    try:
        assert_refused(run_cli("ticket", "new", "story", "x"), expected)
    finally:
        undo()
    assert snapshot(project.root) == before


# -- the same through the real console script ---------------------------------------------


def _agileds(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGILEDS_PROJECT": str(project)}
    return subprocess.run(
        [sys.executable, "-m", "agileds", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("ticket", "move", "../../OUT/STORY-5", "done"), "not a ticket ID"),
        (("run", "STORY-1", "--timeout", "nan"), "--timeout"),
        (("ui", "--port", "99999"), "--port"),
        (("sprint", "plan", "1", "--capacity", "inf"), "capacity"),
    ],
)
@pytest.mark.slow
def test_in_a_real_process(project: Project, args: tuple[str, ...], needle: str) -> None:
    (project.backlog_dir / "STORY-1.yaml").write_text(story(1))
    before = snapshot(project.root)
    done = _agileds(project.root, *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and needle in done.stderr, done.stderr
    assert snapshot(project.root) == before
