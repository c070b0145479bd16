"""A fast path for small inputs: a fitted agileds model compiled into a "row plan".

A one-row ``predict_proba`` through the scikit-learn pipeline spends most of its time in
fixed costs, not arithmetic: the ColumnTransformer slices a DataFrame per branch, every
agileds transformer rebuilds a frame, every scikit-learn step validates its input, and a
random forest dispatches each tree through joblib. The plan is built once from the fitted
model: per column branch the fitted parameters (imputation statistics, scaler moments, the
one-hot block of every known category, the tf-idf weights, the reference date) and the
same helper functions the transformers use; at prediction time it reads the input's
values once and applies them with numpy on small arrays, then calls the final estimator's
own ``predict_proba``/``predict`` on the resulting matrix (a random forest's trees are
walked in the same order and summed the same way, without joblib).

It gives the pipeline's numbers (to floating-point rounding: a different summation order
at most) and never a different answer: :func:`compile_plan` returns None for a model with
a step it does not know, and :meth:`RowPlan.predict_proba` raises :class:`Unsupported` for
an input it does not handle exactly as the pipeline does (a string in a numeric column, a
date column of datetime dtype, a missing column ...); :func:`fast_call` then calls the
pipeline itself.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FAST_ROWS", "RowPlan", "Unsupported", "compile_plan", "fast_call"]

FAST_ROWS = 64
"""Inputs of at most this many rows take the fast path; larger ones the pipeline."""

#: Dates the plan parses itself (np.datetime64 reads them as pandas' ISO8601 parser does);
#: any other text goes through the transformer's own pandas parsing.
_PLAIN_DATE = re.compile(
    r"(19|20|21)\d\d-(0[1-9]|1[0-2])-\d\d([T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d)?"
)
_UNSEEN = "\x00agileds-unseen-category\x00"
_TOKEN_CACHE = 200_000

Columns = dict[str, np.ndarray]
Kernel = Callable[[np.ndarray], np.ndarray]


class Unsupported(Exception):
    """The plan cannot compute this input exactly as the pipeline does: use the pipeline."""


def fast_call(model: Any, plan: RowPlan | None, method: str, frame: Any) -> Any:
    """``getattr(model, method)(frame)``, through ``plan`` when it applies to ``frame``
    (a DataFrame of 1 to :data:`FAST_ROWS` rows) and handles every value in it."""
    import pandas as pd

    if plan is not None and isinstance(frame, pd.DataFrame) and 0 < len(frame) <= FAST_ROWS:
        try:
            return plan.call(method, frame)
        except Unsupported:
            pass
    return getattr(model, method)(frame)


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Branch:
    """One ColumnTransformer branch: its input columns and its kernels, in order."""

    columns: tuple[str, ...]
    steps: tuple[Kernel, ...]

    def run(self, values: Columns) -> np.ndarray:
        out = np.empty((len(next(iter(values.values()))), len(self.columns)), dtype=object)
        for j, name in enumerate(self.columns):
            out[:, j] = values[name]
        result = out
        for step in self.steps:
            result = step(result)
        return result


@dataclass(frozen=True)
class _PipelinePlan:
    """A ``Pipeline([ColumnTransformer, estimator])``: branches, then the estimator."""

    branches: tuple[_Branch, ...]
    sparse: bool
    estimator: Any
    forest: bool

    def features(self, values: Columns) -> Any:
        blocks = [branch.run(values) for branch in self.branches]
        matrix = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
        if self.sparse:
            from scipy import sparse

            return sparse.csr_matrix(matrix)
        return matrix

    def call(self, method: str, values: Columns) -> Any:
        x = self.features(values)
        if self.forest and not self.sparse and np.isfinite(x).all():
            return _forest(self.estimator, method, x)
        return getattr(self.estimator, method)(x)


@dataclass(frozen=True)
class _VotingPlan:
    """A soft-voting classifier or a voting regressor over pipelines."""

    members: tuple[_PipelinePlan, ...]
    weights: Sequence[float] | None
    regressor: bool

    def call(self, method: str, values: Columns) -> Any:
        if self.regressor:
            if method != "predict":
                raise Unsupported(method)
            predictions = np.asarray([m.call("predict", values) for m in self.members]).T
            return np.average(predictions, axis=1, weights=self.weights)
        if method != "predict_proba":
            raise Unsupported(method)
        probas = np.asarray([m.call("predict_proba", values) for m in self.members])
        return np.average(probas, axis=0, weights=self.weights)


@dataclass(frozen=True)
class RowPlan:
    """A compiled model: the columns it reads and how it computes from their values."""

    columns: tuple[str, ...]
    root: _PipelinePlan | _VotingPlan

    def call(self, method: str, frame: pd.DataFrame) -> Any:
        """``method`` (``predict_proba`` or ``predict``) of the model on ``frame``.

        Raises:
            Unsupported: The frame lacks a column, or holds a value the plan does not
                handle exactly as the pipeline; call the pipeline instead.
        """
        if method not in ("predict_proba", "predict"):
            raise Unsupported(method)
        try:
            values = {name: frame[name].to_numpy(dtype=object) for name in self.columns}
        except KeyError as exc:
            raise Unsupported(f"missing column {exc}") from None
        return self.root.call(method, values)

    def predict_proba(self, frame: pd.DataFrame) -> Any:
        """The model's ``predict_proba`` on ``frame`` (see :meth:`call`)."""
        return self.call("predict_proba", frame)

    def predict(self, frame: pd.DataFrame) -> Any:
        """The model's ``predict`` on ``frame`` (see :meth:`call`)."""
        return self.call("predict", frame)


def compile_plan(model: Any) -> RowPlan | None:
    """The row plan of a fitted agileds model (a ``Pipeline`` of a ``ColumnTransformer``
    and an estimator, or a voting ensemble of such pipelines); None when the model has a
    part the plan does not know."""
    try:
        root = _compile(model)
    except Unsupported:
        return None
    members = root.members if isinstance(root, _VotingPlan) else (root,)
    columns = dict.fromkeys(c for m in members for b in m.branches for c in b.columns)
    return RowPlan(tuple(columns), root)


def _compile(model: Any) -> _PipelinePlan | _VotingPlan:
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    if isinstance(model, VotingClassifier | VotingRegressor):
        return _compile_voting(model)
    return _compile_pipeline(model)


def _compile_voting(model: Any) -> _VotingPlan:
    from sklearn.ensemble import VotingRegressor

    regressor = isinstance(model, VotingRegressor)
    if not regressor and model.voting != "soft":
        raise Unsupported("hard voting")
    if any(isinstance(e, str) for _, e in model.estimators):  # a "drop" member
        raise Unsupported("dropped member")
    members = tuple(_compile_pipeline(member) for member in model.estimators_)
    weights = None if model.weights is None else [float(w) for w in model.weights]
    return _VotingPlan(members, weights, regressor)


def _compile_pipeline(model: Any) -> _PipelinePlan:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.pipeline import Pipeline

    if type(model) is not Pipeline or len(model.steps) != 2:
        raise Unsupported("not a two-step pipeline")
    features, estimator = model.steps[0][1], model.steps[1][1]
    if type(features) is not ColumnTransformer or not hasattr(features, "transformers_"):
        raise Unsupported("no fitted column transformer")
    _check_output(features)
    branches = []
    for _, transformer, columns in features.transformers_:
        if isinstance(transformer, str):
            if transformer == "drop":
                continue
            raise Unsupported(f"branch {transformer!r}")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise Unsupported("columns not given by name")
        if columns:
            branches.append(_Branch(tuple(columns), _compile_branch(transformer, len(columns))))
    if not branches:
        raise Unsupported("no branch")
    forest = type(estimator) in (RandomForestClassifier, RandomForestRegressor)
    if forest and getattr(estimator, "n_outputs_", 1) != 1:
        raise Unsupported("multi-output forest")
    return _PipelinePlan(tuple(branches), bool(features.sparse_output_), estimator, forest)


def _check_output(step: Any) -> None:
    config = getattr(step, "_sklearn_output_config", {}) or {}
    if config.get("transform", "default") != "default":
        raise Unsupported("set_output")


def _compile_branch(transformer: Any, width: int) -> tuple[Kernel, ...]:
    from sklearn.pipeline import Pipeline

    if type(transformer) is not Pipeline:
        raise Unsupported(type(transformer).__name__)
    steps = [step for _, step in transformer.steps]
    kernels: list[Kernel] = []
    i = 0
    while i < len(steps):
        step = steps[i]
        _check_output(step)
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        kernel, used = _kernel(step, nxt, width)
        kernels.append(kernel)
        i += used
    return tuple(kernels)


def _kernel(step: Any, nxt: Any, width: int) -> tuple[Kernel, int]:
    """The kernel of ``step`` (with ``nxt`` when the two compile together) and how many
    steps it takes."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, StandardScaler

    from agileds.automl import _transformers as t

    kind = type(step)
    if kind is t.BlankToNaN:
        return _blank_to_nan, 1
    if kind is t.ToFloat:
        return _to_float, 1
    if kind is t.CategoryStrings and type(nxt) is OneHotEncoder:
        return _OneHot(step, nxt, width), 2
    if kind is t.TextHasher:
        return _Hasher(step), 1
    if kind is t.TextDerivedFeatures:
        return _derived(step.indicator), 1
    if kind is t.DateFeatures:
        return _Dates(step), 1
    if kind is SimpleImputer:
        return _imputer(step), 1
    if kind is StandardScaler:
        return _scaler(step), 1
    if kind in (KBinsDiscretizer, t.QuietKBinsDiscretizer):
        return _dense(step.transform), 1
    raise Unsupported(kind.__name__)


# --- kernels -------------------------------------------------------------------------------


def _blank_to_nan(values: np.ndarray) -> np.ndarray:
    from agileds.automl._transformers import _missing_or_blank

    out = values.copy()
    out[_missing_or_blank(out)] = np.nan
    return out


_NUMBER = (bool, int, float, np.bool_, np.integer, np.floating)


def _to_float(values: np.ndarray) -> np.ndarray:
    """``ToFloat``: numbers as floats, missing values and infinities as NaN."""
    import pandas as pd

    out = np.empty(values.shape, dtype=float)
    flat = out.reshape(-1)
    for i, value in enumerate(values.flat):
        if isinstance(value, _NUMBER):
            flat[i] = float(value)
        elif value is None or value is pd.NA:
            flat[i] = np.nan
        else:  # text in a numeric column: pandas' to_numeric decides
            raise Unsupported(f"non-numeric value {value!r}")
    out[np.isinf(out)] = np.nan
    return out


def _dense(transform: Callable[[np.ndarray], Any]) -> Kernel:
    def run(values: np.ndarray) -> np.ndarray:
        out = transform(values)
        return out.toarray() if hasattr(out, "toarray") else np.asarray(out)

    return run


def _imputer(step: Any) -> Kernel:
    """``SimpleImputer`` of NaN with its fitted statistics (and its missing indicator)."""
    missing = step.missing_values
    if not (isinstance(missing, float) and math.isnan(missing)):
        raise Unsupported("imputer of a value other than NaN")
    statistics = np.asarray(step.statistics_, dtype=float)
    if not step.keep_empty_features and np.isnan(statistics).any():
        raise Unsupported("imputer dropping empty features")
    indicator = getattr(step, "indicator_", None) if step.add_indicator else None
    if indicator is not None and indicator.features != "missing-only":
        raise Unsupported("indicator of all features")
    flagged = None if indicator is None else np.asarray(indicator.features_, dtype=np.intp)

    def run(values: np.ndarray) -> np.ndarray:
        x = np.asarray(values, dtype=float).copy()
        mask = np.isnan(x)
        rows, cols = np.nonzero(mask)
        x[rows, cols] = statistics[cols]
        if flagged is None:
            return x
        return np.hstack((x, mask[:, flagged].astype(float)))

    return run


def _scaler(step: Any) -> Kernel:
    mean = step.mean_ if step.with_mean else None
    scale = step.scale_ if step.with_std else None

    def run(values: np.ndarray) -> np.ndarray:
        x = np.array(values, dtype=float)
        if mean is not None:
            x -= mean
        if scale is not None:
            x /= scale
        return x

    return run


class _OneHot:
    """``CategoryStrings`` then ``OneHotEncoder``: each label's output block, looked up.

    The blocks are computed by the fitted encoder itself, once per known category and
    once for an unseen one (None when the encoder refuses unseen categories).
    """

    def __init__(self, labels: Any, encoder: Any, width: int) -> None:
        categories = encoder.categories_
        if encoder.drop is not None or not all(
            all(isinstance(c, str) for c in cats) for cats in categories
        ):
            raise Unsupported("one-hot encoder with drop or non-string categories")
        sizes = getattr(encoder, "_n_features_outs", None)
        if sizes is None or len(sizes) != width:
            raise Unsupported("one-hot encoder layout")
        self._label = labels._label
        self._width = int(sum(sizes))
        self._blocks: list[dict[str, np.ndarray]] = []
        self._unseen: list[np.ndarray | None] = []
        self._offsets = np.cumsum([0, *sizes])
        base = [cats[0] for cats in categories]
        for j, cats in enumerate(categories):
            rows = np.array([base] * (len(cats) + 1), dtype=object)
            rows[:, j] = [*cats, _UNSEEN]
            start, stop = self._offsets[j], self._offsets[j + 1]
            encoded = self._encode(encoder, rows)
            if encoded is None:
                encoded = self._encode(encoder, rows[:-1])
                if encoded is None:
                    raise Unsupported("one-hot encoder refuses its own categories")
                self._unseen.append(None)
            else:
                self._unseen.append(encoded[-1, start:stop])
            block = encoded[:, start:stop]
            self._blocks.append({str(c): block[k] for k, c in enumerate(cats)})

    @staticmethod
    def _encode(encoder: Any, rows: np.ndarray) -> np.ndarray | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = encoder.transform(rows)
        except ValueError:
            return None
        return np.asarray(out.toarray() if hasattr(out, "toarray") else out, dtype=float)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], self._width))
        for j, blocks in enumerate(self._blocks):
            start, stop = self._offsets[j], self._offsets[j + 1]
            for i in range(values.shape[0]):
                label = self._label(values[i, j])
                block = blocks.get(label)
                if block is None:
                    block = self._unseen[j]
                    if block is None:
                        raise Unsupported(f"unseen category {label!r}")
                out[i, start:stop] = block
        return out


class _Hasher:
    """``TextHasher``: the vectorizer's own analyzer and murmurhash buckets, tf-idf weights
    and the l2 norm computed as scikit-learn computes them (sum of squares in bucket order)."""

    def __init__(self, step: Any) -> None:
        from sklearn.utils import murmurhash3_32

        hasher = step._hasher()
        if hasher.alternate_sign or hasher.binary or hasher.norm is not None:
            raise Unsupported("hashing options")
        self._analyze = hasher.build_analyzer()
        self._hash = murmurhash3_32
        self._n = int(step.n_features)
        self._indicator = bool(step.indicator)
        self._idf = list(step.idf_) if step.weighting == "tfidf" else None
        self._buckets: dict[str, int] = {}

    def _bucket(self, token: str) -> int:
        bucket = self._buckets.get(token)
        if bucket is None:
            h = self._hash(token, seed=0)
            bucket = (
                (2147483647 - (self._n - 1)) % self._n if h == -2147483648 else abs(h) % self._n
            )
            if len(self._buckets) >= _TOKEN_CACHE:
                self._buckets.clear()
            self._buckets[token] = bucket
        return bucket

    def __call__(self, values: np.ndarray) -> np.ndarray:
        from agileds.automl._transformers import _is_missing

        width = self._n + self._indicator
        out = np.zeros((values.shape[0], width * values.shape[1]))
        for j in range(values.shape[1]):
            for i in range(values.shape[0]):
                value = values[i, j]
                missing = _is_missing(value)
                if self._indicator:
                    out[i, j * width + self._n] = float(missing)
                if missing:
                    continue
                counts: dict[int, int] = {}
                for token in self._analyze(str(value)):
                    bucket = self._bucket(token)
                    counts[bucket] = counts.get(bucket, 0) + 1
                if counts:
                    buckets = np.array(sorted(counts), dtype=np.intp)
                    data = np.array([counts[b] for b in buckets], dtype=float)
                    if self._idf is not None:
                        data = _l2((1.0 + np.log(data)) * self._idf[j][buckets])
                    out[i, j * width + buckets] = data
        return out


def _l2(data: np.ndarray) -> np.ndarray:
    """Divide by the l2 norm, summing squares in order (scikit-learn's csr row norm)."""
    total = 0.0
    for value in data.tolist():
        total += value * value
    return data if total == 0.0 else data / math.sqrt(total)


def _derived(indicator: bool) -> Kernel:
    """``TextDerivedFeatures``: the transformer's own per-text features (and null flags)."""

    def run(values: np.ndarray) -> np.ndarray:
        from agileds.automl._transformers import _derived_features, _is_missing

        blocks = []
        for column in values.T:
            blocks.append(_derived_features(column))
            if indicator:
                flags = [_is_missing(value) for value in column]
                blocks.append(np.asarray(flags, dtype=float).reshape(-1, 1))
        return np.hstack(blocks)

    return run


class _Dates:
    """``DateFeatures``: plain ISO dates parsed by numpy in the unit pandas would give,
    other text by the transformer's own pandas parsing; then the transformer's parts."""

    def __init__(self, step: Any) -> None:
        import pandas as pd

        from agileds.automl._transformers import _datetime64

        self._indicator = bool(step.indicator)
        self._reference = None
        if step.reference_date_ is not None:
            self._reference = pd.Timestamp(step.reference_date_).to_datetime64()
        sample = _datetime64(pd.Series(["2024-01-05", "2024-01-05 10:11:12"], dtype=object))
        self._dtype = sample.dtype
        plain = [np.datetime64("2024-01-05", "s"), np.datetime64("2024-01-05T10:11:12", "s")]
        if sample.tolist() != np.array(plain, dtype=self._dtype).tolist():
            raise Unsupported("date parsing")

    def _parse(self, column: np.ndarray) -> np.ndarray:
        import pandas as pd

        from agileds.automl._transformers import _datetime64, _missing_or_blank

        missing = _missing_or_blank(column)
        dates = np.full(len(column), np.datetime64("NaT"), dtype=self._dtype)
        for i, value in enumerate(column):
            if missing[i]:
                continue
            if not isinstance(value, str):
                raise Unsupported(f"date value {value!r}")
            if _PLAIN_DATE.fullmatch(value) is None:
                return _datetime64(pd.Series(column, dtype=object))
            try:
                dates[i] = np.datetime64(value.replace(" ", "T"), "s")
            except ValueError:  # a day that does not exist: pandas decides
                return _datetime64(pd.Series(column, dtype=object))
        return dates

    def __call__(self, values: np.ndarray) -> np.ndarray:
        from agileds.automl._transformers import _date_parts

        columns: list[np.ndarray] = []
        for column in values.T:
            dates = self._parse(column)
            columns.extend(_date_parts(dates, self._reference))
            if self._indicator:
                columns.append(np.isnat(dates).astype(float))
        return np.column_stack(columns)


def _forest(forest: Any, method: str, x: np.ndarray) -> Any:
    """A random forest's ``predict_proba``/``predict`` as scikit-learn computes it with
    one job: each tree's leaf values in order (what the tree's own ``predict_proba`` and
    ``predict`` return), summed into float64, divided by the number of trees."""
    x32 = np.ascontiguousarray(x, dtype=np.float32)
    trees = forest.estimators_
    if method == "predict_proba":
        classes = int(forest.n_classes_)
        out = np.zeros((x32.shape[0], classes), dtype=np.float64)
        for tree in trees:
            out += tree.tree_.predict(x32)[:, :classes]
        out /= len(trees)
        return out
    if hasattr(forest, "classes_"):  # a classifier's predict: the most probable class
        return forest.classes_.take(np.argmax(_forest(forest, "predict_proba", x), axis=1))
    total = np.zeros(x32.shape[0], dtype=np.float64)
    for tree in trees:
        total += tree.tree_.predict(x32)[:, 0]
    total /= len(trees)
    return total
