"""The git side of the sprint report: the sprint's tickets, its commits, burn-down, forecast.

All of it comes from the committed versions of the ticket files
(:func:`agileds.backlog._forecast.ticket_versions`) and HEAD's commit messages (gitpython,
imported when called). The definitions are in :mod:`agileds.reports._sprint`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agileds.backlog import (
    Forecast,
    Sprint,
    TicketVersion,
    forecast,
    sprint_weeks,
    status_changes,
    weekly_throughput,
)
from agileds.git import open_repo
from agileds.tickets import Ticket

__all__ = [
    "BurndownDay",
    "SprintCommit",
    "burndown",
    "history_forecast",
    "sprint_commits",
    "sprint_tickets",
]

_ID_RE = re.compile(r"\b(?:INV|STORY|SPIKE|BUG)-[1-9][0-9]*\b")


@dataclass(frozen=True)
class SprintCommit:
    """A commit made during the sprint whose message names tickets of the sprint."""

    sha: str
    short: str
    author: str
    date: dt.date
    subject: str
    tickets: tuple[str, ...]


@dataclass(frozen=True)
class BurndownDay:
    """One day of the burn-down: the ideal and the actual remaining points (None: future)."""

    day: dt.date
    ideal: float
    remaining: float | None


def sprint_tickets(
    tickets: Sequence[Ticket], versions: Sequence[TicketVersion], sprint: Sprint
) -> list[Ticket]:
    """The tickets of ``sprint``: in it now, or in it by a committed version while it ran."""
    ids = {t.id for t in tickets if t.sprint == sprint.number}
    at_start: dict[str, int | None] = {}
    for v in versions:
        if sprint.end is not None and v.date > sprint.end:
            continue
        if sprint.start is not None and v.date <= sprint.start:
            at_start[v.ticket] = v.sprint
        elif v.sprint == sprint.number:
            ids.add(v.ticket)
    ids |= {tid for tid, n in at_start.items() if n == sprint.number}
    return [t for t in tickets if t.id in ids]


def sprint_commits(
    repo_path: Path, ids: Iterable[str], start: dt.date | None, end: dt.date | None
) -> list[SprintCommit]:
    """Commits of HEAD's history authored from ``start`` to ``end`` (inclusive, either open)
    whose message names one of ``ids``, oldest first."""
    wanted = set(ids)
    repo = open_repo(repo_path, with_commit=True) if wanted else None
    if repo is None:
        return []
    # Commit dates are never before author dates, so this only skips older history.
    since: dict[str, Any] = {"since": f"{start - dt.timedelta(days=1)} 00:00:00"} if start else {}
    found = []
    for commit in repo.iter_commits(**since):
        day = commit.authored_datetime.date()
        if (start and day < start) or (end and day > end):
            continue
        message = commit.message if isinstance(commit.message, str) else commit.message.decode()
        named = tuple(dict.fromkeys(m for m in _ID_RE.findall(message) if m in wanted))
        if named:
            subject = message.strip().splitlines()[0] if message.strip() else ""
            author = commit.author.name or ""
            sha = commit.hexsha
            found.append(SprintCommit(sha, sha[:7], author, day, subject, named))
    return found[::-1]


def burndown(
    versions: Sequence[TicketVersion],
    efforts: Mapping[str, float],
    sprint: Sprint,
    today: dt.date | None = None,
    current: Mapping[str, str] | None = None,
) -> tuple[BurndownDay, ...]:
    """The burn-down of ``sprint`` for tickets with these ``efforts``.

    ``current`` maps a ticket to its status now (the ticket files, committed or not): today
    counts it, so work done today shows the same day. A sprint without dates has no days
    to draw; with ``current`` its burn-down is today alone, else it is empty.
    """
    today = today or dt.date.today()
    if sprint.start is None or sprint.end is None:
        if current is None:
            return ()
        return (BurndownDay(today, 0.0, _remaining_now(efforts, current)),)
    history: dict[str, list[tuple[dt.date, str]]] = {}
    for v in versions:
        if v.ticket in efforts:
            history.setdefault(v.ticket, []).append((v.date, v.status))
    total = sum(efforts.values())
    days = (sprint.end - sprint.start).days + 1
    rows = []
    for i in range(days):
        day = sprint.start + dt.timedelta(days=i)
        ideal = total * (1 - i / (days - 1)) if days > 1 else 0.0
        remaining = None
        if day == today and current is not None:
            remaining = _remaining_now(efforts, current)
        elif day <= today:
            remaining = sum(
                e for tid, e in efforts.items() if _status_on(history.get(tid, []), day) != "done"
            )
        rows.append(BurndownDay(day, ideal, remaining))
    return tuple(rows)


def _remaining_now(efforts: Mapping[str, float], current: Mapping[str, str]) -> float:
    return sum(e for tid, e in efforts.items() if current.get(tid) != "done")


def _status_on(history: list[tuple[dt.date, str]], day: dt.date) -> str | None:
    """The last committed status on or before ``day`` (history is oldest first)."""
    status = None
    for date, value in history:
        if date > day:
            break
        status = value
    return status


def history_forecast(
    versions: Sequence[TicketVersion], sprint: Sprint, committed: float
) -> tuple[Forecast | None, str]:
    """``sprint plan``'s forecast from the history before the sprint; None and why if none."""
    changes = status_changes(versions)
    if sprint.start is not None:
        changes = [c for c in changes if c.date < sprint.start]
    samples = list(weekly_throughput(changes).values())
    if not samples:
        before = f" before {sprint.start}" if sprint.start else ""
        return None, f"no history (no ticket moved to done in the git history of backlog/{before})"
    return forecast(samples, committed, sprint_weeks(sprint), seed=0), ""
