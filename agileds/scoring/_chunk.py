"""One chunk: find the rows that cannot be scored (with the reason), score the others.

Column-level faults (a missing input column, a column of text where the model expects
numbers) stop the job with the model-version contract's one-line errors
(:meth:`agileds.tracking.ModelVersion.validate_batch`, the monitor's too); a few bad values
in a column only reject their rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agileds.monitor import batch_scores

if TYPE_CHECKING:
    import pandas as pd

    from agileds.tracking import ModelVersion

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


def score_chunk(chunk: pd.DataFrame, production: ModelVersion, shown: str) -> ChunkScores:
    """Validate and score one chunk with ``production``.

    Raises:
        DataError: An input column is missing, or mistyped as a whole.
    """
    reasons = _bad_values(chunk, production, shown)
    good = np.setdiff1d(np.arange(len(chunk)), np.fromiter(reasons, dtype=int, count=len(reasons)))
    inputs = None
    if len(good):
        inputs = production.inputs_of(production.validate_batch(chunk.iloc[good], shown))
    kept, scores, failed = _predict(production, inputs, good)
    reasons.update(failed)
    rejected = np.array(sorted(reasons), dtype=int)
    return ChunkScores(kept, scores, rejected, [reasons[i] for i in rejected])


def _bad_values(chunk: pd.DataFrame, production: ModelVersion, shown: str) -> dict[int, str]:
    """Row position -> reason, for values that are not numbers where numbers are expected."""
    production.validate_batch(chunk.head(0), shown)  # missing columns: the contract's error
    reasons: dict[int, str] = {}
    for name, bad in production.number_faults(chunk).items():
        if not bad.any():
            continue
        column = chunk[name]
        if bad.sum() > MISTYPED_SHARE * column.notna().sum():
            production.validate_batch(chunk, shown)  # raises the contract's one-line error
        for position in np.flatnonzero(bad.to_numpy()):
            reasons.setdefault(
                int(position), f"column {name}: {column.iloc[position]!r} is not a number"
            )
    return reasons


def _predict(
    production: ModelVersion, inputs: pd.DataFrame | None, good: np.ndarray
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
