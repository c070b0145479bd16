"""Dependencies between tickets: what a ticket waits for, unknown IDs and cycles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from agileds.tickets._model import Status, Ticket

__all__ = ["dependencies_of", "dependency_cycles", "dependency_warnings"]


def dependencies_of(ticket: Ticket) -> tuple[str, ...]:
    """Return the IDs ``ticket`` waits for: its ``depends_on``, then its ``parent``."""
    return (*ticket.depends_on, *((ticket.parent,) if ticket.parent else ()))


def dependency_warnings(
    tickets: Sequence[Ticket], universe: Mapping[str, Ticket]
) -> dict[str, list[str]]:
    """Return warnings by ticket ID: dependencies on unknown IDs, and cycles among open tickets.

    Args:
        tickets: The tickets being ranked.
        universe: Every ticket of the backlog by ID.
    """
    notes: dict[str, list[str]] = {}
    for ticket in tickets:
        if not (ticket.depends_on or ticket.parent):
            continue
        for dep in dependencies_of(ticket):
            if dep not in universe:
                kind = "parent" if dep == ticket.parent else "depends on"
                notes.setdefault(ticket.id, []).append(
                    f"{ticket.id}: {kind} {dep}, which is not in the backlog; ignored"
                )
    # Only open tickets that wait on something can be on a cycle; most wait on nothing.
    graph = {
        t.id: [
            d for d in dependencies_of(t) if d in universe and universe[d].status is not Status.DONE
        ]
        for t in universe.values()
        if (t.depends_on or t.parent) and t.status is not Status.DONE
    }
    ranked = {t.id for t in tickets}
    for cycle in dependency_cycles(graph):
        shown = " → ".join([*cycle, cycle[0]])
        note = f"dependency cycle {shown}; none of these can start until it is broken"
        for member in cycle:
            if member in ranked:
                notes.setdefault(member, []).append(f"{member}: {note}")
    return notes


def dependency_cycles(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Return the cycles a depth-first search meets in ``graph`` (iterative, so any depth).

    Each cycle is listed once, in dependency order from where the search entered it.

    Example:
        >>> dependency_cycles({"A": ["B"], "B": ["A"], "C": ["A"]})
        [['A', 'B']]
    """
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in state:
            continue
        path: list[str] = [start]
        stack: list[Iterator[str]] = [iter(graph.get(start, ()))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :])
            elif nxt not in state and nxt in graph:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return cycles
