"""Checks across tickets: a dependency or parent on a missing ticket, and dependency cycles."""

from __future__ import annotations

from pathlib import Path

from agileds._io import key_lines
from agileds.errors import TicketError
from agileds.tickets._model import Status, Ticket

__all__ = ["link_errors"]


def link_errors(
    tickets: list[Ticket],
    paths: dict[str, Path],
    shown: dict[str, str],
    *,
    open_only: bool = False,
) -> list[TicketError]:
    """One error per ``depends_on``/``parent`` naming no ticket, and per dependency cycle.

    Args:
        tickets: The valid tickets of a backlog.
        paths: Each ticket's file by ID (for the line of the faulty entry).
        shown: Each ticket's file as shown to the user, by ID.
        open_only: Only report problems of tickets not done (what planning needs).
    """
    errors = []
    known = {t.id for t in tickets}
    for ticket in tickets:
        if open_only and ticket.status is Status.DONE:
            continue
        for where, dep in _links(ticket):
            if dep not in known:
                line = _line(paths.get(ticket.id), where)
                message = f"{where}: {dep} is not in the backlog; fix the ID or remove it"
                errors.append(TicketError(shown[ticket.id], line, message))
    return errors + _cycle_errors(tickets, paths, shown, open_only)


def _links(ticket: Ticket) -> list[tuple[str, str]]:
    links = [(f"depends_on[{i}]", dep) for i, dep in enumerate(ticket.depends_on)]
    return links + ([("parent", ticket.parent)] if ticket.parent else [])


def _cycle_errors(
    tickets: list[Ticket], paths: dict[str, Path], shown: dict[str, str], open_only: bool
) -> list[TicketError]:
    from agileds.tickets._deps import dependency_cycles

    considered = {t.id: t for t in tickets if not (open_only and t.status is Status.DONE)}
    graph = {
        t.id: [dep for _, dep in _links(t) if dep in considered]
        for t in considered.values()
        if t.depends_on or t.parent
    }
    errors = []
    for cycle in dependency_cycles(graph):
        first = cycle[0]
        ring = " → ".join([*cycle, first])
        where = next(w for w, dep in _links(considered[first]) if dep in cycle)
        line = _line(paths.get(first), where)
        message = f"{where}: dependency cycle {ring}; none of these can start, break the cycle"
        errors.append(TicketError(shown[first], line, message))
    return errors


def _line(path: Path | None, where: str) -> int | None:
    if path is None:
        return None
    try:
        return key_lines(path.read_text(encoding="utf-8")).get(where)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
