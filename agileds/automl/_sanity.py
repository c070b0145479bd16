"""Sanity checks on the training data: remove features that leak the label, say nothing or repeat.

Each feature column is checked on its own, in this order, and removed by the first check
that fires: ``constant`` (its kind already says so; the feature pipeline drops it anyway),
``mostly_null`` (nulls, None and blank or whitespace-only strings), ``near_constant`` (one
value fills nearly every non-null row) and ``leak`` (a univariate association with the
label so strong that the column must be known only after the fact). Then the survivors are
compared in pairs, ``near_duplicate``: numeric columns through one correlation matrix
(dates are left out: the gap between two dates can matter however well they correlate),
categories with at most :data:`MAX_DUPLICATE_LEVELS` levels through a one-to-one mapping of
their values; the first column in order stays.

The leak measures, by label and column kind (nulls count as a level of a category):

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
category only when its values repeat (at least :data:`MIN_ROWS_PER_LEVEL` rows per distinct
value on average); unique prose has no univariate association to measure and is skipped.
Identifiers are not features: they are neither checked, removed nor kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from agileds.automl._association import (
    _auroc_with_nulls,
    _cramers_v,
    _eta,
    _pearson,
    _quantile_bins,
    _ranks,
    _sorted_auroc,
)
from agileds.automl._columns import ColumnKind, blank_mask, parse_dates
from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["CHECKS", "Removal", "SanityReport", "SanityThresholds", "sanity_check"]

#: The checks, in the order a column meets them (near-duplicates are compared last).
CHECKS = ("constant", "mostly_null", "near_constant", "leak", "near_duplicate")
#: Folds of the out-of-fold category shares behind a category's auROC.
N_FOLDS = 5
#: Pseudo-rows that pull a category's class share toward the share over all rows.
SMOOTHING = 5.0
#: Free text is checked as a category when each distinct value fills this many rows on average.
MIN_ROWS_PER_LEVEL = 5
#: Categorical columns with at most this many levels (nulls included) are compared in pairs.
MAX_DUPLICATE_LEVELS = 100

_TASKS = ("binary", "multiclass", "regression")
_NUMBERS = {ColumnKind.NUMERIC, ColumnKind.DATETIME}
_CATEGORIES = {ColumnKind.CATEGORICAL, ColumnKind.CATEGORY_CODE, ColumnKind.TEXT}


@dataclass(frozen=True)
class SanityThresholds:
    """When a check removes a column; every value is a share between 0 and 1.

    Attributes:
        leak_association: A correlation, Cramér's V or correlation ratio above this leaks.
        leak_auroc: A single-feature auROC at or above this (or at or below one minus it) leaks.
        near_constant: The most frequent value filling this share of non-null rows or more.
        mostly_null: This share of null or blank rows or more.
        duplicate: Absolute correlation, or rows covered by a one-to-one mapping of values,
            from which the later of two columns repeats the earlier.
    """

    leak_association: float = 0.95
    leak_auroc: float = 0.99
    near_constant: float = 0.995
    mostly_null: float = 0.99
    duplicate: float = 0.999


@dataclass(frozen=True)
class Removal:
    """One column removed by one check.

    Attributes:
        column: The column.
        check: One of :data:`CHECKS`.
        reason: The finding for a person, with the measured value and the threshold.
        value: The measured value (a share, correlation, Cramér's V or auROC).
    """

    column: str
    check: str
    reason: str
    value: float


@dataclass(frozen=True)
class SanityReport:
    """What the sanity checks removed and which feature columns they kept.

    Attributes:
        removed: One removal per removed column, in column order.
        kept: The feature columns left, in column order (identifiers are in neither).
    """

    removed: tuple[Removal, ...]
    kept: tuple[str, ...]

    @property
    def leakage_flags(self) -> int:
        """Columns removed because they leak the label."""
        return sum(removal.check == "leak" for removal in self.removed)

    @property
    def features_removed(self) -> int:
        """Columns removed by any check, constants included."""
        return len(self.removed)

    @property
    def removed_columns(self) -> tuple[str, ...]:
        """The removed columns, in column order."""
        return tuple(removal.column for removal in self.removed)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per removal (column, check, reason, value), e.g. for ``mlflow.log_table``."""
        return [
            {"column": r.column, "check": r.check, "reason": r.reason, "value": r.value}
            for r in self.removed
        ]

    def apply(self, kinds: Mapping[str, ColumnKind]) -> dict[str, ColumnKind]:
        """Return ``kinds`` without the removed columns, in the same order."""
        removed = set(self.removed_columns)
        return {name: kind for name, kind in kinds.items() if name not in removed}


def sanity_check(
    frame: pd.DataFrame,
    *,
    target: str,
    kinds: Mapping[str, ColumnKind],
    task: str,
    thresholds: SanityThresholds | None = None,
    seed: int = 0,
) -> SanityReport:
    """Check every feature column of the training data and say which to remove and why.

    Run it on the training rows only: measured on the holdout as well, a leak check would
    peek at the labels the model is judged by.

    Args:
        frame: The training rows, target included.
        target: The label column; rows where it is null are left out of the leak check.
        kinds: The kind of each feature column, e.g. from :func:`infer_column_kinds`.
        task: ``binary``, ``multiclass`` or ``regression``.
        thresholds: When each check fires; the defaults of :class:`SanityThresholds` if None.
        seed: Seed of the folds behind the out-of-fold category shares.

    Returns:
        The removals with their reasons, and the feature columns kept.

    Raises:
        DataError: ``target`` or a column of ``kinds`` is not in the frame, or no row has a label.
        UsageError: An unknown task, a threshold out of range, or ``target`` among ``kinds``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"won": [0, 1] * 50, "stage": ["lost", "won"] * 50})
        >>> report = sanity_check(
        ...     frame, target="won", kinds={"stage": ColumnKind.CATEGORICAL}, task="binary"
        ... )
        >>> report.removed[0].reason
        "leaks the label: Cramér's V 1.00 with won (threshold 0.95)"
    """
    limits = thresholds or SanityThresholds()
    labels = _check_arguments(frame, target, kinds, task, limits)
    label = _Label.of(frame[labels[target]], target, task, seed)
    removed: list[Removal] = []
    candidates: dict[str, _Values] = {}
    for name, kind in kinds.items():
        kind = ColumnKind(kind)
        if kind == ColumnKind.IDENTIFIER:
            continue
        if kind == ColumnKind.CONSTANT:
            reason = "constant: at most one distinct non-null value (the feature pipeline drops it)"
            removed.append(Removal(name, "constant", reason, 1.0))
            continue
        values = _Values.of(frame[labels[name]], kind)
        removal = _check_column(name, values, label, limits)
        if removal is None:
            candidates[name] = values
        else:
            removed.append(removal)
    removed += _duplicates(candidates, limits.duplicate)
    order = {name: position for position, name in enumerate(kinds)}
    removed.sort(key=lambda removal: order[removal.column])
    gone = {removal.column for removal in removed}
    return SanityReport(tuple(removed), tuple(name for name in candidates if name not in gone))


def _check_arguments(
    frame: pd.DataFrame,
    target: str,
    kinds: Mapping[str, ColumnKind],
    task: str,
    limits: SanityThresholds,
) -> dict[str, Any]:
    """Raise for the first bad argument; return the frame's labels by column name."""
    if task not in _TASKS:
        raise UsageError(f"unknown task '{task}'; use one of {', '.join(_TASKS)}")
    for item in fields(limits):
        value = getattr(limits, item.name)
        low = 0.5 if item.name == "leak_auroc" else 0.0
        if not low < value <= 1.0:
            raise UsageError(
                f"sanity threshold {item.name} must be above {low:g} and at most 1, got {value!r}"
            )
    valid = {kind.value for kind in ColumnKind}
    for name, kind in kinds.items():
        if kind not in valid:
            raise UsageError(
                f"unknown column kind '{kind}' for column '{name}'; use one of {', '.join(valid)}"
            )
    labels = {str(label): label for label in frame.columns}
    if target in kinds:
        raise UsageError(f"the target '{target}' is among the feature kinds; leave it out")
    for name in [target, *kinds]:
        if name not in labels:
            raise DataError(
                f"column '{name}' is not in the data; use one of {', '.join(labels) or '(none)'}"
            )
    return labels


@dataclass(frozen=True)
class _Label:
    """The label on the rows that have one, and the folds for out-of-fold shares."""

    name: str
    rows: np.ndarray  # bool mask over the frame: the rows with a label
    values: np.ndarray  # float label (regression) or class codes 0..n_classes-1
    n_classes: int  # 0 for regression
    folds: np.ndarray

    @classmethod
    def of(cls, column: pd.Series, name: str, task: str, seed: int) -> _Label:
        import numpy as np
        import pandas as pd

        rows = _Values.of(column, ColumnKind.CATEGORICAL).present
        if not rows.any():
            raise DataError(f"target column '{name}' has no values to check the features against")
        kept = column[rows]
        if task == "regression":
            try:
                values, n_classes = pd.to_numeric(kept).to_numpy(dtype=float), 0
            except (TypeError, ValueError):
                raise DataError(
                    f"target column '{name}' holds non-numbers such as {_short(kept.iloc[0])}; "
                    "use task binary or multiclass, or convert it to numbers"
                ) from None
        else:
            codes, uniques = pd.factorize(kept, sort=True)
            values, n_classes = codes.astype(np.int64), len(uniques)
        folds = np.random.default_rng(seed).permutation(len(values)) % N_FOLDS
        return cls(name, rows, values, n_classes, folds)


def _check_column(
    name: str, values: _Values, label: _Label, limits: SanityThresholds
) -> Removal | None:
    """The first check that removes the column, or None when it passes them all."""
    null_rate = 1.0 - float(values.present.mean()) if len(values.present) else 1.0
    if null_rate >= limits.mostly_null:
        share = _number(null_rate, limits.mostly_null, percent=True)
        reason = f"mostly null: {share} of rows are null or blank (threshold {_percent(limits.mostly_null)})"
        return Removal(name, "mostly_null", reason, null_rate)
    top, top_share = values.most_frequent()
    if top_share >= limits.near_constant:
        share = _number(top_share, limits.near_constant, percent=True)
        reason = f"near-constant: {_short(top)} fills {share} of non-null rows (threshold {_percent(limits.near_constant)})"
        return Removal(name, "near_constant", reason, top_share)
    return _leak(name, values, label, limits)


def _leak(name: str, values: _Values, label: _Label, limits: SanityThresholds) -> Removal | None:
    """A leak removal for the first measure over its threshold, or None."""
    for measure, value in _leak_measures(values, label):
        auroc = "auROC" in measure
        if auroc and max(value, 1.0 - value) >= limits.leak_auroc:
            bound = f"≥ {limits.leak_auroc:g} or ≤ {1.0 - limits.leak_auroc:g}"
            shown = _number(value, limits.leak_auroc if value > 0.5 else 1.0 - limits.leak_auroc)
            reason = f"leaks the label: {measure} {shown} for {label.name} (threshold {bound})"
            return Removal(name, "leak", reason, value)
        if not auroc and value > limits.leak_association:
            shown = _number(value, limits.leak_association)
            reason = f"leaks the label: {measure} {shown} with {label.name} (threshold {limits.leak_association:g})"
            return Removal(name, "leak", reason, value)
    return None


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


@dataclass(frozen=True)
class _Values:
    """One column as the checks see it: which rows have a value, and the values as numbers.

    Numbers and dates become floats (dates in days since 1970) with NaN for nulls; the other
    kinds become level codes ``0..k-1`` with nulls and blank strings as the last level.
    Strings are tested for blanks and parsed once per distinct value, not once per row.
    """

    kind: ColumnKind
    present: np.ndarray
    numbers: np.ndarray | None = None
    codes: np.ndarray | None = None
    levels: np.ndarray | None = None  # the value of each code; None for the null level

    @classmethod
    def of(cls, column: pd.Series, kind: ColumnKind) -> _Values:
        import numpy as np
        import pandas as pd

        if kind in _NUMBERS and pd.api.types.is_numeric_dtype(column.dtype):
            numbers = column.to_numpy(dtype=float, na_value=np.nan)
            return cls(kind, ~np.isnan(numbers), numbers=numbers)
        codes, uniques = pd.factorize(column)
        distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        blank = np.append(blank_mask(distinct), False)  # index -1 (null) reads False
        codes = np.where(blank[codes], -1, codes)
        if kind in _NUMBERS:
            numbers = np.append(_distinct_numbers(distinct, kind), np.nan)[codes]
            return cls(kind, ~np.isnan(numbers), numbers=numbers)
        codes = np.where(codes < 0, len(distinct), codes)
        used = np.bincount(codes, minlength=len(distinct) + 1) > 0
        levels = np.concatenate([distinct.to_numpy(), np.array([None], dtype=object)])[used]
        return cls(kind, codes < len(distinct), codes=(np.cumsum(used) - 1)[codes], levels=levels)

    def most_frequent(self) -> tuple[object, float]:
        """The most frequent non-null value and the share of non-null rows it fills."""
        import numpy as np
        import pandas as pd

        n_present = int(self.present.sum())
        if not n_present:
            return None, 1.0
        if self.numbers is not None:
            counts = pd.Series(self.numbers[self.present]).value_counts()
            top = counts.index[0]
            if self.kind == ColumnKind.DATETIME:
                top = pd.Timestamp("1970-01-01") + pd.Timedelta(days=top)
            return top, float(counts.iloc[0]) / n_present
        assert self.codes is not None and self.levels is not None
        level_counts = np.bincount(self.codes[self.present])
        level = int(level_counts.argmax())
        return self.levels[level], float(level_counts[level]) / n_present

    def repeats(self) -> bool:
        """Whether the non-null values repeat :data:`MIN_ROWS_PER_LEVEL` times on average."""
        assert self.levels is not None
        distinct = sum(level is not None for level in self.levels)
        return bool(self.present.sum() >= MIN_ROWS_PER_LEVEL * distinct)


def _distinct_numbers(distinct: pd.Series, kind: ColumnKind) -> np.ndarray:
    """Floats for the distinct values of a number or date column (dates in days since 1970)."""
    import numpy as np
    import pandas as pd

    if kind == ColumnKind.DATETIME:
        numbers = (parse_dates(distinct) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    else:
        numbers = pd.to_numeric(distinct, errors="coerce")
    return numbers.to_numpy(dtype=float, na_value=np.nan)


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


def _duplicates(columns: Mapping[str, _Values], threshold: float) -> list[Removal]:
    """Removals of columns that repeat an earlier kept one: numbers, then small categories."""
    numbers = {
        name: values.numbers
        for name, values in columns.items()
        if values.numbers is not None and values.kind == ColumnKind.NUMERIC
    }
    categories = {
        name: values.codes
        for name, values in columns.items()
        if values.codes is not None and values.codes.max() < MAX_DUPLICATE_LEVELS
    }
    return _number_duplicates(numbers, threshold) + _category_duplicates(categories, threshold)


def _number_duplicates(numbers: Mapping[str, np.ndarray], threshold: float) -> list[Removal]:
    import numpy as np
    import pandas as pd

    if len(numbers) < 2:
        return []
    names = list(numbers)
    table = pd.DataFrame(dict(numbers))
    overlap = max(2, len(table) // 2)  # columns that are rarely present together are no copies
    correlation = np.abs(table.corr(min_periods=overlap).to_numpy())
    removed: list[Removal] = []
    kept: list[int] = []
    for j, name in enumerate(names):
        match = next((i for i in kept if correlation[i, j] >= threshold), None)
        if match is None:
            kept.append(j)
            continue
        value = float(correlation[match, j])
        shown = _number(value, threshold)
        reason = f"near-duplicate of {names[match]} (absolute correlation {shown}, threshold {threshold:g})"
        removed.append(Removal(name, "near_duplicate", reason, value))
    return removed


def _category_duplicates(categories: Mapping[str, np.ndarray], threshold: float) -> list[Removal]:
    removed: list[Removal] = []
    kept: list[str] = []
    for name, codes in categories.items():
        coverages = ((other, _mapping_coverage(categories[other], codes)) for other in kept)
        match = next(((other, c) for other, c in coverages if c >= threshold), None)
        if match is None:
            kept.append(name)
            continue
        other, coverage = match
        shown = _number(coverage, threshold, percent=True)
        reason = (
            f"near-duplicate of {other} (a one-to-one mapping of their values covers {shown} "
            f"of rows, threshold {_percent(threshold)})"
        )
        removed.append(Removal(name, "near_duplicate", reason, coverage))
    return removed


def _mapping_coverage(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows whose pair of levels is a mutual best match (a one-to-one mapping)."""
    import numpy as np

    levels_a, levels_b = int(a.max()) + 1, int(b.max()) + 1
    table = np.bincount(a * levels_b + b, minlength=levels_a * levels_b)
    table = table.reshape(levels_a, levels_b)
    best_b = table.argmax(axis=1)
    best_a = table.argmax(axis=0)
    mutual = best_a[best_b] == np.arange(levels_a)
    return float(table[np.arange(levels_a), best_b][mutual].sum()) / len(a)


def _number(value: float, threshold: float, *, percent: bool = False) -> str:
    """Format ``value`` with the threshold's decimals, or up to two more when that tells it
    apart from the threshold or keeps it from reading as a round 1 (100%) it is not."""
    scale, unit = (100.0, "%") if percent else (1.0, "")
    first = max(1 if percent else 2, len(f"{threshold * scale:g}".partition(".")[2]))
    for places in range(first, first + 3):
        text = f"{value * scale:.{places}f}"
        same = text == f"{threshold * scale:.{places}f}" and value != threshold
        if not same and not (float(text) == scale and value < 1.0):
            return text + unit
    return f"{value * scale:.{first}f}{unit}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def _short(value: object, width: int = 30) -> str:
    """A value for a message: strings quoted, cut to ``width`` characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
