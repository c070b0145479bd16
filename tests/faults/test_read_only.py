"""Read-only stores and refusals wrapped by MLflow or SQLAlchemy: one line, exit 2.

SQLite does not raise ``OSError``: MLflow wraps ``sqlite3.OperationalError: attempt to
write a readonly database`` in an ``MlflowException``, which used to end in a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from agileds.cli import wrapped_os_error_message
from agileds.project import Project
from tests.faults.conftest import agileds, client_of, one_line_error, parent_runs
from tests.faults.test_bad_cli_values import _read_only


def _stored(project: Project) -> Path:
    client_of(project.root).search_experiments()  # the store exists and is migrated
    return project.root / "mlruns" / "mlflow.db"


@pytest.mark.parametrize(
    "args", [("run", "STORY-1"), ("rollback", "lead-scoring"), ("promote", "STORY-1")]
)
def test_a_read_only_mlflow_db_is_one_line(tiny_project: Project, args: tuple[str, ...]) -> None:
    database = _stored(tiny_project)
    before = database.read_bytes()
    expected, undo = _read_only(database)
    try:
        result = agileds(tiny_project.root, *args)
    finally:
        undo()
    assert result.returncode == 2, result.stderr
    line = one_line_error(result)
    assert expected in line or "is read-only (SQLite" in line, line
    assert database.read_bytes() == before


def test_a_read_only_mlruns_folder_is_one_line(tiny_project: Project) -> None:
    _stored(tiny_project)
    expected, undo = _read_only(tiny_project.root / "mlruns")
    try:
        result = agileds(tiny_project.root, "run", "STORY-1")
    finally:
        undo()
    assert result.returncode == 2, result.stderr
    line = one_line_error(result)  # SQLite's refusal or the OS's, whichever comes first
    assert expected in line or "is read-only (SQLite" in line, line
    assert parent_runs(tiny_project.root) == []


def _wrapped(inner: BaseException) -> Exception:
    """``inner`` as MLflow raises it: inside two other exceptions."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("(sqlalchemy) wrapped") from exc
    except RuntimeError as exc:
        try:
            raise ValueError("MlflowException") from exc
        except ValueError as outer:
            return outer


@pytest.mark.parametrize(
    ("inner", "needle"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "mlruns/x"), "permission denied"),
        (OSError(errno.EROFS, "Read-only file system", "mlruns/x"), "read-only"),
        (Exception("attempt to write a readonly database"), "is read-only (SQLite"),
        (Exception("unable to open database file"), "cannot be opened (SQLite"),
    ],
)
def test_an_os_refusal_inside_another_error_is_found(inner: BaseException, needle: str) -> None:
    message = wrapped_os_error_message(_wrapped(inner))
    assert message is not None and needle in message


def test_other_errors_are_not_taken_for_os_refusals() -> None:
    assert wrapped_os_error_message(_wrapped(OSError(errno.ECONNRESET, "reset"))) is None
    assert wrapped_os_error_message(_wrapped(KeyError("x"))) is None
