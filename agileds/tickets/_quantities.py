"""The registry of quantity names an acceptance criterion may use, and what each one means."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from agileds.errors import UnknownQuantityError

__all__ = [
    "COLUMN_FAMILIES",
    "KNOWN_QUANTITIES",
    "Quantity",
    "check_quantity",
    "documented_quantities",
    "is_known_quantity",
    "suggest_quantity",
]

HOLDOUT_METRICS: dict[str, str] = {
    "auroc": "area under the ROC curve",
    "aupr": "area under the precision-recall curve",
    "log_loss": "logarithmic loss",
    "brier": "Brier score",
    "ece": "expected calibration error",
    "f1": "F1 score",
    "precision": "precision",
    "recall": "recall",
    "accuracy": "accuracy",
    "macro_f1": "F1 score averaged over the classes",
    "rmse": "root mean squared error",
    "mae": "mean absolute error",
    "r2": "coefficient of determination (R²)",
}
SERVING_MEASURES: dict[str, str] = {
    "latency_p50_ms": "median latency of scoring one row, in milliseconds",
    "latency_p95_ms": "95th percentile latency of scoring one row, in milliseconds",
    "latency_batch_ms": "latency of scoring one batch, in milliseconds",
    "model_size_mb": "size of the serialized model, in megabytes",
}
RUN_FACTS: dict[str, str] = {
    "trials": "trials started in the sweep",
    "trials_completed": "trials that completed",
    "trials_pruned": "trials stopped early by the pruner",
    "trials_failed": "trials that raised an error",
    "fit_seconds": "seconds spent fitting the final model",
    "sweep_seconds": "seconds the whole sweep took",
    "ensemble_members": "trials averaged in the final model (1: the best trial alone)",
    "leakage_flags": "features removed by the sanity checks as target leakage",
    "leakage_suspects": "features kept although the sanity checks suspect target leakage",
    "features_removed": "features removed by the sanity checks",
    "followups": "follow-up tickets an investigation proposes (filed with --file-followups)",
    "segments_worse": "segments where the candidate is worse than production",
    "rows": "rows in the training data",
    "eval_rows": "rows the go-live compared both models on",
    "segments_compared": "segments large enough to compare at go-live",
    "latency_p95_ratio": "latency_p95_ms divided by production.latency_p95_ms (go-live)",
}
DRIFT_MEASURES: dict[str, str] = {
    "psi.score": "population stability index of the model's scores, new batch vs reference",
    "score_volume_change": "relative change in the number of rows scored",
    "max_psi": "largest population stability index over the feature columns",
    "drifted_features": "feature columns with major drift (PSI over 0.25), batch vs reference",
    "metric_drop": "how much worse the primary metric is on the investigated batch than at evaluation",
    "segments_degraded": "segments whose interval on the batch lies wholly worse than the reference",
}
COLUMN_FAMILIES: dict[str, str] = {
    "blank_text_rate": "share of blank strings in text column <column>",
    "null_rate": "share of missing values in column <column>",
    "psi": "population stability index of column <column>, new batch vs reference",
    "unseen_categories": "categories of column <column> not seen in training",
}


@dataclass(frozen=True)
class _Form:
    """A name derived from a metric: ``template`` holds ``{m}`` where the metric goes."""

    template: str
    meaning: str
    serving: bool = False  # also derived from the serving measures


_FORMS = (
    _Form("{m}.ci_low", "lower bound of the bootstrap confidence interval of {m}"),
    _Form("{m}.ci_high", "upper bound of the bootstrap confidence interval of {m}"),
    _Form("production.{m}", "{m} of the production model on the same holdout", serving=True),
    _Form("production.{m}.ci_low", "lower bound of the interval of production.{m}"),
    _Form("production.{m}.ci_high", "upper bound of the interval of production.{m}"),
    _Form("delta.{m}", "paired difference in {m}, candidate − production", serving=True),
    _Form("delta.{m}.ci_low", "lower bound of the bootstrap interval of delta.{m}"),
    _Form("delta.{m}.ci_high", "upper bound of the bootstrap interval of delta.{m}"),
    _Form("delta.{m}.p_value", "p-value of the paired difference delta.{m}"),
    _Form("cv.{m}", "mean of {m} over the cross-validation folds"),
    _Form("cv.{m}.std", "standard deviation of {m} over the cross-validation folds"),
)
_SEGMENT = r"(?!__)[A-Za-z_][A-Za-z0-9_]*"  # an identifier, not a dunder
_COLUMN_RE = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")


@dataclass(frozen=True)
class Quantity:
    """One documented quantity or family of quantities.

    Attributes:
        name: The name as written in a criterion; a placeholder in angle brackets stands for
            any holdout metric (``<metric>``), any metric or serving measure (``<measure>``)
            or any column name (``<column>``).
        meaning: What is measured, in a few words.
        group: The heading the quantity is listed under in the docs.
    """

    name: str
    meaning: str
    group: str


def _expand() -> dict[str, str]:
    """Return every concrete quantity name (all but the per-column ones) with its meaning."""
    known = {**HOLDOUT_METRICS, **SERVING_MEASURES}
    for form in _FORMS:
        metrics = [*HOLDOUT_METRICS, *(SERVING_MEASURES if form.serving else ())]
        known.update({form.template.format(m=m): form.meaning.format(m=m) for m in metrics})
    return {**known, **RUN_FACTS, **DRIFT_MEASURES}


KNOWN_QUANTITIES: dict[str, str] = _expand()
"""Every quantity name except the per-column families, mapped to its meaning."""


def is_known_quantity(name: str) -> bool:
    """Return whether ``name`` is a quantity agileds measures.

    Example:
        >>> is_known_quantity("delta.auroc.ci_low"), is_known_quantity("null_rate.age")
        (True, True)
    """
    if name in KNOWN_QUANTITIES:
        return True
    family, _, column = name.partition(".")
    return family in COLUMN_FAMILIES and _COLUMN_RE.fullmatch(column) is not None


def suggest_quantity(name: str) -> str | None:
    """Return the known name closest to an unknown ``name``, or None when none is close."""
    candidates = [*KNOWN_QUANTITIES, *(f"{family}.<column>" for family in COLUMN_FAMILIES)]
    _, dot, rest = name.partition(".")
    if dot and _COLUMN_RE.fullmatch(rest):
        candidates += [f"{family}.{rest}" for family in COLUMN_FAMILIES]
    matches = difflib.get_close_matches(name.lower(), candidates, n=1)
    return matches[0] if matches else None


def check_quantity(name: str, *, text: str | None = None, position: int = 0) -> None:
    """Raise unless ``name`` is a known quantity.

    Args:
        name: A quantity name such as ``production.auroc``.
        text: The criterion the name appears in, for the error; defaults to ``name``.
        position: 0-based offset of the name in ``text``.

    Raises:
        UnknownQuantityError: The name is unknown; the message suggests the closest name.
    """
    if is_known_quantity(name):
        return
    suggestion = suggest_quantity(name)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    message = f"unknown quantity {name!r}{hint} (see docs/criteria.md for the list)"
    raise UnknownQuantityError(name if text is None else text, position, message)


def documented_quantities() -> tuple[Quantity, ...]:
    """Return the quantities to list in the docs, grouped, with placeholders for families."""
    listed = [
        Quantity(n, f"{m} of the candidate", "Holdout metrics") for n, m in HOLDOUT_METRICS.items()
    ]
    listed += [Quantity(n, m, "Serving") for n, m in SERVING_MEASURES.items()]
    for form in _FORMS:
        m = "<measure>" if form.serving else "<metric>"
        listed.append(Quantity(form.template.format(m=m), form.meaning.format(m=m), "Derived"))
    listed += [Quantity(n, m, "Run facts") for n, m in RUN_FACTS.items()]
    listed += [Quantity(n, m, "Drift") for n, m in DRIFT_MEASURES.items()]
    listed += [Quantity(f"{f}.<column>", m, "Per column") for f, m in COLUMN_FAMILIES.items()]
    return tuple(listed)
