"""Sanity checks on the training data: remove features that leak the label, say nothing or repeat.

Each feature column is checked on its own, in this order, and removed by the first check
that fires: ``constant`` (its kind already says so; the feature pipeline drops it anyway),
``mostly_null`` (nulls, None and blank or whitespace-only strings), ``near_constant`` (one
value fills nearly every non-null row). The survivors are screened for leaks, and a screened
column is removed as a ``leak`` only on evidence that tells a leak from a strong predictor;
a doubtful one is kept and reported as a suspect (see :mod:`agileds.automl._leakage`).
Then the survivors are compared in pairs, ``near_duplicate``: numeric columns through one
correlation matrix (dates are left out: the gap between two dates can matter however well
they correlate), categories with at most :data:`MAX_DUPLICATE_LEVELS` levels through a
one-to-one mapping of their values; the first column in order stays.

Identifiers are not features: they are neither checked, removed nor kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from agileds.automl._columns import ColumnKind
from agileds.automl._leakage import (
    Screened,
    leak_findings,
    screen,
)
from agileds.automl._sanity_base import (
    Removal,
    SanityThresholds,
    Suspect,
    _Label,
    _number,
    _percent,
    _short,
    _Values,
)
from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "CHECKS",
    "Removal",
    "SanityReport",
    "SanityThresholds",
    "Suspect",
    "sanity_check",
]

#: The checks, in the order a column meets them (near-duplicates are compared last).
CHECKS = ("constant", "mostly_null", "near_constant", "leak", "near_duplicate")
#: Categorical columns with at most this many levels (nulls included) are compared in pairs.
MAX_DUPLICATE_LEVELS = 100

_TASKS = ("binary", "multiclass", "regression")
_CATEGORIES = {ColumnKind.CATEGORICAL, ColumnKind.CATEGORY_CODE, ColumnKind.TEXT}


@dataclass(frozen=True)
class SanityReport:
    """What the sanity checks removed, which feature columns they kept, and which of those
    they suspect of leaking the label.

    Attributes:
        removed: One removal per removed column, in column order.
        kept: The feature columns left, in column order (identifiers are in neither).
        suspects: Kept columns that may leak the label, with the evidence, in column order.
    """

    removed: tuple[Removal, ...]
    kept: tuple[str, ...]
    suspects: tuple[Suspect, ...] = ()

    @property
    def leakage_flags(self) -> int:
        """Columns removed because they leak the label (suspects are not counted)."""
        return sum(removal.check == "leak" for removal in self.removed)

    @property
    def leakage_suspects(self) -> int:
        """Columns kept although they may leak the label."""
        return len(self.suspects)

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

    def suspect_rows(self) -> list[dict[str, Any]]:
        """One dict per suspect (column, check ``leak_suspect``, reason, value, quick-model
        scores ``cv_alone``, ``cv_with`` and ``cv_without`` in ``cv_measure``)."""
        return [suspect.to_row() for suspect in self.suspects]

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
    time_column: str | None = None,
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
        seed: Seed of the folds behind the out-of-fold measures and of the quick model.
        time_column: A column of dates or numbers ordering the rows in time; a leak screened
            in its earlier half of the rows but not in the later is removed.

    Returns:
        The removals with their reasons, the feature columns kept, and the suspects.

    Raises:
        DataError: ``target`` or a column of ``kinds`` is not in the frame, or no row has a label.
        UsageError: An unknown task, a threshold out of range, or ``target`` among ``kinds``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"won": [0, 1] * 50, "stage": ["lost", "won"] * 50})
        >>> report = sanity_check(
        ...     frame, target="won", kinds={"stage": ColumnKind.CATEGORICAL}, task="binary"
        ... )
        >>> report.removed[0].reason.split("; ")[:2]
        ["leaks the label: Cramér's V 1.00 with won (threshold 0.95)", 'each of its values belongs to one class (out-of-fold recall 100.0% of 0, 100.0% of 1']
    """
    limits = thresholds or SanityThresholds()
    labels = _check_arguments(frame, target, kinds, task, limits, time_column)
    label = _Label.of(frame[labels[target]], target, task, seed)
    removed: list[Removal] = []
    survivors: dict[str, _Values] = {}
    screened: list[Screened] = []
    for name, kind in kinds.items():
        kind = ColumnKind(kind)
        if kind == ColumnKind.IDENTIFIER:
            continue
        if kind == ColumnKind.CONSTANT:
            reason = "constant: at most one distinct non-null value (the feature pipeline drops it)"
            removed.append(Removal(name, "constant", reason, 1.0))
            continue
        values = _Values.of(frame[labels[name]], kind)
        removal = _check_column(name, values, limits)
        if removal is not None:
            removed.append(removal)
            continue
        survivors[name] = values
        column = screen(name, values, label, limits)
        if column is not None:
            screened.append(column)
    time = _times(frame[labels[time_column]]) if time_column else None
    leaks, suspects = leak_findings(
        screened, survivors, label, limits, seed=seed, time=time, time_name=time_column or ""
    )
    leaked = {leak.column for leak in leaks}
    survivors = {name: values for name, values in survivors.items() if name not in leaked}
    removed += leaks + _duplicates(survivors, limits.duplicate)
    order = {name: position for position, name in enumerate(kinds)}
    removed.sort(key=lambda removal: order[removal.column])
    gone = {removal.column for removal in removed}
    kept = tuple(name for name in survivors if name not in gone)
    return SanityReport(tuple(removed), kept, tuple(s for s in suspects if s.column in kept))


def _times(column: pd.Series) -> np.ndarray:
    """The time column as floats (dates in days since 1970), NaN where unknown."""
    import pandas as pd

    kind = (
        ColumnKind.NUMERIC if pd.api.types.is_numeric_dtype(column.dtype) else ColumnKind.DATETIME
    )
    numbers = _Values.of(column, kind).numbers
    assert numbers is not None
    return numbers


def _check_arguments(
    frame: pd.DataFrame,
    target: str,
    kinds: Mapping[str, ColumnKind],
    task: str,
    limits: SanityThresholds,
    time_column: str | None = None,
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
    for name in [target, *kinds, *([time_column] if time_column else [])]:
        if name not in labels:
            raise DataError(
                f"column '{name}' is not in the data; use one of {', '.join(labels) or '(none)'}"
            )
    return labels


def _check_column(name: str, values: _Values, limits: SanityThresholds) -> Removal | None:
    """The first cheap check (mostly null, near-constant) that removes the column, or None."""
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
    return None


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
