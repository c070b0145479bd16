"""Sprint planning: the best-scoring open tickets that fit a capacity, dependencies first.

The choice is an exact 0/1 knapsack on score with precedence (see ``_milp``): the sum
of scores is maximised subject to the sum of efforts staying within the capacity, and a
ticket is chosen only when each of its ``depends_on`` and ``parent`` tickets is done or
chosen too. Candidates are the ``todo`` and ``in_progress`` tickets not in another sprint.
A candidate waiting on a ticket that is neither done nor a candidate (blocked, or planned
in another sprint) cannot be chosen and is listed as unplannable. Dependencies on IDs that
are not in the backlog are ignored, as ranking does.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from agileds._json import json_ready
from agileds.backlog._base import Scorer
from agileds.backlog._forecast import Forecast, forecast, status_history, weekly_throughput
from agileds.backlog._milp import Item, best_subset, topological
from agileds.backlog._rank import get_scorer, rank
from agileds.backlog._sprints import Sprint, load_sprints, save_sprint, sprint_weeks
from agileds.errors import BacklogInvalidError, UsageError
from agileds.project import Project
from agileds.tickets import Backlog, Status, Ticket

__all__ = ["PlannedTicket", "SprintPlan", "choose_tickets", "history_forecast", "plan_sprint"]

OPEN = (Status.TODO, Status.IN_PROGRESS)
NO_HISTORY = "forecast: no history yet (no ticket moved to done in the git history of backlog/)"


@dataclass(frozen=True)
class PlannedTicket:
    """A chosen ticket, its score and the points planned up to and including it."""

    ticket: Ticket
    score: float
    cumulative: float


@dataclass(frozen=True)
class SprintPlan:
    """The plan of one sprint, as computed (and written unless ``dry_run``)."""

    sprint: Sprint
    method: str
    chosen: tuple[PlannedTicket, ...]
    released: tuple[str, ...]
    unplannable: tuple[str, ...]
    forecast: Forecast | None
    note: str
    dry_run: bool

    @property
    def points(self) -> float:
        """The committed points: the sum of the chosen efforts."""
        return sum(p.ticket.effort for p in self.chosen)

    @property
    def score(self) -> float:
        """The sum of the chosen scores."""
        return sum(p.score for p in self.chosen)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (what ``agileds sprint plan --json`` prints)."""
        f = self.forecast
        data = {
            "sprint": self.sprint.model_dump(mode="json"),
            "method": self.method,
            "tickets": [
                {
                    "id": p.ticket.id,
                    "title": p.ticket.title,
                    "effort": p.ticket.effort,
                    "score": round(p.score, 3),
                    "cumulative": p.cumulative,
                }
                for p in self.chosen
            ],
            "points": self.points,
            "score": self.score,
            "released": list(self.released),
            "unplannable": list(self.unplannable),
            "forecast": None
            if f is None
            else {
                "probability": f.probability,
                "p50": f.p50,
                "p85": f.p85,
                "weeks": f.weeks,
                "samples": list(f.samples),
            },
            "note": self.note,
            "dry_run": self.dry_run,
        }
        return {key: json_ready(value) for key, value in data.items()}


def _requires(ticket: Ticket, known: set[str], done: set[str]) -> tuple[str, ...]:
    deps = (*ticket.depends_on, *([ticket.parent] if ticket.parent else []))
    return tuple(dict.fromkeys(d for d in deps if d in known and d not in done))


def choose_tickets(
    tickets: Sequence[Ticket], number: int, capacity: float, scorer: Scorer
) -> tuple[list[PlannedTicket], list[str]]:
    """Choose sprint ``number``'s tickets from a whole backlog.

    Returns:
        The chosen tickets (dependencies before dependants, otherwise by rank) and the IDs of
        open candidates that cannot be chosen because of their dependencies.
    """
    known = {t.id for t in tickets}
    done = {t.id for t in tickets if t.status is Status.DONE}
    ranked = [
        r
        for r in rank(tickets, scorer)
        if r.ticket.status in OPEN and r.ticket.sprint in (None, number)
    ]
    items = [
        Item(r.ticket.id, r.ticket.effort, r.score, _requires(r.ticket, known, done))
        for r in ranked
    ]
    _, stuck = topological(items)
    chosen = set(best_subset([it for it in items if it.key not in stuck], capacity))
    order = _rank_order([it for it in items if it.key in chosen])
    by_id = {r.ticket.id: r for r in ranked}
    planned, total = [], 0.0
    for key in order:
        total += by_id[key].ticket.effort
        planned.append(PlannedTicket(by_id[key].ticket, by_id[key].score, total))
    return planned, stuck


def _rank_order(items: Sequence[Item]) -> list[str]:
    """Best rank first, but never a ticket before one it requires."""
    pos = {it.key: i for i, it in enumerate(items)}
    waiting = {it.key: sum(r in pos for r in set(it.requires)) for it in items}
    heap = [i for i, it in enumerate(items) if waiting[it.key] == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        key = items[heapq.heappop(heap)].key
        out.append(key)
        for it in items:
            if key in it.requires:
                waiting[it.key] -= 1
                if waiting[it.key] == 0:
                    heapq.heappush(heap, pos[it.key])
    return out


def _sprint_record(
    project: Project, number: int, capacity: float | None, values: dict[str, Any]
) -> Sprint:
    """The sprint as it will be recorded: the file's entry updated with the given values."""
    if number < 1:
        raise UsageError(f"sprint number must be 1 or more, got {number}")
    known = load_sprints(project.backlog_dir).get(number)
    if capacity is None:
        capacity = known.capacity if known is not None else None
        if capacity is None:
            raise UsageError(f"no capacity for sprint {number}; pass --capacity POINTS")
    if not capacity > 0 or not math.isfinite(capacity):
        raise UsageError(f"capacity must be a positive number of points, got {capacity:g}")
    merged = (known.model_dump() if known else {"number": number}) | values
    try:
        return Sprint.model_validate(merged | {"capacity": capacity})
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise UsageError(f"sprint {number}: {msg}") from None


def _plannable(backlog: Backlog) -> list[Ticket]:
    """Every ticket, after refusing a backlog whose open tickets depend on a missing ticket
    or on a cycle (a plan would silently ignore such a dependency)."""
    result = backlog.load()
    errors = result.errors or backlog.link_errors(result, open_only=True)
    if errors:
        raise BacklogInvalidError(errors)
    return result.tickets


def history_forecast(project: Project, committed: float, weeks: int) -> tuple[Forecast | None, str]:
    """Forecast from the project's git history; None and a one-line note when there is none."""
    samples = list(weekly_throughput(status_history(project.root, project.backlog_dir)).values())
    if not samples:
        return None, NO_HISTORY
    return forecast(samples, committed, weeks, seed=0), ""


def plan_sprint(
    project: Project,
    number: int,
    capacity: float | None = None,
    *,
    method: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    goal: str | None = None,
    dry_run: bool = False,
) -> SprintPlan:
    """Plan sprint ``number`` and, unless ``dry_run``, write it.

    Writes ``sprint: N`` into each chosen ticket, ``sprint: null`` into open tickets of this
    sprint left out of the new plan, and the sprint (capacity, and the given dates and
    goal) into ``backlog/sprints.yaml``. Every file is checked before the first write.

    Args:
        capacity: Points; default the capacity recorded for the sprint.
        method: Scorer name; default ``agileds.yaml``'s ``scorer``.

    Raises:
        UsageError: a sprint number below 1, no or a non-positive capacity, an unknown
            method, or end before start.
        BacklogInvalidError, SprintsError: a ticket file or sprints.yaml is invalid.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> plan = agileds.plan_sprint(project, 1, 20, dry_run=True)  # doctest: +SKIP
        >>> [p.ticket.id for p in plan.chosen], plan.points  # doctest: +SKIP
    """
    values = {k: v for k, v in {"start": start, "end": end, "goal": goal}.items() if v is not None}
    sprint = _sprint_record(project, number, capacity, values)
    assert sprint.capacity is not None
    method = method or project.settings.scorer
    scorer = get_scorer(method)
    backlog = project.backlog()
    tickets = _plannable(backlog)
    chosen, stuck = choose_tickets(tickets, number, sprint.capacity, scorer)
    ids = {p.ticket.id for p in chosen}
    released = [
        t.id for t in tickets if t.sprint == number and t.status in OPEN and t.id not in ids
    ]
    if not dry_run:
        for p in chosen:
            if p.ticket.sprint != number:
                backlog.update(p.ticket.id, sprint=number)
        for ticket_id in released:
            backlog.update(ticket_id, sprint=None)
        cap = sprint.capacity
        sprint = save_sprint(
            project.backlog_dir, number, capacity=int(cap) if cap.is_integer() else cap, **values
        )
    points = sum(p.ticket.effort for p in chosen)
    fc, note = history_forecast(project, points, sprint_weeks(sprint))
    return SprintPlan(
        sprint, method, tuple(chosen), tuple(released), tuple(stuck), fc, note, dry_run
    )
