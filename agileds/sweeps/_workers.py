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
    finished_trials,
    make_pruner,
    make_sampler,
    open_storage,
    quiet_optuna,
)
from agileds.sweeps._threads import THREAD_VARIABLES, thread_limits

if TYPE_CHECKING:
    import optuna

__all__ = ["Progress", "SweepJob", "TrialTokens", "run_workers", "started_trials", "work"]

# Stop the sweep when this many trials ran and every one of them failed.
ALL_FAILED_STOP = 3


@dataclass(frozen=True)
class Progress:
    """A snapshot after a trial: finished of budget, the best value so far, elapsed time,
    and the trial that just ended (``number`` as in its MLflow run name, ``trial-<number>``)."""

    finished: int
    budget: int
    best: float | None
    elapsed: float
    last_state: str
    number: int = -1


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
    deadline: float | None = None  # time.time() when the sweep stops (shared by all workers)

    def ends_at(self) -> float | None:
        """``time.time()`` when this worker's time limit ends: the sweep's deadline, else
        ``timeout`` from now (None: no limit)."""
        if self.deadline is not None:
            return self.deadline
        return time.time() + self.timeout if self.timeout else None


class TrialTokens:
    """The trials the workers of one machine may still start, shared between processes.

    A worker takes a token before each trial; with none left it stops. Taking is atomic, so
    workers finishing at the same moment never both start the last trial of the budget.
    """

    def __init__(self, count: int, context: Any) -> None:
        self._left = context.Value("i", max(count, 0))

    def take(self) -> bool:
        """Take one token; False when none is left."""
        with self._left.get_lock():
            if self._left.value <= 0:
                return False
            self._left.value -= 1
            return True


def started_trials(study: optuna.Study) -> int:
    """Trials started in the study, whatever their state (queued ones not yet)."""
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False)) - len(
        study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    )


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
                trial.number,
            )
        )

    return callback


def _out_of_time(study: optuna.Study, deadline: float | None) -> bool:
    """Past the time limit, with a complete trial to refit (the limit never ends a sweep
    before its first complete trial)."""
    from optuna.trial import TrialState

    if deadline is None or time.time() < deadline:
        return False
    return bool(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _may_start(
    study: optuna.Study, job: SweepJob, tokens: TrialTokens | None, deadline: float | None
) -> bool:
    """Whether this worker may start another trial: time left, and a trial of the budget.

    The budget counts the trials started anywhere (running ones too); ``tokens`` makes the
    workers of one machine exact. A worker joined from elsewhere (``agileds worker``) sees
    the others' trials when they start, so only a start within the same instant could pass.
    """
    if _out_of_time(study, deadline) or started_trials(study) >= job.trials:
        return False
    return tokens is None or tokens.take()


def _budget_callback(
    job: SweepJob, tokens: TrialTokens | None, deadline: float | None
) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if not _may_start(study, job, tokens, deadline):
            study.stop()

    return callback


def work(
    job: SweepJob,
    index: int = 0,
    data: PreparedData | None = None,
    progress: Callable[[Progress], None] | None = None,
    tokens: TrialTokens | None = None,
) -> None:
    """Run trials of the study until the budget (counted over all workers) is spent.

    Args:
        job: The sweep to join.
        index: Worker number; seeds the sampler with ``job.seed + index``.
        data: Prepared data (loaded from the spec when None).
        progress: Called after each trial this worker finishes.
        tokens: The trials this machine's workers may still start (None: count the
            study's trials only).
    """
    import optuna

    quiet_optuna()
    data = data if data is not None else prepare_data(job.spec, job.spec_path, job.shown)
    study = optuna.load_study(
        study_name=job.study_name,
        storage=open_storage(job.storage),
        sampler=make_sampler(job.seed + index),
        pruner=make_pruner(job.spec.pruning),
    )
    deadline = job.ends_at()
    if not _may_start(study, job, tokens, deadline):
        return
    callbacks: list[Any] = [_stop_when_all_fail]
    if progress is not None:
        callbacks.append(_progress_callback(job.trials, progress))
    callbacks.append(_budget_callback(job, tokens, deadline))
    oof = OofStore(job.oof_dir) if job.oof_dir is not None else None
    objective = Objective(job.spec, data, _trial_logger(job, data.metric), oof, deadline)
    with thread_limits(job.threads), _quiet_interrupt(), _stop_on_interrupt(study) as stopped:
        study.optimize(objective, catch=(Exception,), callbacks=callbacks)
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


def _child(job: SweepJob, index: int, data: PreparedData, tokens: TrialTokens) -> None:
    from agileds.tracking import active_ticket

    if job.threads is not None:  # for any library that reads them when it loads
        for name in THREAD_VARIABLES:
            os.environ[name] = str(job.threads)

    try:
        with active_ticket(job.tags):
            work(job, index, data, tokens=tokens)
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
    for the children: they join the study as soon as they are up. They share a count of
    the trials left, so together they start exactly the budget. Ctrl-C stops them all.
    """
    import optuna

    if workers > 1:
        job = replace(job, threads=job.threads or 1)
    ctx = multiprocessing.get_context("spawn")
    study = optuna.load_study(study_name=job.study_name, storage=open_storage(job.storage))
    tokens = TrialTokens(job.trials - started_trials(study), ctx)
    children = [
        ctx.Process(target=_child, args=(job, i, data, tokens), daemon=True)
        for i in range(1, workers)
    ]
    for child in children:
        child.start()
    try:
        work(job, 0, data, progress, tokens)
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join(5)
