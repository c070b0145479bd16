"""Ranking a backlog with a scorer: deterministic ties, blocked dependencies marked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from agileds.backlog._base import Scorer
from agileds.errors import UsageError
from agileds.tickets import Status, Ticket

__all__ = ["RankedTicket", "get_scorer", "rank"]


@dataclass(frozen=True)
class RankedTicket:
    """One row of the ranking."""

    rank: int
    ticket: Ticket
    score: float
    blocked_by: tuple[str, ...]
    warnings: tuple[str, ...]


def get_scorer(method: str) -> Scorer:
    """Return the scorer named ``method``."""
    from agileds.backlog._ratio import RatioScorer

    scorers: dict[str, type[Scorer]] = {"ratio": RatioScorer}
    if method not in scorers:
        raise UsageError(f"unknown scoring method {method!r}; use one of {', '.join(scorers)}")
    return scorers[method]()


def _id_number(ticket: Ticket) -> tuple[str, int]:
    prefix, number = ticket.id.split("-")
    return prefix, int(number)


def rank(tickets: Sequence[Ticket], scorer: Scorer) -> list[RankedTicket]:
    """Rank open tickets by score; ties break by age (older first), then by ID.

    A ticket whose dependency or parent is not done is ranked but reported as blocked.
    """
    done = {t.id for t in tickets if t.status is Status.DONE}
    known = {t.id for t in tickets}
    rows = []
    for t in tickets:
        if t.status is Status.DONE:
            continue
        s = scorer.score(t)
        deps = [d for d in (*t.depends_on, *([t.parent] if t.parent else [])) if d in known]
        rows.append((t, s.value, tuple(d for d in deps if d not in done), s.warnings))
    rows.sort(key=lambda r: (-r[1], r[0].created or dt.date.max, _id_number(r[0])))
    return [RankedTicket(i, t, s, b, w) for i, (t, s, b, w) in enumerate(rows, start=1)]
