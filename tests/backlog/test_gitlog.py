"""Ticket history read in three git processes: the same versions gitpython's diffs give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agileds.backlog._forecast import ticket_versions
from agileds.backlog._gitlog import folder_history, read_blobs

TICKET = "id: STORY-{n}\ntype: story\ntitle: t\nstatus: {status}\nvalue: 1\neffort: {effort}\n"


def _write(root: Path, name: str, n: int, status: str, effort: float = 2) -> None:
    path = root / "backlog" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TICKET.format(n=n, status=status, effort=effort), encoding="utf-8")


def _commit(repo, message: str, when: str) -> None:
    repo.git.add(A=True)
    repo.git.commit("-q", "-m", message, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    """A history with a rename, a side branch merged, a deletion and a broken file."""
    import git

    repo = git.Repo.init(tmp_path)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    main = repo.active_branch
    _write(tmp_path, "STORY-1.yaml", 1, "todo")
    _write(tmp_path, "STORY-2.yaml", 2, "todo")
    _write(tmp_path, "STORY-3.yaml", 3, "done")
    (tmp_path / "backlog" / "sprints.yaml").write_text("sprints: []\n", encoding="utf-8")
    (tmp_path / "README").write_text("x\n", encoding="utf-8")
    _commit(repo, "start", "2026-01-02T12:00:00+05:00")
    _write(tmp_path, "STORY-1.yaml", 1, "done")
    _commit(repo, "one done", "2026-01-05T23:30:00-08:00")  # still the 5th where written
    repo.git.mv("backlog/STORY-2.yaml", "backlog/renamed.yaml")
    _write(tmp_path, "renamed.yaml", 2, "in_progress")
    _commit(repo, "rename", "2026-01-06T10:00:00")
    side = repo.create_head("side")
    side.checkout()
    _write(tmp_path, "STORY-4.yaml", 4, "todo", 8)
    _commit(repo, "side", "2026-01-07T10:00:00")
    main.checkout()
    (tmp_path / "README").write_text("y\n", encoding="utf-8")
    _write(tmp_path, "STORY-1.yaml", 1, "done", 3)  # so the merge is no simplification
    _commit(repo, "re-estimate", "2026-01-08T10:00:00")
    repo.git.merge("side", no_ff=True, m="merge")
    repo.git.rm("backlog/STORY-3.yaml")
    (tmp_path / "backlog" / "BAD.yaml").write_bytes(b"\xff\xfe not utf-8")
    _commit(repo, "delete and break", "2026-01-09T10:00:00")
    return tmp_path


def test_versions_follow_first_parents_renames_and_skip_deletions(repo_root: Path) -> None:
    versions = ticket_versions(repo_root, repo_root / "backlog")
    assert [(v.ticket, str(v.date), v.status, v.previous) for v in versions] == [
        ("STORY-1", "2026-01-02", "todo", None),
        ("STORY-2", "2026-01-02", "todo", None),
        ("STORY-3", "2026-01-02", "done", None),
        ("STORY-1", "2026-01-05", "done", "todo"),
        ("STORY-2", "2026-01-06", "in_progress", "todo"),  # renamed: compared with the old file
        ("STORY-4", "2026-01-07", "todo", None),  # on the side branch
        ("STORY-1", "2026-01-08", "done", "done"),
        ("STORY-4", versions[-1].date.isoformat(), "todo", None),  # the merge, against main
    ]
    assert (versions[-3].effort, versions[-2].effort, versions[-1].effort) == (8, 3, 8)


def test_folder_history_lists_changes_per_commit(repo_root: Path) -> None:
    import git

    repo = git.Repo(repo_root)
    history = folder_history(repo, "backlog")
    assert [c.date for c in history][:2] == [dt.date(2026, 1, 2), dt.date(2026, 1, 5)]
    first = history[0]
    assert [f.path for f in first.changes] == [
        "backlog/STORY-1.yaml",
        "backlog/STORY-2.yaml",
        "backlog/STORY-3.yaml",
        "backlog/sprints.yaml",
    ]
    assert all(f.old is None and f.new for f in first.changes)
    deleted = [f for f in history[-1].changes if f.path == "backlog/STORY-3.yaml"]
    assert deleted and deleted[0].new is None
    blobs = read_blobs(repo, [first.changes[0].new or "", "0" * 40])
    assert blobs[first.changes[0].new or ""] == TICKET.format(n=1, status="todo", effort=2).encode()
    assert blobs["0" * 40] is None


def test_no_commit_yet_means_no_versions(tmp_path: Path) -> None:
    import git

    git.Repo.init(tmp_path)
    assert ticket_versions(tmp_path, tmp_path / "backlog") == []
