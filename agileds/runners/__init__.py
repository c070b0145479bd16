"""Ticket runners: what ``agileds run`` does for each ticket type."""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

from agileds.errors import UsageError
from agileds.project import Project, find_project
from agileds.runners._base import RunOptions, RunOptionsArgs, RunResult, TicketRunner
from agileds.runners._join import join_sweep
from agileds.tickets import TicketType

__all__ = [
    "RunOptions",
    "RunOptionsArgs",
    "RunResult",
    "TicketRunner",
    "get_runner",
    "join_sweep",
    "run_ticket",
]


def get_runner(ticket_type: TicketType) -> TicketRunner:
    """Return the runner of a ticket type."""
    if ticket_type in (TicketType.STORY, TicketType.SPIKE):
        from agileds.runners._sweep import SweepRunner

        return SweepRunner()
    if ticket_type is TicketType.BUG:
        from agileds.runners._bug import BugRunner

        return BugRunner()
    if ticket_type is TicketType.INVESTIGATION:
        from agileds.runners._investigation import InvestigationRunner

        return InvestigationRunner()
    raise UsageError(f"no runner for {ticket_type.value} tickets")


def run_ticket(
    ticket_id: str,
    project: Project | Path | str | None = None,
    **options: Unpack[RunOptionsArgs],
) -> RunResult:
    """Run a ticket: a sweep for stories and spikes, a data check and regression run for
    bugs, a deep-dive of the production model for investigations; then the verdict on its
    criteria.

    Args:
        ticket_id: e.g. ``STORY-1``.
        project: The project (default: the one above the current directory).
        **options: Fields of :class:`RunOptions` (trials, timeout, workers, storage, fresh;
            data and file_followups for investigations).

    Example:
        >>> result = agileds.run_ticket("STORY-1", trials=10)  # doctest: +SKIP
        >>> result.verdict, result.quantities["auroc"]  # doctest: +SKIP
    """
    if not isinstance(project, Project):
        project = find_project(project)
    ticket = project.backlog().get(ticket_id)
    run_options = RunOptions(**options)
    if ticket.type is not TicketType.INVESTIGATION and (
        run_options.data is not None or run_options.file_followups
    ):
        raise UsageError(
            f"--data and --file-followups are for investigation tickets; "
            f"{ticket.id} is a {ticket.type.value}"
        )
    return get_runner(ticket.type).run(project, ticket, run_options)
