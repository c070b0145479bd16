"""Forecasting a sprint from history: status changes in git, weekly throughput, Monte Carlo.

``ticket_versions`` reads every commit that touched ``backlog/`` (gitpython, imported only
there; three git processes in all, see ``_gitlog``); ``status_history`` compares each
ticket file with its version in the parent commit. A ticket that moves from another status
to ``done`` adds its effort to the week (Monday to Sunday, by author date) of that commit;
a ticket created already done is not counted, so importing an old backlog does not invent a
record week. Weeks from the first to the last week with a done ticket are the throughput
samples, weeks with nothing done included as zeros.

``forecast`` resamples those weeks: each of ``draws`` draws sums ``weeks`` samples picked
with replacement (a seeded ``random.Random``, so results repeat exactly). The chance of
finishing is the share of draws that reach the committed points; P50 and P85 are the points
delivered in at least 50% and 85% of the draws.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agileds._io import YamlSyntaxError, load_yaml
from agileds.git import open_repo

__all__ = [
    "Forecast",
    "StatusChange",
    "TicketVersion",
    "forecast",
    "status_changes",
    "status_history",
    "ticket_versions",
    "weekly_throughput",
]


@dataclass(frozen=True)
class StatusChange:
    """One ticket's status changing in one commit (``old`` is None when the file appeared)."""

    ticket: str
    date: dt.date
    old: str | None
    new: str
    effort: float
    commit: str


@dataclass(frozen=True)
class TicketVersion:
    """A ticket file as one commit left it; ``previous`` is its status in the parent commit
    (None when the file appeared in this commit)."""

    ticket: str
    date: dt.date
    commit: str
    status: str
    effort: float
    sprint: int | None
    previous: str | None


@dataclass(frozen=True)
class Forecast:
    """The Monte Carlo forecast of one sprint.

    Attributes:
        probability: Share of draws delivering at least ``committed`` points.
        p50: Points delivered in at least half of the draws.
        p85: Points delivered in at least 85% of the draws.
    """

    committed: float
    weeks: int
    samples: tuple[float, ...]
    probability: float
    p50: float
    p85: float
    draws: int
    seed: int


def _fields(data: bytes | None) -> tuple[str, str, float, int | None] | None:
    """``(id, status, effort, sprint)`` of a ticket file version, or None if not a ticket."""
    if data is None:
        return None
    try:
        parsed = load_yaml(data.decode("utf-8"))
    except (YamlSyntaxError, UnicodeDecodeError):
        return None
    if not isinstance(parsed, dict) or "id" not in parsed:
        return None
    try:
        effort = float(parsed.get("effort") or 0)
    except (TypeError, ValueError):
        effort = 0.0
    sprint = parsed.get("sprint")
    sprint = sprint if isinstance(sprint, int) and not isinstance(sprint, bool) else None
    return str(parsed["id"]), str(parsed.get("status", "todo")), effort, sprint


def _is_ticket_file(path: str) -> bool:
    return path.endswith((".yaml", ".yml")) and not path.endswith("sprints.yaml")


def ticket_versions(repo_path: Path, backlog_dir: Path) -> list[TicketVersion]:
    """Return every committed version of the ticket files in ``backlog_dir``, oldest first.

    A version is recorded for each commit that changed a ticket file (deletions are not
    versions), compared with the commit's first parent. :func:`status_history` keeps the
    ones whose status changed; the sprint report also reads the ``sprint:`` field from them.
    The history is read in three git processes (see ``_gitlog``), each file version once.

    Args:
        repo_path: Any folder inside the git repository.
        backlog_dir: The backlog folder (inside the repository).

    Returns:
        The versions; empty when there is no repository or no commit yet.
    """
    from agileds.backlog._gitlog import folder_history, read_blobs

    repo = open_repo(repo_path, with_commit=True)
    if repo is None:
        return []
    rel = Path(backlog_dir).resolve().relative_to(Path(repo.working_tree_dir or "").resolve())
    history = folder_history(repo, rel.as_posix())
    changes = [(c, f) for c in history for f in c.changes if _is_ticket_file(f.path)]
    blobs = read_blobs(repo, {sha for _, f in changes for sha in (f.old, f.new) if sha})
    fields = {sha: _fields(data) for sha, data in blobs.items()}
    versions: list[TicketVersion] = []
    for commit, change in changes:
        new = fields.get(change.new) if change.new else None
        if new is None:
            continue
        old = fields.get(change.old) if change.old else None
        previous = old[1] if old is not None else None
        versions.append(
            TicketVersion(new[0], commit.date, commit.sha, new[1], new[2], new[3], previous)
        )
    return versions


def status_changes(versions: Sequence[TicketVersion]) -> list[StatusChange]:
    """Keep the versions whose status differs from the parent commit's, as status changes."""
    return [
        StatusChange(v.ticket, v.date, v.previous, v.status, v.effort, v.commit)
        for v in versions
        if v.previous != v.status
    ]


def status_history(repo_path: Path, backlog_dir: Path) -> list[StatusChange]:
    """Return every status change of the tickets in ``backlog_dir``, oldest first.

    Args:
        repo_path: Any folder inside the git repository.
        backlog_dir: The backlog folder (inside the repository).

    Returns:
        The changes; empty when there is no repository or no commit yet.
    """
    return status_changes(ticket_versions(repo_path, backlog_dir))


def weekly_throughput(changes: Sequence[StatusChange]) -> dict[dt.date, float]:
    """Return the points done per week (keyed by its Monday), zero weeks included."""
    done: dict[dt.date, float] = {}
    for c in changes:
        if c.new == "done" and c.old is not None and c.old != "done":
            monday = c.date - dt.timedelta(days=c.date.weekday())
            done[monday] = done.get(monday, 0.0) + c.effort
    if not done:
        return {}
    first, last = min(done), max(done)
    weeks = (last - first).days // 7 + 1
    return {
        first + dt.timedelta(weeks=w): done.get(first + dt.timedelta(weeks=w), 0.0)
        for w in range(weeks)
    }


def forecast(
    throughput_samples: Sequence[float],
    committed_points: float,
    weeks: int,
    seed: int = 0,
    draws: int = 10_000,
) -> Forecast:
    """Estimate, by resampling past weeks, what a sprint of ``weeks`` weeks delivers.

    Raises:
        ValueError: no samples, or ``weeks`` or ``draws`` below 1.

    Example:
        >>> f = forecast([5.0, 5.0], committed_points=10, weeks=2)
        >>> (f.probability, f.p50, f.p85)
        (1.0, 10.0, 10.0)
    """
    if not throughput_samples or weeks < 1 or draws < 1:
        raise ValueError("forecast needs at least one sample, one week and one draw")
    rng = random.Random(seed)
    samples = [float(s) for s in throughput_samples]
    totals = sorted(sum(rng.choices(samples, k=weeks)) for _ in range(draws))
    reached = sum(1 for t in totals if t >= committed_points - 1e-9)
    return Forecast(
        committed=committed_points,
        weeks=weeks,
        samples=tuple(samples),
        probability=reached / draws,
        p50=totals[int(0.50 * draws)],
        p85=totals[int(0.15 * draws)],
        draws=draws,
        seed=seed,
    )
