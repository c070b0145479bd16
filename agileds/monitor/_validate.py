"""Checking a batch before anything is measured: the file, its columns, types and labels.

Every problem is a one-line :class:`~agileds.errors.DataError` (or ``UsageError``) naming the
batch and the columns, raised before the monitor logs or files anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from agileds.monitor._production import Production

__all__ = ["check_batch_file", "check_inputs", "check_labels", "parse_at", "read_batch"]

_SHOWN_VALUES = 3


def parse_at(at: str | dt.datetime | None) -> dt.datetime:
    """The batch timestamp as an aware UTC datetime (now when None; naive means UTC).

    Raises:
        UsageError: ``at`` is not an ISO 8601 date or date and time.
    """
    if at is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            raise UsageError(
                f"timestamp {at!r} (--at) is not ISO 8601; use e.g. 2025-04-01 or 2025-04-01T09:30"
            ) from None
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def read_batch(path: Path, shown: str) -> pd.DataFrame:
    """Read a batch from CSV or Parquet with :func:`agileds.data.load_table`.

    Raises:
        DataError: The file is missing, of another type, unreadable or without rows.
    """
    from agileds.data import load_table

    check_batch_file(path, shown)
    batch = load_table(path, shown=shown, fix="check the batch given to --data", allow_empty=True)
    if batch.empty:
        raise DataError(f"{shown}: the batch has no rows; nothing to monitor")
    return batch


def check_batch_file(path: Path, shown: str) -> None:
    """Check that a batch is an existing ``.csv`` or ``.parquet`` file.

    Raises:
        DataError: The file has another type or does not exist.
    """
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise DataError(
            f"{shown}: unsupported file type '{path.suffix or '(none)'}'; "
            "save the batch as .csv or .parquet"
        )
    if not path.is_file():
        raise DataError(f"{shown}: batch file not found; check the path given to --data")


def check_inputs(batch: pd.DataFrame, production: Production, shown: str) -> pd.DataFrame:
    """Return the model's input columns of ``batch``, numbers parsed where it expects them.

    Raises:
        DataError: Input columns are missing, or hold text where the model expects numbers
            (or only numbers where it expects text).
    """
    missing = [c for c in production.inputs if c not in batch.columns]
    if missing:
        raise DataError(
            f"{shown}: missing model input column(s) {', '.join(missing)}; "
            f"{production.name} needs every column it was trained on"
        )
    inputs = batch[list(production.inputs)].copy()
    texts: dict[str, Any] = {}
    numbers: list[str] = []
    for name in production.inputs:
        expected, column = production.reference[name], inputs[name]
        if _is_number(expected) and not _is_number(column):
            parsed, bad = _parse_numbers(column)
            if bad is not None:
                texts[name] = bad
            inputs[name] = parsed
        elif _is_text(expected) and _is_number(column) and column.notna().any():
            numbers.append(name)
    if texts:
        examples = ", ".join(f"{k} = {v!r}" for k, v in list(texts.items())[:_SHOWN_VALUES])
        raise DataError(
            f"{shown}: column(s) {', '.join(texts)} hold text where {production.name} "
            f"expects numbers (e.g. {examples}); fix those values or leave them empty"
        )
    if numbers:
        raise DataError(
            f"{shown}: column(s) {', '.join(numbers)} hold only numbers where "
            f"{production.name} expects text; check the export's columns"
        )
    return inputs


def check_labels(batch: pd.DataFrame, column: str, production: Production, shown: str) -> pd.Series:
    """Return the labels column (nulls where a row has no outcome yet), checked.

    Raises:
        DataError: The column is missing or empty, or its values are not what the model
            predicts (other classes, text for a regression, one class for a binary model).
    """
    if column not in batch.columns:
        raise DataError(
            f"{shown}: labels column '{column}' is not in the batch; columns are: "
            f"{', '.join(map(str, batch.columns))}"
        )
    labels = batch[column]
    known = labels.dropna()
    if known.empty:
        raise DataError(
            f"{shown}: labels column '{column}' is empty; pass --labels only with outcomes"
        )
    if production.classes is None:
        return _regression_labels(labels, column, shown)
    classes = production.classes
    strange = sorted((v for v in known.unique().tolist() if v not in set(classes)), key=str)
    if strange:
        shown_values = ", ".join(repr(v) for v in strange[:_SHOWN_VALUES])
        raise DataError(
            f"{shown}: labels column '{column}' holds {shown_values}, not the classes "
            f"{', '.join(map(str, classes))} that {production.name} predicts"
        )
    present = known.unique().tolist()
    if production.task == "binary" and len(present) < 2:
        raise DataError(
            f"{shown}: labels column '{column}' holds only class {present[0]}; "
            f"{production.metric} needs both classes {classes[0]} and {classes[1]}"
        )
    return labels


def _regression_labels(labels: pd.Series, column: str, shown: str) -> pd.Series:
    if _is_number(labels):
        return labels.astype("float64")
    parsed, bad = _parse_numbers(labels)
    if bad is not None:
        raise DataError(
            f"{shown}: labels column '{column}' must hold numbers for a regression "
            f"model, got {bad!r}"
        )
    return parsed


def _is_number(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _is_text(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return bool(pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype))


def _parse_numbers(column: pd.Series) -> tuple[pd.Series, Any]:
    """The column as floats (blank strings as nulls), and the first value that is no number."""
    import pandas as pd

    text = column.astype("string").str.strip()
    present = column.notna() & text.ne("").fillna(False)
    parsed = pd.to_numeric(text.where(present), errors="coerce").astype("float64")
    bad = present & parsed.isna()
    return parsed, column[bad].iloc[0] if bad.any() else None
