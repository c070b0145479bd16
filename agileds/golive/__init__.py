"""Go-live: compare a ticket's candidate with the production model on the same rows, decide
GO or NO-GO from the ticket's criteria and the project's guardrails, and report it.

    from agileds.golive import run_golive
    report = run_golive(None, "STORY-1")        # docs/reports/STORY-1/golive.md
    report.decision, [str(r) for r in report.reasons_with("fail")]

Importing this package is cheap: MLflow, scikit-learn and matplotlib load when used.
"""

from __future__ import annotations

from agileds.golive._changes import ChangeList, ParamChange, VersionInfo, change_list
from agileds.golive._compare import SERVING, Comparison, compare_models
from agileds.golive._data import EvalData, file_data, holdout_data
from agileds.golive._gate import Decision, GateDecision, Reason, decide
from agileds.golive._guardrails import Guardrails, load_guardrails
from agileds.golive._mlflow_eval import MlflowCheck
from agileds.golive._promote import PREVIOUS, PRODUCTION, Promotion, Rollback, promote, rollback
from agileds.golive._recording import PREDICTIONS_ARTIFACT
from agileds.golive._report import GoLiveReport, build_golive_report, write_golive_report
from agileds.golive._run import run_golive
from agileds.golive._segments import SegmentResult
from agileds.golive._tags import (
    AT_TAG,
    DECISION_TAG,
    KIND_TAG,
    PRODUCTION_TAG,
    REASONS_TAG,
    REPORT_TAG,
    RUN_TAG,
    golive_tags,
)

__all__ = [
    "AT_TAG",
    "DECISION_TAG",
    "KIND_TAG",
    "PREDICTIONS_ARTIFACT",
    "PREVIOUS",
    "PRODUCTION",
    "PRODUCTION_TAG",
    "REASONS_TAG",
    "REPORT_TAG",
    "RUN_TAG",
    "SERVING",
    "ChangeList",
    "Comparison",
    "Decision",
    "EvalData",
    "GateDecision",
    "GoLiveReport",
    "Guardrails",
    "MlflowCheck",
    "ParamChange",
    "Promotion",
    "Reason",
    "Rollback",
    "SegmentResult",
    "VersionInfo",
    "build_golive_report",
    "change_list",
    "compare_models",
    "decide",
    "file_data",
    "golive_tags",
    "holdout_data",
    "load_guardrails",
    "promote",
    "rollback",
    "run_golive",
    "write_golive_report",
]
