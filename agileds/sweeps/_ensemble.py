"""Ensemble selection after a sweep (Caruana et al., 2004), from the trials' out-of-fold
predictions.

Starting from the best trial, each round adds (with replacement) the candidate whose
addition gives the best out-of-fold metric of the averaged predictions; the ensemble kept
is the shortest prefix with the best score, so a sweep where averaging does not help
ends with its best trial alone. Candidates are the best trial of each *structure* (family
and categorical choices such as bucketing or the text features), so the library is
diverse rather than ten near-copies of one model.

With a latency budget (the ticket's ``latency_p95_ms`` bound times :data:`LATENCY_MARGIN`),
a round may only add a new member while the sum of the members' one-row costs (measured on
each trial's fitted model, see :func:`agileds.evaluation.row_cost_ms`) stays within it;
giving more weight to a member already in costs nothing. The selection records each
composition it weighed, with its score and cost, for the run report.

An ensemble's configuration is ``{"family": "ensemble", "members": [...], "weights": [...]}``
and its model a plain scikit-learn ``VotingClassifier`` (soft voting) or ``VotingRegressor``
over the members' pipelines. This module imports nothing heavy at module level: the
go-live change list reads configurations through :func:`flat_config`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import optuna

    from agileds.sweeps._oof import OofStore

__all__ = [
    "ENSEMBLE",
    "LATENCY_MARGIN",
    "ROW_COST_ATTR",
    "Ensemble",
    "Weighed",
    "candidate_pool",
    "flat_config",
    "is_ensemble",
    "members_of",
    "select_ensemble",
    "voting_model",
]

ENSEMBLE = "ensemble"
POOL_SIZE = 10
"""At most this many candidates (the best structures) enter the selection."""
LATENCY_MARGIN = 0.5
"""An ensemble's estimated one-row cost stays within this share of the ticket's bound."""
ROW_COST_ATTR = "row_ms"
"""The trial attribute holding its fitted model's one-row cost in CPU milliseconds."""


def is_ensemble(config: Mapping[str, Any]) -> bool:
    """Whether ``config`` describes an ensemble of configurations."""
    return config.get("family") == ENSEMBLE


def members_of(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The member configurations of an ensemble, or ``[config]`` for a single model."""
    if is_ensemble(config):
        return [dict(m) for m in config.get("members", [])]
    return [dict(config)]


def flat_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """One level of ``name: value`` pairs: an ensemble's members become ``m1.weight``,
    ``m1.family``, ``m1.<param>``, ...; a single model's configuration is returned as is.

    >>> flat_config({"family": "ensemble", "members": [{"family": "logistic"}], "weights": [2]})
    {'family': 'ensemble', 'm1.weight': 2, 'm1.family': 'logistic'}
    """
    if not is_ensemble(config):
        return dict(config)
    flat: dict[str, Any] = {"family": ENSEMBLE}
    weights = config.get("weights") or [1] * len(config.get("members", []))
    for number, (member, weight) in enumerate(zip(config["members"], weights, strict=True), 1):
        flat[f"m{number}.weight"] = weight
        flat.update({f"m{number}.{k}": v for k, v in member.items()})
    return flat


def voting_model(estimators: Sequence[Any], weights: Sequence[float], task: str) -> Any:
    """A soft-voting classifier or a voting regressor over unfitted ``estimators``."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    named = [(f"m{i}", e) for i, e in enumerate(estimators, 1)]
    if task == "regression":
        return VotingRegressor(named, weights=list(weights))
    return VotingClassifier(named, voting="soft", weights=list(weights))


@dataclass(frozen=True)
class Weighed:
    """One composition the selection weighed: its members (trial numbers, in the order
    they were picked), the best out-of-fold score it reached, its estimated one-row cost
    in CPU milliseconds (None: a member's cost was not measured) and its ``status``:
    ``chosen``, ``over budget`` (refused: the addition would exceed the latency budget)
    or empty."""

    trials: tuple[int, ...]
    score: float
    cost_ms: float | None
    status: str = ""


@dataclass(frozen=True)
class Ensemble:
    """The chosen trials and their weights (how often each was picked).

    Attributes:
        trials: Trial numbers, the best trial first.
        weights: One positive integer per trial.
        score: Out-of-fold metric of the weighted average.
        best_score: Out-of-fold metric of the best trial alone.
        budget_ms: The latency budget the selection kept to (None: no latency criterion).
        cost_ms: Estimated one-row cost of the chosen trials (None: not measured).
        weighed: The compositions the selection weighed, in the order it met them.
    """

    trials: tuple[int, ...]
    weights: tuple[int, ...]
    score: float
    best_score: float
    budget_ms: float | None = None
    cost_ms: float | None = None
    weighed: tuple[Weighed, ...] = ()


def _cost(picked: Sequence[int], costs: Sequence[float | None]) -> float | None:
    values = [costs[i] for i in dict.fromkeys(picked)]
    return None if any(v is None for v in values) else float(sum(v or 0.0 for v in values))


class _Log:
    """The compositions met during a selection, best score per composition."""

    def __init__(self, costs: Sequence[float | None]) -> None:
        self.costs = costs
        self.rows: dict[tuple[int, ...], list[Any]] = {}

    def met(self, picks: Sequence[int], score: float, sign: float, status: str = "") -> None:
        key = tuple(dict.fromkeys(picks))
        row = self.rows.get(key)
        if row is None:
            self.rows[key] = [score, _cost(key, self.costs), status]
        elif sign * score > sign * row[0]:
            row[0] = score

    def result(self, kept: Sequence[int], numbers: Sequence[int]) -> tuple[Weighed, ...]:
        chosen = tuple(dict.fromkeys(kept))
        return tuple(
            Weighed(
                tuple(numbers[i] for i in key),
                score,
                cost,
                "chosen" if key == chosen else status,
            )
            for key, (score, cost, status) in self.rows.items()
        )


def select_ensemble(
    candidates: Sequence[tuple[int, np.ndarray]],
    y: Any,
    *,
    task: str,
    metric: str,
    direction: str,
    labels: Sequence[Any] | None = None,
    rounds: int = 25,
    costs: Sequence[float | None] | None = None,
    budget_ms: float | None = None,
) -> Ensemble:
    """Greedy forward selection with replacement over out-of-fold predictions.

    Args:
        candidates: ``(trial number, predictions)``, the best trial first; predictions
            are one row per training row (class probabilities for multiclass).
        y: The training labels or targets, in the predictions' row order.
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The sweep's metric.
        direction: ``maximize`` or ``minimize``.
        labels: The classes in the order of the prediction columns (classification).
        rounds: How many picks at most, the best trial's included.
        costs: Each candidate's one-row cost in milliseconds (None: not measured).
        budget_ms: With ``costs``: a new member joins only while the members' summed cost
            stays within it (a candidate of unknown cost never joins); None: no limit.

    Returns:
        The shortest prefix of the picks with the best score; ties prefer earlier
        (better) candidates.
    """
    import numpy as np

    from agileds.evaluation import compute_metrics

    y = np.asarray(y)
    sign = 1.0 if direction == "maximize" else -1.0
    costs = list(costs) if costs is not None else [None] * len(candidates)
    log = _Log(costs)

    def score(predictions: np.ndarray) -> float:
        values = compute_metrics(task, y, predictions, labels=labels, metrics=[metric])
        return float(values[metric])

    def fits(index: int, picks: list[int]) -> bool:
        if budget_ms is None or index in picks:
            return True
        cost = _cost([*picks, index], costs)
        return cost is not None and cost <= budget_ms

    first = candidates[0][1]
    total = first.copy()
    picks = [0]
    best_score = score(first)
    log.met(picks, best_score, sign)
    kept, kept_score = 1, best_score
    for _ in range(1, max(rounds, 1)):
        count = len(picks) + 1
        trial_scores = [score((total + p) / count) for _, p in candidates]
        ranked = sorted(range(len(candidates)), key=lambda i: (-sign * trial_scores[i], i))
        choice = next(i for i in ranked if fits(i, picks))  # the best trial always fits
        for refused in ranked[: ranked.index(choice)]:
            log.met([*picks, refused], trial_scores[refused], sign, "over budget")
        picks.append(choice)
        total += candidates[choice][1]
        log.met(picks, trial_scores[choice], sign)
        if sign * trial_scores[choice] > sign * kept_score:
            kept, kept_score = len(picks), trial_scores[choice]
    counts: dict[int, int] = {}
    for index in picks[:kept]:
        counts[index] = counts.get(index, 0) + 1
    order = sorted(counts, key=lambda i: (i != 0, -counts[i], i))
    numbers = [number for number, _ in candidates]
    return Ensemble(
        trials=tuple(numbers[i] for i in order),
        weights=tuple(counts[i] for i in order),
        score=kept_score,
        best_score=best_score,
        budget_ms=budget_ms,
        cost_ms=_cost(order, costs),
        weighed=log.result(picks[:kept], numbers),
    )


def candidate_pool(
    study: optuna.Study, store: OofStore, *, size: int = POOL_SIZE
) -> list[tuple[int, np.ndarray]]:
    """The best trial of each structure, best first, with its saved predictions.

    A structure is a trial's family and categorical choices; numeric hyperparameters
    vary within it. Trials without saved predictions are skipped.
    """
    from optuna.distributions import CategoricalDistribution

    done = [t for t in study.trials if t.state.name == "COMPLETE" and t.value is not None]
    sign = 1.0 if study.direction.name == "MAXIMIZE" else -1.0
    done.sort(key=lambda t: (-sign * float(t.value or 0.0), t.number))
    pool: list[tuple[int, np.ndarray]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for trial in done:
        structure = tuple(
            (name, repr(value))
            for name, value in sorted(trial.params.items())
            if isinstance(trial.distributions.get(name), CategoricalDistribution)
        )
        if structure in seen:
            continue
        predictions = store.load(trial.number)
        if predictions is None:
            continue
        seen.add(structure)
        pool.append((trial.number, predictions))
        if len(pool) == size:
            break
    return pool
