"""The leak check: screen each column's association with the label, then weigh the evidence.

A column is *screened* when a univariate association crosses ``leak_association`` or
``leak_auroc`` (the measures below). A strong real predictor crosses them too, so a screened
column is removed as a leak only on evidence that tells a leak apart:

* **a recorded outcome**: it is near-deterministic for *every* class (the out-of-fold
  recall of each class from the column alone reaches ``leak_every_class``; separating one
  class is not enough) *and* its values look like a copy of the label: a category whose
  levels each belong to one class, a number that is null exactly for some classes, or a
  number clustered tightly by class (η at least ``leak_outcome``); for regression, an
  absolute correlation or η of at least ``leak_outcome``;
* **and a gap**: a quick model (:mod:`agileds.automl._quick_model`) scores at least
  ``leak_gap`` better from the column alone than from all the other features together
  (other outcome-like columns left out, so two copies of the outcome cannot hide each
  other), which a recorded outcome does and a redundant strong measurement does not; an
  outcome-like column without the gap is only suspected;
* or, when the data has a time column, **a relation that holds in the earlier half of the
  rows but not in the later**: any column (screened on all rows or not) whose screen fires in
  the earlier half by time, misses in the later half and drops by at least ``leak_gap``, as a
  value filled in after the fact for the older rows does.

Every other screened column is kept. It is *suspected* (reported, never removed) when it
tells every class apart or carries a gap of its own over the other features; the quick
model's score with and without it says what removing it would cost. A screened column the
other features explain as well (e.g. two petal measurements) is a strong predictor: kept
and not flagged.

The screen's measures, by label and column kind (nulls count as a level of a category):

============  =====================================  =======================================
label         numbers and dates                      categories, low-cardinality text
============  =====================================  =======================================
binary        point-biserial and Spearman |r|;       bias-corrected Cramér's V; auROC of
              auROC of the values (nulls first,      the category's out-of-fold, smoothed
              then last)                             share of the positive class
multiclass    correlation ratio η of the values by   bias-corrected Cramér's V; one-vs-rest
              class; one-vs-rest macro auROC over    macro auROC of out-of-fold class shares
              quantile bins (out-of-fold)
regression    Pearson and Spearman |r|               correlation ratio η of the label by
                                                     category, adjusted for the levels
============  =====================================  =======================================

Out-of-fold shares and the corrections for the number of levels keep an id-like column of
many small categories from looking like a leak by overfitting. Free text is checked as a
category only when its values repeat; unique prose has no univariate association to measure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agileds.automl._association import (
    _auroc_with_nulls,
    _cramers_v,
    _eta,
    _level_recalls,
    _nearest_recalls,
    _pearson,
    _quantile_bins,
    _ranks,
    _sorted_auroc,
)
from agileds.automl._columns import ColumnKind
from agileds.automl._quick_model import quick_cv_score, quick_measure
from agileds.automl._sanity_base import (
    N_FOLDS,
    Removal,
    SanityThresholds,
    Suspect,
    _Label,
    _number,
    _percent,
    _Values,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["leak_findings"]

#: Pseudo-rows that pull a category's class share toward the share over all rows.
SMOOTHING = 5.0
#: Labelled rows each half of the time split needs before the time evidence is weighed.
MIN_TIME_ROWS = 50


def _leak_measures(values: _Values, label: _Label) -> Iterator[tuple[str, float]]:
    """Yield (measure, value) pairs of the column's association with the label.

    Measures that cannot be computed (one class, a constant column) are left out.
    """
    import numpy as np

    if values.numbers is not None:
        pairs = _number_measures(values.numbers[label.rows], label)
    elif values.codes is not None and (values.kind != ColumnKind.TEXT or values.repeats()):
        pairs = _category_measures(values.codes[label.rows], label)
    else:
        return
    for measure, value in pairs:
        if np.isfinite(value):
            yield measure, float(value)


def _number_measures(values: np.ndarray, label: _Label) -> Iterator[tuple[str, float]]:
    import numpy as np

    known = ~np.isnan(values)
    x, y = values[known], label.values[known]
    if label.n_classes == 0:
        yield "absolute Pearson correlation", abs(_pearson(x, y))
        yield "absolute Spearman correlation", abs(_pearson(_ranks(x), _ranks(y)))
    elif label.n_classes == 2:
        yield "absolute point-biserial correlation", abs(_pearson(x, y))
        yield "absolute Spearman correlation", abs(_pearson(_ranks(x), y))
        yield "single-feature auROC", _auroc_with_nulls(values, label.values == 1)
    elif label.n_classes > 2:
        yield "correlation ratio η", _eta(x, y)
        bins = _quantile_bins(values)
        yield "one-vs-rest macro auROC (quantile bins, out-of-fold)", _oof_auroc(bins, label)


def _category_measures(codes: np.ndarray, label: _Label) -> Iterator[tuple[str, float]]:
    if label.n_classes == 0:
        yield "correlation ratio η (adjusted for levels)", _eta(label.values, codes)
    elif label.n_classes >= 2:
        yield "Cramér's V", _cramers_v(codes, label.values)
        measure = "single-feature auROC" if label.n_classes == 2 else "one-vs-rest macro auROC"
        yield f"{measure} (out-of-fold category shares)", _oof_auroc(codes, label)


def _oof_auroc(codes: np.ndarray, label: _Label) -> float:
    """auROC of each row's level scored by its class share in the other folds (macro over classes).

    A level's share is smoothed toward the class's share with :data:`SMOOTHING` pseudo-rows;
    a level seen in no other fold gets the class's share, so unique values score nothing.
    For two classes only the second is scored (the first gives the same area). Rows of one
    level in one fold share a score, so the area comes from counts per (level, fold).
    """
    import numpy as np

    n_levels = int(codes.max()) + 1
    slot = codes * N_FOLDS + label.folds
    rows = np.bincount(slot, minlength=n_levels * N_FOLDS).reshape(n_levels, N_FOLDS)
    outside = rows.sum(axis=1, keepdims=True) - rows
    fold_rows = rows.sum(axis=0)
    areas = []
    for cls in [1] if label.n_classes == 2 else range(label.n_classes):
        hits = np.bincount(slot, weights=label.values == cls, minlength=n_levels * N_FOLDS)
        hits = hits.reshape(n_levels, N_FOLDS)
        prior = (hits.sum() - hits.sum(axis=0)) / (len(codes) - fold_rows)
        score = (hits.sum(axis=1, keepdims=True) - hits + SMOOTHING * prior) / (outside + SMOOTHING)
        distinct, groups = np.unique(score.ravel(), return_inverse=True)
        positives = np.bincount(groups, weights=hits.ravel(), minlength=len(distinct))
        totals = np.bincount(groups, weights=rows.ravel(), minlength=len(distinct))
        areas.append(_sorted_auroc(positives, totals - positives))
    return float(np.nanmean(areas)) if not np.isnan(areas).all() else float("nan")


@dataclass(frozen=True)
class Screened:
    """A column whose association with the label crossed the screen."""

    name: str
    values: _Values
    measure: str
    value: float
    finding: str  # for a person, e.g. "Cramér's V 0.98 with won (threshold 0.95)"


def screen(name: str, values: _Values, label: _Label, limits: SanityThresholds) -> Screened | None:
    """The column with the first measure that crosses its screening threshold, or None."""
    for measure, value in _leak_measures(values, label):
        if _crosses(measure, value, limits):
            return Screened(name, values, measure, value, _finding(measure, value, label, limits))
    return None


def _crosses(measure: str, value: float, limits: SanityThresholds) -> bool:
    if "auROC" in measure:
        return max(value, 1.0 - value) >= limits.leak_auroc
    return value > limits.leak_association


def _finding(measure: str, value: float, label: _Label, limits: SanityThresholds) -> str:
    if "auROC" in measure:
        bound = f"≥ {limits.leak_auroc:g} or ≤ {1.0 - limits.leak_auroc:g}"
        shown = _number(value, limits.leak_auroc if value > 0.5 else 1.0 - limits.leak_auroc)
        return f"{measure} {shown} for {label.name} (threshold {bound})"
    shown = _number(value, limits.leak_association)
    return f"{measure} {shown} with {label.name} (threshold {limits.leak_association:g})"


@dataclass(frozen=True)
class _Evidence:
    """What a screened column's values say about it, before any model is fitted."""

    every_class: bool  # near-deterministic for every class
    recalls: str  # the per-class out-of-fold recalls, for a person ("" for regression)
    outcome: str | None  # why the values look like a recorded outcome; None when they do not


def _evidence(column: Screened, label: _Label, limits: SanityThresholds) -> _Evidence:
    import numpy as np

    values = column.values
    if label.n_classes == 0:
        measure, strength = max(_leak_measures(values, label), key=lambda pair: pair[1])
        if strength < limits.leak_outcome:
            return _Evidence(False, "", None)
        shown = _number(strength, limits.leak_outcome)
        return _Evidence(
            True,
            "",
            f"it nearly fixes the label ({measure} {shown}, threshold {limits.leak_outcome:g})",
        )
    y, folds, n = label.values, label.folds, label.n_classes
    if values.numbers is None:
        assert values.codes is not None
        recalls = _level_recalls(values.codes[label.rows], y, folds, n)
        every = _every_class(recalls, limits)
        return _Evidence(
            every,
            _recall_text(recalls, label, limits),
            _maybe(every, "each of its values belongs to one class"),
        )
    x = values.numbers[label.rows]
    nulls = np.isnan(x)
    if nulls.any() and not nulls.all():
        null_recalls = _level_recalls(nulls.astype(np.int64), y, folds, n)
        if _every_class(null_recalls, limits):
            text = _recall_text(null_recalls, label, limits)
            return _Evidence(True, text, "whether it is null tells the class")
    recalls = _nearest_recalls(x, y, folds, n)
    every = _every_class(recalls, limits)
    eta = _eta(x[~nulls], y[~nulls]) if (~nulls).sum() > 1 else float("nan")
    outcome = None
    if every and eta >= limits.leak_outcome:
        shown = _number(eta, limits.leak_outcome)
        outcome = (
            f"its values cluster tightly by class (η {shown}, threshold {limits.leak_outcome:g})"
        )
    return _Evidence(every, _recall_text(recalls, label, limits), outcome)


def _maybe(condition: bool, text: str) -> str | None:
    return text if condition else None


def _every_class(recalls: np.ndarray, limits: SanityThresholds) -> bool:
    import numpy as np

    return bool(not np.isnan(recalls).all() and np.nanmin(recalls) >= limits.leak_every_class)


def _recall_text(recalls: np.ndarray, label: _Label, limits: SanityThresholds) -> str:
    """``out-of-fold recall 99.1% of 0, 98.9% of 1; threshold 98%`` (the lowest of many)."""
    import numpy as np

    bound = f"threshold {_percent(limits.leak_every_class)} for every class"
    shown = [(c, r) for c, r in zip(label.classes, recalls, strict=True) if not np.isnan(r)]
    if len(shown) > 4:
        lowest = min(shown, key=lambda pair: pair[1])
        return f"lowest out-of-fold class recall {lowest[1]:.1%} of {lowest[0]}; {bound}"
    listed = ", ".join(f"{r:.1%} of {c}" for c, r in shown)
    return f"out-of-fold recall {listed}; {bound}"


def _time_halves(label: _Label, time: np.ndarray | None) -> list[np.ndarray] | None:
    """Masks of the labelled rows up to the median time and after it, or None when either
    half is too small (or there is no time column)."""
    import numpy as np

    if time is None:
        return None
    known = label.rows & ~np.isnan(time)
    if known.sum() < 2 * MIN_TIME_ROWS:
        return None
    cut = float(np.median(time[known]))
    halves = [known & (time <= cut), known & (time > cut)]
    return halves if min(int(half.sum()) for half in halves) >= MIN_TIME_ROWS else None


def _time_drop(
    name: str,
    values: _Values,
    label: _Label,
    halves: list[np.ndarray],
    time_name: str,
    limits: SanityThresholds,
) -> Removal | None:
    """A removal when a measure crosses the screen in the earlier half of the rows by time but
    not in the later half, and falls by at least ``leak_gap`` (a value filled in after the fact
    for the older rows); None otherwise. A measure the later half cannot compute (a constant
    there, say) counts as no relation."""
    early_half, late_half = halves
    early = dict(_leak_measures(values.subset(early_half), label.subset(early_half)))
    late = dict(_leak_measures(values.subset(late_half), label.subset(late_half)))
    for measure, before in early.items():
        auroc = "auROC" in measure
        after = late.get(measure, 0.5 if auroc else 0.0)
        if not _crosses(measure, before, limits) or _crosses(measure, after, limits):
            continue
        drop = (max(before, 1 - before) - max(after, 1 - after)) if auroc else before - after
        if drop >= limits.leak_gap:
            reason = (
                f"leaks the label: {_finding(measure, before, label, limits)} in the earlier half "
                f"of the rows by {time_name}, but {after:.3f} in the later half (a drop of "
                f"{drop:.3f}, threshold {limits.leak_gap:g}): a value known only after the fact"
            )
            return Removal(name, "leak", reason, before)
    return None


class _Scorer:
    """The quick model's score from a set of columns, each set fitted once."""

    def __init__(self, features: Mapping[str, _Values], label: _Label, seed: int) -> None:
        self.features, self.label, self.seed = features, label, seed
        self.scores: dict[tuple[str, ...], float] = {}
        self.measure = quick_measure(label.n_classes)

    def alone(self, column: Screened) -> float:
        """The score from the column alone: the quick model's, or the univariate out-of-fold
        auROC (η² for regression) when higher, as for a category of more levels than the
        quick model keeps."""
        import numpy as np

        univariate = [
            max(value, 1.0 - value) if "auROC" in measure else value**2
            for measure, value in _leak_measures(column.values, self.label)
            if ("auROC" in measure) == (self.label.n_classes > 0)
        ]
        return max([self([column.name]), *(v for v in univariate if np.isfinite(v))])

    def __call__(self, names: list[str]) -> float:
        key = tuple(names)
        if key not in self.scores:
            columns = [self.features[name].model_input(self.label.rows) for name in names]
            label = self.label
            self.scores[key] = quick_cv_score(columns, label.values, label.n_classes, self.seed)
        return self.scores[key]


def leak_findings(
    screened: list[Screened],
    features: Mapping[str, _Values],
    label: _Label,
    limits: SanityThresholds,
    *,
    seed: int = 0,
    time: np.ndarray | None = None,
    time_name: str = "",
) -> tuple[list[Removal], list[Suspect]]:
    """Weigh the evidence on each screened column: remove the leaks, suspect the doubtful.

    Args:
        screened: The screened columns, in column order.
        features: Every feature column still in, screened ones included, in column order.
        label: The label.
        limits: The thresholds.
        seed: Seed of the quick model.
        time: The time of each row of the frame in days (NaN when unknown), or None.
        time_name: The time column, for messages.

    Returns:
        The leak removals and the suspects, each in column order.
    """
    evidence = {column.name: _evidence(column, label, limits) for column in screened}
    removals = []
    halves = _time_halves(label, time)
    if halves is not None:
        for name, values in features.items():
            removal = _time_drop(name, values, label, halves, time_name, limits)
            if removal is not None:
                removals.append(removal)
    gone = {removal.column for removal in removals}
    score = _Scorer({n: v for n, v in features.items() if n not in gone}, label, seed)
    outcomes = [c for c in screened if c.name not in gone and evidence[c.name].outcome]
    in_group = {c.name for c in outcomes}
    others = score([n for n in score.features if n not in in_group]) if outcomes else 0.0
    for column in outcomes:
        alone = score.alone(column)
        if alone - others >= limits.leak_gap:
            reason = _removal_reason(
                column, evidence[column.name], alone, others, score.measure, limits
            )
            removals.append(Removal(column.name, "leak", reason, column.value))
    gone |= {removal.column for removal in removals}
    kept = [n for n in score.features if n not in gone]
    suspects = [
        suspect
        for column in screened
        if column.name not in gone
        for suspect in [_suspect(column, evidence[column.name], kept, score, limits)]
        if suspect is not None
    ]
    order = {name: position for position, name in enumerate(features)}
    removals.sort(key=lambda removal: order[removal.column])
    return removals, suspects


def _removal_reason(
    column: Screened,
    evidence: _Evidence,
    alone: float,
    others: float,
    measure: str,
    limits: SanityThresholds,
) -> str:
    recalls = f" ({evidence.recalls})" if evidence.recalls else ""
    return (
        f"leaks the label: {column.finding}; {evidence.outcome}{recalls}; quick-model CV "
        f"{measure} {alone:.3f} from it alone against {others:.3f} from all other features "
        f"(gap {alone - others:.3f}, threshold {limits.leak_gap:g})"
    )


def _suspect(
    column: Screened, evidence: _Evidence, kept: list[str], score: _Scorer, limits: SanityThresholds
) -> Suspect | None:
    """The suspicion on a kept screened column, or None for a strong predictor the other
    features explain as well."""
    alone = score.alone(column)
    without = score([n for n in kept if n != column.name])
    gap = alone - without
    recalls = f" ({evidence.recalls})" if evidence.recalls else ""
    if evidence.outcome:
        why = (
            f"{evidence.outcome}{recalls}, but the other features predict the label almost as well"
        )
    elif evidence.every_class:
        why = f"it tells every class apart{recalls}, but its values do not look like a recorded outcome"
    elif gap >= limits.leak_gap:
        why = f"it carries what the other features do not (gap {gap:.3f} over them, threshold {limits.leak_gap:g})"
        if evidence.recalls:
            why += f", but does not tell every class apart{recalls}"
    else:
        return None
    with_it = score(kept)
    reason = (
        f"suspected leak, kept: {column.finding}; {why}; quick-model CV {score.measure} "
        f"{alone:.3f} from it alone, {with_it:.3f} with it, {without:.3f} without it"
    )
    return Suspect(column.name, reason, column.value, score.measure, alone, with_it, without)
