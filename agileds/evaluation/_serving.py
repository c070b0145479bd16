"""Serving cost of a fitted model: latency per row and per batch, size on disk."""

from __future__ import annotations

import pickle
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["serving_cost"]


def serving_cost(
    model: Any, x: pd.DataFrame, *, rows: int = 100, batch: int = 1000, repeats: int = 3
) -> dict[str, float]:
    """Measure ``latency_p50_ms``/``latency_p95_ms`` (one row at a time, over ``rows`` rows),
    ``latency_batch_ms`` (median of ``repeats`` batches of ``batch`` rows) and
    ``model_size_mb`` (the pickled model).

    The scoring call is ``predict_proba`` when the model has it, else ``predict``. It runs
    with one BLAS/OpenMP thread, as a serving worker answering one request would: thread
    pools only add start-up and barrier cost to a one-row prediction.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _measure(model, x, rows, batch, repeats)


def _measure(model: Any, x: pd.DataFrame, rows: int, batch: int, repeats: int) -> dict[str, float]:
    import numpy as np

    score = getattr(model, "predict_proba", None) or model.predict
    singles = [x.iloc[[i % len(x)]] for i in range(min(rows, max(len(x), 1)))]
    score(singles[0])  # warm-up: first-call overheads are not serving cost
    per_row = []
    for row in singles:
        start = time.perf_counter()
        score(row)
        per_row.append((time.perf_counter() - start) * 1000)
    big = x.sample(n=batch, replace=len(x) < batch, random_state=0)
    per_batch = []
    for _ in range(repeats):
        start = time.perf_counter()
        score(big)
        per_batch.append((time.perf_counter() - start) * 1000)
    return {
        "latency_p50_ms": float(np.percentile(per_row, 50)),
        "latency_p95_ms": float(np.percentile(per_row, 95)),
        "latency_batch_ms": float(np.median(per_batch)),
        "model_size_mb": len(pickle.dumps(model)) / 1e6,
    }
