"""A folder's history from git in three processes, however many commits and files it has.

``folder_history`` lists the commits that touched a folder (``git rev-list``), then every
commit's changed files against its first parent in one ``git diff-tree --stdin`` (renames
found with ``-M``, as gitpython's ``Commit.diff`` does); ``read_blobs`` reads file versions
in one ``git cat-file --batch``. One process per commit and one round trip per file version
cost seconds on a backlog of a thousand tickets. The commands run through gitpython.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["CommitChanges", "FileChange", "folder_history", "read_blobs"]

_DIFF_OPTIONS = ("-r", "--root", "-M", "--raw", "-z", "--abbrev=40", "--full-index", "--no-color")


@dataclass(frozen=True)
class FileChange:
    """One file changed by a commit: blob IDs before and after (None: added or deleted)."""

    old: str | None
    new: str | None
    path: str


@dataclass(frozen=True)
class CommitChanges:
    """A commit that touched the folder: its ID, author date and changed files in it."""

    sha: str
    date: dt.date
    changes: tuple[FileChange, ...]


def _run(repo: Any, command: str, args: Iterable[str], stdin: str) -> bytes:
    """Run ``git <command> <args>`` in ``repo`` with ``stdin``; return its raw output."""
    with tempfile.TemporaryFile() as handle:
        handle.write(stdin.encode("utf-8"))
        handle.seek(0)
        out: bytes = getattr(repo.git, command)(
            *args, istream=handle, stdout_as_string=False, strip_newline_in_stdout=False
        )
    return out


def _commits(repo: Any, rel: str) -> list[tuple[str, str | None, dt.date]]:
    """``(commit, first parent, author date)`` of the commits touching ``rel``, oldest first."""
    out = repo.git.rev_list("--reverse", "--format=%H %P %aI", "HEAD", "--", rel)
    commits = []
    for line in out.splitlines():
        if not line or line.startswith("commit "):
            continue
        parts = line.split()
        parent = parts[1] if len(parts) > 2 else None
        commits.append((parts[0], parent, dt.date.fromisoformat(parts[-1][:10])))
    return commits


def _is_null(sha: str) -> bool:
    return not sha.strip("0")


def _parse_raw(out: bytes) -> dict[str, list[FileChange]]:
    """Parse ``diff-tree --stdin --raw -z`` output: a commit ID, then its changed files."""
    tokens = out.split(b"\0")
    changes: dict[str, list[FileChange]] = {}
    current: list[FileChange] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].decode("utf-8", "surrogateescape").strip()
        i += 1
        if not token:
            continue
        if not token.startswith(":"):  # a commit header
            current = changes.setdefault(token.split()[0], [])
            continue
        _, _, old, new, status = token[1:].split()
        if status[0] in "RC":  # renamed or copied: the source path, then the new one
            i += 1
        path = tokens[i].decode("utf-8", "surrogateescape")
        i += 1
        current.append(
            FileChange(None if _is_null(old) else old, None if _is_null(new) else new, path)
        )
    return changes


def folder_history(repo: Any, rel: str) -> list[CommitChanges]:
    """Return the commits reachable from HEAD that touched folder ``rel``, oldest first.

    Each commit lists its changed files under ``rel`` against its first parent (a root
    commit: every file added), in git's path order; a merge that changed nothing against
    its first parent lists none.

    Args:
        repo: A ``git.Repo`` with at least one commit.
        rel: The folder, relative to the top of the working tree, in POSIX form.
    """
    commits = _commits(repo, rel)
    if not commits:
        return []
    lines = "".join(f"{sha} {parent}\n" if parent else f"{sha}\n" for sha, parent, _ in commits)
    raw = _parse_raw(_run(repo, "diff_tree", ["--stdin", *_DIFF_OPTIONS, "--", rel], lines))
    return [CommitChanges(sha, date, tuple(raw.get(sha, ()))) for sha, _, date in commits]


def read_blobs(repo: Any, shas: Iterable[str]) -> dict[str, bytes | None]:
    """Return the content of each blob (None for an ID that is missing or not a blob)."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    out = _run(repo, "cat_file", ["--batch"], "".join(f"{sha}\n" for sha in wanted))
    blobs: dict[str, bytes | None] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("utf-8", "surrogateescape").split()
        pos = end + 1
        if len(header) < 3:  # "<sha> missing" (or ambiguous)
            blobs[header[0]] = None
            continue
        size = int(header[2])
        blobs[header[0]] = out[pos : pos + size] if header[1] == "blob" else None
        pos += size + 1
    return blobs
