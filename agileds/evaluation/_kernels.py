"""Metric kernels scored from row counts, so one pass serves an estimate or many resamples.

Each dataset is held once in an internal row order; ``evaluate`` takes a (B, n) matrix of
row counts (ones for the plain estimate, multinomial draws for bootstrap resamples) and
returns B values per metric without sorting again. Counts are summed as integers, or as
float64, which is exact for integers below 2**53.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Prepared",
    "Scratch",
    "binary_data",
    "multiclass_data",
    "regression_data",
    "row_sums",
]

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]
Counts = NDArray[np.integer[Any]]
"""Row counts: uint8 from the bootstrap, int64 ones for the plain estimate."""

_EPS = float(np.finfo(np.float64).eps)
_INT32_ROWS = 1 << 23
"""Below this many rows, every partial sum of uint8 counts fits int32."""
_UINT32_ROWS = 1 << 24
"""Below this many rows, the sum of a row of uint8 counts fits uint32."""
_INT32_PRODUCT = (1 << 31) // (2 * 255)
"""Below this total, twice a partial sum times a uint8 count fits int32."""
_BIN_EDGES = np.arange(1, 10) / 10


class Scratch:
    """Scratch arrays reused from one chunk of resamples to the next, by name.

    Memory fresh from the system costs a page fault per 4 KiB page when first written
    (about 0.5 ms per MB on a virtual machine), and the allocator hands large freed arrays
    back to the system, so a bootstrap on a million rows that allocated new arrays for
    each resample would spend most of its time faulting pages in. An array returned by
    :meth:`get` is valid until the next request under the same name.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, NDArray[Any]] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: Any) -> NDArray[Any]:
        """Return an uninitialised array of ``shape`` and ``dtype``, reusing ``name``'s memory."""
        size = math.prod(shape)
        array = self._arrays.get(name)
        if array is None or array.dtype != dtype or array.size < size:
            array = self._arrays[name] = np.empty(size, dtype)
        return array[:size].reshape(shape)


class Prepared(Protocol):
    """One dataset ready to be scored under many row weightings.

    Rows are held in an internal ``order`` (indices into the caller's rows), grouped in
    consecutive ``strata`` that a stratified bootstrap resamples independently.
    """

    @property
    def order(self) -> Ints: ...

    @property
    def strata(self) -> tuple[int, ...]: ...

    def evaluate(
        self, counts: Counts, metrics: Sequence[str], scratch: Scratch | None = None
    ) -> dict[str, Floats]:
        """Score with each row of ``counts`` (shape (B, n), internal order) as row weights.

        Returns one array of shape (B,) per metric name. ``scratch`` lends the large
        temporary arrays (a new one is used when None).
        """
        ...


def _floats(counts: Counts, scratch: Scratch, name: str) -> Floats:
    """``counts`` as float64 (exact: counts are integers below 2**53), in scratch memory."""
    out = scratch.get(name, counts.shape, np.float64)
    np.copyto(out, counts)
    return out


def _prefix(counts: Counts, scratch: Scratch, name: str) -> NDArray[np.signedinteger[Any]]:
    """Cumulative sums along each row, after a column of zeros, as integers (faster than
    floats); int32 when no partial sum of a uint8 row can reach 2**31."""
    small = counts.dtype == np.uint8 and counts.shape[1] < _INT32_ROWS
    out = scratch.get(name, (counts.shape[0], counts.shape[1] + 1), np.int32 if small else np.int64)
    out[:, 0] = 0
    np.cumsum(counts, axis=1, out=out[:, 1:])
    return out


def row_sums(counts: Counts) -> NDArray[np.int64]:
    """Sum of each row of ``counts`` (uint8 rows are summed in uint32: twice as fast)."""
    small = counts.dtype == np.uint8 and counts.shape[1] < _UINT32_ROWS
    out: NDArray[np.int64] = counts.sum(axis=1, dtype=np.uint32 if small else np.int64).astype(
        np.int64
    )
    return out


def _rowdot(a: Floats, b: Floats) -> Floats:
    """Row-wise dot products of two (B, n) arrays (einsum: no BLAS threads for a vector)."""
    out: Floats = np.einsum("ij,ij->i", a, b)
    return out


def _ratio(num: NDArray[np.number], den: NDArray[np.number]) -> Floats:
    value: Floats = np.divide(num, den, out=np.zeros(num.shape), where=den > 0)
    return value


@dataclass(frozen=True)
class _Binary:
    """Binary data: negatives then positives, each sorted by score, with search indices."""

    order: Ints
    strata: tuple[int, ...]
    neg: Floats
    pos: Floats
    threshold: float
    lt: Ints  # per positive: negatives scored strictly lower
    le: Ints | None  # per positive: negatives scored lower or equal; None when no ties
    first: Ints  # per positive: index of the first positive with the same score

    @cached_property
    def log_losses(self) -> tuple[Floats, Floats]:
        neg = -np.log1p(-np.clip(self.neg, _EPS, 1 - _EPS))
        return neg, -np.log(np.clip(self.pos, _EPS, 1 - _EPS))

    @cached_property
    def squared_errors(self) -> tuple[Floats, Floats]:
        return self.neg**2, (1 - self.pos) ** 2

    @cached_property
    def bins(self) -> tuple[tuple[Ints, Ints], tuple[Ints, Ints]]:
        return _bin_runs(self.neg), _bin_runs(self.pos)

    def evaluate(
        self, counts: Counts, metrics: Sequence[str], scratch: Scratch | None = None
    ) -> dict[str, Floats]:
        split = _BinaryCounts(self, counts, scratch or Scratch())
        return {name: _BINARY_KERNELS[name](split) for name in metrics}


def _bin_runs(sorted_scores: Floats) -> tuple[Ints, Ints]:
    """Start index and bin number of each non-empty calibration bin of sorted scores."""
    bounds = np.concatenate([[0], np.searchsorted(sorted_scores, _BIN_EDGES), [len(sorted_scores)]])
    nonempty = np.flatnonzero(bounds[:-1] < bounds[1:])
    return bounds[nonempty], nonempty


class _BinaryCounts:
    """Row counts of a :class:`_Binary` split by class, with partial sums shared by kernels."""

    def __init__(self, data: _Binary, counts: Counts, scratch: Scratch) -> None:
        self.data = data
        self.scratch = scratch
        self.neg_counts = counts[:, : data.strata[0]]
        self.pos_counts = counts[:, data.strata[0] :]

    @cached_property
    def neg(self) -> Floats:
        return _floats(self.neg_counts, self.scratch, "neg")

    @cached_property
    def pos(self) -> Floats:
        return _floats(self.pos_counts, self.scratch, "pos")

    @cached_property
    def neg_prefix(self) -> NDArray[np.signedinteger[Any]]:
        return _prefix(self.neg_counts, self.scratch, "neg_prefix")

    @cached_property
    def pos_prefix(self) -> NDArray[np.signedinteger[Any]]:
        return _prefix(self.pos_counts, self.scratch, "pos_prefix")

    @cached_property
    def n_neg(self) -> Floats:
        return self.neg_prefix[:, -1].astype(np.float64)

    @cached_property
    def n_pos(self) -> Floats:
        return row_sums(self.pos_counts).astype(np.float64)

    @cached_property
    def confusion(self) -> tuple[Floats, Floats]:
        """Weighted true and false positives of ``score >= threshold``."""
        t = self.data.threshold
        tp = row_sums(self.pos_counts[:, np.searchsorted(self.data.pos, t) :])
        fp = row_sums(self.neg_counts[:, np.searchsorted(self.data.neg, t) :])
        return tp.astype(np.float64), fp.astype(np.float64)


def _gather(c: _BinaryCounts, prefix: NDArray[np.signedinteger[Any]], at: Ints) -> NDArray[Any]:
    """``prefix[:, at]`` for one value per positive row, in scratch memory."""
    out = c.scratch.get("gather", c.pos_counts.shape, prefix.dtype)
    return prefix.take(at, axis=1, out=out)


def _auroc(c: _BinaryCounts) -> Floats:
    # Twice the weighted Mann-Whitney count, in exact integers: a pair of tied scores adds 1.
    prefix = c.neg_prefix
    if prefix.dtype == np.int32 and prefix[:, -1].max() >= _INT32_PRODUCT:
        prefix = prefix.astype(np.int64)  # counts far beyond a resample's: stay exact
    below = _gather(c, prefix, c.data.lt)
    if c.data.le is not None:
        below += prefix.take(c.data.le, axis=1)
    if below.dtype == np.int32:
        below *= c.pos_counts  # below 2**31: see _INT32_PRODUCT
        twice = below.sum(axis=1, dtype=np.int64)
    else:
        twice = np.einsum("ij,ij->i", below, c.pos_counts, dtype=np.int64)
    out: Floats = twice * (1 if c.data.le is not None else 2) / (2 * c.n_pos * c.n_neg)
    return out


def _aupr(c: _BinaryCounts) -> Floats:
    # Precision at each positive row: weighted positives, then all rows, scored at or above it.
    precision = c.scratch.get("precision", c.pos_counts.shape, np.float64)
    np.subtract(c.n_pos[:, None], _gather(c, c.pos_prefix, c.data.first), out=precision)
    above = c.scratch.get("above", c.pos_counts.shape, np.float64)
    np.subtract(c.n_neg[:, None], _gather(c, c.neg_prefix, c.data.lt), out=above)
    above += precision
    np.divide(precision, above, out=precision, where=above > 0)  # else 0 / 0: stays 0
    return _rowdot(c.pos, precision) / c.n_pos


def _log_loss(c: _BinaryCounts) -> Floats:
    neg, pos = c.data.log_losses
    return (c.neg @ neg + c.pos @ pos) / (c.n_neg + c.n_pos)


def _brier(c: _BinaryCounts) -> Floats:
    neg, pos = c.data.squared_errors
    return (c.neg @ neg + c.pos @ pos) / (c.n_neg + c.n_pos)


def _bin_sums(weights: Floats, residuals: Floats, runs: tuple[Ints, Ints], work: Floats) -> Floats:
    starts, bins = runs
    out = np.zeros((weights.shape[0], len(_BIN_EDGES) + 1))
    out[:, bins] = np.add.reduceat(np.multiply(weights, residuals, out=work), starts, axis=1)
    return out


def _ece(c: _BinaryCounts) -> Floats:
    neg_runs, pos_runs = c.data.bins
    neg_work = c.scratch.get("ece", c.neg.shape, np.float64)
    gap = _bin_sums(c.neg, c.data.neg, neg_runs, neg_work)
    pos_work = c.scratch.get("ece", c.pos.shape, np.float64)
    gap += _bin_sums(c.pos, c.data.pos - 1, pos_runs, pos_work)
    out: Floats = np.abs(gap).sum(axis=1) / (c.n_neg + c.n_pos)
    return out


def _precision(c: _BinaryCounts) -> Floats:
    tp, fp = c.confusion
    return _ratio(tp, tp + fp)


def _recall(c: _BinaryCounts) -> Floats:
    return c.confusion[0] / c.n_pos


def _f1(c: _BinaryCounts) -> Floats:
    tp, fp = c.confusion
    return _ratio(2 * tp, tp + fp + c.n_pos)


def _accuracy(c: _BinaryCounts) -> Floats:
    tp, fp = c.confusion
    return (tp + c.n_neg - fp) / (c.n_pos + c.n_neg)


_BINARY_KERNELS: Mapping[str, Callable[[_BinaryCounts], Floats]] = {
    "auroc": _auroc,
    "aupr": _aupr,
    "log_loss": _log_loss,
    "brier": _brier,
    "ece": _ece,
    "f1": _f1,
    "precision": _precision,
    "recall": _recall,
    "accuracy": _accuracy,
}


def binary_data(positive: NDArray[np.bool_], scores: Floats, threshold: float) -> Prepared:
    """Hold binary data with both classes: boolean labels and probabilities in [0, 1]."""
    rows = [np.flatnonzero(~positive), np.flatnonzero(positive)]
    rows = [r[np.argsort(scores[r], kind="stable")] for r in rows]
    neg, pos = scores[rows[0]], scores[rows[1]]
    lt, le = np.searchsorted(neg, pos, "left"), np.searchsorted(neg, pos, "right")
    return _Binary(
        order=np.concatenate(rows),
        strata=(len(neg), len(pos)),
        neg=neg,
        pos=pos,
        threshold=threshold,
        lt=lt,
        le=None if np.array_equal(lt, le) else le,
        first=np.searchsorted(pos, pos, "left"),
    )


@dataclass(frozen=True)
class _Multiclass:
    """Multiclass data grouped by true class: per-row loss, hit, and one-hot classes."""

    order: Ints
    strata: tuple[int, ...]
    loss: Floats
    hit: Floats
    true_onehot: Floats
    pred_onehot: Floats

    @cached_property
    def hit_onehot(self) -> Floats:
        return self.true_onehot * self.hit[:, None]

    def evaluate(
        self, counts: Counts, metrics: Sequence[str], scratch: Scratch | None = None
    ) -> dict[str, Floats]:
        weights = _floats(counts, scratch or Scratch(), "weights")
        total = weights.sum(axis=1)
        out = {"accuracy": weights @ self.hit / total, "log_loss": weights @ self.loss / total}
        if "macro_f1" in metrics:
            tp = weights @ self.hit_onehot
            support = weights @ self.true_onehot + weights @ self.pred_onehot
            f1 = _ratio(2 * tp, support)
            out["macro_f1"] = f1.sum(axis=1) / (support > 0).sum(axis=1)
        return {name: out[name] for name in metrics}


def multiclass_data(codes: Ints, proba: Floats) -> Prepared:
    """Hold multiclass data: class codes (columns of ``proba``) and class probabilities."""
    n, k = proba.shape
    order = np.argsort(codes, kind="stable")
    codes, proba = codes[order], proba[order]
    pred = proba.argmax(axis=1)
    eye = np.eye(k)
    return _Multiclass(
        order=order,
        strata=tuple(int(c) for c in np.bincount(codes, minlength=k) if c),
        loss=-np.log(np.clip(proba[np.arange(n), codes], _EPS, 1 - _EPS)),
        hit=(pred == codes).astype(np.float64),
        true_onehot=eye[codes],
        pred_onehot=eye[pred],
    )


@dataclass(frozen=True)
class _Regression:
    """Regression data: squared and absolute errors, and the centred target."""

    order: Ints
    strata: tuple[int, ...]
    squared: Floats
    absolute: Floats
    centred: Floats

    def evaluate(
        self, counts: Counts, metrics: Sequence[str], scratch: Scratch | None = None
    ) -> dict[str, Floats]:
        weights = _floats(counts, scratch or Scratch(), "weights")
        total = weights.sum(axis=1)
        sse = weights @ self.squared
        out = {"rmse": np.sqrt(sse / total), "mae": weights @ self.absolute / total}
        if "r2" in metrics:
            s2 = weights @ self.centred**2
            sst = s2 - (weights @ self.centred) ** 2 / total
            varies = sst > 1e-10 * s2
            r2 = 1 - _ratio(sse, np.where(varies, sst, 0))
            out["r2"] = np.where(varies, r2, np.where(sse == 0, 1.0, 0.0))
        return {name: out[name] for name in metrics}


def regression_data(y: Floats, predictions: Floats) -> Prepared:
    """Hold regression data: targets and predictions of the same length."""
    error = y - predictions
    return _Regression(
        order=np.arange(len(y)),
        strata=(len(y),),
        squared=error**2,
        absolute=np.abs(error),
        centred=y - y.mean(),
    )
