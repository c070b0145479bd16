"""Serving cost of a fitted model: latency per row and per batch, size on disk.

Latency is the CPU time of the scoring thread (``time.thread_time``) per call, not the
wall-clock time: on a busy machine the wall clock also counts the time the scheduler gave
other processes, so the same model measured 50 ms idle and 400 ms at load 4, and a
latency criterion flipped with the load. Scoring runs with one BLAS/OpenMP thread (and
agileds' model families predict with ``n_jobs=1``), so the calling thread does all the
work and its CPU time is the cost of the call. One-row calls go through the model's row
plan (:mod:`agileds.automl._fastpath`), as the logged pyfunc and ``mlflow models serve``
answer small inputs; a batch goes through the pipeline, as it is served too.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LATENCY_METHOD", "row_cost_ms", "scoring_threads", "serving_cost"]

LATENCY_METHOD = (
    "CPU time of the scoring thread per call (time.thread_time), one BLAS/OpenMP thread; "
    "p50/p95 over one-row calls through the served fast path (the model's row plan)"
)
"""How ``latency_*`` quantities are measured, in words (reports and docs quote it)."""

SERVING = ("latency_p50_ms", "latency_p95_ms", "latency_batch_ms", "model_size_mb")
"""The serving measures, as :func:`serving_cost` names them."""


def serving_cost(
    model: Any, x: pd.DataFrame, *, rows: int = 100, batch: int = 1000, repeats: int = 3
) -> dict[str, float]:
    """Measure ``latency_p50_ms``/``latency_p95_ms`` (one row at a time, over ``rows`` rows),
    ``latency_batch_ms`` (median of ``repeats`` batches of ``batch`` rows) and
    ``model_size_mb`` (the pickled model).

    The scoring call is ``predict_proba`` when the model has it, else ``predict``. It runs
    with one BLAS/OpenMP thread, as a serving worker answering one request would: thread
    pools only add start-up and barrier cost to a one-row prediction. Each call's latency
    is the CPU time of the scoring thread (see :data:`LATENCY_METHOD`), so machine load
    does not decide a latency criterion.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _measure(model, x, rows, batch, repeats)


def row_cost_ms(model: Any, x: pd.DataFrame, *, rows: int = 20) -> float:
    """The p95 CPU milliseconds of one-row calls over the first ``rows`` rows of ``x``:
    a quick estimate of a fitted model's one-row cost (ensemble selection sums them)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return float(np.percentile(_per_row(_scorer(model), x, rows), 95))


def _scorer(model: Any) -> Callable[[Any], Any]:
    """The call a served model makes: ``predict_proba`` (else ``predict``) through the
    model's row plan for small inputs, as the logged pyfunc answers them."""
    from agileds.automl import compile_plan, fast_call

    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    plan = compile_plan(model)
    return lambda frame: fast_call(model, plan, method, frame)


def _cpu_ms(score: Callable[[Any], Any], frame: Any) -> float:
    start = time.thread_time()
    score(frame)
    return (time.thread_time() - start) * 1000


def _per_row(score: Callable[[Any], Any], x: pd.DataFrame, rows: int) -> list[float]:
    singles = [x.iloc[[i % len(x)]] for i in range(min(rows, max(len(x), 1)))]
    score(singles[0])  # warm-up: first-call overheads are not serving cost
    return [_cpu_ms(score, row) for row in singles]


def _measure(model: Any, x: pd.DataFrame, rows: int, batch: int, repeats: int) -> dict[str, float]:
    import numpy as np

    score = _scorer(model)
    per_row = _per_row(score, x, rows)
    big = x.sample(n=batch, replace=len(x) < batch, random_state=0)
    per_batch = [_cpu_ms(score, big) for _ in range(repeats)]
    return {
        "latency_p50_ms": float(np.percentile(per_row, 50)),
        "latency_p95_ms": float(np.percentile(per_row, 95)),
        "latency_batch_ms": float(np.median(per_batch)),
        "model_size_mb": len(pickle.dumps(model)) / 1e6,
    }


def scoring_threads() -> int | None:
    """OpenMP threads for scoring: the cores other work leaves idle, at least one.

    A model's OpenMP threads that wait for busy cores make scoring slower, not faster (a
    million rows on two cores, one of them busy: 18 s with one thread, 30 s with two), so
    the count follows the load average; ``OMP_NUM_THREADS``, when set, decides instead
    (None: leave the limit alone).
    """
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    cores = os.cpu_count() or 1
    return max(1, min(cores, round(cores - os.getloadavg()[0])))
