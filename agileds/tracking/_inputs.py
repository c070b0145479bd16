"""Which input columns a fitted model reads: tables of drift and importance show only these.

A pipeline takes every column of its training data, but the columns the sanity checks
removed, the ``drop:`` ones and switched-off optional groups reach no transformer: their
drift or importance says nothing about the model and only adds noise to a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

__all__ = ["used_columns"]


def used_columns(model: Any, inputs: Sequence[str]) -> list[str]:
    """``inputs`` that reach a transformer of ``model``, in order; all of them when unknown.

    Looks through pipelines, voting ensembles and their fitted ``ColumnTransformer`` s; a
    model without one (or with columns chosen by mask or slice) is taken to read every input.
    """
    read = _columns_read(model)
    return list(inputs) if read is None else [c for c in inputs if c in read]


def _columns_read(model: Any) -> set[str] | None:
    from sklearn.compose import ColumnTransformer

    read: set[str] = set()
    found = False
    stack = [model]
    while stack:
        part = stack.pop()
        if isinstance(part, ColumnTransformer):
            names = _transformer_columns(part)
            if names is None:
                return None
            read |= names
            found = True
        elif isinstance(getattr(part, "steps", None), list):
            stack.extend(step for _, step in part.steps)
        elif isinstance(getattr(part, "estimators_", None), list):
            stack.extend(part.estimators_)
    return read if found else None


def _transformer_columns(transformer: Any) -> set[str] | None:
    fitted = getattr(transformer, "transformers_", None)
    known = getattr(transformer, "feature_names_in_", None)
    if fitted is None:
        return None
    names: set[str] = set()
    for _, step, columns in fitted:
        if isinstance(step, str) and step == "drop":
            continue
        for column in [columns] if isinstance(columns, str | Integral) else list(columns):
            if isinstance(column, str):
                names.add(column)
            elif (
                isinstance(column, Integral) and not isinstance(column, bool) and known is not None
            ):
                names.add(str(known[column]))
            else:
                return None
    return names
