"""Ticket runners: what ``agileds run`` does for each ticket type."""

from __future__ import annotations

from pathlib import Path

from agileds.errors import UsageError
from agileds.project import Project, find_project
from agileds.runners._base import RunOptions, RunResult, TicketRunner
from agileds.tickets import TicketType

__all__ = ["RunOptions", "RunResult", "TicketRunner", "get_runner", "run_ticket"]


def get_runner(ticket_type: TicketType) -> TicketRunner:
    """Return the runner of a ticket type."""
    if ticket_type in (TicketType.STORY, TicketType.SPIKE):
        from agileds.runners._sweep import SweepRunner

        return SweepRunner()
    if ticket_type is TicketType.BUG:
        from agileds.runners._bug import BugRunner

        return BugRunner()
    raise UsageError(
        f"running {ticket_type.value} tickets is not available yet; "
        "story, spike and bug tickets run today (see 'agileds run --help')"
    )


def run_ticket(
    ticket_id: str, project: Project | Path | str | None = None, **options: object
) -> RunResult:
    """Run a ticket: a sweep for stories and spikes, ending in a verdict on its criteria.

    Args:
        ticket_id: e.g. ``STORY-1``.
        project: The project (default: the one above the current directory).
        **options: Fields of :class:`RunOptions` (trials, timeout, workers, storage, fresh).

    Example:
        >>> result = agileds.run_ticket("STORY-1", trials=10)  # doctest: +SKIP
        >>> result.verdict, result.quantities["auroc"]  # doctest: +SKIP
    """
    if not isinstance(project, Project):
        project = find_project(project)
    ticket = project.backlog().get(ticket_id)
    return get_runner(ticket.type).run(project, ticket, RunOptions(**options))  # type: ignore[arg-type]
