"""Ranking a backlog with a scorer: deterministic ties, dependencies, quadrants, evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from agileds._json import json_ready
from agileds.backlog._base import Scorer
from agileds.backlog._evidence import Evidence, adjust_with_note, gather_evidence
from agileds.backlog._quadrant import Quadrant, Thresholds, quadrant_of, thresholds
from agileds.errors import UsageError
from agileds.tickets import Status, Ticket, TicketType, dependencies_of, dependency_warnings

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = ["SCORER_NAMES", "RankedTicket", "Ranking", "get_scorer", "rank", "rank_backlog"]

SCORER_NAMES: tuple[str, ...] = ("ratio", "wsjf", "rice", "ice")


@dataclass(frozen=True)
class RankedTicket:
    """One row of the ranking.

    Attributes:
        rank: 1 for the best ticket.
        ticket: The ticket as written (evidence adjustments are not applied to it).
        score: The scorer's value.
        blocked_by: Dependencies and parent that are not done yet.
        warnings: Defaults used, evidence adjustments and dependency problems.
        quadrant: Its quadrant against the medians of the ranked tickets.
        evidence: What MLflow (or a monitor) showed for it, when anything.
    """

    rank: int
    ticket: Ticket
    score: float
    blocked_by: tuple[str, ...]
    warnings: tuple[str, ...]
    quadrant: Quadrant | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True)
class Ranking:
    """The result of ranking a project's backlog, ready to print or plot.

    Attributes:
        method: The scorer used.
        rows: Ranked open tickets, best first.
        thresholds: The median value and effort that split the quadrants.
        warnings: Every warning once, in order of the rows (evidence problems first).
        evidence_uri: The tracking URI evidence was read from, or None when not read.
    """

    method: str
    rows: tuple[RankedTicket, ...]
    thresholds: Thresholds
    warnings: tuple[str, ...]
    evidence_uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ranking as JSON-ready data (what ``agileds backlog rank --json`` prints)."""
        data = {
            "method": self.method,
            "thresholds": {"value": self.thresholds.value, "effort": self.thresholds.effort},
            "tickets": [_row_dict(r) for r in self.rows],
            "warnings": list(self.warnings),
            "evidence_uri": self.evidence_uri,
        }
        return {key: json_ready(value) for key, value in data.items()}


def _row_dict(r: RankedTicket) -> dict[str, Any]:
    e = r.evidence
    return {
        "rank": r.rank,
        "id": r.ticket.id,
        "type": r.ticket.type.value,
        "title": r.ticket.title,
        "value": r.ticket.value,
        "effort": r.ticket.effort,
        "score": r.score,
        "quadrant": r.quadrant.value if r.quadrant else None,
        "status": r.ticket.status.value,
        "blocked_by": list(r.blocked_by),
        "evidence": None
        if e is None
        else {
            "metric": e.metric,
            "value": e.value,
            "verdict": e.verdict,
            "runs": e.runs,
            "severity": e.severity,
            "best_run_id": e.best_run_id,
        },
        "warnings": list(r.warnings),
    }


def get_scorer(method: str) -> Scorer:
    """Return the scorer named ``method`` (``ratio``, ``wsjf``, ``rice`` or ``ice``).

    Raises:
        UsageError: Unknown method; the message lists the valid names.
    """
    from agileds.backlog._ice import IceScorer
    from agileds.backlog._ratio import RatioScorer
    from agileds.backlog._rice import RiceScorer
    from agileds.backlog._wsjf import WsjfScorer

    scorers: dict[str, type[Scorer]] = {
        "ratio": RatioScorer,
        "wsjf": WsjfScorer,
        "rice": RiceScorer,
        "ice": IceScorer,
    }
    if method not in scorers:
        raise UsageError(f"unknown scoring method {method!r}; use one of {', '.join(scorers)}")
    return scorers[method]()


def _id_number(ticket: Ticket) -> tuple[str, int]:
    prefix, number = ticket.id.split("-")
    return prefix, int(number)


def _sort_key(ticket: Ticket, score: float) -> tuple[float, dt.date, tuple[str, int]]:
    """Best score first (rounded, so float noise never decides), then oldest, then ID."""
    return (-round(score, 9), ticket.created or dt.date.max, _id_number(ticket))


def rank(
    tickets: Sequence[Ticket],
    scorer: Scorer,
    *,
    backlog: Sequence[Ticket] | None = None,
    evidence: Mapping[str, Evidence] | None = None,
) -> list[RankedTicket]:
    """Rank the open tickets of ``tickets`` by score, best first.

    Ties break by age (older ``created`` first; no date counts as newest), then by ID
    (prefix, then number: ``STORY-2`` before ``STORY-10``). A ticket whose ``depends_on`` or
    ``parent`` is not done is ranked but reported in ``blocked_by``; a dependency on an ID
    not in the backlog, and a dependency cycle, are warnings. Quadrants use the medians of
    value and effort over the ranked tickets.

    Args:
        tickets: The tickets to rank; done ones are skipped.
        scorer: The scoring method.
        backlog: Every ticket, for resolving dependencies (default: ``tickets``).
        evidence: Evidence by ticket ID; confidence is adjusted from it before scoring.

    Returns:
        One row per open ticket, best first.
    """
    universe = {t.id: t for t in (backlog if backlog is not None else tickets)}
    done = {tid for tid, t in universe.items() if t.status is Status.DONE}
    open_tickets = [t for t in tickets if t.status is not Status.DONE]
    dep_notes = dependency_warnings(open_tickets, universe)
    scored = []
    for ticket in open_tickets:
        adjusted, note = adjust_with_note(ticket, evidence) if evidence else (ticket, None)
        score = scorer.score(adjusted)
        blocked: tuple[str, ...] = ()
        if ticket.depends_on or ticket.parent:  # most tickets wait on nothing
            blocked = tuple(d for d in dependencies_of(ticket) if d in universe and d not in done)
        notes = score.warnings
        if note or ticket.id in dep_notes:
            notes = (*((note,) if note else ()), *notes, *dep_notes.get(ticket.id, ()))
        scored.append((_sort_key(ticket, score.value), ticket, score.value, blocked, notes))
    scored.sort(key=itemgetter(0))
    split = thresholds([r[1].value for r in scored], [r[1].effort for r in scored])
    found = evidence or {}
    return [
        RankedTicket(i, t, s, b, w, quadrant_of(t.value, t.effort, split), found.get(t.id))
        for i, (_, t, s, b, w) in enumerate(scored, start=1)
    ]


def rank_backlog(
    project: Project,
    method: str | None = None,
    type_: TicketType | str | None = None,
    *,
    evidence: bool | None = None,
) -> Ranking:
    """Rank a project's backlog, with evidence from MLflow when its store holds any.

    Args:
        project: The project.
        method: Scorer name (default: ``agileds.yaml``'s ``scorer``).
        type_: Only tickets of this type (dependencies still resolve against all).
        evidence: Read MLflow: True always, False never, None (default) only when the
            project's tracking store is a SQLite file that exists, so a project without
            runs never imports MLflow.

    Returns:
        The ranking.

    Raises:
        UsageError: Unknown method or ticket type.
        BacklogInvalidError: A ticket file is invalid.

    Example:
        >>> ranking = agileds.rank_backlog(agileds.find_project(), "wsjf")  # doctest: +SKIP
        >>> [(r.ticket.id, r.score) for r in ranking.rows[:3]]  # doctest: +SKIP
    """
    scorer = get_scorer(method or project.settings.scorer)
    wanted = _ticket_type(type_)
    tickets = project.backlog().tickets()
    chosen = [t for t in tickets if wanted is None or t.type is wanted]
    found, notes, uri = gather_evidence(project, chosen, evidence)
    rows = rank(chosen, scorer, backlog=tickets, evidence=found)
    split = thresholds([r.ticket.value for r in rows], [r.ticket.effort for r in rows])
    warnings = dict.fromkeys([*notes, *(w for r in rows for w in r.warnings)])
    return Ranking(scorer.name, tuple(rows), split, tuple(warnings), uri)


def _ticket_type(type_: TicketType | str | None) -> TicketType | None:
    if type_ is None or isinstance(type_, TicketType):
        return type_
    try:
        return TicketType(type_)
    except ValueError:
        names = ", ".join(t.value for t in TicketType)
        raise UsageError(f"unknown ticket type {type_!r}; use one of {names}") from None
