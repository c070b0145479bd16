"""Evaluation: metrics per task, bootstrap intervals, paired differences, DeLong's test and
drift statistics (PSI with its bands, KS and chi-squared tests) between a reference and a batch."""

from __future__ import annotations

from agileds.evaluation._delong import AUCInterval, DeLongResult, delong_ci, delong_test
from agileds.evaluation._drift import (
    BANDS,
    EPSILON,
    FeatureDrift,
    chi2_test,
    drift_with_shares,
    feature_drift,
    ks_test,
    psi,
    psi_band,
    unseen_categories,
)
from agileds.evaluation._explain import permutation_importances
from agileds.evaluation._intervals import bootstrap_metrics, paired_bootstrap, prefixed
from agileds.evaluation._metrics import METRICS, compute_metrics, direction, primary_metric
from agileds.evaluation._quality import data_quality
from agileds.evaluation._serving import (
    LATENCY_METHOD,
    SERVING,
    row_cost_ms,
    scoring_threads,
    serving_cost,
)

__all__ = [
    "BANDS",
    "EPSILON",
    "LATENCY_METHOD",
    "METRICS",
    "SERVING",
    "AUCInterval",
    "DeLongResult",
    "FeatureDrift",
    "bootstrap_metrics",
    "chi2_test",
    "compute_metrics",
    "data_quality",
    "delong_ci",
    "delong_test",
    "direction",
    "drift_with_shares",
    "feature_drift",
    "ks_test",
    "paired_bootstrap",
    "permutation_importances",
    "prefixed",
    "primary_metric",
    "psi",
    "psi_band",
    "row_cost_ms",
    "scoring_threads",
    "serving_cost",
    "unseen_categories",
]
