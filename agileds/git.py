"""Git facts about the project: commit, branch, dirty state (gitpython, imported lazily)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.tracking import GIT_COMMIT_TAG, GIT_DIRTY_TAG

if TYPE_CHECKING:
    import git

__all__ = ["GitState", "git_state", "open_repo"]


@dataclass(frozen=True)
class GitState:
    """Where the code stood when something ran; all None outside a git repository."""

    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None

    def tags(self) -> dict[str, str]:
        """The state as MLflow tags (``mlflow.source.git.commit`` and agileds' own)."""
        tags = {}
        if self.commit:
            tags["mlflow.source.git.commit"] = self.commit
            tags[GIT_COMMIT_TAG] = self.commit
        if self.branch:
            tags["mlflow.source.git.branch"] = self.branch
        if self.dirty is not None:
            tags[GIT_DIRTY_TAG] = str(self.dirty).lower()
        return tags


def open_repo(path: Path, *, with_commit: bool = False) -> git.Repo | None:
    """The git repository holding ``path``, or None when there is none.

    Args:
        path: Any folder inside the repository.
        with_commit: Also None when the repository has no commit yet.
    """
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
        if with_commit:
            repo.head.commit  # noqa: B018 - raises ValueError before the first commit
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    return repo


def git_state(path: Path) -> GitState:
    """Return the git state of the repository holding ``path`` (empty when there is none)."""
    repo = open_repo(path)
    if repo is None:
        return GitState()
    try:
        commit = repo.head.commit.hexsha
    except ValueError:  # no commit yet
        commit = None
    branch = None if repo.head.is_detached else repo.active_branch.name
    return GitState(commit, branch, repo.is_dirty(untracked_files=False))
