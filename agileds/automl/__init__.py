"""Column kinds, the automatic feature pipeline, model families and their search spaces.

Importing this package is cheap: scikit-learn and Optuna load when a pipeline is built or a
parameter suggested. The custom transformers live in :mod:`agileds.automl._transformers`
(that path is what a logged model imports when it is loaded).
"""

from __future__ import annotations

from agileds.automl._columns import (
    ColumnKind,
    ColumnProfile,
    infer_column_kinds,
    profile_columns,
)
from agileds.automl._families import (
    FAMILIES,
    PREPROCESSING_SPACE,
    TASKS,
    Choice,
    Family,
    FloatRange,
    IntRange,
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

__all__ = [
    "FAMILIES",
    "PREPROCESSING_DEFAULTS",
    "PREPROCESSING_SPACE",
    "TASKS",
    "Choice",
    "ColumnKind",
    "ColumnProfile",
    "Family",
    "FloatRange",
    "IntRange",
    "build_pipeline",
    "build_preprocessor",
    "default_params",
    "feature_columns",
    "get_family",
    "infer_column_kinds",
    "make_estimator",
    "profile_columns",
    "suggest_config",
    "suggest_family",
    "suggest_params",
    "suggest_preprocessing",
    "validate_overrides",
]
