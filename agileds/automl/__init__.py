"""Column kinds, the automatic feature pipeline, model families and their search spaces.

Importing this package is cheap: scikit-learn and Optuna load when a pipeline is built or a
parameter suggested. The custom transformers live in :mod:`agileds.automl._transformers`
(that path is what a logged model imports when it is loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agileds.automl._columns import (
    ColumnKind,
    ColumnProfile,
    infer_column_kinds,
    profile_columns,
)
from agileds.automl._families import (
    CALIBRATIONS,
    FAMILIES,
    PREPROCESSING_SPACE,
    TASKS,
    Choice,
    Family,
    FloatRange,
    IntRange,
    canonical_config,
    canonical_family,
    default_params,
    get_family,
    make_estimator,
    suggest_config,
    suggest_family,
    suggest_params,
    suggest_preprocessing,
    validate_overrides,
)
from agileds.automl._features import (
    PREPROCESSING_DEFAULTS,
    build_pipeline,
    build_preprocessor,
    feature_columns,
)
from agileds.automl._sanity import (
    Removal,
    SanityReport,
    SanityThresholds,
    Suspect,
    sanity_check,
)
from agileds.automl._text import (
    ENGLISH_STOP_WORDS,
    GERMAN_STOP_WORDS,
    TEXT_FEATURES,
    TextFeatures,
    text_feature_array,
    text_features,
)

if TYPE_CHECKING:
    from agileds.automl._fastpath import FAST_ROWS, RowPlan, Unsupported, compile_plan, fast_call

_FAST = ("FAST_ROWS", "RowPlan", "Unsupported", "compile_plan", "fast_call")
"""The one-row fast path, imported on first use (it loads numpy)."""

__all__ = [
    "CALIBRATIONS",
    "ENGLISH_STOP_WORDS",
    "FAMILIES",
    "FAST_ROWS",
    "GERMAN_STOP_WORDS",
    "PREPROCESSING_DEFAULTS",
    "PREPROCESSING_SPACE",
    "TASKS",
    "TEXT_FEATURES",
    "Choice",
    "ColumnKind",
    "ColumnProfile",
    "Family",
    "FloatRange",
    "IntRange",
    "Removal",
    "RowPlan",
    "SanityReport",
    "SanityThresholds",
    "Suspect",
    "TextFeatures",
    "Unsupported",
    "build_pipeline",
    "build_preprocessor",
    "canonical_config",
    "canonical_family",
    "compile_plan",
    "default_params",
    "fast_call",
    "feature_columns",
    "get_family",
    "infer_column_kinds",
    "make_estimator",
    "profile_columns",
    "sanity_check",
    "suggest_config",
    "suggest_family",
    "suggest_params",
    "suggest_preprocessing",
    "text_feature_array",
    "text_features",
    "validate_overrides",
]


def __getattr__(name: str) -> Any:
    """The fast path's names, imported when first used."""
    if name in _FAST:
        from agileds.automl import _fastpath

        return getattr(_fastpath, name)
    raise AttributeError(f"module 'agileds.automl' has no attribute {name!r}")
