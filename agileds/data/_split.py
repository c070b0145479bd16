"""Holdout splits: stratified for classification, random for regression, or a cut in time."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from agileds.data._load import TASKS, _names
from agileds.errors import ConfigError, DataError

__all__ = ["holdout_split"]

TimeCut = str | int | float | date
"""A time cut: an ISO date or timestamp string, a date, or a number for numeric times."""


def holdout_split(
    frame: pd.DataFrame,
    target: str,
    *,
    task: str,
    fraction: float = 0.2,
    seed: int = 0,
    time_column: str | None = None,
    time_cut: TimeCut | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into a training part and a holdout part.

    Without ``time_column`` the split is random: stratified by class for ``binary`` and
    ``multiclass`` (each class keeps its share in both parts, and at least one row of each
    class stays in training), plain for ``regression``. With ``time_column``, rows before
    ``time_cut`` train and rows at or after it are held out; without ``time_cut`` the cut is
    chosen so that the latest ``fraction`` of rows is held out (ties go to the holdout).

    Args:
        frame: The data, target included.
        target: Name of the label column.
        task: ``binary``, ``multiclass`` or ``regression``.
        fraction: Share of rows to hold out, between 0 and 1; ignored when ``time_cut`` is
            given.
        seed: Seed of the random split; the same seed and frame give the same split.
        time_column: Column of dates, timestamps or numbers to split on.
        time_cut: First time of the holdout; needs ``time_column``.

    Returns:
        ``(train, holdout)``, each in the frame's row order with its original index.

    Raises:
        ConfigError: ``task`` or ``fraction`` is invalid, or ``time_cut`` comes without
            ``time_column``.
        DataError: A column is missing, times cannot be read, either part would be empty,
            or a class would be missing from the training part.

    Example:
        >>> frame = pd.DataFrame({"x": range(10), "y": [0, 1] * 5})
        >>> train, holdout = holdout_split(frame, "y", task="binary", fraction=0.2)
        >>> len(train), len(holdout)
        (8, 2)
    """
    _check_arguments(frame, target, task, fraction, time_column, time_cut)
    if time_column is not None:
        in_holdout, how = _time_mask(frame[time_column], time_column, fraction, time_cut)
    elif task == "regression":
        in_holdout, how = _random_mask(len(frame), fraction, seed), "a random split"
    else:
        in_holdout, how = _stratified_mask(frame[target], fraction, seed), "a stratified split"
    train, holdout = frame[~in_holdout], frame[in_holdout]
    _check_parts(frame, train, holdout, target, task, how)
    return train, holdout


def _check_arguments(
    frame: pd.DataFrame,
    target: str,
    task: str,
    fraction: float,
    time_column: str | None,
    time_cut: TimeCut | None,
) -> None:
    """Raise for the first argument of holdout_split that cannot work."""
    if task not in TASKS:
        raise ConfigError(f"holdout split: unknown task '{task}'; use one of {', '.join(TASKS)}")
    if not 0 < fraction < 1:
        raise ConfigError(
            f"holdout split: fraction must be between 0 and 1 (exclusive), got {fraction}; "
            "0.2 holds out a fifth of the rows"
        )
    if time_cut is not None and time_column is None:
        raise ConfigError(
            f"holdout split: time cut {time_cut!r} given without a time column; "
            "name the column of dates to cut"
        )
    for role, name in (("target", target), ("time", time_column)):
        if name is not None and name not in frame.columns:
            raise DataError(
                f"holdout split: {role} column '{name}' not found; columns are: "
                f"{_names(frame.columns)}"
            )


def _random_mask(n_rows: int, fraction: float, seed: int) -> np.ndarray:
    """Mark ``round(fraction * n_rows)`` random rows for the holdout."""
    mask = np.zeros(n_rows, dtype=bool)
    order = np.random.default_rng(seed).permutation(n_rows)
    mask[order[: _rounded(n_rows * fraction)]] = True
    return mask


def _stratified_mask(labels: pd.Series, fraction: float, seed: int) -> np.ndarray:
    """Mark about ``fraction`` of each class for the holdout, leaving one or more to train."""
    codes, _ = pd.factorize(labels, use_na_sentinel=False)
    order = np.random.default_rng(seed).permutation(len(codes))
    grouped = order[np.argsort(codes[order], kind="stable")]
    counts = np.bincount(codes)
    held = np.minimum(np.floor(counts * fraction + 0.5).astype(np.int64), counts - 1)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(codes)) - np.repeat(starts, counts)
    mask = np.zeros(len(codes), dtype=bool)
    mask[grouped[rank < np.repeat(held, counts)]] = True
    return mask


def _time_mask(
    column: pd.Series, name: str, fraction: float, time_cut: TimeCut | None
) -> tuple[np.ndarray, str]:
    """Mark the rows at or after the cut for the holdout; also describe the cut."""
    times = _as_times(column, name)
    if time_cut is None:
        ordered = times.sort_values(ignore_index=True)
        cut = ordered.iloc[len(ordered) - max(_rounded(len(ordered) * fraction), 1)]
    else:
        cut = _as_cut(time_cut, times, name)
    try:
        mask = (times >= cut).to_numpy(dtype=bool)
    except TypeError as error:
        raise DataError(
            f"holdout split: cannot compare column '{name}' with the time cut {time_cut!r} "
            f"({error}); give the cut in the column's form and time zone"
        ) from error
    return mask, f"the time cut {name} >= {_format(cut)}"


def _as_times(column: pd.Series, name: str) -> pd.Series:
    """The time column as numbers or timestamps; DataError for nulls or unreadable values."""
    times = column
    if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(
        column
    ):
        try:
            times = pd.to_datetime(column, format="ISO8601")
        except (ValueError, TypeError) as error:
            raise DataError(
                f"holdout split: time column '{name}' has values that are not ISO dates, "
                f"e.g. {column.iloc[0]!r}; use dates such as 2024-06-30 or a numeric column"
            ) from error
    nulls = int(times.isna().sum())
    if nulls:
        raise DataError(
            f"holdout split: time column '{name}' is null in {nulls} of {len(times)} rows; "
            "fill or drop them before splitting on time"
        )
    return times


def _as_cut(time_cut: TimeCut, times: pd.Series, name: str) -> object:
    """The cut in the form of the time column: a number or a Timestamp."""
    numeric = pd.api.types.is_numeric_dtype(times)
    try:
        if not numeric:
            return pd.Timestamp(time_cut)
        if isinstance(time_cut, int | float):
            return time_cut
        if isinstance(time_cut, str):
            return float(time_cut)
    except (ValueError, TypeError):
        pass
    kind = "a number" if numeric else "a date"
    raise DataError(
        f"holdout split: time cut {time_cut!r} is not {kind} like the values of "
        f"column '{name}'; give it as {kind}, e.g. {_format(times.iloc[0])}"
    )


def _check_parts(
    frame: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    target: str,
    task: str,
    how: str,
) -> None:
    """Raise DataError when a part is empty or training lacks a class."""
    sizes = f"{len(train)} training and {len(holdout)} holdout rows of {len(frame)}"
    if train.empty or holdout.empty:
        side = "training" if train.empty else "holdout"
        raise DataError(
            f"holdout split: {how} leaves the {side} part empty ({sizes}); "
            "change the fraction or the time cut, or add rows"
        )
    if task == "regression":
        return
    labels = frame[target]
    missing = labels[~labels.isin(train[target])].unique()
    if len(missing):
        shown = ", ".join(sorted(f"'{_format(label)}'" for label in missing))
        raise DataError(
            f"holdout split: {how} leaves class {shown} of '{target}' out of the training "
            f"part ({sizes}); move the time cut later or use a stratified split"
        )


def _rounded(value: float) -> int:
    """Round half up to an int."""
    return int(np.floor(value + 0.5))


def _format(value: object) -> str:
    """A time or cut as the user would write it: an ISO date when there is no time of day."""
    if isinstance(value, pd.Timestamp):
        out: str = value.date().isoformat() if value == value.normalize() else value.isoformat()
        return out
    return str(value.item() if isinstance(value, np.generic) else value)
