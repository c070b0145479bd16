"""The knapsack's fallback for entangled dependencies: an exact integer programme (HiGHS).

Maximise the sum of scores over binary choices, subject to the effort steps staying within
the limit and ``x[dependant] <= x[dependency]`` for every requirement. scipy's ``milp``
(HiGHS, installed with scikit-learn) solves it to proven optimality (zero gap), so the
answer is the same optimum the dynamic programme finds, in a fraction of a second for
thousands of tickets. scipy is imported only when this path is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agileds.errors import UsageError

if TYPE_CHECKING:
    from agileds.backlog._knapsack import Item

__all__ = ["solve_milp"]


def solve_milp(items: Sequence[Item], units: dict[str, int], limit: int) -> list[str]:
    """Return the keys of an optimal subset (in the order of ``items``).

    Args:
        items: Candidates in topological order; ``requires`` names other items only.
        units: The effort of each item in steps.
        limit: The capacity in steps.

    Raises:
        UsageError: the solver did not prove an optimum (it should not happen).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    index = {it.key: i for i, it in enumerate(items)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for it in items:
        for r in it.requires:
            row = len(rows) // 2
            rows += [row, row]
            cols += [index[it.key], index[r]]
            vals += [1.0, -1.0]
    n, m = len(items), len(rows) // 2
    constraints = [LinearConstraint(np.array([[units[it.key] for it in items]]), -np.inf, limit)]
    if m:
        precedence = coo_array((vals, (rows, cols)), shape=(m, n)).tocsr()
        constraints.append(LinearConstraint(precedence, -np.inf, 0))
    result = milp(
        c=-np.array([it.score for it in items]),
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.status != 0 or result.x is None:
        raise UsageError(f"the sprint plan could not be proven optimal: {result.message}")
    return [it.key for it, x in zip(items, result.x, strict=True) if x > 0.5]
