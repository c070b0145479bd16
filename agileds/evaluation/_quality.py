"""Data-quality quantities of a table as the pipeline sees it: null and blank-text rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["data_quality"]


def data_quality(frame: pd.DataFrame, *, blank_as_null: bool = True) -> dict[str, float]:
    """``null_rate.<column>`` for every column and ``blank_text_rate.<column>`` for text.

    Args:
        frame: The data.
        blank_as_null: Whether the pipeline turns blank and whitespace-only strings into
            nulls before it sees them (the automatic feature engineering does by default);
            then the blank-text rate is 0 and those rows count as nulls.
    """
    import pandas as pd

    rows = max(len(frame), 1)
    out: dict[str, float] = {}
    for name in frame.columns:
        column = frame[name]
        nulls = column.isna()
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            blank = column.astype("string").str.strip().eq("").fillna(False).to_numpy(bool)
            if blank_as_null:
                nulls = nulls | blank
                blank = blank & False
            out[f"blank_text_rate.{name}"] = float(blank.sum()) / rows
        out[f"null_rate.{name}"] = float(nulls.sum()) / rows
    return out
