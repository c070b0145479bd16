"""Metric kernels scored from row counts, so one pass serves an estimate or many resamples.

Each dataset is held once in an internal row order; ``evaluate`` takes a (B, n) matrix of
row counts (ones for the plain estimate, multinomial draws for bootstrap resamples) and
returns B values per metric without sorting again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["Prepared", "binary_data", "multiclass_data", "regression_data"]

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]
Counts = NDArray[np.int64]

_EPS = float(np.finfo(np.float64).eps)
_BIN_EDGES = np.arange(1, 10) / 10


class Prepared(Protocol):
    """One dataset ready to be scored under many row weightings.

    Rows are held in an internal ``order`` (indices into the caller's rows), grouped in
    consecutive ``strata`` that a stratified bootstrap resamples independently.
    """

    @property
    def order(self) -> Ints: ...

    @property
    def strata(self) -> tuple[int, ...]: ...

    def evaluate(self, counts: Counts, metrics: Sequence[str]) -> dict[str, Floats]:
        """Score with each row of ``counts`` (shape (B, n), internal order) as row weights.

        Returns one array of shape (B,) per metric name.
        """
        ...


def _prefix(weights: Counts) -> Counts:
    out = np.zeros((weights.shape[0], weights.shape[1] + 1), dtype=np.int64)
    np.cumsum(weights, axis=1, out=out[:, 1:])
    return out


def _rowdot(a: NDArray[np.number], b: NDArray[np.number]) -> NDArray[Any]:
    """Row-wise dot products of two (B, n) arrays, in their common dtype."""
    return np.einsum("ij,ij->i", a, b)


def _ratio(num: NDArray[np.number], den: NDArray[np.number]) -> Floats:
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


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
    def bins(self) -> tuple[tuple[Ints, Ints], tuple[Ints, Ints]]:
        return _bin_runs(self.neg), _bin_runs(self.pos)

    def evaluate(self, counts: Counts, metrics: Sequence[str]) -> dict[str, Floats]:
        split = _BinaryCounts(self, counts)
        return {name: _BINARY_KERNELS[name](split) for name in metrics}


def _bin_runs(sorted_scores: Floats) -> tuple[Ints, Ints]:
    """Start index and bin number of each non-empty calibration bin of sorted scores."""
    bounds = np.concatenate([[0], np.searchsorted(sorted_scores, _BIN_EDGES), [len(sorted_scores)]])
    nonempty = np.flatnonzero(bounds[:-1] < bounds[1:])
    return bounds[nonempty], nonempty


class _BinaryCounts:
    """Row weights of a :class:`_Binary` split by class, with partial sums shared by kernels."""

    def __init__(self, data: _Binary, weights: Counts) -> None:
        self.data = data
        self.neg = weights[:, : data.strata[0]]
        self.pos = weights[:, data.strata[0] :]

    @cached_property
    def neg_prefix(self) -> Counts:
        return _prefix(self.neg)

    @cached_property
    def pos_prefix(self) -> Counts:
        return _prefix(self.pos)

    @cached_property
    def n_neg(self) -> Counts:
        return self.neg.sum(axis=1)

    @cached_property
    def n_pos(self) -> Counts:
        return self.pos.sum(axis=1)

    @cached_property
    def confusion(self) -> tuple[Counts, Counts]:
        """Weighted true and false positives of ``score >= threshold``."""
        t = self.data.threshold
        tp = self.pos[:, np.searchsorted(self.data.pos, t) :].sum(axis=1)
        return tp, self.neg[:, np.searchsorted(self.data.neg, t) :].sum(axis=1)


def _auroc(c: _BinaryCounts) -> Floats:
    # Twice the weighted Mann-Whitney count, in exact integers: a pair of tied scores adds 1.
    below = c.neg_prefix[:, c.data.lt]
    if c.data.le is None:
        below *= 2
    else:
        below += c.neg_prefix[:, c.data.le]
    return _rowdot(c.pos, below) / (2 * c.n_pos * c.n_neg)


def _aupr(c: _BinaryCounts) -> Floats:
    tp = c.n_pos[:, None] - c.pos_prefix[:, c.data.first]
    fp = c.n_neg[:, None] - c.neg_prefix[:, c.data.lt]
    return _rowdot(c.pos, _ratio(tp, tp + fp)) / c.n_pos


def _log_loss(c: _BinaryCounts) -> Floats:
    neg, pos = c.data.log_losses
    return (c.neg @ neg + c.pos @ pos) / (c.n_neg + c.n_pos)


def _brier(c: _BinaryCounts) -> Floats:
    return (c.neg @ c.data.neg**2 + c.pos @ (1 - c.data.pos) ** 2) / (c.n_neg + c.n_pos)


def _bin_sums(weights: Counts, residuals: Floats, runs: tuple[Ints, Ints]) -> Floats:
    starts, bins = runs
    out = np.zeros((weights.shape[0], len(_BIN_EDGES) + 1))
    out[:, bins] = np.add.reduceat(weights * residuals, starts, axis=1)
    return out


def _ece(c: _BinaryCounts) -> Floats:
    neg_runs, pos_runs = c.data.bins
    gap = _bin_sums(c.neg, c.data.neg, neg_runs) + _bin_sums(c.pos, c.data.pos - 1, pos_runs)
    return np.abs(gap).sum(axis=1) / (c.n_neg + c.n_pos)


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

    def evaluate(self, counts: Counts, metrics: Sequence[str]) -> dict[str, Floats]:
        weights = counts.astype(np.float64)
        total = weights.sum(axis=1)
        out = {"accuracy": weights @ self.hit / total, "log_loss": weights @ self.loss / total}
        if "macro_f1" in metrics:
            tp = weights @ (self.true_onehot * self.hit[:, None])
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

    def evaluate(self, counts: Counts, metrics: Sequence[str]) -> dict[str, Floats]:
        weights = counts.astype(np.float64)
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
