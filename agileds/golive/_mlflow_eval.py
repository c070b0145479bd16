"""MLflow's own evaluation of both models, logged into the go-live run, and MLflow's
threshold validation as a cross-check of the primary metric. Opt-in (``guardrails:
mlflow_evaluate: true``); it never gates.

``mlflow.models.evaluate`` has no client argument: it logs through the fluent API
(``mlflow.start_run``, ``MlflowClient()``, ``mlflow.log_metrics``), that is through the
tracking URI MLflow resolves for the process, while agileds works through a client on the
project's store. So the evaluation runs inside :func:`_project_store`, which points that URI
at the project's store for the length of the call with MLflow's public API only, and
restores it exactly: the ``MLFLOW_TRACKING_URI`` variable, and the URI pinned by
``mlflow.set_tracking_uri`` when one was. A thread logging with the fluent API in the same
process at that moment would log into the project's store too; when a fluent run is
already active in this thread the evaluation is skipped. Any failure is reported as a note
and the go-live keeps agileds' own numbers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from agileds.golive._compare import Comparison
from agileds.golive._data import EvalData

__all__ = ["MLFLOW_NAMES", "MlflowCheck", "mlflow_evaluate"]

MLFLOW_NAMES: Mapping[str, str] = {
    "auroc": "roc_auc",
    "aupr": "precision_recall_auc",
    "log_loss": "log_loss",
    "f1": "f1_score",
    "precision": "precision_score",
    "recall": "recall_score",
    "accuracy": "accuracy_score",
    "macro_f1": "f1_score",
    "rmse": "root_mean_squared_error",
    "mae": "mean_absolute_error",
    "r2": "r2_score",
}
"""agileds' metric names and the name MLflow's default evaluator gives the same metric
(``f1_score`` is macro-averaged for multiclass: the evaluator is configured so). Brier score
and ECE have no MLflow counterpart; the report then says so."""

PREFIXES = {"candidate": "candidate_", "production": "production_"}
_URI_VARIABLE = "MLFLOW_TRACKING_URI"
_AGREEMENT = 1e-6


@dataclass(frozen=True)
class MlflowCheck:
    """What MLflow's evaluator found, next to agileds' numbers.

    Attributes:
        ran: Whether MLflow's evaluator ran.
        note: Why it did not run, or what it did.
        metric: MLflow's name of the primary metric, None when MLflow has no such metric.
        candidate: MLflow's value of it for the candidate.
        production: MLflow's value for production (None on a first deployment).
        agrees: Whether MLflow's values equal agileds' within 1e-6 (None when not compared).
        passed: Whether ``mlflow.validate_evaluation_results`` passed (None when not run).
        validation: MLflow's validation message.
        metrics: Every metric MLflow logged, with its ``candidate_``/``production_`` prefix.
    """

    ran: bool
    note: str
    metric: str | None = None
    candidate: float | None = None
    production: float | None = None
    agrees: bool | None = None
    passed: bool | None = None
    validation: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def mlflow_evaluate(
    tracking_uri: str,
    run_id: str,
    model_uris: Mapping[str, str],
    models: Mapping[str, Any],
    data: EvalData,
    comparison: Comparison,
) -> MlflowCheck:
    """Run MLflow's default evaluator on each model into ``run_id``, then validate.

    Args:
        tracking_uri: The project's tracking store.
        run_id: The go-live run; MLflow's metrics (``candidate_roc_auc``, ...) and plots
            land there.
        model_uris: ``candidate`` (and ``production``) mapped to a local model location.
        models: The same keys mapped to the fitted pipelines (for their input columns).
        data: The evaluation rows.
        comparison: agileds' comparison, for the cross-check.

    Returns:
        The check; on any failure ``ran`` is False and ``note`` says why.
    """
    import mlflow

    if mlflow.active_run() is not None:
        return MlflowCheck(False, "skipped: a fluent MLflow run is active in this thread")
    try:
        with _project_store(tracking_uri), _quiet():
            results = {
                side: _evaluate(run_id, uri, models[side], data, comparison.labels, side)
                for side, uri in model_uris.items()
            }
    except Exception as exc:  # optional: MLflow's evaluator must never break the gate
        return MlflowCheck(False, f"MLflow's evaluator failed: {type(exc).__name__}: {exc}"[:500])
    return _cross_check(results, comparison)


@contextlib.contextmanager
def _project_store(tracking_uri: str) -> Iterator[None]:
    """Point MLflow's tracking URI at ``tracking_uri``; restore it on the way out.

    MLflow resolves the URI pinned by ``mlflow.set_tracking_uri`` first, then
    ``$MLFLOW_TRACKING_URI``. The variable is set for the call; only when a pinned URI
    still wins over it is the pin moved too, and put back afterwards.
    """
    import mlflow

    env = os.environ.get(_URI_VARIABLE)
    os.environ[_URI_VARIABLE] = tracking_uri
    pinned = mlflow.get_tracking_uri()
    try:
        if pinned != tracking_uri:
            mlflow.set_tracking_uri(tracking_uri)
        yield
    finally:
        if pinned != tracking_uri:
            mlflow.set_tracking_uri(pinned)
        if env is None:
            os.environ.pop(_URI_VARIABLE, None)
        else:
            os.environ[_URI_VARIABLE] = env


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep MLflow's progress logs and warnings off the terminal while it evaluates."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _evaluate(run_id: str, uri: str, model: Any, data: EvalData, labels: Any, side: str) -> Any:
    import mlflow
    import mlflow.pyfunc

    config: dict[str, Any] = {"log_model_explainability": False, "metric_prefix": PREFIXES[side]}
    if data.task != "regression":
        config["label_list"] = list(labels)
    if data.task == "binary":
        config["pos_label"] = labels[1]
    if data.task == "multiclass":
        config["average"] = "macro"
    frame = data.x_for(model).assign(**{data.target: data.y})
    served = mlflow.pyfunc.load_model(uri)
    _as_sklearn_flavour(served)
    with mlflow.start_run(run_id=run_id):
        return mlflow.models.evaluate(
            served,
            frame,
            targets=data.target,
            model_type="regressor" if data.task == "regression" else "classifier",
            evaluators="default",
            evaluator_config=config,
        )


def _as_sklearn_flavour(served: Any) -> None:
    """Let MLflow's evaluator find the scikit-learn model behind agileds' fast-path loader:
    it asks the raw model for probabilities only when the pyfunc's loader_module is
    ``mlflow.sklearn`` (agileds' loader wraps that flavour's model and exposes it alike)."""
    from agileds.tracking import FAST_LOADER_MODULE as LOADER_MODULE

    flavour = served.metadata.flavors.get("python_function", {})
    if flavour.get("loader_module") == LOADER_MODULE:
        flavour["loader_module"] = "mlflow.sklearn"


def _cross_check(results: Mapping[str, Any], comparison: Comparison) -> MlflowCheck:
    metric = comparison.metric
    name = MLFLOW_NAMES.get(metric)
    logged = {k: float(v) for r in results.values() for k, v in r.metrics.items()}
    values = {side: _unprefixed(r.metrics, PREFIXES[side]) for side, r in results.items()}
    if name is None or name not in values["candidate"]:
        return MlflowCheck(True, f"MLflow's evaluator has no {metric}", metrics=logged)
    own = values["candidate"][name]
    other = values.get("production", {}).get(name)
    pairs = [(own, comparison.candidate[metric])]
    if other is not None:
        pairs.append((other, comparison.production[metric]))
    agrees = all(abs(theirs - ours) <= _AGREEMENT for theirs, ours in pairs)
    check = MlflowCheck(True, "evaluated", name, own, other, agrees, metrics=logged)
    if other is None:
        return check
    with _quiet():
        passed, message = _validate(name, results, comparison.direction, other)
    return MlflowCheck(
        True, "evaluated and validated", name, own, other, agrees, passed, message, logged
    )


def _unprefixed(metrics: Mapping[str, Any], prefix: str) -> dict[str, float]:
    return {k.removeprefix(prefix): float(v) for k, v in metrics.items() if k.startswith(prefix)}


def _validate(
    name: str, results: Mapping[str, Any], direction: str, baseline: float
) -> tuple[bool, str]:
    """``mlflow.validate_evaluation_results``: the candidate's point estimate is at least as
    good as production's (MetricThreshold's ``threshold``; its change thresholds must be
    positive, so they cannot say "not worse")."""
    import mlflow
    from mlflow.models import MetricThreshold
    from mlflow.models.evaluation import EvaluationResult
    from mlflow.models.evaluation.validation import ModelValidationFailedException

    candidate, production = (
        EvaluationResult(_unprefixed(results[s].metrics, PREFIXES[s]), {}, None)
        for s in ("candidate", "production")
    )
    greater = direction == "maximize"
    thresholds = {name: MetricThreshold(threshold=baseline, greater_is_better=greater)}
    try:
        mlflow.validate_evaluation_results(thresholds, candidate, production)
    except ModelValidationFailedException as exc:
        return False, exc.message
    return True, f"{name}: the candidate is at least as good as production (point estimates)"
