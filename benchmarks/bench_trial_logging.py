"""Milliseconds per trial run: agileds' RunLogger.log_trial against MLflow's fluent API.

Each trial run carries 10 params and 10 metrics and is nested under one parent run, on a
fresh SQLite store per method. The fluent way is what a naive callback does: one
``mlflow.start_run(nested=True)`` and one ``log_param``/``log_metric`` call per value.

Run: ``python benchmarks/bench_trial_logging.py [--trials 100]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agileds.tracking import RunLogger, ensure_experiment, get_client, resolve_stores

PARAMS = {f"param_{i}": i * 0.5 for i in range(10)}
METRICS = {f"metric_{i}": i / 10 for i in range(10)}


def timed(trials: int, log_one: Callable[[int], None]) -> list[float]:
    """Return the milliseconds each of ``trials`` calls of ``log_one`` took."""
    times = []
    for number in range(trials):
        start = time.perf_counter()
        log_one(number)
        times.append((time.perf_counter() - start) * 1000)
    return times


def bench_run_logger(root: Path, trials: int) -> list[float]:
    """Time ``RunLogger.log_trial`` (create_run, one log_batch, set_terminated)."""
    stores = resolve_stores(root)
    client = get_client(stores.tracking_uri)
    experiment_id = ensure_experiment(client, "bench", stores.artifact_root)
    logger = RunLogger(client, tags={"agileds.ticket": "STORY-1"})
    parent = logger.start_parent(experiment_id, "STORY-1")

    def log_one(number: int) -> None:
        logger.log_trial(parent, number, PARAMS, METRICS, "complete")

    times = timed(trials, log_one)
    logger.finish_parent(parent)
    return times


def bench_fluent(root: Path, trials: int) -> list[float]:
    """Time the fluent way: a nested ``start_run`` and one call per param and metric."""
    import mlflow

    stores = resolve_stores(root)
    client = get_client(stores.tracking_uri)  # creates the database quietly
    experiment_id = ensure_experiment(client, "bench", stores.artifact_root)
    mlflow.set_tracking_uri(stores.tracking_uri)

    def log_one(number: int) -> None:
        with mlflow.start_run(run_name=f"trial-{number}", nested=True):
            for key, value in PARAMS.items():
                mlflow.log_param(key, value)
            for key, value in METRICS.items():
                mlflow.log_metric(key, value)

    try:
        with mlflow.start_run(experiment_id=experiment_id, run_name="STORY-1"):
            return timed(trials, log_one)
    finally:
        mlflow.set_tracking_uri(None)


def main() -> None:
    """Run both methods and print the median milliseconds per trial run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    trials = parser.parse_args().trials
    with tempfile.TemporaryDirectory() as tmp:
        agileds = statistics.median(bench_run_logger(Path(tmp, "agileds"), trials))
        fluent = statistics.median(bench_fluent(Path(tmp, "fluent"), trials))
    print(f"trial runs: {trials}, 10 params + 10 metrics each, fresh SQLite store per method")
    print(f"agileds RunLogger.log_trial     median {agileds:6.1f} ms/trial")
    print(
        f"fluent start_run + log_* calls  median {fluent:6.1f} ms/trial ({fluent / agileds:.1f}x)"
    )


if __name__ == "__main__":
    main()
