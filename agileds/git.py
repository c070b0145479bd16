"""Git facts about the project: commit, branch, dirty state (gitpython, imported lazily)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitState", "git_state"]


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
            tags["agileds.git_commit"] = self.commit
        if self.branch:
            tags["mlflow.source.git.branch"] = self.branch
        if self.dirty is not None:
            tags["agileds.git_dirty"] = str(self.dirty).lower()
        return tags


def git_state(path: Path) -> GitState:
    """Return the git state of the repository holding ``path`` (empty when there is none)."""
    try:
        import git
    except ImportError:  # pragma: no cover - gitpython is a dependency
        return GitState()
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return GitState()
    try:
        commit = repo.head.commit.hexsha
    except ValueError:  # no commit yet
        commit = None
    branch = None if repo.head.is_detached else repo.active_branch.name
    return GitState(commit, branch, repo.is_dirty(untracked_files=False))
