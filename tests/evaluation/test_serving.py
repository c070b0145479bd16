"""Serving cost: the demo's latency criterion is decided the same way on an idle and on a
busy machine, because latency is the CPU time of the scoring thread."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from agileds.evaluation import row_cost_ms, serving_cost

DEMO_BOUND_MS = 100.0  # STORY-1: latency_p95_ms <= 100

# Fits an ensemble and keeps every core busy for a while: end to end, not for unit-fast.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """A two-member ensemble (logistic and gradient boosting, their defaults) fitted on demo
    leads, as cost-aware selection builds for STORY-1, and the holdout it is measured on."""
    from agileds._scaffold import init_project
    from agileds.data import make_leads
    from agileds.sweeps import load_spec
    from agileds.sweeps._objective import build_model, default_configs
    from agileds.sweeps._prepare import prepare_data

    root = tmp_path_factory.mktemp("demo")
    init_project(root, demo=True)
    make_leads(500, seed=3).to_csv(root / "experiments" / "data" / "leads.csv", index=False)
    path = root / "experiments" / "lead_scoring.yaml"
    spec = load_spec(path, "experiments/lead_scoring.yaml")
    data = prepare_data(spec, path, "experiments/lead_scoring.yaml")
    members = [c for c in default_configs(spec, data) if c["family"] != "random_forest"]
    config = {"family": "ensemble", "members": members, "weights": [1] * len(members)}
    return build_model(config, spec, data).fit(data.x_train, data.y_train), data.x_holdout


@contextlib.contextmanager
def busy_cores() -> Iterator[None]:
    """Keep every core busy (one more busy-loop process than cores) inside the block."""
    count = (os.cpu_count() or 2) + 1
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(1.0)  # the loops are spinning
        assert all(p.poll() is None for p in loops)
        yield
    finally:
        for p in loops:
            p.kill()
        for p in loops:
            p.wait(timeout=30)


def test_the_latency_decision_does_not_change_when_both_cores_are_busy(
    demo_model: tuple[Any, Any],
) -> None:
    model, x = demo_model
    before = serving_cost(model, x, rows=40, batch=200, repeats=1)
    with busy_cores():
        busy = serving_cost(model, x, rows=40, batch=200, repeats=1)
    p95s = (before["latency_p95_ms"], busy["latency_p95_ms"])
    assert [p95 <= DEMO_BOUND_MS for p95 in p95s] == [True, True]
    # far from the bound either way (wall-clock p95 here: 0.9 s idle-ish, 4 s busy)
    assert all(p95 <= DEMO_BOUND_MS * 0.75 for p95 in p95s), p95s
    assert 0 < busy["latency_p50_ms"] <= busy["latency_p95_ms"]


def test_members_one_row_costs_add_up_to_the_ensembles(demo_model: tuple[Any, Any]) -> None:
    model, x = demo_model
    members = sum(row_cost_ms(m, x) for m in model.estimators_)
    whole = row_cost_ms(model, x)
    assert 0.5 * whole <= members <= 2 * whole  # the estimate ensemble selection sums
