"""Sweeps: experiment specs and the Optuna study per ticket."""

from __future__ import annotations

from agileds.sweeps._ensemble import (
    ENSEMBLE,
    LATENCY_MARGIN,
    ROW_COST_ATTR,
    Ensemble,
    candidate_pool,
    flat_config,
    members_of,
    select_ensemble,
)
from agileds.sweeps._objective import build_model, default_configs, suggest_trial_config
from agileds.sweeps._oof import OofStore, oof_folder
from agileds.sweeps._prepare import PreparedData, model_labels, model_scores, prepare_data
from agileds.sweeps._reserve import DiskReserve
from agileds.sweeps._runlock import LOCK_DIR, run_lock
from agileds.sweeps._spec import ExperimentSpec, load_spec, load_ticket_spec, merge_overrides
from agileds.sweeps._study import fail_stale_trials, finished_trials, open_storage, open_study
from agileds.sweeps._threads import plan_threads, thread_limits
from agileds.sweeps._workers import SweepJob, run_workers, work

__all__ = [
    "ENSEMBLE",
    "LATENCY_MARGIN",
    "LOCK_DIR",
    "ROW_COST_ATTR",
    "DiskReserve",
    "Ensemble",
    "ExperimentSpec",
    "OofStore",
    "PreparedData",
    "SweepJob",
    "build_model",
    "candidate_pool",
    "default_configs",
    "fail_stale_trials",
    "finished_trials",
    "flat_config",
    "load_spec",
    "load_ticket_spec",
    "members_of",
    "merge_overrides",
    "model_labels",
    "model_scores",
    "oof_folder",
    "open_storage",
    "open_study",
    "plan_threads",
    "prepare_data",
    "run_lock",
    "run_workers",
    "select_ensemble",
    "suggest_trial_config",
    "thread_limits",
    "work",
]
