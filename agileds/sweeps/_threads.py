"""Sizing a sweep's thread pools (OpenMP, BLAS) to the cores it owns, split over its workers.

On a busy machine, a model's OpenMP threads that wait for a core spin at barriers instead of
working: a histogram gradient boosting fit that took 1.8 s with one thread took 5.7-11 s with
one per core on a loaded two-core machine. So a sweep takes the cores the load average
leaves idle (at least one), gives each worker its share, and gives the whole of it to the
final refit, when the workers are done. ``OMP_NUM_THREADS``, when set, decides instead.
joblib pools need no limit here: every estimator agileds builds runs with ``n_jobs=1``
(parallel trials are ``--workers`` processes).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["THREAD_VARIABLES", "ThreadPlan", "plan_threads", "pool_threads", "thread_limits"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Read by OpenMP and BLAS runtimes when they load (a worker process sets them first)."""


@dataclass(frozen=True)
class ThreadPlan:
    """The threads of a sweep.

    Attributes:
        cores: Cores this process may run on.
        load: The one-minute load average when the sweep started (None: not available).
        workers: Worker processes of the sweep.
        per_worker: OpenMP/BLAS threads of each worker's trials.
        refit: OpenMP/BLAS threads of the final refit, holdout scoring and explanation.
        source: ``"load"`` (sized by the idle cores) or ``"OMP_NUM_THREADS"``.
    """

    cores: int
    load: float | None
    workers: int
    per_worker: int
    refit: int
    source: str = "load"

    def describe(self) -> str:
        """One line for the run log."""
        why = (
            "OMP_NUM_THREADS is set"
            if self.source == "OMP_NUM_THREADS"
            else f"{self.cores} core(s), load {self.load:.1f}"
            if self.load is not None
            else f"{self.cores} core(s)"
        )
        return (
            f"threads: {self.per_worker} OpenMP/BLAS thread(s) per worker × {self.workers} "
            f"worker(s), {self.refit} for the refit ({why}; models use n_jobs=1)"
        )


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Windows
        return None


def _from_environment() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def plan_threads(workers: int) -> ThreadPlan:
    """The threads each of ``workers`` processes and the final refit get.

    The sweep owns the cores the load average leaves idle (rounded, at least one, at most
    every core); each worker gets an equal share, at least one thread. With
    ``OMP_NUM_THREADS`` set, every process (and the refit) uses that many.
    """
    cores, load, workers = _cores(), _load(), max(workers, 1)
    fixed = _from_environment()
    if fixed is not None:
        return ThreadPlan(cores, load, workers, fixed, fixed, "OMP_NUM_THREADS")
    owned = cores if load is None else max(1, min(cores, round(cores - load)))
    return ThreadPlan(cores, load, workers, max(1, owned // workers), owned)


@contextlib.contextmanager
def thread_limits(threads: int | None) -> Iterator[None]:
    """Limit every OpenMP and BLAS pool of this process to ``threads`` (None: no limit).

    threadpoolctl limits only the libraries loaded when the limit is set, and scikit-learn
    loads its OpenMP runtime with its first compiled estimator module: import one first
    (histogram gradient boosting links OpenMP), or the first such model would run with a
    thread per core.
    """
    if threads is None:
        yield
        return
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, see above)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


def pool_threads() -> dict[str, int]:
    """The threads of the loaded pools by API, e.g. ``{"openmp": 1, "blas": 1}`` (the most
    any library of that API uses)."""
    from threadpoolctl import threadpool_info

    found: dict[str, int] = {}
    for pool in threadpool_info():
        api = str(pool.get("user_api"))
        found[api] = max(found.get(api, 0), int(pool.get("num_threads", 0)))
    return found
