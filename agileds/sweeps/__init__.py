"""Sweeps: experiment specs and the Optuna study per ticket."""

from __future__ import annotations

from agileds.sweeps._spec import ExperimentSpec, load_spec, merge_overrides

__all__ = ["ExperimentSpec", "load_spec", "merge_overrides"]
