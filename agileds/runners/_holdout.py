"""The final phase of a sweep: refit the best configuration, score it (and production) on
the holdout with intervals, and measure its serving cost."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.errors import AgileDSError, DataError
from agileds.sweeps import (
    ENSEMBLE,
    LATENCY_MARGIN,
    ROW_COST_ATTR,
    Ensemble,
    ExperimentSpec,
    OofStore,
    PreparedData,
    build_model,
    candidate_pool,
    default_configs,
    model_labels,
    model_scores,
    select_ensemble,
    suggest_trial_config,
)

if TYPE_CHECKING:
    import optuna

__all__ = [
    "Candidate",
    "best_config",
    "final_config",
    "fit_candidate",
    "score_production",
    "trial_config",
]


@dataclass(frozen=True)
class Candidate:
    """The refitted best model, its holdout scores and measured quantities."""

    model: Any
    config: dict[str, Any]
    scores: Any
    quantities: dict[str, float]


def trial_config(
    trial: optuna.trial.FrozenTrial, spec: ExperimentSpec, data: PreparedData
) -> dict[str, Any]:
    """A trial's whole configuration (fixed overrides included).

    Parameters the trial never saw (a study resumed after agileds added a search choice)
    take the family's defaults.
    """
    import optuna

    from agileds.automl import canonical_config

    params = canonical_config(trial.params, data.task)  # a study from before "ridge"
    family = params.get("family")
    defaults = next((d for d in default_configs(spec, data) if d["family"] == family), {})
    fixed = optuna.trial.FixedTrial({**defaults, **params})
    return suggest_trial_config(fixed, spec, data)


def best_config(study: optuna.Study, spec: ExperimentSpec, data: PreparedData) -> dict[str, Any]:
    """The best trial's whole configuration."""
    return trial_config(study.best_trial, spec, data)


def final_config(
    study: optuna.Study,
    spec: ExperimentSpec,
    data: PreparedData,
    store: OofStore | None,
    *,
    latency_bound_ms: float | None = None,
) -> tuple[dict[str, Any], Ensemble | None]:
    """The configuration to refit: an ensemble when selection over the trials' out-of-fold
    predictions finds one better than the best trial alone, else the best trial's.

    With ``latency_bound_ms`` (the ticket's ``latency_p95_ms`` bound), members join only
    while their summed one-row cost stays within ``LATENCY_MARGIN`` of it.

    Returns:
        The configuration and the selection (None when it did not run: switched off with
        ``ensemble: 0``, no saved predictions, or fewer than two candidates).
    """
    import numpy as np

    best = study.best_trial
    pool = [] if store is None or spec.ensemble < 2 else candidate_pool(study, store)
    if len(pool) < 2 or pool[0][0] != best.number:
        return best_config(study, spec, data), None
    labels = None if data.task == "regression" else tuple(np.unique(data.y_train.to_numpy()))
    trials = {t.number: t for t in study.trials}
    costs = [trials[n].user_attrs.get(ROW_COST_ATTR) for n, _ in pool]
    try:
        ensemble = select_ensemble(
            pool,
            data.y_train.to_numpy(),
            task=data.task,
            metric=data.metric,
            direction=data.direction,
            labels=labels,
            rounds=spec.ensemble,
            costs=costs,
            budget_ms=None if latency_bound_ms is None else latency_bound_ms * LATENCY_MARGIN,
        )
    except AgileDSError:  # predictions a metric refuses (e.g. non-finite): no ensemble
        return best_config(study, spec, data), None
    if len(ensemble.trials) == 1:
        return best_config(study, spec, data), ensemble
    members = [trial_config(trials[n], spec, data) for n in ensemble.trials]
    config = {"family": ENSEMBLE, "members": members, "weights": list(ensemble.weights)}
    return config, ensemble


def fit_candidate(config: dict[str, Any], spec: ExperimentSpec, data: PreparedData) -> Candidate:
    """Refit ``config`` on the whole training part and score it on the holdout."""
    from agileds.evaluation import bootstrap_metrics, serving_cost

    model = build_model(config, spec, data)
    start = time.perf_counter()
    model.fit(data.x_train, data.y_train)
    fit_seconds = time.perf_counter() - start
    scores = model_scores(model, data.x_holdout, data.task)
    quantities = bootstrap_metrics(
        data.task,
        data.y_holdout.to_numpy(),
        scores,
        seed=spec.seed,
        labels=model_labels(model, data.task),
    )
    quantities.update(serving_cost(model, data.x_holdout))
    quantities["fit_seconds"] = fit_seconds
    quantities["rows"] = float(len(data.train))
    return Candidate(model, config, scores, quantities)


def score_production(
    production: Any, candidate: Candidate, spec: ExperimentSpec, data: PreparedData
) -> dict[str, float]:
    """``production.*`` and ``delta.*`` quantities: production scored on the same holdout."""
    from agileds.evaluation import bootstrap_metrics, paired_bootstrap, prefixed, serving_cost

    try:
        scores = model_scores(production, data.x_holdout, data.task)
    except (KeyError, ValueError) as exc:
        raise DataError(
            f"the production model cannot score this experiment's holdout ({exc}); "
            "its input columns differ: check the experiment's data and drop list"
        ) from None
    y, labels = data.y_holdout.to_numpy(), model_labels(production, data.task)
    own = bootstrap_metrics(data.task, y, scores, seed=spec.seed, labels=labels)
    own.update(serving_cost(production, data.x_holdout))
    deltas = paired_bootstrap(data.task, y, candidate.scores, scores, seed=spec.seed, labels=labels)
    for key in ("latency_p50_ms", "latency_p95_ms", "latency_batch_ms", "model_size_mb"):
        deltas[f"delta.{key}"] = candidate.quantities[key] - own[key]
    return {**prefixed(own, "production"), **deltas}
