"""The feature pipeline: a ColumnTransformer per column kind, and the model pipeline around it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.automl._columns import ColumnKind
from agileds.automl._families import PREPROCESSING_SPACE, get_family, make_estimator
from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

__all__ = ["PREPROCESSING_DEFAULTS", "build_pipeline", "build_preprocessor", "feature_columns"]

PREPROCESSING_DEFAULTS: Mapping[str, Any] = {
    **{name: dim.default for name, dim in PREPROCESSING_SPACE.items() if name != "calibration"},
    "min_support": 5,
    "blank_as_null": True,
    "scale": False,
    "reference_date": None,
    "n_bins": 8,
}
"""Every preprocessing parameter and its default; those of ``PREPROCESSING_SPACE`` are
searched (its ``calibration`` belongs to the model, see ``make_estimator``)."""

TEXT_FEATURES = ("hashing", "tfidf", "off")
"""Free text as hashed word counts, hashed tf-idf of words and bigrams, or not at all."""
_DROPPED = {ColumnKind.IDENTIFIER, ColumnKind.CONSTANT}
_CATEGORIES = {ColumnKind.CATEGORICAL, ColumnKind.CATEGORY_CODE}


@dataclass(frozen=True)
class _Settings:
    top_k: int
    text_features: str
    hashing_size: int
    text_derived: bool
    bucketing: bool
    min_support: int
    blank_as_null: bool
    scale: bool
    reference_date: Any
    n_bins: int


def _settings(params: Mapping[str, Any]) -> _Settings:
    merged = {name: params.get(name, default) for name, default in PREPROCESSING_DEFAULTS.items()}
    for name in ("top_k", "min_support", "hashing_size"):
        if not _is_int_from(merged[name], 1):
            raise UsageError(
                f"{name} must be a positive integer, got {merged[name]!r}; use e.g. 20"
            )
    if not _is_int_from(merged["n_bins"], 2):
        raise UsageError(
            f"n_bins must be an integer of at least 2, got {merged['n_bins']!r}; use 8"
        )
    for name in ("text_derived", "bucketing"):
        if not isinstance(merged[name], bool):
            raise UsageError(f"{name} must be true or false, got {merged[name]!r}")
    if merged["text_features"] not in TEXT_FEATURES:
        raise UsageError(
            f"text_features must be one of {', '.join(TEXT_FEATURES)}, "
            f"got {merged['text_features']!r}"
        )
    return _Settings(**merged)


def _is_int_from(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def build_preprocessor(
    kinds: Mapping[str, ColumnKind], params: Mapping[str, Any], *, family: str
) -> ColumnTransformer:
    """Build the unfitted ColumnTransformer that turns the raw columns into numbers.

    One branch per kind: ``numeric`` (numbers and integer codes: median imputation, null
    flags, scaling for the linear family or ``scale=True``), ``categorical`` (categories
    and integer codes: the ``top_k`` most frequent values seen at least ``min_support``
    times, the rest and unseen values in one "infrequent" column, nulls as a ``(missing)``
    value), ``text`` (hashed token counts and a null flag, or nothing when
    ``text_features="off"``) and ``datetime`` (age in days from a fixed reference date,
    day of week, month, null flag). With ``text_derived`` a ``text_derived`` branch adds
    word count, word count without stop words, is-English and sentiment per text column
    (and the null flag when there is no hashing); with ``bucketing`` a ``buckets`` branch
    adds ``n_bins`` one-hot quantile bins per numeric column. Identifiers and constants
    are dropped. Blank strings become nulls first unless ``blank_as_null=False``. Tree
    families get dense output; the linear family may get sparse output.

    Args:
        kinds: The kind of each column to use.
        params: A flat configuration; keys missing take :data:`PREPROCESSING_DEFAULTS`,
            keys that are not preprocessing parameters are ignored.
        family: The model family the features are for.

    Raises:
        UsageError: A bad parameter value or kind, or an unknown family.
        DataError: No column is left to build features from.
    """
    from sklearn.compose import ColumnTransformer

    linear = get_family(family).linear
    settings = _settings(params)
    groups = _group(kinds, settings)
    scale = linear or settings.scale
    branches = {
        "numeric": lambda: _numeric_branch(scale),
        "categorical": lambda: _categorical_branch(settings),
        "text": lambda: _text_branch(settings),
        "datetime": lambda: _datetime_branch(settings, scale),
        "text_derived": lambda: _text_derived_branch(settings, scale),
        "buckets": lambda: _bucket_branch(settings),
    }
    transformers = [(name, branches[name](), cols) for name, cols in groups.items() if cols]
    if not transformers:
        raise DataError(
            f"no usable feature columns among {', '.join(kinds) or '(none)'}; "
            "override a column's kind or switch text features on"
        )
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.3 if linear else 0)


_BRANCHES = ("numeric", "categorical", "text", "datetime", "text_derived", "buckets")


def _group(kinds: Mapping[str, ColumnKind], settings: _Settings) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {branch: [] for branch in _BRANCHES}
    for name, kind in kinds.items():
        kind = _kind(name, kind)
        if kind in _DROPPED:
            continue
        if kind == ColumnKind.TEXT:
            if settings.text_features != "off":
                groups["text"].append(name)
            if settings.text_derived:
                groups["text_derived"].append(name)
            continue
        if kind == ColumnKind.CATEGORY_CODE:  # its value too, in case the code is a count
            groups["numeric"].append(name)
        if kind == ColumnKind.NUMERIC and settings.bucketing:
            groups["buckets"].append(name)
        groups["categorical" if kind in _CATEGORIES else str(kind)].append(name)
    return groups


def _kind(name: str, kind: Any) -> ColumnKind:
    try:
        return ColumnKind(kind)
    except ValueError:
        valid = ", ".join(k.value for k in ColumnKind)
        raise UsageError(
            f"unknown column kind '{kind}' for column '{name}'; use one of {valid}"
        ) from None


def _numeric_branch(scale: bool) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from agileds.automl._transformers import ToFloat

    steps = [
        ("to_float", ToFloat()),
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
    ]
    return Pipeline(steps + ([("scale", StandardScaler())] if scale else []))


def _categorical_branch(settings: _Settings) -> Any:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from agileds.automl._transformers import CategoryStrings

    encoder = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        max_categories=settings.top_k + 1,
        min_frequency=settings.min_support,
    )
    steps = [("labels", CategoryStrings()), ("onehot", encoder)]
    return Pipeline(_blank_step(settings) + steps)


def _text_branch(settings: _Settings) -> Any:
    from sklearn.pipeline import Pipeline

    from agileds.automl._transformers import TextHasher

    weighting = "tfidf" if settings.text_features == "tfidf" else "counts"
    steps = [("hash", TextHasher(n_features=settings.hashing_size, weighting=weighting))]
    return Pipeline(_blank_step(settings) + steps)


def _text_derived_branch(settings: _Settings, scale: bool) -> Any:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from agileds.automl._transformers import TextDerivedFeatures

    flag = settings.text_features == "off"  # else the hashing branch flags nulls already
    steps = [("derive", TextDerivedFeatures(indicator=flag))]
    if flag:  # blanks give the same four features as nulls; only the flag tells them apart
        steps = _blank_step(settings) + steps
    return Pipeline(steps + ([("scale", StandardScaler())] if scale else []))


def _bucket_branch(settings: _Settings) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    from agileds.automl._transformers import QuietKBinsDiscretizer, ToFloat

    bins = QuietKBinsDiscretizer(
        n_bins=settings.n_bins, encode="onehot", strategy="quantile", random_state=0
    )
    steps = [
        ("to_float", ToFloat()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("bins", bins),
    ]
    return Pipeline(steps)


def _datetime_branch(settings: _Settings, scale: bool) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from agileds.automl._transformers import DateFeatures

    steps = [
        ("parts", DateFeatures(reference_date=settings.reference_date)),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
    ]
    return Pipeline(steps + ([("scale", StandardScaler())] if scale else []))


def _blank_step(settings: _Settings) -> list[tuple[str, Any]]:
    from agileds.automl._transformers import BlankToNaN

    return [("blank_to_nan", BlankToNaN())] if settings.blank_as_null else []


def feature_columns(
    kinds: Mapping[str, ColumnKind],
    groups_enabled: Mapping[str, bool],
    optional_groups: Mapping[str, Sequence[str]],
) -> list[str]:
    """Return the columns the pipeline reads when some optional feature groups are off.

    A column is left out when any group that lists it is off (a group missing from
    ``groups_enabled`` is on), and identifiers and constants are always left out.

    Args:
        kinds: The kind of every candidate column, in order.
        groups_enabled: Group name to on/off, as a trial chose it.
        optional_groups: Group name to its columns, from the experiment spec.

    Raises:
        UsageError: A group that is not declared, or a group naming an unknown column.

    Example:
        >>> kinds = {"a": ColumnKind.NUMERIC, "b": ColumnKind.TEXT, "id": ColumnKind.IDENTIFIER}
        >>> feature_columns(kinds, {"text": False}, {"text": ["b"]})
        ['a']
    """
    for group in groups_enabled:
        if group not in optional_groups:
            raise UsageError(
                f"unknown feature group '{group}'; use one of {', '.join(optional_groups)}"
            )
    off: set[str] = set()
    for group, columns in optional_groups.items():
        for column in columns:
            if column not in kinds:
                raise UsageError(
                    f"feature group '{group}' names unknown column '{column}'; "
                    f"use one of {', '.join(kinds)}"
                )
        if not groups_enabled.get(group, True):
            off.update(columns)
    return [c for c, kind in kinds.items() if c not in off and _kind(c, kind) not in _DROPPED]


def build_pipeline(
    kinds: Mapping[str, ColumnKind],
    params: Mapping[str, Any],
    family: str,
    task: str,
    columns: Sequence[str],
    *,
    seed: int = 0,
) -> Pipeline:
    """Build the unfitted model: ``Pipeline([("features", ...), ("model", ...)])``.

    Args:
        kinds: The kind of each column.
        params: A flat configuration (preprocessing keys and ``<family>.<param>`` keys).
        family: The model family.
        task: ``binary``, ``multiclass`` or ``regression``.
        columns: The columns to use (e.g. from :func:`feature_columns`); others in the
            input frame are ignored.
        seed: The estimator's ``random_state``.

    Raises:
        UsageError: A column not in ``kinds``, or a bad family, task or parameter.
    """
    from sklearn.pipeline import Pipeline

    unknown = [c for c in columns if c not in kinds]
    if unknown:
        raise UsageError(f"column '{unknown[0]}' has no kind; use one of {', '.join(kinds)}")
    used = {c: kinds[c] for c in columns}
    model = make_estimator(family, task, params, seed)
    features = build_preprocessor(used, params, family=family)
    return Pipeline([("features", features), ("model", model)])
