"""Bounded summaries of a stream of scores: exact mean, quantiles from a uniform sample."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SAMPLE_SIZE", "ScoreSample"]

SAMPLE_SIZE = 100_000
"""Scores kept for the quantiles (a uniform sample of the job's scores, seeded)."""


class ScoreSample:
    """A running count and sum, and a uniform sample of at most ``size`` values.

    Every value gets a uniform random key and the ``size`` smallest keys are kept, so the
    sample is uniform over the whole stream whatever the chunk sizes (bottom-k sampling).
    """

    def __init__(self, size: int = SAMPLE_SIZE, seed: int = 0) -> None:
        self.size = size
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._keys = np.empty(0)
        self._values = np.empty(0)
        self.count = 0
        self.total = 0.0

    def add(self, values: Any) -> None:
        """Add a chunk of values (NaN values are left out)."""
        chunk = np.asarray(values, dtype="float64")
        chunk = chunk[~np.isnan(chunk)]
        if not chunk.size:
            return
        self.count += int(chunk.size)
        self.total += float(chunk.sum())
        keys = np.concatenate([self._keys, self._rng.random(chunk.size)])
        values_ = np.concatenate([self._values, chunk])
        if keys.size > self.size:
            keep = np.argpartition(keys, self.size)[: self.size]
            keys, values_ = keys[keep], values_[keep]
        self._keys, self._values = keys, values_

    @property
    def mean(self) -> float | None:
        """The exact mean of every value added; None before the first."""
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile of the sample (exact while fewer than ``size`` values came)."""
        return float(np.quantile(self._values, q)) if self._values.size else None
