"""Thread plans for a sweep, the thread limits themselves, and the shared trial count."""

from __future__ import annotations

import multiprocessing

import pytest

from agileds.sweeps import _threads
from agileds.sweeps._threads import plan_threads, pool_threads, thread_limits
from agileds.sweeps._workers import TrialTokens


@pytest.mark.parametrize(
    ("cores", "load", "workers", "per_worker", "refit"),
    [
        (2, 0.2, 1, 2, 2),  # an idle machine: every core
        (2, 5.0, 1, 1, 1),  # a busy one: at least one thread
        (8, 2.0, 2, 3, 6),  # six idle cores over two workers
        (2, 0.0, 4, 1, 2),  # more workers than cores: one each
        (4, None, 2, 2, 4),  # no load average (Windows): every core
    ],
)
def test_the_sweep_owns_the_idle_cores_split_over_its_workers(
    monkeypatch: pytest.MonkeyPatch, cores, load, workers, per_worker, refit
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_threads, "_cores", lambda: cores)
    monkeypatch.setattr(_threads, "_load", lambda: load)
    plan = plan_threads(workers)
    assert (plan.per_worker, plan.refit, plan.source) == (per_worker, refit, "load")


def test_omp_num_threads_decides_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    plan = plan_threads(2)
    assert (plan.per_worker, plan.refit, plan.source) == (3, 3, "OMP_NUM_THREADS")
    assert plan.describe().startswith(
        "threads: 3 OpenMP/BLAS thread(s) per worker × 2 worker(s), 3 for the refit "
        "(OMP_NUM_THREADS is set;"
    )


def test_the_limit_holds_inside_and_is_lifted_after() -> None:
    with thread_limits(1):
        one = pool_threads()["openmp"]  # the OpenMP runtime is loaded by now
    original = pool_threads()["openmp"]
    with thread_limits(original + 2):
        inside = pool_threads()["openmp"]
    assert (one, inside) == (1, original + 2)
    assert pool_threads()["openmp"] == original


def test_trial_tokens_run_out_exactly() -> None:
    tokens = TrialTokens(2, multiprocessing.get_context("spawn"))
    assert [tokens.take() for _ in range(4)] == [True, True, False, False]
    assert TrialTokens(-1, multiprocessing.get_context("spawn")).take() is False
