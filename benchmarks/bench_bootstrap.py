"""Seconds for 1,000 bootstrap resamples: auROC on 1,000,000 rows, all binary metrics on 20,000.

Target (go-live issue): 1,000 resamples of auROC on 1,000,000 rows in under 5 s on this
machine. Prints the median and best wall time (and the median CPU time) of N runs of ``bootstrap_metrics`` for each case, one
``paired_bootstrap`` of auROC on the million rows (two models under the same resamples),
and the load average before and after, since the machine is shared.

Run: ``python benchmarks/bench_bootstrap.py [--runs 3] [--rows 1000000] [--small 20000]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from agileds.evaluation import bootstrap_metrics, paired_bootstrap

N_BOOT = 1000


def scored(n: int, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities of a logistic model whose logit has ``noise`` added."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * signal))).astype(int)
    return y, 1 / (1 + np.exp(-2 * (signal + noise * rng.normal(size=n))))


def timed(runs: int, work: Callable[[], object]) -> list[tuple[float, float]]:
    """Return the wall and CPU seconds each of ``runs`` calls of ``work`` took."""
    seconds = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        seconds.append((time.perf_counter() - wall, time.process_time() - cpu))
    return seconds


def report(label: str, seconds: list[tuple[float, float]]) -> None:
    """Print the median and best wall time, and the median CPU time, of the runs."""
    wall = [w for w, _ in seconds]
    cpu = statistics.median(c for _, c in seconds)
    print(
        f"{label}: median {statistics.median(wall):.2f} s, best {min(wall):.2f} s "
        f"(CPU {cpu:.2f} s; {len(wall)} runs)"
    )


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Time the bootstrap cases and print them with the load average."""
    parser = argparse.ArgumentParser(description="Seconds for 1,000 bootstrap resamples.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=20_000)
    args = parser.parse_args()
    print(f"load average before: {load()} on {os.cpu_count()} cores")
    y, s = scored(args.rows)
    bootstrap_metrics("binary", y[:5000], s[:5000], n_boot=20)  # warm up
    result = bootstrap_metrics("binary", y, s, n_boot=N_BOOT, metrics=["auroc"])
    print(
        f"auroc {result['auroc']:.4f} [{result['auroc.ci_low']:.4f}, "
        f"{result['auroc.ci_high']:.4f}] on {args.rows:,} rows"
    )
    report(
        f"auROC, {N_BOOT:,} resamples of {args.rows:,} rows",
        timed(args.runs, lambda: bootstrap_metrics("binary", y, s, metrics=["auroc"])),
    )
    _, other = scored(args.rows, noise=1.5)
    report(
        f"paired auROC, {N_BOOT:,} resamples of {args.rows:,} rows",
        timed(1, lambda: paired_bootstrap("binary", y, s, other, metrics=["auroc"])),
    )
    y_small, s_small = scored(args.small)
    report(
        f"all binary metrics, {N_BOOT:,} resamples of {args.small:,} rows",
        timed(args.runs, lambda: bootstrap_metrics("binary", y_small, s_small)),
    )
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
