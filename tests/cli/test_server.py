"""``agileds server``: bad backends and artifact folders are one line, exit 2, before any
server starts (the real server is tested in tests/servers)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("http://mlflow.internal:5000", "is not a database URL; give one such as postgresql://"),
        ("mlruns", "is not a database URL"),
        ("oracle://db/x", "unsupported scheme 'oracle://'"),
        ("mysql+pymysql://u:secret@db/x", None),  # driver missing or not: never the password
    ],
)
def test_a_backend_that_is_no_usable_database_is_refused(
    run_cli, tmp_path: Path, backend: str, expected: str | None
) -> None:
    import importlib.util

    if expected is None and importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed: the backend is usable")
    result = run_cli("server", "--backend", backend, "--artifacts", str(tmp_path / "a"))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --backend"), result.err
    if expected is None:
        assert "secret" not in result.err and "u:***@db" in result.err
        assert "pip install pymysql" in result.err
    else:
        assert expected in result.err
    assert not (tmp_path / "a").exists()


def test_artifacts_on_a_file_is_refused(run_cli, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run_cli(
        "server", "--backend", f"sqlite:///{tmp_path}/m.db", "--artifacts", str(tmp_path / "file")
    )
    assert result.code == 2
    assert result.err == f"error: --artifacts {tmp_path / 'file'}: a file is there; give a folder\n"
