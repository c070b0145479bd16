"""The scikit-learn transformers of the feature pipeline; a logged model imports them from here.

``transform`` works on whole numpy arrays rather than per-column pandas objects: a model
scores single rows online, where pandas' fixed cost per operation would dominate.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils.validation import check_is_fitted

from agileds.automl._columns import parse_dates
from agileds.automl._text import TEXT_FEATURES, text_feature_array
from agileds.errors import DataError, UsageError

__all__ = [
    "BlankToNaN",
    "CategoryStrings",
    "DateFeatures",
    "QuietKBinsDiscretizer",
    "QuietLogisticRegression",
    "TextDerivedFeatures",
    "TextHasher",
    "ToFloat",
]

#: What :func:`agileds.automl._columns.blank_mask` calls blank, for one string.
_BLANK = re.compile(r"\s*")


class _FrameTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: remember the input columns, read input as a DataFrame, name outputs."""

    def fit(self, X: Any, y: Any = None) -> Self:
        """Remember the input columns; subclasses learn more in ``_fit``."""
        frame = self._remember(X)
        self._fit(frame)
        return self

    def _fit(self, frame: pd.DataFrame) -> None:
        """Learn from the training columns (no-op by default)."""

    def _remember(self, X: Any) -> pd.DataFrame:
        frame = _as_frame(X, None)
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return frame

    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self)
        frame = _as_frame(X, getattr(self, "feature_names_in_", None))
        if frame.shape[1] != self.n_features_in_:
            raise DataError(
                f"{type(self).__name__} got {frame.shape[1]} columns, fitted on "
                f"{self.n_features_in_}; pass the columns it was fitted on"
            )
        return frame

    def _names_in(self, input_features: Any = None) -> list[str]:
        if input_features is not None:
            return [str(name) for name in input_features]
        if hasattr(self, "feature_names_in_"):
            return list(self.feature_names_in_)
        return [f"x{i}" for i in range(self.n_features_in_)]


def _as_frame(X: Any, columns: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    array = np.asarray(X, dtype=object)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    names = list(columns) if columns is not None and len(columns) == array.shape[1] else None
    return pd.DataFrame(array, columns=names)


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _objects(frame: pd.DataFrame) -> np.ndarray:
    """Return the frame's values as a 2-D object array (a copy)."""
    out: np.ndarray = frame.to_numpy(dtype=object, copy=True)
    return out


#: From this many values on, each distinct string is handled once (a batch); below it,
#: values are handled one by one (a single row, where pandas' fixed cost would dominate).
_DISTINCT_FROM = 1000


def _distinct(values: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """The distinct strings of a 1-D object array followed by its other values, one by one,
    and for each element its position in that list: ``[out[i] for i in rows]`` equals the
    values, strings by equality (so anything computed per string can be computed once)."""
    is_str = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    codes, strings = pd.factorize(values[is_str])
    others = np.flatnonzero(~is_str)
    rows = np.empty(len(values), dtype=np.intp)
    rows[is_str] = codes
    rows[others] = len(strings) + np.arange(len(others))
    return [*(str(v) for v in strings), *values[others]], rows


def _missing_or_blank(values: np.ndarray) -> np.ndarray:
    """Boolean array: null (None, NaN, NaT, ``pd.NA``) or a blank string, element-wise."""
    if values.size < _DISTINCT_FROM:
        blank = [isinstance(v, str) and _BLANK.fullmatch(v) is not None for v in values.flat]
        out: np.ndarray = pd.isna(values) | np.asarray(blank, dtype=bool).reshape(values.shape)
        return out
    distinct, rows = _distinct(values.reshape(-1))
    flags = np.array([isinstance(v, str) and _BLANK.fullmatch(v) is not None for v in distinct])
    out = pd.isna(values) | flags.astype(bool)[rows].reshape(values.shape)
    return out


class BlankToNaN(_FrameTransformer):
    """Make empty and whitespace-only strings (and None, ``pd.NA``) NaN.

    Works on any dtype, including pandas' string dtypes; the output is a DataFrame of
    object columns with the same names, so the steps after it see one missing marker.
    """

    def transform(self, X: Any) -> pd.DataFrame:
        """Return ``X`` as object columns with blanks and missing values set to NaN."""
        frame = self._frame(X)
        values = _objects(frame)
        values[_missing_or_blank(values)] = np.nan
        return pd.DataFrame(values, index=frame.index, columns=frame.columns, dtype=object)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names (one output per input)."""
        return np.asarray(self._names_in(input_features), dtype=object)


class ToFloat(_FrameTransformer):
    """Cast each column to float; what does not parse as a finite number becomes NaN."""

    def transform(self, X: Any) -> np.ndarray:
        """Return a float array, one column per input column."""
        frame = self._frame(X)
        if all(_is_plain_number(dtype) for dtype in frame.dtypes):
            numbers = frame.to_numpy(dtype=float, copy=True)
        else:
            columns = [
                pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                for name in frame.columns
            ]
            numbers = np.column_stack(columns) if columns else np.empty((len(frame), 0))
        numbers[np.isinf(numbers)] = np.nan
        out: np.ndarray = numbers
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names (one output per input)."""
        return np.asarray(self._names_in(input_features), dtype=object)


def _is_plain_number(dtype: Any) -> bool:
    """A numpy bool, integer or float dtype: casting it to float is all ``to_numeric`` does."""
    return isinstance(dtype, np.dtype) and dtype.kind in "biuf"


class CategoryStrings(_FrameTransformer):
    """Turn category values into string labels, ready for ``OneHotEncoder``.

    Integral floats read as integers (``2.0`` → ``"2"``) so that an integer code column
    gives the same labels with or without missing values; missing values become
    ``missing_label``.

    Args:
        missing_label: The label of missing values.
    """

    def __init__(self, missing_label: str = "(missing)") -> None:
        self.missing_label = missing_label

    def transform(self, X: Any) -> np.ndarray:
        """Return an object array of string labels."""
        values = _objects(self._frame(X))
        labels = np.empty(values.shape, dtype=object)
        if values.size < _DISTINCT_FROM:
            labels.flat[:] = [self._label(value) for value in values.flat]
            return labels
        for j, column in enumerate(values.T):
            distinct, rows = _distinct(column)
            labels[:, j] = np.array([self._label(v) for v in distinct], dtype=object)[rows]
        return labels

    def _label(self, value: Any) -> str:
        if _is_missing(value):
            return self.missing_label
        if isinstance(value, str):
            return value
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        return str(value)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names (one output per input)."""
        return np.asarray(self._names_in(input_features), dtype=object)


def _hash_column(
    hasher: HashingVectorizer, column: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """One text column's hashed counts (missing values as empty documents) and null flags.

    In a batch each distinct text is hashed once and its row repeated.
    """
    distinct, rows = (list(column), None) if len(column) < _DISTINCT_FROM else _distinct(column)
    missing = np.array([_is_missing(value) for value in distinct], dtype=float)
    docs = ["" if m else str(v) for v, m in zip(distinct, missing, strict=True)]
    counts = hasher.transform(docs).tocsr()
    return (counts, missing) if rows is None else (counts[rows], missing[rows])


class TextHasher(_FrameTransformer):
    """Words of each text column, hashed into ``n_features`` columns, plus a null flag.

    ``weighting="counts"`` gives raw counts of single words and is stateless apart from the
    column names. ``weighting="tfidf"`` hashes words and word pairs (bigrams), learns each
    bucket's inverse document frequency in ``fit`` (``idf_``, one array per column), and
    returns sublinear tf-idf rows of unit length, as a notebook's ``TfidfVectorizer`` would,
    without a vocabulary to store. Missing values count as empty documents.

    Args:
        n_features: Hash buckets per text column.
        indicator: Add a ``<column>_missing`` flag per column.
        weighting: ``"counts"`` or ``"tfidf"``.
    """

    def __init__(
        self, n_features: int = 128, indicator: bool = True, weighting: str = "counts"
    ) -> None:
        self.n_features = n_features
        self.indicator = indicator
        self.weighting = weighting

    def _fit(self, frame: pd.DataFrame) -> None:
        if isinstance(self.n_features, bool) or not isinstance(self.n_features, int | np.integer):
            raise UsageError(f"n_features must be an integer, got {self.n_features!r}; use 128")
        if self.n_features < 1:
            raise UsageError(f"n_features must be positive, got {self.n_features}; use 128")
        if self.weighting not in ("counts", "tfidf"):
            raise UsageError(
                f"weighting must be 'counts' or 'tfidf', got {self.weighting!r}; use 'counts'"
            )
        if self.weighting == "tfidf":
            self.idf_ = [self._idf(counts) for counts, _ in self._hashed(frame)]

    def _hasher(self) -> HashingVectorizer:
        ngrams = (1, 2) if self.weighting == "tfidf" else (1, 1)
        return HashingVectorizer(
            n_features=int(self.n_features), alternate_sign=False, norm=None, ngram_range=ngrams
        )

    def _hashed(self, frame: pd.DataFrame) -> list[tuple[sparse.csr_matrix, np.ndarray]]:
        """Per column: the hashed counts and the null flags."""
        hasher = self._hasher()
        return [_hash_column(hasher, column) for column in _objects(frame).T]

    @staticmethod
    def _idf(counts: sparse.csr_matrix) -> np.ndarray:
        """Smoothed inverse document frequency per bucket, as scikit-learn computes it."""
        documents = np.bincount(counts.indices, minlength=counts.shape[1])
        out: np.ndarray = np.log((1 + counts.shape[0]) / (1 + documents)) + 1.0
        return out

    def _weigh(self, counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        from sklearn.preprocessing import normalize

        weighted = counts.astype(float)
        weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
        return normalize(weighted, norm="l2", copy=False)

    def transform(self, X: Any) -> sparse.csr_matrix:
        """Return a sparse matrix of word counts or tf-idf weights (and null flags)."""
        blocks = []
        for i, (counts, missing) in enumerate(self._hashed(self._frame(X))):
            blocks.append(
                self._weigh(counts, self.idf_[i]) if self.weighting == "tfidf" else counts
            )
            if self.indicator:
                blocks.append(sparse.csr_matrix(missing.reshape(-1, 1)))
        if len(blocks) == 1:
            return blocks[0].tocsr()
        return sparse.hstack(blocks, format="csr")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``<column>_hash<i>`` for each bucket (and ``<column>_missing``)."""
        names: list[str] = []
        for name in self._names_in(input_features):
            names.extend(f"{name}_hash{i}" for i in range(int(self.n_features)))
            if self.indicator:
                names.append(f"{name}_missing")
        return np.asarray(names, dtype=object)


class DateFeatures(_FrameTransformer):
    """Age in days relative to a fixed reference date, day of week and month, per column.

    The reference date is never "now": it is ``reference_date`` when given, else the latest
    date seen in ``fit``; either way it is stored as ``reference_date_`` (an ISO string, or
    None when ``fit`` saw no date) and recorded with the model. Missing and unparsable
    dates give NaN parts (impute them next) and, with ``indicator``, a ``<column>_missing``
    flag of 1.

    Args:
        reference_date: A date (or ISO string) that ages are measured from.
        indicator: Add a ``<column>_missing`` flag per column.
    """

    def __init__(self, reference_date: Any = None, indicator: bool = True) -> None:
        self.reference_date = reference_date
        self.indicator = indicator

    def _fit(self, frame: pd.DataFrame) -> None:
        if self.reference_date is not None:
            self.reference_date_: str | None = _reference(self.reference_date).isoformat()
            return
        latest = [parse_dates(frame[name]).max() for name in frame.columns]
        seen = [date for date in latest if not pd.isna(date)]
        self.reference_date_ = max(seen).isoformat() if seen else None

    def transform(self, X: Any) -> np.ndarray:
        """Return a float array: age_days, dayofweek, month (and missing) for each column."""
        frame = self._frame(X)
        reference = None
        if self.reference_date_ is not None:
            reference = pd.Timestamp(self.reference_date_).to_datetime64()
        columns = []
        for j in range(frame.shape[1]):
            dates = _datetime64(frame.iloc[:, j])
            columns.extend(_date_parts(dates, reference))
            if self.indicator:
                columns.append(np.isnat(dates).astype(float))
        return np.column_stack(columns) if columns else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``<column>_age_days``, ``_dayofweek``, ``_month`` (and ``_missing``)."""
        parts = ("age_days", "dayofweek", "month") + (("missing",) if self.indicator else ())
        names = [f"{name}_{part}" for name in self._names_in(input_features) for part in parts]
        return np.asarray(names, dtype=object)


def _datetime64(column: pd.Series) -> np.ndarray:
    """The naive UTC ``datetime64`` values :func:`parse_dates` gives, with less pandas."""
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column)):
        out: np.ndarray = parse_dates(column).to_numpy()
        return out
    values = column.to_numpy(dtype=object, copy=True)
    values[_missing_or_blank(values)] = None
    dates = pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True)
    out = dates.tz_localize(None).to_numpy()
    return out


def _date_parts(dates: np.ndarray, reference: np.datetime64 | None) -> list[np.ndarray]:
    """Age in days before ``reference`` (NaN without one), day of week (Monday 0), month."""
    missing = np.isnat(dates)
    if reference is None:
        age = np.full(len(dates), np.nan)
    else:
        age = np.divide(reference - dates, np.timedelta64(1, "s")) / 86400.0
    days = dates.astype("datetime64[D]").astype(np.int64)
    weekday = ((days + 3) % 7).astype(float)  # 1970-01-01 was a Thursday
    month = (dates.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(float)
    weekday[missing] = month[missing] = np.nan
    return [age, weekday, month]


def _reference(value: Any) -> pd.Timestamp:
    stamp: Any
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise UsageError(f"reference_date must be a date, got {value!r}; use e.g. '2025-01-31'")
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


def _derived_features(column: np.ndarray) -> np.ndarray:
    """:func:`text_feature_array` of a column, in a batch once per distinct text."""
    if len(column) < _DISTINCT_FROM:
        return text_feature_array(column)
    distinct, rows = _distinct(column)
    out: np.ndarray = text_feature_array(distinct)[rows]
    return out


class TextDerivedFeatures(_FrameTransformer):
    """Word count, word count without stop words, is-English and sentiment per text column.

    English and German; see :func:`agileds.automl.text_features` for the rules. Stateless
    apart from the column names. Missing values give zeros and, with ``indicator``, a
    ``<column>_missing`` flag of 1 (leave it off when a :class:`TextHasher` on the same
    columns flags them already).

    Args:
        indicator: Add a ``<column>_missing`` flag per column.
    """

    def __init__(self, indicator: bool = False) -> None:
        self.indicator = indicator

    def transform(self, X: Any) -> np.ndarray:
        """Return a float array: the four features (and the missing flag) for each column."""
        values = _objects(self._frame(X))
        blocks = []
        for column in values.T:
            blocks.append(_derived_features(column))
            if self.indicator:
                missing = [_is_missing(value) for value in column]
                blocks.append(np.asarray(missing, dtype=float).reshape(-1, 1))
        return np.hstack(blocks) if blocks else np.empty((len(values), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``<column>_word_count``, ``_word_count_no_stop``, ``_is_english``,
        ``_sentiment`` (and ``_missing``) for each column."""
        parts = TEXT_FEATURES + (("missing",) if self.indicator else ())
        names = [f"{name}_{part}" for name in self._names_in(input_features) for part in parts]
        return np.asarray(names, dtype=object)


class QuietKBinsDiscretizer(KBinsDiscretizer):
    """``KBinsDiscretizer`` whose ``fit`` does not warn about constant or collapsed bins.

    Quantile bins of a column with few distinct values merge (a 0/1 flag keeps two bins);
    that is expected for automatic bucketing of every numeric column, not a problem.
    """

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Self:
        """Fit as ``KBinsDiscretizer.fit``, without its warnings about merged bins."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"(Bins whose width|Feature \d+ is constant)")
            super().fit(X, y, sample_weight=sample_weight)
        return self


class QuietLogisticRegression(LogisticRegression):
    """``LogisticRegression`` whose ``fit`` does not warn when it stops at ``max_iter``.

    A sweep tries many C/solver pairs; a few stop short of convergence, and their score
    already tells the search so. Everything else is scikit-learn's estimator unchanged.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit as ``LogisticRegression.fit``, with ``ConvergenceWarning`` silenced."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            super().fit(X, y, sample_weight=sample_weight)
        return self
