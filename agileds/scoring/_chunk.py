"""One chunk: find the rows that cannot be scored (with the reason), score the others.

Column-level faults (a missing input column, a column of text where the model expects
numbers) stop the job with the monitor's one-line errors (:mod:`agileds.monitor._validate`);
a few bad values in a column only reject their rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.monitor import batch_scores, check_inputs, is_numeric_column

if TYPE_CHECKING:
    import pandas as pd

    from agileds.monitor import Production

__all__ = ["ChunkScores", "score_chunk"]

MISTYPED_SHARE = 0.5
"""A column whose present values are more than this share non-numbers is mistyped as a
whole (an error for the job), not a few bad rows."""


@dataclass(frozen=True)
class ChunkScores:
    """What a chunk gave: the scored rows' positions and scores, the rejected ones' reasons.

    Attributes:
        kept: Positions (0-based, in the chunk) of the scored rows.
        scores: Their scores: the positive class's probability (binary), the class
            probabilities (multiclass) or the prediction (regression).
        rejected: Positions of the rows that could not be scored.
        reasons: One reason per rejected row.
    """

    kept: np.ndarray
    scores: np.ndarray
    rejected: np.ndarray
    reasons: list[str]


def score_chunk(chunk: pd.DataFrame, production: Production, shown: str) -> ChunkScores:
    """Validate and score one chunk with ``production``.

    Raises:
        DataError: An input column is missing, or mistyped as a whole.
    """
    reasons = _bad_values(chunk, production, shown)
    good = np.setdiff1d(np.arange(len(chunk)), np.fromiter(reasons, dtype=int, count=len(reasons)))
    inputs = check_inputs(chunk.iloc[good], production, shown) if len(good) else None
    kept, scores, failed = _predict(production, inputs, good)
    reasons.update(failed)
    rejected = np.array(sorted(reasons), dtype=int)
    return ChunkScores(kept, scores, rejected, [reasons[i] for i in rejected])


def _bad_values(chunk: pd.DataFrame, production: Production, shown: str) -> dict[int, str]:
    """Row position -> reason, for values that are not numbers where numbers are expected."""
    check_inputs(chunk.head(0), production, shown)  # missing columns: the monitor's error
    reasons: dict[int, str] = {}
    for name in production.inputs:
        column = chunk[name]
        if not is_numeric_column(production.reference[name]) or is_numeric_column(column):
            continue
        bad = _not_numbers(column)
        if not bad.any():
            continue
        if bad.sum() > MISTYPED_SHARE * column.notna().sum():
            check_inputs(chunk, production, shown)  # raises the monitor's one-line error
        for position in np.flatnonzero(bad.to_numpy()):
            reasons.setdefault(
                int(position), f"column {name}: {column.iloc[position]!r} is not a number"
            )
    return reasons


def _not_numbers(column: pd.Series) -> pd.Series:
    import pandas as pd

    text = column.astype("string").str.strip()
    present = column.notna() & text.ne("").fillna(False)
    return (present & pd.to_numeric(text.where(present), errors="coerce").isna()).astype(bool)


def _predict(
    production: Production, inputs: pd.DataFrame | None, good: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Score the rows; when the model refuses the chunk, row by row to find the culprits."""

    empty = np.empty((0, len(production.classes or ())) if production.task == "multiclass" else 0)
    if inputs is None:
        return good, empty, {}
    try:
        return good, np.asarray(batch_scores(production.pipeline, inputs, production.task)), {}
    except (ValueError, TypeError, KeyError):
        pass
    kept: list[int] = []
    parts: list[Any] = []
    failed: dict[int, str] = {}
    for at, position in enumerate(good):
        try:
            parts.append(
                batch_scores(production.pipeline, inputs.iloc[at : at + 1], production.task)
            )
            kept.append(int(position))
        except (ValueError, TypeError, KeyError) as error:
            text = str(error).strip()
            failed[int(position)] = text.splitlines()[0] if text else type(error).__name__
    scores = np.concatenate(parts) if parts else empty
    return np.array(kept, dtype=int), scores, failed
