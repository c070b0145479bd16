"""The sanity checks' building blocks: thresholds, findings, and how a column and the label look.

A column becomes :class:`_Values` (floats with NaN for numbers and dates, level codes for the
rest) and the label :class:`_Label` (class codes or floats, with folds for out-of-fold
measures); both are computed once per distinct value, not once per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.automl._columns import ColumnKind, blank_mask, parse_dates
from agileds.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Folds of the out-of-fold measures (category shares, per-class recalls).
N_FOLDS = 5
#: Free text is checked as a category when each distinct value fills this many rows on average.
MIN_ROWS_PER_LEVEL = 5

NUMBERS = {ColumnKind.NUMERIC, ColumnKind.DATETIME}


@dataclass(frozen=True)
class SanityThresholds:
    """When a check removes (or, for leaks, suspects) a column; every value is between 0 and 1.

    A leak check first screens each column with ``leak_association`` and ``leak_auroc``;
    a column over either is then weighed on evidence that tells a leak from a strong
    predictor (see :mod:`agileds.automl._leakage`).

    Attributes:
        leak_association: A correlation, Cramér's V or correlation ratio above this is screened.
        leak_auroc: A single-feature auROC at or above this (or at or below one minus it) is
            screened.
        leak_every_class: The out-of-fold recall every class must reach for a column to tell
            every class apart (near-deterministic for every class, not just one).
        leak_outcome: The association (η of a number by class, or |correlation| or η for
            regression) from which a column's values look like a recorded copy of the label.
        leak_gap: How much better the quick model must score from the column alone than from
            all the other features together for the column to carry what nothing else does.
        near_constant: The most frequent value filling this share of non-null rows or more.
        mostly_null: This share of null or blank rows or more.
        duplicate: Absolute correlation, or rows covered by a one-to-one mapping of values,
            from which the later of two columns repeats the earlier.
    """

    leak_association: float = 0.95
    leak_auroc: float = 0.99
    leak_every_class: float = 0.98
    leak_outcome: float = 0.99
    leak_gap: float = 0.05
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
class Suspect:
    """A column kept although it may leak the label, with the evidence and its cost.

    The quick model's cross-validated scores (see :mod:`agileds.automl._quick_model`) say
    what the column is worth: removing it would take the score from ``cv_with`` to
    ``cv_without``.

    Attributes:
        column: The column.
        reason: The finding for a person: the screen that fired and the evidence weighed.
        value: The screened association or auROC.
        cv_measure: The quick model's score: ``auROC``, ``macro auROC`` or ``R²``.
        cv_alone: Its score from this column alone.
        cv_with: Its score from every kept feature.
        cv_without: Its score from every kept feature but this one.
    """

    column: str
    reason: str
    value: float
    cv_measure: str
    cv_alone: float
    cv_with: float
    cv_without: float

    def to_row(self) -> dict[str, Any]:
        """The suspicion as a flat dict, e.g. for a row of ``mlflow.log_table``."""
        return {
            "column": self.column,
            "check": "leak_suspect",
            "reason": self.reason,
            "value": self.value,
            "cv_measure": self.cv_measure,
            "cv_alone": self.cv_alone,
            "cv_with": self.cv_with,
            "cv_without": self.cv_without,
        }


@dataclass(frozen=True)
class _Label:
    """The label on the rows that have one, and the folds for out-of-fold shares."""

    name: str
    rows: np.ndarray  # bool mask over the frame: the rows with a label
    values: np.ndarray  # float label (regression) or class codes 0..n_classes-1
    n_classes: int  # 0 for regression
    folds: np.ndarray
    classes: tuple[str, ...] = ()  # the class of each code, as text

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
        classes = tuple(str(value) for value in uniques) if n_classes else ()
        return cls(name, rows, values, n_classes, folds, classes)

    def subset(self, mask: np.ndarray) -> _Label:
        """The label on the rows of ``mask`` (a mask over the frame), indexed by those rows."""
        labelled = mask[self.rows]
        return _Label(
            self.name,
            self.rows[mask],
            self.values[labelled],
            self.n_classes,
            self.folds[labelled],
            self.classes,
        )


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

        if kind in NUMBERS and pd.api.types.is_numeric_dtype(column.dtype):
            numbers = column.to_numpy(dtype=float, na_value=np.nan)
            return cls(kind, ~np.isnan(numbers), numbers=numbers)
        codes, uniques = pd.factorize(column)
        distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        blank = np.append(blank_mask(distinct), False)  # index -1 (null) reads False
        codes = np.where(blank[codes], -1, codes)
        if kind in NUMBERS:
            numbers = np.append(_distinct_numbers(distinct, kind), np.nan)[codes]
            return cls(kind, ~np.isnan(numbers), numbers=numbers)
        codes = np.where(codes < 0, len(distinct), codes)
        used = np.bincount(codes, minlength=len(distinct) + 1) > 0
        levels = np.concatenate([distinct.to_numpy(), np.array([None], dtype=object)])[used]
        return cls(kind, codes < len(distinct), codes=(np.cumsum(used) - 1)[codes], levels=levels)

    def subset(self, mask: np.ndarray) -> _Values:
        """The column on the rows of ``mask``, indexed by those rows (level codes unchanged)."""
        numbers = None if self.numbers is None else self.numbers[mask]
        codes = None if self.codes is None else self.codes[mask]
        return _Values(self.kind, self.present[mask], numbers, codes, self.levels)

    def model_input(self, rows: np.ndarray) -> tuple[np.ndarray, bool]:
        """The column on ``rows`` for the quick model: floats with NaN for nulls, and whether
        they are a category's level codes."""
        import numpy as np

        if self.numbers is not None:
            return self.numbers[rows], False
        assert self.codes is not None
        return np.where(self.present, self.codes, np.nan)[rows].astype(float), True

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
    out: np.ndarray = numbers.to_numpy(dtype=float, na_value=np.nan)
    return out


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
