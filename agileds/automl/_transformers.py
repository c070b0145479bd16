"""The scikit-learn transformers of the feature pipeline; a logged model imports them from here."""

from __future__ import annotations

import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from agileds.automl._columns import blank_mask, parse_dates
from agileds.errors import DataError, UsageError

__all__ = [
    "BlankToNaN",
    "CategoryStrings",
    "DateFeatures",
    "QuietLogisticRegression",
    "TextHasher",
    "ToFloat",
]


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


class BlankToNaN(_FrameTransformer):
    """Make empty and whitespace-only strings (and None, ``pd.NA``) NaN.

    Works on any dtype, including pandas' string dtypes; the output is a DataFrame of
    object columns with the same names, so the steps after it see one missing marker.
    """

    def transform(self, X: Any) -> pd.DataFrame:
        """Return ``X`` as object columns with blanks and missing values set to NaN."""
        frame = self._frame(X)
        out = frame.astype(object)
        for name in out.columns:
            present = frame[name].notna().to_numpy(dtype=bool) & ~blank_mask(frame[name])
            out[name] = out[name].where(present, np.nan)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names (one output per input)."""
        return np.asarray(self._names_in(input_features), dtype=object)


class ToFloat(_FrameTransformer):
    """Cast each column to float; what does not parse as a finite number becomes NaN."""

    def transform(self, X: Any) -> np.ndarray:
        """Return a float array, one column per input column."""
        frame = self._frame(X)
        columns = [
            pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for name in frame.columns
        ]
        numbers = np.column_stack(columns) if columns else np.empty((len(frame), 0))
        numbers[np.isinf(numbers)] = np.nan
        return numbers

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names (one output per input)."""
        return np.asarray(self._names_in(input_features), dtype=object)


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
        frame = self._frame(X)
        labels = np.empty(frame.shape, dtype=object)
        for j, name in enumerate(frame.columns):
            values = frame[name].to_numpy(dtype=object)
            labels[:, j] = [self._label(value) for value in values]
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


class TextHasher(_FrameTransformer):
    """Token counts of each text column, hashed into ``n_features`` columns, plus a null flag.

    Stateless apart from the column names, so unseen words need no refit. Missing values
    count as empty documents.

    Args:
        n_features: Hash buckets per text column.
        indicator: Add a ``<column>_missing`` flag per column.
    """

    def __init__(self, n_features: int = 128, indicator: bool = True) -> None:
        self.n_features = n_features
        self.indicator = indicator

    def _fit(self, frame: pd.DataFrame) -> None:
        if isinstance(self.n_features, bool) or not isinstance(self.n_features, int | np.integer):
            raise UsageError(f"n_features must be an integer, got {self.n_features!r}; use 128")
        if self.n_features < 1:
            raise UsageError(f"n_features must be positive, got {self.n_features}; use 128")

    def transform(self, X: Any) -> sparse.csr_matrix:
        """Return a sparse matrix of token counts (and null flags)."""
        frame = self._frame(X)
        hasher = HashingVectorizer(n_features=int(self.n_features), alternate_sign=False, norm=None)
        blocks = []
        for name in frame.columns:
            values = frame[name].to_numpy(dtype=object)
            missing = np.array([_is_missing(value) for value in values], dtype=float)
            docs = ["" if m else str(v) for v, m in zip(values, missing, strict=True)]
            blocks.append(hasher.transform(docs))
            if self.indicator:
                blocks.append(sparse.csr_matrix(missing.reshape(-1, 1)))
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
        columns = []
        for name in frame.columns:
            dates = parse_dates(frame[name])
            for part in (self._age_days(dates), dates.dt.day_of_week, dates.dt.month):
                columns.append(part.to_numpy(dtype=float, na_value=np.nan))
            if self.indicator:
                columns.append(dates.isna().to_numpy(dtype=float))
        return np.column_stack(columns) if columns else np.empty((len(frame), 0))

    def _age_days(self, dates: pd.Series) -> pd.Series:
        if self.reference_date_ is None:
            return pd.Series(np.nan, index=dates.index)
        age: pd.Series = pd.Timestamp(self.reference_date_) - dates
        return age.dt.total_seconds() / 86400.0

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``<column>_age_days``, ``_dayofweek``, ``_month`` (and ``_missing``)."""
        parts = ("age_days", "dayofweek", "month") + (("missing",) if self.indicator else ())
        names = [f"{name}_{part}" for name in self._names_in(input_features) for part in parts]
        return np.asarray(names, dtype=object)


def _reference(value: Any) -> pd.Timestamp:
    stamp: Any
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise UsageError(f"reference_date must be a date, got {value!r}; use e.g. '2025-01-31'")
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


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
