"""Stratified bootstrap resamples as row counts, drawn fast enough for a million rows.

A resample of a stratum of ``size`` rows is ``size`` draws with replacement, each row
equally likely: multinomial counts. Small strata draw the rows themselves. Larger ones
take the Poisson route, exact and several times faster: independent Poisson counts of
the rows, given their total ``t``, are multinomial counts of ``t`` draws whatever the
Poisson mean, so counts with a mean a little below one (total ``t <= size``) plus
``size - t`` further uniform draws are exactly multinomial counts of ``size`` draws. The
Poisson counts come two at a time from 16 random bits through an inverse-CDF table.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agileds.evaluation._kernels import Floats, Scratch, row_sums

__all__ = ["draw_counts"]

Counts8 = NDArray[np.uint8]

_POISSON_MIN = 256
"""Strata of at least this many rows take the Poisson route; smaller ones draw rows."""
_SPARE_SDS = 3.0
"""Standard deviations by which the Poisson total is aimed below the stratum size."""
_MAX_COUNT = 24
"""Largest Poisson count tabulated; a larger one has probability below 1e-20."""
_PATTERNS = 1 << 16
_UNSETTLED = np.uint16(0xFFFF)
_PAIR_VALUES = (
    (np.arange(_MAX_COUNT + 1)[:, None] | (np.arange(_MAX_COUNT + 1)[None, :] << 8))
    .ravel()
    .astype(np.uint16)
)
"""Outcome ``i * (_MAX_COUNT + 1) + j`` of a pair of counts, packed as the bytes ``i, j``."""


def draw_counts(
    rng: np.random.Generator,
    strata: Sequence[int],
    n_boot: int,
    scratch: Scratch | None = None,
) -> Counts8:
    """How often each row is drawn in ``n_boot`` resamples, shape (n_boot, rows), uint8.

    Each stratum (a consecutive block of rows) is resampled with replacement to its own
    size, so every resample keeps the class counts of the data.

    Args:
        rng: The source of randomness.
        strata: Sizes of the consecutive strata.
        n_boot: Number of resamples.
        scratch: Lends the memory of the result (valid until its next use); None: new.
    """
    scratch = scratch or Scratch()
    if len(strata) == 1:
        return _stratum_counts(rng, strata[0], n_boot, scratch)
    counts = scratch.get("counts", (n_boot, sum(strata)), np.uint8)
    start = 0
    for size in strata:
        counts[:, start : start + size] = _stratum_counts(rng, size, n_boot, scratch)
        start += size
    return counts


def _stratum_counts(rng: np.random.Generator, size: int, n_boot: int, scratch: Scratch) -> Counts8:
    """Multinomial counts of ``size`` draws over ``size`` rows, shape (n_boot, size)."""
    if size >= _POISSON_MIN:
        return _poisson_counts(rng, size, n_boot, scratch)
    draws = rng.integers(0, size, (n_boot, size))
    if n_boot > 1:
        draws += np.arange(0, n_boot * size, size)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_boot * size).reshape(n_boot, size)
    return counts.astype(np.uint8)  # a count is at most size < 256


def _poisson_counts(rng: np.random.Generator, size: int, n_boot: int, scratch: Scratch) -> Counts8:
    """Multinomial counts by the Poisson route (see the module's docstring).

    The Poisson mean is ``_SPARE_SDS`` standard deviations below one, so a resample whose
    total exceeds ``size`` (about one in 700) is rare; it is drawn again.
    """
    table, cdf = _pair_table(size)
    counts = _poisson_rows(rng, table, cdf, n_boot, size, scratch)
    totals = row_sums(counts[:, :size])
    over = np.flatnonzero(totals > size)
    while over.size:
        counts[over] = _poisson_rows(rng, table, cdf, over.size, size, Scratch())
        totals[over] = row_sums(counts[over, :size])
        over = over[totals[over] > size]
    width = counts.shape[1]
    rows = np.repeat(np.arange(0, n_boot * width, width), size - totals)
    # Poisson counts are at most _MAX_COUNT; the ~3 sqrt(size) extra draws would have to
    # put over 200 draws on one row to overflow uint8 (probability far below 1e-300).
    cells, times = np.unique(rows + rng.integers(0, size, rows.size), return_counts=True)
    counts.reshape(-1)[cells] += times.astype(np.uint8)  # faster than np.add.at
    return counts[:, :size]


def _poisson_rows(
    rng: np.random.Generator,
    table: NDArray[np.uint16],
    cdf: Floats,
    n_boot: int,
    size: int,
    scratch: Scratch,
) -> Counts8:
    """Independent Poisson counts, shape (n_boot, size rounded up to even), two per 16 bits.

    The bits index ``table``, the inverse CDF of a pair of counts; the few bit patterns
    whose interval holds a step of the CDF are settled with a further uniform draw.
    """
    half = -(-size // 2)
    n_pairs = n_boot * half
    bits = rng.bit_generator.random_raw(-(-n_pairs // 4)).view(np.uint16)[:n_pairs]
    pairs = table.take(bits, out=scratch.get("pairs", (n_pairs,), np.uint16))
    unsettled = np.flatnonzero(pairs == _UNSETTLED)
    if unsettled.size:
        uniform = (bits[unsettled] + rng.random(unsettled.size)) / _PATTERNS
        pairs[unsettled] = _PAIR_VALUES[np.searchsorted(cdf, uniform, side="right")]
    return pairs.view(np.uint8).reshape(n_boot, 2 * half)


@functools.lru_cache(maxsize=32)
def _pair_table(size: int) -> tuple[NDArray[np.uint16], Floats]:
    """The inverse-CDF table of a pair of Poisson counts for a stratum of ``size``, and the CDF.

    Entry ``b`` holds the pair that every uniform in ``[b, b + 1) / 2**16`` maps to, or
    ``_UNSETTLED`` when that interval holds a step of the CDF.
    """
    mean = 1.0 - _SPARE_SDS / math.sqrt(size)
    pmf = np.array([math.exp(-mean) * mean**k / math.factorial(k) for k in range(_MAX_COUNT + 1)])
    cdf = np.cumsum(np.outer(pmf, pmf).ravel())
    cdf[-1] = 1.0  # the tail beyond _MAX_COUNT is below 1e-20
    starts = np.arange(_PATTERNS) / _PATTERNS
    first = np.searchsorted(cdf, starts, side="right")
    last = np.searchsorted(cdf, starts + 1 / _PATTERNS, side="left")
    table = np.where(first == last, _PAIR_VALUES[first], _UNSETTLED).astype(np.uint16)
    return table, cdf
