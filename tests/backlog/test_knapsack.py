"""The knapsack's dynamic programme keeps a ticket next to its dependants, so it stays exact
and fast when the ranking puts them far apart (no integer programme, no scipy import)."""

from __future__ import annotations

import math
import random

import pytest

from agileds.backlog import _milp
from agileds.backlog._knapsack import Item, _clustered, best_subset, topological


def _spread_backlog(seed: int) -> list[Item]:
    """600 tickets in rank order; one in ten waits on a ticket ranked 300 places higher
    (in rank order the frontier would hold 30 tickets: 2**30 combinations)."""
    rng = random.Random(seed)
    items = [
        Item(f"T{i}", rng.choice([1, 2, 3, 5, 8, 13]), rng.choice([1, 2, 3, 5, 8, 13, 20]) / 3)
        for i in range(600)
    ]
    for i in range(300, 600, 10):
        items[i] = Item(items[i].key, items[i].effort, items[i].score, (f"T{i - 300}",))
    return items


def test_clustered_order_puts_dependants_right_after_what_they_require() -> None:
    items = [Item("A", 1, 1, ("C",)), Item("B", 1, 1), Item("C", 1, 1), Item("D", 1, 1, ("X",))]
    assert [it.key for it in _clustered(items)] == ["B", "C", "A"]  # D waits on an unknown
    assert {it.key for it in _clustered(items)} == {it.key for it in topological(items)[0]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spread_dependencies_stay_in_the_dynamic_programme(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = _spread_backlog(seed)
    reference = _milp.solve_milp

    def refuse(*args: object) -> list[str]:
        raise AssertionError("handed over to the integer programme")

    monkeypatch.setattr(_milp, "solve_milp", refuse)
    chosen = best_subset(items, 40)
    by_key = {it.key: it for it in items}
    assert sum(by_key[k].effort for k in chosen) <= 40
    for i, key in enumerate(chosen):
        assert set(by_key[key].requires) <= set(chosen[:i])
    units = {it.key: math.ceil(it.effort / 0.5 - 1e-9) for it in items}
    optimum = reference(topological(items)[0], units, 80)
    assert sum(by_key[k].score for k in chosen) == pytest.approx(
        sum(by_key[k].score for k in optimum)
    )
