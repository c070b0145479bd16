"""Drift between a reference table and a new batch: PSI with its bands, KS and chi-squared tests.

The population stability index compares the shares of rows in buckets,
``PSI = sum((c - r) * ln(c / r))`` over the buckets, ``r`` the reference's share and ``c``
the current batch's. Numbers are bucketed by the reference's quantiles (``bins`` of them:
the distinct inner quantiles are the edges, the outer buckets are open-ended, and a value
equal to an edge falls in the lower bucket); categories by the reference's categories plus
one bucket for values the reference never had. Nulls (blank strings and infinite numbers
too) have a bucket of their own either way. A share below :data:`EPSILON` counts as
:data:`EPSILON`, so an empty bucket gives a large but finite term: a new category holding
15% of the batch alone adds ``(0.15 - 0.0001) * ln(0.15 / 0.0001) = 1.10``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BANDS",
    "EPSILON",
    "FeatureDrift",
    "chi2_test",
    "drift_with_shares",
    "feature_drift",
    "ks_test",
    "psi",
    "psi_band",
    "unseen_categories",
]

EPSILON = 1e-4
"""The smallest share a bucket counts with in the PSI (an empty bucket's share)."""

BANDS = (("stable", 0.1), ("moderate", 0.25))
"""PSI bands: under 0.1 stable, 0.1 to 0.25 moderate, over 0.25 major."""

_CATEGORICAL_KINDS = ("categorical", "category_code")
_SKIPPED_KINDS = ("identifier", "constant", "datetime")
_INFERENCE_TARGET = "__agileds_no_target__"


@dataclass(frozen=True)
class FeatureDrift:
    """The drift of one feature column (or one derived feature of a text column).

    Attributes:
        column: The column; a text column's derived features read ``description.word_count``.
        kind: The column's kind (``numeric``, ``categorical``, ``category_code``, ``text``).
        psi: Population stability index, batch against reference.
        band: ``stable``, ``moderate`` or ``major`` (:func:`psi_band`).
        test: ``ks`` (numbers) or ``chi2`` (categories).
        statistic: The test statistic (NaN when one side has no values).
        p_value: The test's p-value (NaN when one side has no values).
    """

    column: str
    kind: str
    psi: float
    band: str
    test: str
    statistic: float
    p_value: float


#: Categories of a column that keep their own PSI bucket (the reference's most frequent),
#: when they fill at least MIN_CATEGORY_SHARE of the reference rows.
MAX_CATEGORIES = 20
MIN_CATEGORY_SHARE = 0.01


def psi(
    reference: ArrayLike, current: ArrayLike, *, categorical: bool = False, bins: int = 10
) -> float:
    """Return the population stability index of ``current`` against ``reference``.

    Args:
        reference: The reference values (the training data's column).
        current: The new values.
        categorical: Bucket by category instead of by quantile.
        bins: Quantile buckets of a numeric column (fewer when quantiles coincide).

    Raises:
        DataError: Either side is empty, or numeric values are not numbers.

    Example:
        >>> round(psi([1, 2, 3, 4], [1, 2, 3, 4]), 6)
        0.0
        >>> round(psi(["a", "a", "b", "b"], ["a", "b", "b", "b"], categorical=True), 4)
        0.2747
    """
    ref_counts, cur_counts = bucket_counts(reference, current, categorical=categorical, bins=bins)
    return psi_from_counts(ref_counts, cur_counts)


def psi_band(value: float) -> str:
    """Return the band of a PSI value: ``stable`` (< 0.1), ``moderate`` (0.1 to 0.25) or
    ``major`` (> 0.25).

    >>> psi_band(0.05), psi_band(0.25), psi_band(0.4)
    ('stable', 'moderate', 'major')
    """
    if value < BANDS[0][1]:
        return BANDS[0][0]
    return BANDS[1][0] if value <= BANDS[1][1] else "major"


def psi_from_counts(reference: NDArray[Any], current: NDArray[Any]) -> float:
    """Return the PSI of two count vectors over the same buckets (shares floored at EPSILON)."""
    ref_total, cur_total = reference.sum(), current.sum()
    if ref_total == 0 or cur_total == 0:
        side = "reference" if ref_total == 0 else "current"
        raise DataError(f"psi needs values on both sides; the {side} data is empty")
    r = np.maximum(reference / ref_total, EPSILON)
    c = np.maximum(current / cur_total, EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def bucket_counts(
    reference: ArrayLike, current: ArrayLike, *, categorical: bool = False, bins: int = 10
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the rows per PSI bucket of ``reference`` and ``current`` (the null bucket last)."""
    if categorical:
        return _category_counts(_series(reference), _series(current))
    if bins < 1:
        raise DataError(f"psi needs at least one bin, got bins={bins}")
    ref = _floats(reference, "reference")
    cur = _floats(current, "current")
    return _numeric_counts(_Sorted(ref), _Sorted(cur), bins)


def ks_test(reference: ArrayLike, current: ArrayLike) -> tuple[float, float]:
    """Return the two-sample Kolmogorov-Smirnov statistic and p-value (nulls left out).

    ``scipy.stats.ks_2samp`` (two-sided, default mode): the exact p-value up to 10,000 rows a
    side, Smirnov's asymptotic one above.

    Raises:
        DataError: A side has no non-null value, or a value is not a number.

    Example:
        >>> ks_test([1, 2, 3, 4], [3, 4, 5, 6])[0]
        0.5
    """
    ref = _Sorted(_floats(reference, "reference"))
    cur = _Sorted(_floats(current, "current"))
    if not len(ref.values) or not len(cur.values):
        raise DataError("ks_test needs at least one non-null value on each side")
    return _ks(ref, cur)


def chi2_test(reference: ArrayLike, current: ArrayLike) -> tuple[float, float]:
    """Return the chi-squared statistic and p-value of the category counts of both sides.

    The contingency table has one column per PSI bucket (the reference's categories, unseen
    values, nulls) holding a row at least, and is tested with
    ``scipy.stats.chi2_contingency`` without Yates' correction. One bucket only: (0, 1).

    Raises:
        DataError: Either side is empty.

    Example:
        >>> [round(v, 4) for v in chi2_test(["a"] * 6 + ["b"] * 4, ["a"] * 2 + ["b"] * 8)]
        [3.3333, 0.0679]
    """
    ref_counts, cur_counts = _category_counts(_series(reference), _series(current))
    return _chi2(ref_counts, cur_counts)


def unseen_categories(reference: ArrayLike, current: ArrayLike) -> list[Any]:
    """Return the distinct non-null, non-blank values of ``current`` not in ``reference``.

    >>> unseen_categories(["web", "event"], ["web", "chatbot", None, " "])
    ['chatbot']
    """
    known = set(_codes(_series(reference))[1])
    return [value for value in _codes(_series(current))[1] if value not in known]


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, Any] | None = None,
) -> list[FeatureDrift]:
    """Measure the drift of every feature column, the most drifted first.

    Numeric columns get the quantile PSI and the KS test; categories and integer codes the
    categorical PSI and the chi-squared test; a text column is compared by its derived
    features (word count, word count without stop words, is-English, sentiment: see
    :func:`agileds.automl.text_feature_array`), each as a number. Identifiers, constants
    and dates are skipped (a date column moves with time by design).

    Args:
        reference: The reference data (the training part a model version was fitted on).
        current: The new batch.
        kinds: Column name to kind (``agileds.automl.ColumnKind`` or its value); by default
            inferred from the reference (:func:`agileds.automl.infer_column_kinds`) for the
            columns both frames have.

    Returns:
        One entry per compared feature, by PSI descending (then by name).

    Raises:
        DataError: A column named in ``kinds`` is missing from either frame.
    """
    return [drift for drift, _ in drift_with_shares(reference, current, kinds)]


def drift_with_shares(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, Any] | None = None,
) -> list[tuple[FeatureDrift, float]]:
    """:func:`feature_drift`, each entry with the share of rows that moved bucket.

    The share is the total variation distance of the PSI buckets, ``sum(|c - r|) / 2``:
    the least share of the batch's rows that would have to change bucket for the batch to
    look like the reference.
    """
    out = [
        entry
        for name, kind in _kinds(reference, current, kinds).items()
        if kind not in _SKIPPED_KINDS
        for entry in _column_drift(name, kind, reference[name], current[name])
    ]
    return sorted(out, key=lambda pair: (-pair[0].psi, pair[0].column))


def _column_drift(
    name: str, kind: str, reference: pd.Series, current: pd.Series
) -> list[tuple[FeatureDrift, float]]:
    if kind == "text":
        return _text_drift(name, reference, current)
    if kind in _CATEGORICAL_KINDS:
        return [_categorical_drift(name, kind, reference, current)]
    return [_numeric_drift(name, kind, _numbers(reference), _numbers(current))]


# -- numbers -----------------------------------------------------------------------------


class _Sorted:
    """A numeric column split into its sorted finite values and its null count (NaN and
    infinite values count as nulls, as the feature pipeline reads them)."""

    def __init__(self, values: NDArray[np.float64]) -> None:
        missing = ~np.isfinite(values)
        self.nulls = int(missing.sum())
        self.values = np.sort(values[~missing] if self.nulls else values)


def _series(values: ArrayLike) -> pd.Series:
    import pandas as pd

    return values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))


def _floats(values: ArrayLike, side: str) -> NDArray[np.float64]:
    import pandas as pd

    series = _series(values)
    try:
        numbers = pd.to_numeric(series, errors="raise")
    except (TypeError, ValueError):
        bad = series[pd.to_numeric(series, errors="coerce").isna() & series.notna()]
        raise DataError(
            f"psi: the {side} values must be numbers, got {bad.iloc[0]!r}; "
            "pass categorical=True for categories"
        ) from None
    out: NDArray[np.float64] = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _numbers(column: pd.Series) -> NDArray[np.float64]:
    """The column as floats; values that are not numbers count as nulls."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column.dtype):
        out: NDArray[np.float64] = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return out
    out = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _numeric_counts(ref: _Sorted, cur: _Sorted, bins: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Rows per quantile bucket of the reference, then the null bucket."""
    if len(ref.values):
        inner = np.quantile(ref.values, np.arange(1, bins) / bins)
        edges = np.unique(inner)
    else:
        edges = np.empty(0)

    def counts(side: _Sorted) -> NDArray[Any]:
        at_or_below = np.searchsorted(side.values, edges, side="right")
        bounds = np.concatenate([[0], at_or_below, [len(side.values)]])
        return np.append(np.diff(bounds), side.nulls)

    return counts(ref), counts(cur)


def _ks(ref: _Sorted, cur: _Sorted) -> tuple[float, float]:
    """KS statistic and p-value of two samples without nulls (``scipy.stats.ks_2samp``)."""
    from scipy import stats

    result = stats.ks_2samp(ref.values, cur.values)
    return float(result.statistic), float(result.pvalue)


def _numeric_drift(
    name: str, kind: str, reference: NDArray[np.float64], current: NDArray[np.float64]
) -> tuple[FeatureDrift, float]:
    ref, cur = _Sorted(reference), _Sorted(current)
    counts = _numeric_counts(ref, cur, 10)
    value = psi_from_counts(*counts)
    if len(ref.values) and len(cur.values):
        statistic, p_value = _ks(ref, cur)
    else:
        statistic = p_value = float("nan")
    drift = FeatureDrift(name, kind, value, psi_band(value), "ks", statistic, p_value)
    return drift, _moved_share(*counts)


def _text_drift(
    name: str, reference: pd.Series, current: pd.Series
) -> list[tuple[FeatureDrift, float]]:
    from agileds.automl import TEXT_FEATURES

    ref, cur = _text_features(reference), _text_features(current)
    return [
        _numeric_drift(f"{name}.{feature}", "text", ref[:, i], cur[:, i])
        for i, feature in enumerate(TEXT_FEATURES)
    ]


def _text_features(column: pd.Series) -> NDArray[np.float64]:
    """The derived text features of each row, each distinct text analysed once."""
    import pandas as pd

    from agileds.automl import TEXT_FEATURES, text_feature_array

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = text_feature_array(list(uniques))
    table = np.vstack([table, np.zeros((1, len(TEXT_FEATURES)))])  # code -1: missing
    out: NDArray[np.float64] = table[codes]
    return out


# -- categories --------------------------------------------------------------------------


def _codes(column: pd.Series) -> tuple[NDArray[np.intp], list[Any]]:
    """Integer codes of the values (-1 for nulls and blank strings) and the distinct values."""
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = list(uniques)
    blank = np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
    if blank.any():
        keep = ~blank
        renumber = np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)  # -1 stays -1
        codes = renumber[codes]
        values = [v for v, k in zip(values, keep, strict=True) if k]
    return np.asarray(codes, dtype=np.intp), values


def _category_counts(reference: pd.Series, current: pd.Series) -> tuple[NDArray[Any], NDArray[Any]]:
    """Rows per reference category, then unseen values, then nulls; beyond
    :data:`MAX_CATEGORIES` reference categories, only the most frequent (with at least
    :data:`MIN_CATEGORY_SHARE` of the rows) keep their own bucket; the rest join the unseen."""
    ref_codes, categories = _codes(reference)
    cur_codes, values = _codes(current)
    k = len(categories)
    index = {value: i for i, value in enumerate(categories)}
    lookup = np.array([index.get(v, k) for v in values] + [k + 1], dtype=np.intp)
    ref_buckets = np.where(ref_codes < 0, k + 1, ref_codes)
    cur_buckets = lookup[cur_codes]  # code -1 picks the null bucket appended last
    ref = np.bincount(ref_buckets, minlength=k + 2)
    cur = np.bincount(cur_buckets, minlength=k + 2)
    if k <= MAX_CATEGORIES:
        return ref, cur
    # Many levels (an id-like column): the rare ones and the unseen share one bucket, as in
    # the feature pipeline's top-K; else every new id would look like drift.
    top = np.argsort(-ref[:k], kind="stable")[:MAX_CATEGORIES]
    top = top[ref[top] >= max(2, MIN_CATEGORY_SHARE * ref.sum())]
    rare = np.setdiff1d(np.arange(k + 1), top)  # k: the unseen bucket

    def merged(counts: NDArray[Any]) -> NDArray[Any]:
        return np.concatenate([counts[top], [counts[rare].sum(), counts[k + 1]]])

    return merged(ref), merged(cur)


def _chi2(reference: NDArray[Any], current: NDArray[Any]) -> tuple[float, float]:
    from scipy import stats

    if reference.sum() == 0 or current.sum() == 0:
        side = "reference" if reference.sum() == 0 else "current"
        raise DataError(f"chi2_test needs values on both sides; the {side} data is empty")
    table = np.vstack([reference, current])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def _categorical_drift(
    name: str, kind: str, reference: pd.Series, current: pd.Series
) -> tuple[FeatureDrift, float]:
    ref_counts, cur_counts = _category_counts(reference, current)
    value = psi_from_counts(ref_counts, cur_counts)
    statistic, p_value = _chi2(ref_counts, cur_counts)
    drift = FeatureDrift(name, kind, value, psi_band(value), "chi2", statistic, p_value)
    return drift, _moved_share(ref_counts, cur_counts)


def _moved_share(reference: NDArray[Any], current: NDArray[Any]) -> float:
    """Total variation distance of two bucket count vectors."""
    return float(np.abs(current / current.sum() - reference / reference.sum()).sum() / 2)


# -- kinds -------------------------------------------------------------------------------


def _kinds(
    reference: pd.DataFrame, current: pd.DataFrame, kinds: Mapping[str, Any] | None
) -> dict[str, str]:
    """Column kinds as plain strings: the given ones (checked) or inferred from the reference."""
    if kinds is None:
        from agileds.automl import infer_column_kinds

        shared = [c for c in reference.columns if c in set(current.columns)]
        if not shared:
            return {}
        frame = reference[shared].assign(**{_INFERENCE_TARGET: 0})
        kinds = infer_column_kinds(frame, target=_INFERENCE_TARGET)
    for side, frame in (("reference", reference), ("current", current)):
        missing = [str(c) for c in kinds if c not in frame.columns]
        if missing:
            raise DataError(
                f"feature_drift: column(s) {', '.join(missing)} missing from the {side} data"
            )
    return {str(name): str(getattr(kind, "value", kind)) for name, kind in kinds.items()}
