"""The sweep's objective: one configuration, cross-validated on the training part only."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agileds.sweeps._ensemble import ROW_COST_ATTR, is_ensemble, members_of, voting_model
from agileds.sweeps._oof import OofStore, OutOfFold
from agileds.sweeps._prepare import PreparedData, model_labels, model_scores
from agileds.sweeps._spec import ExperimentSpec

if TYPE_CHECKING:
    import optuna

__all__ = ["Objective", "TrialRecord", "default_configs", "suggest_trial_config"]


@dataclass(frozen=True)
class TrialRecord:
    """What one trial did, handed to the tracking bridge when it ends."""

    number: int
    params: dict[str, Any]
    metrics: dict[str, float]
    fold_scores: list[float]
    state: str  # complete | pruned | failed
    error: str | None
    start: float
    end: float
    extra: dict[str, Any] = field(default_factory=dict)


PROBABILITY_METRICS = frozenset({"log_loss", "brier", "ece"})


def overrides(spec: ExperimentSpec, data: PreparedData) -> dict[str, Any]:
    """The spec's search-space overrides, plus: no calibration search unless the primary
    metric judges probabilities (calibration is monotone, so it cannot improve a ranking
    metric such as auROC, and it triples a trial's cost)."""
    fixed: dict[str, Any] = {}
    if data.task != "regression" and data.metric not in PROBABILITY_METRICS:
        fixed["calibration"] = "none"
    return {**fixed, **spec.search_space}


def suggest_trial_config(
    trial: optuna.trial.BaseTrial, spec: ExperimentSpec, data: PreparedData
) -> dict[str, Any]:
    """Suggest family, preprocessing, the family's hyperparameters and the feature groups."""
    from agileds.automl import suggest_config

    config = {
        **spec.preprocessing,
        **suggest_config(
            trial, spec.families, task=data.task, kinds=data.kinds, overrides=overrides(spec, data)
        ),
    }
    for group in spec.features.optional:
        config[f"features.{group}"] = trial.suggest_categorical(f"features.{group}", [True, False])
    return config


def default_configs(spec: ExperimentSpec, data: PreparedData) -> list[dict[str, Any]]:
    """Each enabled family with its defaults and every feature group on: the sweep's start."""
    from agileds.automl import default_params

    groups = {f"features.{g}": True for g in spec.features.optional}
    return [
        {
            **default_params(f, task=data.task, kinds=data.kinds, overrides=overrides(spec, data)),
            **groups,
        }
        for f in spec.families
    ]


def build_model(config: dict[str, Any], spec: ExperimentSpec, data: PreparedData) -> Any:
    """The unfitted scikit-learn Pipeline of a configuration (for an ensemble, a voting
    model over its members' pipelines).

    The spec's fixed ``preprocessing`` settings win over the configuration's, so a
    configuration found earlier (production's) is retrained with today's settings.
    """
    from agileds.automl import build_pipeline, feature_columns

    if is_ensemble(config):
        models = [build_model(member, spec, data) for member in members_of(config)]
        return voting_model(models, config["weights"], data.task)
    params = {**config, **spec.preprocessing}
    # A column the sanity checks removed is gone from every group too.
    groups = {g: [c for c in cs if c in data.kinds] for g, cs in spec.features.optional.items()}
    enabled = {g: bool(params.get(f"features.{g}", True)) for g in groups}
    columns = feature_columns(data.kinds, enabled, groups)
    return build_pipeline(data.kinds, params, params["family"], data.task, columns, seed=spec.seed)


class Objective:
    """Cross-validates one trial's configuration; reports each fold to the pruner.

    Args:
        spec: The resolved experiment spec.
        data: The prepared data (only its training part is used).
        on_trial_end: Called once per trial with its record (e.g. to log it to MLflow),
            also for pruned and failed trials.
        oof: Where a completed trial's out-of-fold predictions are saved (for ensemble
            selection); None saves nothing.
        deadline: ``time.time()`` when the sweep's time limit ends: a trial still running
            then stops after its current fold (pruned, ``stopped_by: timeout``), once the
            study has a complete trial, so a time limit is overrun by one fold at most.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        data: PreparedData,
        on_trial_end: Callable[[TrialRecord], None] | None = None,
        oof: OofStore | None = None,
        deadline: float | None = None,
    ) -> None:
        self.spec = spec
        self.data = data
        self.on_trial_end = on_trial_end
        self.oof = oof
        self.deadline = deadline

    def __call__(self, trial: optuna.Trial) -> float:
        import optuna

        from agileds.sweeps._threads import pool_threads

        start = time.time()
        trial.set_user_attr("pid", os.getpid())  # which worker process ran it
        trial.set_user_attr("threads", pool_threads())  # its OpenMP/BLAS pools
        folds: list[float] = []
        metrics: dict[str, float] = {}
        config: dict[str, Any] = {}
        try:
            config = suggest_trial_config(trial, self.spec, self.data)
            folds, metrics = self._cross_validate(trial, config)
        except optuna.TrialPruned:
            self._record(trial, config, metrics, folds, "pruned", None, start)
            raise
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()
            self._record(trial, config, metrics, folds, "failed", error, start)
            raise
        self._record(trial, config, metrics, folds, "complete", None, start)
        return metrics[f"cv.{self.data.metric}"]

    def _cross_validate(
        self, trial: optuna.Trial, config: dict[str, Any]
    ) -> tuple[list[float], dict[str, float]]:
        import numpy as np
        import optuna

        from agileds.evaluation import compute_metrics

        x, y, per_fold = self.data.x_train, self.data.y_train, []
        folds: list[float] = []
        predictions = OutOfFold(len(y))
        for step, (fit_idx, val_idx) in enumerate(self.data.folds):
            model = build_model(config, self.spec, self.data).fit(x.iloc[fit_idx], y.iloc[fit_idx])
            scores = model_scores(model, x.iloc[val_idx], self.data.task)
            predictions.add(val_idx, scores)
            labels = model_labels(model, self.data.task)
            fold = compute_metrics(
                self.data.task, y.iloc[val_idx].to_numpy(), scores, labels=labels
            )
            per_fold.append(fold)
            folds.append(fold[self.data.metric])
            if step + 1 == len(self.data.folds):
                break  # every fold is done: pruning now would only throw the work away
            trial.report(float(np.mean(folds)), step)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after fold {step + 1}")
            if self._out_of_time(trial):
                trial.set_user_attr("stopped_by", "timeout")
                raise optuna.TrialPruned(f"stopped by the time limit after fold {step + 1}")
        metrics = {f"cv.{k}": float(np.mean([f[k] for f in per_fold])) for k in per_fold[0]}
        metrics[f"cv.{self.data.metric}.std"] = float(np.std(folds))
        trial.set_user_attr("cv", metrics)
        result = predictions.result()
        if self.oof is not None and result is not None:
            from agileds.evaluation import row_cost_ms

            self.oof.save(trial.number, result)
            # what this configuration costs as an ensemble member, one row at a time
            trial.set_user_attr(ROW_COST_ATTR, row_cost_ms(model, x.iloc[val_idx]))
        return folds, metrics

    def _out_of_time(self, trial: optuna.Trial) -> bool:
        """Past the deadline, with a complete trial in the study to refit."""
        from optuna.trial import TrialState

        if self.deadline is None or time.time() < self.deadline:
            return False
        return bool(trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    def _record(
        self,
        trial: optuna.Trial,
        config: dict[str, Any],
        metrics: dict[str, float],
        folds: list[float],
        state: str,
        error: str | None,
        start: float,
    ) -> None:
        if error is not None:
            trial.set_user_attr("error", error[:2000])
        if self.on_trial_end is not None:
            record = TrialRecord(
                trial.number, dict(config), metrics, folds, state, error, start, time.time()
            )
            self.on_trial_end(record)
