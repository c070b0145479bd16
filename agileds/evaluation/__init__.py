"""Evaluation: metrics per task, bootstrap intervals, paired differences and DeLong's test."""

from __future__ import annotations

from agileds.evaluation._delong import AUCInterval, DeLongResult, delong_ci, delong_test
from agileds.evaluation._explain import permutation_importances
from agileds.evaluation._intervals import bootstrap_metrics, paired_bootstrap, prefixed
from agileds.evaluation._metrics import METRICS, compute_metrics, direction, primary_metric
from agileds.evaluation._quality import data_quality
from agileds.evaluation._serving import LATENCY_METHOD, row_cost_ms, scoring_threads, serving_cost

__all__ = [
    "LATENCY_METHOD",
    "METRICS",
    "AUCInterval",
    "DeLongResult",
    "bootstrap_metrics",
    "compute_metrics",
    "data_quality",
    "delong_ci",
    "delong_test",
    "direction",
    "paired_bootstrap",
    "permutation_importances",
    "prefixed",
    "primary_metric",
    "row_cost_ms",
    "scoring_threads",
    "serving_cost",
]
