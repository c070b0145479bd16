"""Running a study's trials in one or more worker processes, each logging its own trials."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.sweeps._objective import Objective, TrialRecord
from agileds.sweeps._oof import OofStore
from agileds.sweeps._prepare import PreparedData, prepare_data
from agileds.sweeps._spec import ExperimentSpec
from agileds.sweeps._study import (
    FINISHED_STATES,
    finished_trials,
    make_pruner,
    make_sampler,
    open_storage,
)

if TYPE_CHECKING:
    import optuna

__all__ = ["Progress", "SweepJob", "run_workers", "work"]

# Stop the sweep when this many trials ran and every one of them failed.
ALL_FAILED_STOP = 3


@dataclass(frozen=True)
class Progress:
    """A snapshot after a trial: finished of budget, the best value so far, elapsed time."""

    finished: int
    budget: int
    best: float | None
    elapsed: float
    last_state: str


@dataclass(frozen=True)
class SweepJob:
    """Everything a worker process needs to join a sweep (picklable)."""

    study_name: str
    storage: str
    spec: ExperimentSpec
    spec_path: Path
    shown: str
    tracking_uri: str
    parent_run_id: str | None
    tags: dict[str, str] = field(default_factory=dict)
    trials: int = 30
    timeout: float | None = None
    seed: int = 0
    threads: int | None = None
    oof_dir: Path | None = None


def _trial_logger(job: SweepJob, metric: str) -> Callable[[TrialRecord], None] | None:
    if job.parent_run_id is None:
        return None
    from agileds.tracking import RunLogger, get_client

    logger = RunLogger(get_client(job.tracking_uri), tags=job.tags)
    parent = job.parent_run_id

    def log(record: TrialRecord) -> None:
        logger.log_trial(
            parent,
            record.number,
            record.params,
            record.metrics,
            record.state,
            error=record.error,
            start_ms=int(record.start * 1000),
            end_ms=int(record.end * 1000),
            step_metrics={f"fold.{metric}": record.fold_scores} if record.fold_scores else None,
        )

    return log


def _stop_when_all_fail(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    done = finished_trials(study)
    if len(done) >= ALL_FAILED_STOP and all(t.state.name == "FAIL" for t in done):
        study.stop()


def _progress_callback(
    budget: int, report: Callable[[Progress], None]
) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    start = time.monotonic()

    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done = finished_trials(study)
        best = [t.value for t in done if t.state.name == "COMPLETE" and t.value is not None]
        pick = max if study.direction.name == "MAXIMIZE" else min
        report(
            Progress(
                len(done),
                budget,
                pick(best) if best else None,
                time.monotonic() - start,
                trial.state.name.lower(),
            )
        )

    return callback


def work(
    job: SweepJob,
    index: int = 0,
    data: PreparedData | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> None:
    """Run trials of the study until the budget (counted over all workers) is spent.

    Args:
        job: The sweep to join.
        index: Worker number; seeds the sampler with ``job.seed + index``.
        data: Prepared data (loaded from the spec when None).
        progress: Called after each trial this worker finishes.
    """
    import optuna
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    from agileds.sweeps._study import quiet_optuna

    quiet_optuna()
    data = data if data is not None else prepare_data(job.spec, job.spec_path, job.shown)
    study = optuna.load_study(
        study_name=job.study_name,
        storage=open_storage(job.storage),
        sampler=make_sampler(job.seed + index),
        pruner=make_pruner(),
    )
    remaining = job.trials - len(finished_trials(study))
    if remaining <= 0:
        return
    states = tuple(TrialState[s] for s in FINISHED_STATES)
    callbacks: list[Any] = [MaxTrialsCallback(job.trials, states=states), _stop_when_all_fail]
    if progress is not None:
        callbacks.append(_progress_callback(job.trials, progress))
    oof = OofStore(job.oof_dir) if job.oof_dir is not None else None
    objective = Objective(job.spec, data, _trial_logger(job, data.metric), oof)
    with _thread_limit(job.threads), _quiet_interrupt(), _stop_on_interrupt(study) as stopped:
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=job.timeout,
            catch=(Exception,),
            callbacks=callbacks,
        )
    if stopped():
        raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_on_interrupt(study: optuna.Study) -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C stops the sweep after the trial in flight, which is kept; a second
    one stops at once.

    Stopping between trials matters: an interrupt inside Optuna's journal-file lock can turn
    into an ordinary error that the sweep would record as a failed trial and carry on.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    hits: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        hits.append(signum)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with contextlib.suppress(RuntimeError):  # outside the optimize loop
            study.stop()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(hits)
    finally:
        signal.signal(signal.SIGINT, previous)


class _InterruptFilter(logging.Filter):
    """Drops Optuna's "Trial N failed" warnings once one of them carries a KeyboardInterrupt."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = False

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        self.interrupted = self.interrupted or isinstance(error, KeyboardInterrupt)
        return not self.interrupted


@contextlib.contextmanager
def _quiet_interrupt() -> Iterator[None]:
    """Keep the traceback of a trial stopped by Ctrl-C off the terminal.

    Optuna logs the interrupted trial as failed, with the KeyboardInterrupt's traceback,
    before it re-raises; the CLI then says "interrupted" in one line.
    """
    logger = logging.getLogger("optuna.study._optimize")
    quiet = _InterruptFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _thread_limit(threads: int | None) -> Any:
    """One BLAS/OpenMP thread per worker when several share the cores (else no limit).

    threadpoolctl limits only the libraries loaded when the limit is set, and scikit-learn
    loads its OpenMP runtime with the first model that uses it: load it first, or that model
    would run on every core beside the other workers.
    """
    if threads is None:
        return contextlib.nullcontext()
    import sklearn.utils._openmp_helpers  # noqa: F401  (loads the OpenMP runtime)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(threads)


def _child(job: SweepJob, index: int, data: PreparedData) -> None:
    from agileds.tracking import active_ticket

    if job.threads is not None:  # for any library that reads them when it loads
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(job.threads)

    try:
        with active_ticket(job.tags):
            work(job, index, data)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the parent reports it
        sys.exit(130)


def run_workers(
    job: SweepJob,
    workers: int,
    data: PreparedData,
    progress: Callable[[Progress], None] | None = None,
) -> None:
    """Run the sweep with ``workers`` processes: this one plus ``workers - 1`` children.

    Children are real processes (spawned, so they share nothing by accident); each opens
    its own storage and MLflow client and gets the prepared data from this process, so it
    starts after its imports only. This process starts its trials at once, without waiting
    for the children: they join the study as soon as they are up. Ctrl-C stops them all.
    """
    if workers > 1:
        job = replace(job, threads=job.threads or 1)
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=_child, args=(job, i, data), daemon=True) for i in range(1, workers)
    ]
    for child in children:
        child.start()
    try:
        work(job, 0, data, progress)
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join(5)
