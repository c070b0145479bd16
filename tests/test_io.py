"""Comment-keeping edits and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agileds._io import atomic_write, key_lines, load_yaml, set_key

TEXT = "# header\nid: STORY-1  # the id\nstatus: todo\nacceptance:\n  - a > 1\n  - b > 2\n"


def test_set_key_replaces_value_in_place() -> None:
    assert set_key(TEXT, "status", "done") == TEXT.replace("status: todo", "status: done")


def test_set_key_appends_missing_key_after_anchor() -> None:
    out = set_key(TEXT, "sprint", 2, after="status")
    assert out.splitlines()[3] == "sprint: 2"
    assert load_yaml(out)["acceptance"] == ["a > 1", "b > 2"]


def test_set_key_appends_at_end_without_anchor() -> None:
    assert set_key("id: X", "sprint", 2) == "id: X\nsprint: 2\n"


def test_set_key_quotes_values_that_need_it() -> None:
    out = set_key(TEXT, "status", "a: b")
    assert load_yaml(out)["status"] == "a: b"


def test_key_lines_locates_keys_and_items() -> None:
    lines = key_lines(TEXT)
    assert (lines["id"], lines["status"], lines["acceptance[1]"]) == (2, 3, 6)


def test_atomic_write_leaves_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "STORY-1.yaml"
    target.write_text(TEXT)

    def crash(*args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        atomic_write(target, "half")
    assert target.read_text() == TEXT
    assert [p.name for p in tmp_path.iterdir()] == ["STORY-1.yaml"]


def test_exclusive_write_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "a.yaml"
    atomic_write(target, "one\n", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write(target, "two\n", exclusive=True)
    assert target.read_text() == "one\n"


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "a.yaml"
    atomic_write(target, "one\n", exclusive=True)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)
    atomic_write(target, "two\n")
    assert target.stat().st_mode & 0o777 == 0o640
