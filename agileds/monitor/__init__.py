"""Monitoring production models: batch checks, investigations, dashboard; the drift statistics
(``psi``, ``ks_test``, ``feature_drift``, ...) are :mod:`agileds.evaluation`'s, re-exported.

``check_batch`` is what ``agileds monitor MODEL --data BATCH`` runs: it scores the batch
with ``models:/MODEL@production`` and measures it (``monitor_batch``), holds it against the
``thresholds:`` of ``agileds.yaml`` (``check_thresholds``) and files or updates the
investigation a breach calls for (``file_investigation``). ``build_dashboard`` reads the
monitoring runs back for ``agileds monitor report MODEL``.

Importing this package is cheap: numpy loads with the drift functions; pandas, scipy,
scikit-learn, MLflow and matplotlib only when a statistic is computed or a batch checked.
"""

from __future__ import annotations

from agileds.evaluation import (  # re-exported: the drift statistics live in evaluation
    BANDS,
    EPSILON,
    FeatureDrift,
    chi2_test,
    feature_drift,
    ks_test,
    psi,
    psi_band,
    unseen_categories,
)
from agileds.monitor._batch import (
    REFERENCE_SAMPLE,
    MonitorResult,
    batch_scores,
    monitor_batch,
    score_psi,
)
from agileds.monitor._check import MonitorCheck, check_batch
from agileds.monitor._dashboard import (
    BatchRow,
    MonitorDashboard,
    build_dashboard,
    write_dashboard,
)
from agileds.monitor._filing import ACCEPTANCE, DEFAULT_EFFORT, Filing, file_investigation
from agileds.monitor._signals import (
    VALUE_SCALE,
    Signal,
    check_thresholds,
    severity_level,
    ticket_value,
)
from agileds.monitor._thresholds import Thresholds, load_thresholds
from agileds.monitor._validate import check_batch_file
from agileds.monitor._volume import ScoringJob, ScoringVolume, read_scoring_volume

__all__ = [
    "ACCEPTANCE",
    "BANDS",
    "DEFAULT_EFFORT",
    "EPSILON",
    "REFERENCE_SAMPLE",
    "VALUE_SCALE",
    "BatchRow",
    "FeatureDrift",
    "Filing",
    "MonitorCheck",
    "MonitorDashboard",
    "MonitorResult",
    "ScoringJob",
    "ScoringVolume",
    "Signal",
    "Thresholds",
    "batch_scores",
    "build_dashboard",
    "check_batch",
    "check_batch_file",
    "check_thresholds",
    "chi2_test",
    "feature_drift",
    "file_investigation",
    "ks_test",
    "load_thresholds",
    "monitor_batch",
    "psi",
    "psi_band",
    "read_scoring_volume",
    "score_psi",
    "severity_level",
    "ticket_value",
    "unseen_categories",
    "write_dashboard",
]
