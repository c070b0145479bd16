"""An exact 0/1 knapsack with precedence: the most score that fits, dependencies included.

Algorithm: a dynamic programme over the items in a topological order (each item after the
items it requires). A state is ``(effort used, frontier)``, where the frontier is the set
of chosen items that a later item still requires; each state keeps its best score. An item
may be added to a state only when every item it requires is in the state's frontier, so a
dependant is never chosen without its dependencies. Items that nothing requires never enter
a frontier, so for independent items this is the textbook 0/1 knapsack over effort.

Efforts are counted in steps of ``resolution`` (0.5 points by default): an effort is
rounded up and the capacity down, so a plan never exceeds the capacity, and the optimum is
exact whenever efforts and capacity are multiples of the resolution (the usual 0.5, 1, 2,
3, 5, 8, ... scales).

Two reductions keep the states few: an item that cannot fit even with everything it
requires is dropped up front, and after each item a state is pruned when its score plus the
best score the remaining items could add (a backwards knapsack that ignores dependencies,
so an upper bound) is below the best score already reached. Cost is O(items × capacity
steps × frontiers); the items are taken in rank order, each followed at once by the
dependants it makes ready, so a chosen item leaves the frontier soon after it enters and
trees of dependencies keep about one frontier entry per level, however far apart the
ranking puts a ticket and its dependants. When the dependencies are so entangled that one
step holds more than ``max_frontiers`` frontiers (or the states processed exceed
``max_work``), the same problem goes to an exact integer programme (``_milp``, HiGHS with
zero gap) instead, which returns an optimum of the same score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Item", "best_subset", "topological"]

_Chain = tuple[str, "_Chain"] | None


@dataclass(frozen=True)
class Item:
    """One candidate: a key, its effort and score, and the keys it requires."""

    key: str
    effort: float
    score: float
    requires: tuple[str, ...] = ()


def topological(items: Sequence[Item]) -> tuple[list[Item], list[str]]:
    """Order items so that each comes after what it requires, depth first.

    Items first in ``items`` come first where the order is free. Returns the ordered items
    and the keys that cannot be ordered: in a cycle, after one, or requiring an unknown key.
    """
    by_key = {it.key: it for it in items}
    dependants: dict[str, list[str]] = {k: [] for k in by_key}
    waiting = {it.key: len(set(it.requires)) for it in items}
    for it in items:
        if any(r not in by_key for r in it.requires):
            waiting[it.key] = -1  # never becomes ready
        for r in set(it.requires) & by_key.keys():
            dependants[r].append(it.key)
    ready = [k for k, n in waiting.items() if n == 0]
    orderable: set[str] = set()
    while ready:
        key = ready.pop()
        orderable.add(key)
        for d in dependants[key]:
            waiting[d] -= 1
            if waiting[d] == 0:
                ready.append(d)
    post: list[str] = []
    seen: set[str] = set()
    for start in reversed(list(by_key)):
        if start in seen or start not in orderable:
            continue
        seen.add(start)
        stack = [(start, iter(dependants[start]))]
        while stack:
            node, todo = stack[-1]
            nxt = next((d for d in todo if d not in seen and d in orderable), None)
            if nxt is None:
                stack.pop()
                post.append(node)
            else:
                seen.add(nxt)
                stack.append((nxt, iter(dependants[nxt])))
    stuck = [k for k in by_key if k not in orderable]
    return [by_key[k] for k in reversed(post)], stuck


def best_subset(
    items: Sequence[Item],
    capacity: float,
    *,
    resolution: float = 0.5,
    max_frontiers: int = 64,
    max_work: int = 3_000_000,
) -> list[str]:
    """Return the keys of the highest-scoring subset that fits and includes its requirements.

    Args:
        items: The candidates; ``requires`` names other candidates only (drop done ones).
        capacity: The most effort the subset may have.
        resolution: The effort step (see the module docstring).
        max_frontiers: Distinct frontiers in one step beyond which the integer programme
            takes over (independent items have one; trees have few).
        max_work: States the dynamic programme may process in all before it hands over.

    Returns:
        The chosen keys in topological order. Ties keep the smaller effort, then the
        subset found first (items earlier in ``items`` are preferred).
    """
    limit = math.floor(capacity / resolution + 1e-9)
    units = {it.key: math.ceil(it.effort / resolution - 1e-9) for it in items}
    ordered = _fitting(_clustered(items), units, limit)
    last_use: dict[str, int] = {}
    for i, it in enumerate(ordered):
        for r in it.requires:
            last_use[r] = i
    expiring: list[set[str]] = [set() for _ in ordered]
    for key, i in last_use.items():
        expiring[i].add(key)
    bound = _suffix_bound(ordered, units, limit)
    states: dict[tuple[int, frozenset[str]], tuple[float, _Chain]] = {(0, frozenset()): (0.0, None)}
    work = 0
    for i, it in enumerate(ordered):
        w, needs, kept = units[it.key], frozenset(it.requires), it.key in last_use
        new: dict[tuple[int, frozenset[str]], tuple[float, _Chain]] = {}
        for (used, frontier), (score, chain) in states.items():
            _offer(new, (used, frontier - expiring[i]), score, chain)
            if used + w <= limit and needs <= frontier:
                grown = (frontier | {it.key}) if kept else frontier
                _offer(new, (used + w, grown - expiring[i]), score + it.score, (it.key, chain))
        best = max(score for score, _ in new.values())
        states = {k: v for k, v in new.items() if v[0] + bound[i + 1][limit - k[0]] >= best - 1e-9}
        work += len(states)
        wide = len(states) > 64 and len({f for _, f in states}) > max_frontiers
        if wide or work > max_work:  # too entangled for the DP: an integer programme instead
            from agileds.backlog._milp import solve_milp

            return solve_milp(ordered, units, limit)
    (_, _), (_, chain) = max(states.items(), key=lambda kv: (round(kv[1][0], 9), -kv[0][0]))
    chosen: list[str] = []
    while chain is not None:
        chosen.append(chain[0])
        chain = chain[1]
    return chosen[::-1]


def _clustered(items: Sequence[Item]) -> list[Item]:
    """The orderable items in the order the dynamic programme works through them.

    Items keep their given order, except that each is followed at once, depth first, by the
    dependants it makes ready: a dependant comes right after the last item it requires.
    That keeps a chosen item in the frontier only while its dependants are near, so the
    frontiers stay few however far apart the ranking puts a ticket and its dependants.
    Items that :func:`topological` cannot order (cycles, unknown keys) are left out.
    """
    by_key = {it.key: it for it in items}
    dependants: dict[str, list[str]] = {k: [] for k in by_key}
    waiting: dict[str, int] = {}
    for it in items:
        needs = set(it.requires)
        waiting[it.key] = len(needs) if needs <= by_key.keys() else -1  # -1: never ready
        for r in needs & by_key.keys():
            dependants[r].append(it.key)
    out: list[Item] = []
    for it in items:
        if waiting[it.key] != 0:
            continue
        stack = [it.key]
        while stack:
            key = stack.pop()
            out.append(by_key[key])
            waiting[key] = -2  # emitted
            for d in reversed(dependants[key]):
                waiting[d] -= 1
                if waiting[d] == 0:
                    stack.append(d)
    return out


def _fitting(ordered: list[Item], units: dict[str, int], limit: int) -> list[Item]:
    """Drop items that cannot fit even alone with everything they require, transitively."""
    closure: dict[str, frozenset[str]] = {}
    for it in ordered:
        needs = [closure.get(r) for r in it.requires]
        if any(n is None for n in needs):
            continue
        whole = frozenset({it.key}).union(*(n for n in needs if n is not None))
        if sum(units[k] for k in whole) <= limit:
            closure[it.key] = whole
    return [it for it in ordered if it.key in closure]


def _suffix_bound(ordered: list[Item], units: dict[str, int], limit: int) -> list[list[float]]:
    """``bound[i][c]``: the best score of items ``i..`` within ``c`` steps, ignoring
    dependencies (a 0/1 knapsack run backwards), an upper bound used to prune states."""
    bound = [[0.0] * (limit + 1)]
    for it in reversed(ordered):
        prev, w = bound[-1], units[it.key]
        row = prev[:]
        if it.score > 0:
            for c in range(w, limit + 1):
                if prev[c - w] + it.score > row[c]:
                    row[c] = prev[c - w] + it.score
        bound.append(row)
    return bound[::-1]


def _offer(
    states: dict[tuple[int, frozenset[str]], tuple[float, _Chain]],
    key: tuple[int, frozenset[str]],
    score: float,
    chain: _Chain,
) -> None:
    """Keep ``(score, chain)`` at ``key`` when it beats what is there (first wins ties)."""
    old = states.get(key)
    if old is None or score > old[0] + 1e-12:
        states[key] = (score, chain)
