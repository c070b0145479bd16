"""Column kinds inferred from the data: numeric, integer codes, categories, text, dates, ids."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "ColumnKind",
    "ColumnProfile",
    "blank_mask",
    "infer_column_kinds",
    "non_missing",
    "parse_dates",
    "profile_columns",
]

#: At most this many distinct integers make an integer column a category code ...
MAX_CODE_LEVELS = 20
#: ... and each level must then appear this many times on average.
MIN_ROWS_PER_CODE = 5
#: Distinct non-null values over non-null count from which a column counts as unique.
UNIQUE_RATIO = 0.95
#: Share of non-null values the most frequent ``COVERAGE_TOP`` values must cover
#: for a string column to be a category rather than free text.
CATEGORY_COVERAGE = 0.8
COVERAGE_TOP = 20
#: Mean whitespace-separated tokens per value from which strings read as text.
TEXT_TOKENS = 3.0
#: Share of sampled non-null strings that must parse as ISO dates.
DATE_SHARE = 0.95
#: Values sampled for the costly checks (tokens, dates).
SAMPLE_SIZE = 5000

#: An id-like name: ``id``, ``lead_id``, ``customer-key``, ``uuid``, ``LeadId``, ``id_lead``.
_ID_NAME = re.compile(r"(?i:(^|[_\-\s.])(id|uuid|guid|key)$|^id[_\-\s.])|[a-z0-9]I[dD]$")
_ISO_DATE = r"\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*"


class ColumnKind(StrEnum):
    """What a column holds, which decides how it becomes features."""

    NUMERIC = "numeric"
    CATEGORY_CODE = "category_code"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"


@dataclass(frozen=True)
class ColumnProfile:
    """Why a column got its kind: the figures the decision was made from.

    Attributes:
        name: The column.
        kind: The kind decided (or the override).
        distinct: Distinct non-null values (blank strings count as null).
        null_rate: Share of rows that are null or blank.
        avg_tokens: Mean whitespace-separated tokens per non-null string (0 for non-strings).
        top_coverage: Share of non-null values covered by the 20 most frequent ones.
        reason: The rule that decided, in a few words.
    """

    name: str
    kind: ColumnKind
    distinct: int
    null_rate: float
    avg_tokens: float
    top_coverage: float
    reason: str


def infer_column_kinds(
    frame: pd.DataFrame,
    *,
    target: str,
    drop: Collection[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> dict[str, ColumnKind]:
    """Infer the kind of every feature column from its values.

    Args:
        frame: The data, target included.
        target: The label column; left out of the result.
        drop: Columns to leave out as well.
        overrides: Kinds given by the user per column (``{"zip": "categorical"}``); they win.

    Returns:
        Column name to kind, for every column except ``target`` and ``drop``, in frame order.

    Raises:
        DataError: ``target`` or a ``drop`` column is not in the frame.
        UsageError: An override names an unknown column or kind.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"n": [1.5, 2.5, None], "y": [0, 1, 0]})
        >>> infer_column_kinds(frame, target="y")
        {'n': <ColumnKind.NUMERIC: 'numeric'>}
    """
    profiles = profile_columns(frame, target=target, drop=drop, overrides=overrides)
    return {name: profile.kind for name, profile in profiles.items()}


def profile_columns(
    frame: pd.DataFrame,
    *,
    target: str,
    drop: Collection[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> dict[str, ColumnProfile]:
    """Like :func:`infer_column_kinds`, with the figures and the reason for each kind."""
    features = _feature_names(frame, target, drop)
    kinds = _check_overrides(overrides or {}, features)
    labels = {str(label): label for label in frame.columns}
    profiles = {}
    for name in features:
        profile = _profile(name, frame[labels[name]])
        if name in kinds:
            profile = _with_kind(profile, kinds[name], "override")
        profiles[name] = profile
    return profiles


def _feature_names(frame: pd.DataFrame, target: str, drop: Collection[str]) -> list[str]:
    columns = [str(c) for c in frame.columns]
    for label, wanted in [("target", [target]), ("drop", list(drop))]:
        for name in wanted:
            if name not in columns:
                raise DataError(
                    f"{label} column '{name}' is not in the data; use one of {', '.join(columns)}"
                )
    return [c for c in columns if c != target and c not in set(drop)]


def _check_overrides(overrides: Mapping[str, str], features: list[str]) -> dict[str, ColumnKind]:
    valid = ", ".join(kind.value for kind in ColumnKind)
    kinds = {}
    for name, kind in overrides.items():
        if name not in features:
            raise UsageError(
                f"column kind override names unknown column '{name}'; "
                f"use one of {', '.join(features)}"
            )
        if kind not in set(ColumnKind):
            raise UsageError(
                f"unknown column kind '{kind}' for column '{name}'; use one of {valid}"
            )
        kinds[name] = ColumnKind(kind)
    return kinds


def _with_kind(profile: ColumnProfile, kind: ColumnKind, reason: str) -> ColumnProfile:
    return replace(profile, kind=kind, reason=reason)


def _profile(name: str, column: pd.Series) -> ColumnProfile:
    values = non_missing(column)
    distinct = int(values.nunique())
    counts = values.value_counts()
    coverage = float(counts.iloc[:COVERAGE_TOP].sum() / len(values)) if len(values) else 1.0
    is_text = _is_string_like(column)
    tokens = _avg_tokens(values) if is_text else 0.0
    kind, reason = _decide(name, column, values, distinct, coverage, tokens)
    null_rate = 1.0 - len(values) / len(column) if len(column) else 1.0
    return ColumnProfile(name, kind, distinct, null_rate, tokens, coverage, reason)


def _decide(
    name: str,
    column: pd.Series,
    values: pd.Series,
    distinct: int,
    coverage: float,
    tokens: float,
) -> tuple[ColumnKind, str]:
    import pandas as pd

    dtype = column.dtype
    if distinct <= 1:
        return ColumnKind.CONSTANT, "at most one distinct non-null value"
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.NUMERIC, "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnKind.DATETIME, "datetime dtype"
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL, "categorical dtype"
    if pd.api.types.is_numeric_dtype(dtype):
        return _numeric_kind(name, values, distinct)
    return _string_kind(name, values.astype(str), distinct, coverage, tokens)


def _numeric_kind(name: str, values: pd.Series, distinct: int) -> tuple[ColumnKind, str]:
    import numpy as np

    numbers = values.to_numpy(dtype=float)
    if not bool(np.all(np.mod(numbers, 1) == 0)):
        return ColumnKind.NUMERIC, "fractional numbers"
    unique = distinct >= UNIQUE_RATIO * len(numbers)
    consecutive = distinct == len(numbers) and numbers.max() - numbers.min() + 1 == distinct
    if unique and (_ID_NAME.search(name) or consecutive):
        return ColumnKind.IDENTIFIER, "unique integers named or laid out like an id"
    if 3 <= distinct <= MAX_CODE_LEVELS and len(numbers) >= MIN_ROWS_PER_CODE * distinct:
        return ColumnKind.CATEGORY_CODE, f"few distinct integers ({distinct})"
    if _ID_NAME.search(name) and distinct > MAX_CODE_LEVELS:
        return ColumnKind.CATEGORICAL, "repeated integer ids"
    return ColumnKind.NUMERIC, "integers"


def _string_kind(
    name: str, values: pd.Series, distinct: int, coverage: float, tokens: float
) -> tuple[ColumnKind, str]:
    ratio = distinct / len(values)
    if _date_share(_sample(values)) >= DATE_SHARE:
        return ColumnKind.DATETIME, "ISO dates"
    if ratio >= UNIQUE_RATIO and (tokens <= 1.0 or _ID_NAME.search(name)):
        return ColumnKind.IDENTIFIER, "unique single-token strings or an id name"
    if coverage >= CATEGORY_COVERAGE:
        return ColumnKind.CATEGORICAL, f"top {COVERAGE_TOP} values cover {coverage:.0%}"
    if tokens >= TEXT_TOKENS or (tokens >= 2.0 and ratio >= 0.5):
        return ColumnKind.TEXT, f"{tokens:.1f} tokens per value, {distinct} distinct"
    return ColumnKind.CATEGORICAL, f"many short values ({distinct} distinct)"


def _is_string_like(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return bool(pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype))


def _sample(values: pd.Series) -> pd.Series:
    if len(values) <= SAMPLE_SIZE:
        return values
    return values.sample(n=SAMPLE_SIZE, random_state=0)


def _avg_tokens(values: pd.Series) -> float:
    sample = _sample(values).astype(str)
    return float(sample.str.count(r"\S+").mean()) if len(sample) else 0.0


def _date_share(strings: pd.Series) -> float:
    if not len(strings):
        return 0.0
    looks_iso = strings.str.fullmatch(_ISO_DATE, na=False)
    if looks_iso.mean() < DATE_SHARE:
        return float(looks_iso.mean())
    return float(parse_dates(strings).notna().mean())


def blank_mask(column: pd.Series) -> np.ndarray:
    """Return a boolean array: True where the value is a string that is empty or all spaces."""
    import numpy as np

    try:
        mask = column.str.fullmatch(r"\s*", na=False)
    except AttributeError:  # no strings at all
        return np.zeros(len(column), dtype=bool)
    out: np.ndarray = mask.to_numpy(dtype=bool, na_value=False)
    return out


def non_missing(column: pd.Series) -> pd.Series:
    """Return the values that are neither null nor blank strings."""
    present = column.notna().to_numpy(dtype=bool) & ~blank_mask(column)
    return column[present]


def parse_dates(column: pd.Series) -> pd.Series:
    """Parse dates (datetime dtype or ISO strings) to naive UTC; unparsable values become NaT."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        dates = column
        if getattr(column.dt, "tz", None) is not None:
            dates = column.dt.tz_convert("UTC").dt.tz_localize(None)
        return dates
    text = column.astype(object).where(column.notna() & ~blank_mask(column), None)
    dates = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    return dates.dt.tz_localize(None)
