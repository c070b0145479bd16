"""The sprint knapsack's integer programme against brute force on small backlogs: the best
score, then the fewest points, then the better-ranked tickets, and nothing on stdout."""

from __future__ import annotations

import doctest
import itertools
import random

import pytest

from agileds.backlog import _milp
from agileds.backlog._milp import Item, best_subset


def _brute_force(items: list[Item], capacity: float) -> set[str]:
    """Every subset tried: best score, then fewest points, then the lowest sum of ranks."""
    pos = {it.key: i for i, it in enumerate(items)}
    best: tuple[float, float, int] | None = None
    chosen: set[str] = set()
    for r in range(len(items) + 1):
        for combo in itertools.combinations(items, r):
            keys = {it.key for it in combo}
            effort = sum(it.effort for it in combo)
            if effort > capacity or not all(set(it.requires) <= keys for it in combo):
                continue
            key = (-round(sum(it.score for it in combo), 9), effort, sum(pos[k] for k in keys))
            if best is None or key < best:
                best, chosen = key, keys
    return chosen


def _random_backlog(rng: random.Random, size: int) -> list[Item]:
    """Few distinct scores and efforts, so ties are common."""
    items: list[Item] = []
    for i in range(size):
        earlier = [it.key for it in items]
        needs = tuple(rng.sample(earlier, k=min(len(earlier), rng.choice([0, 0, 1, 2]))))
        items.append(Item(f"T{i}", rng.choice([0.5, 1, 2, 3, 5]), rng.randint(1, 4), needs))
    rng.shuffle(items)
    return items


@pytest.mark.parametrize("seed", range(4))
def test_the_plan_is_the_brute_force_optimum_ties_included(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(15):
        items = _random_backlog(rng, 8)
        capacity = rng.choice([2, 3, 5, 8, 13])
        chosen = best_subset(items, capacity)
        by_key = {it.key: it for it in items}
        for i, key in enumerate(chosen):  # each requirement chosen, and before
            assert set(by_key[key].requires) <= set(chosen[:i])
        assert set(chosen) == _brute_force(items, capacity)


def test_a_tie_goes_to_fewer_points_then_to_the_better_ranked_tickets() -> None:
    # A alone and B + C score 4; A needs fewer points. D and E tie with B + C otherwise.
    assert best_subset([Item("B", 2, 2), Item("C", 2, 2), Item("A", 3, 4)], 4) == ["A"]
    items = [Item("D", 1, 1), Item("E", 1, 1), Item("F", 1, 1)]
    assert best_subset(items, 2) == ["D", "E"]
    assert best_subset(items[::-1], 2) == ["F", "E"]


def test_unorderable_or_oversized_items_are_never_chosen() -> None:
    items = [Item("A", 1, 5, ("B",)), Item("B", 1, 5, ("A",)), Item("C", 1, 5, ("X",))]
    assert best_subset([*items, Item("D", 30, 99), Item("E", 1, 1)], 10) == ["E"]
    assert best_subset([Item("A", 1, 1)], 0.4) == []


def test_a_large_backlog_solves_without_printing(capfd: pytest.CaptureFixture[str]) -> None:
    # With HiGHS' presolve on, this backlog printed a debug line on stdout (scipy 1.17).
    rng = random.Random(95)
    size = rng.choice([5, 10, 30, 100, 300])
    items: list[Item] = []
    for i in range(size):
        earlier = [f"T{j}" for j in range(i)]
        needs = tuple(rng.sample(earlier, k=min(i, rng.choice([0, 0, 0, 1, 2]))))
        effort, score = rng.choice([0.5, 1, 2, 3, 5, 8, 13]), rng.choice([1, 2, 3, 5, 8, 13, 20])
        items.append(Item(f"T{i}", effort, score / 3, needs))
    rng.shuffle(items)
    chosen = best_subset(items, 40)
    by_key = {it.key: it for it in items}
    assert size == 300 and 0 < sum(by_key[k].effort for k in chosen) <= 40
    assert capfd.readouterr().out == ""


def test_the_docstring_example_holds() -> None:
    assert doctest.testmod(_milp).failed == 0
