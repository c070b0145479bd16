"""The sprint knapsack with precedence, solved exactly as an integer programme (HiGHS).

Maximise the sum of scores over binary choices ``x``, subject to the effort staying within
the capacity and ``x[dependant] <= x[dependency]`` for every requirement, so a dependant is
never chosen without what it requires. scipy's ``milp`` (HiGHS) solves it to proven
optimality (zero gap) in milliseconds for sprint-sized problems and well under a second for
thousands of tickets. Among subsets of the best score, a second solve picks the one with the
fewest effort steps, then the lowest sum of positions in ``items`` (so on a tie the
better-ranked tickets win); the answer is therefore the same whatever the solver's path.
HiGHS' presolve is off: on these small, tied problems it is slower, and in the HiGHS that
scipy 1.17 bundles its solution transform prints a debug line on stdout (``--json`` output
would break).

Efforts are counted in steps of ``resolution`` (0.5 points by default): an effort is
rounded up and the capacity down, so a plan never exceeds the capacity, and the optimum is
exact whenever efforts and capacity are multiples of the resolution (the usual 0.5, 1, 2,
3, 5, 8, ... scales). numpy and scipy are imported only when a plan is solved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Item", "best_subset", "topological"]

_SCORE_TOLERANCE = 1e-9


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


def best_subset(items: Sequence[Item], capacity: float, *, resolution: float = 0.5) -> list[str]:
    """Return the keys of the highest-scoring subset that fits and includes its requirements.

    Args:
        items: The candidates, best rank first; ``requires`` names other candidates (drop
            done ones). Items in a cycle or requiring an unknown key are never chosen.
        capacity: The most effort the subset may have.
        resolution: The effort step (see the module docstring).

    Returns:
        The chosen keys in topological order. Ties keep the smaller effort, then the
        better-ranked items (the lower sum of positions in ``items``).

    Raises:
        UsageError: the solver did not prove an optimum (it should not happen).

    Example:
        >>> best_subset([Item("A", 6, 7), Item("B", 5, 5), Item("C", 5, 5)], 10)
        ['B', 'C']
    """
    limit = math.floor(capacity / resolution + 1e-9)
    ordered, _ = topological(items)
    units = [math.ceil(it.effort / resolution - 1e-9) for it in ordered]
    fits = [i for i, it in enumerate(ordered) if units[i] <= limit and it.score > 0]
    if not fits:
        return []
    keep = _closed(ordered, set(fits))
    ordered = [it for it in ordered if it.key in keep]
    units = [math.ceil(it.effort / resolution - 1e-9) for it in ordered]
    rank = {it.key: i for i, it in enumerate(items)}
    chosen = _solve(ordered, units, limit, [rank[it.key] for it in ordered])
    return [it.key for it, x in zip(ordered, chosen, strict=True) if x]


def _closed(ordered: Sequence[Item], useful: set[int]) -> set[str]:
    """The keys worth offering the solver: useful items and everything they require."""
    by_key = {it.key: it for it in ordered}
    keep: set[str] = set()
    stack = [ordered[i].key for i in useful]
    while stack:
        key = stack.pop()
        if key not in keep:
            keep.add(key)
            stack.extend(by_key[key].requires)
    return keep


def _solve(items: Sequence[Item], units: list[int], limit: int, rank: list[int]) -> list[bool]:
    """Best score first; among the subsets of that score, fewest steps, then best ranks."""
    import numpy as np
    from scipy.optimize import LinearConstraint

    scores = np.array([it.score for it in items], dtype=np.float64)
    weight = np.array(units, dtype=np.float64)
    constraints = [LinearConstraint(weight[np.newaxis, :], -np.inf, limit)]
    precedence = _precedence(items)
    if precedence is not None:
        constraints.append(LinearConstraint(precedence, -np.inf, 0))
    best = _milp(-scores, constraints)
    floor = float(scores @ best) - _SCORE_TOLERANCE * max(1.0, float(scores @ best))
    constraints.append(LinearConstraint(scores[np.newaxis, :], floor, np.inf))
    spread = float(max(rank) + 1) * len(items) + 1.0  # one step outweighs any sum of positions
    tied = _milp(weight * spread + np.array(rank, dtype=np.float64), constraints)
    return [bool(x > 0.5) for x in tied]


def _precedence(items: Sequence[Item]) -> Any:
    """The sparse rows ``x[dependant] - x[dependency] <= 0``, or None without requirements."""
    from scipy.sparse import coo_array

    index = {it.key: i for i, it in enumerate(items)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for it in items:
        for r in dict.fromkeys(it.requires):
            row = len(rows) // 2
            rows += [row, row]
            cols += [index[it.key], index[r]]
            vals += [1.0, -1.0]
    if not rows:
        return None
    return coo_array((vals, (rows, cols)), shape=(len(rows) // 2, len(items))).tocsr()


def _milp(cost: NDArray[Any], constraints: list[Any]) -> NDArray[Any]:
    """Minimise ``cost @ x`` over binary ``x`` to proven optimality."""
    import numpy as np
    from scipy.optimize import Bounds, milp

    result = milp(
        c=cost,
        constraints=constraints,
        integrality=np.ones(len(cost)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "presolve": False},
    )
    if result.status != 0 or result.x is None:
        raise UsageError(f"the sprint plan could not be proven optimal: {result.message}")
    out: NDArray[Any] = np.round(result.x)
    return out
