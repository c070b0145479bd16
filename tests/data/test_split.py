"""Tests for holdout splits: stratified, random and by time."""

from __future__ import annotations

import doctest
from typing import Any

import pandas as pd
import pytest

from agileds.data import _split, holdout_split, make_leads
from agileds.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return make_leads(1000, seed=2)


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": [f"2024-01-{d:02d}" for d in range(1, 11)],
            "step": [3, 1, 2, 5, 4, 6, 8, 7, 10, 9],
            "y": ["a", "a", "a", "a", "a", "a", "b", "b", "b", "b"],
            "value": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5],
        }
    )


def _message(error: type[Exception], frame: pd.DataFrame, **kwargs: Any) -> str:
    with pytest.raises(error) as raised:
        holdout_split(frame, "y", **kwargs)
    return str(raised.value)


def _assert_partition(frame: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame) -> None:
    assert train.index.intersection(holdout.index).empty
    assert sorted([*train.index, *holdout.index]) == list(frame.index)
    assert train.index.is_monotonic_increasing
    assert holdout.index.is_monotonic_increasing


def test_stratified_split_keeps_class_shares(leads: pd.DataFrame) -> None:
    train, holdout = holdout_split(leads, "is_closed", task="binary", fraction=0.25)
    _assert_partition(leads, train, holdout)
    assert len(holdout) == 250
    positives = leads["is_closed"].sum()
    assert holdout["is_closed"].sum() == round(positives * 0.25)


def test_stratified_split_is_deterministic(leads: pd.DataFrame) -> None:
    first = holdout_split(leads, "is_closed", task="binary", seed=7)
    second = holdout_split(leads, "is_closed", task="binary", seed=7)
    other = holdout_split(leads, "is_closed", task="binary", seed=8)
    pd.testing.assert_frame_equal(first[1], second[1])
    assert not first[1].index.equals(other[1].index)


def test_multiclass_keeps_a_rare_class_in_training(leads: pd.DataFrame) -> None:
    train, holdout = holdout_split(leads, "title", task="multiclass", fraction=0.5)
    assert set(train["title"]) == set(leads["title"])
    counts = leads["title"].value_counts()
    held = holdout["title"].value_counts().reindex(counts.index, fill_value=0)
    assert (held <= counts - 1).all()


def test_single_row_class_stays_in_training() -> None:
    frame = pd.DataFrame({"y": ["a"] * 9 + ["b"]})
    train, holdout = holdout_split(frame, "y", task="multiclass", fraction=0.5)
    assert train["y"].tolist().count("b") == 1
    assert len(holdout) == 5


def test_regression_split_is_random_and_sized(leads: pd.DataFrame) -> None:
    train, holdout = holdout_split(leads, "days_open", task="regression", fraction=0.3, seed=1)
    _assert_partition(leads, train, holdout)
    assert len(holdout) == 300
    again = holdout_split(leads, "days_open", task="regression", fraction=0.3, seed=1)
    assert holdout.index.equals(again[1].index)


def test_time_cut_on_iso_dates(leads: pd.DataFrame) -> None:
    train, holdout = holdout_split(
        leads, "is_closed", task="binary", time_column="created_at", time_cut="2024-07-01"
    )
    _assert_partition(leads, train, holdout)
    assert train["created_at"].max() < "2024-07-01" <= holdout["created_at"].min()


def test_time_without_cut_holds_out_the_latest_rows(leads: pd.DataFrame) -> None:
    train, holdout = holdout_split(
        leads, "is_closed", task="binary", fraction=0.2, time_column="created_at"
    )
    assert train["created_at"].max() < holdout["created_at"].min()
    assert 200 <= len(holdout) <= 210


def test_time_on_numbers_and_datetimes(small: pd.DataFrame) -> None:
    train, holdout = holdout_split(small, "value", task="regression", time_column="step")
    assert sorted(holdout["step"]) == [9, 10]
    small["day"] = pd.to_datetime(small["day"])
    train, holdout = holdout_split(
        small, "value", task="regression", time_column="day", time_cut=pd.Timestamp("2024-01-09")
    )
    assert len(train) == 8
    assert len(holdout) == 2


def test_time_cut_leaving_a_class_out_of_training(small: pd.DataFrame) -> None:
    message = _message(DataError, small, task="binary", time_column="step", time_cut=7)
    assert message == (
        "holdout split: the time cut step >= 7 leaves class 'b' of 'y' out of the training "
        "part (6 training and 4 holdout rows of 10); move the time cut later or use a "
        "stratified split"
    )


def test_time_cut_leaving_the_holdout_empty(small: pd.DataFrame) -> None:
    message = _message(DataError, small, task="binary", time_column="day", time_cut="2025-01-01")
    assert message == (
        "holdout split: the time cut day >= 2025-01-01 leaves the holdout part empty "
        "(10 training and 0 holdout rows of 10); change the fraction or the time cut, "
        "or add rows"
    )


def test_too_few_rows_for_a_random_holdout() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.0]})
    message = _message(DataError, frame, task="regression", fraction=0.1)
    assert message == (
        "holdout split: a random split leaves the holdout part empty (2 training and "
        "0 holdout rows of 2); change the fraction or the time cut, or add rows"
    )


def test_time_values_that_are_not_dates(small: pd.DataFrame) -> None:
    message = _message(DataError, small, task="binary", time_column="y")
    assert message == (
        "holdout split: time column 'y' has values that are not ISO dates, e.g. 'a'; "
        "use dates such as 2024-06-30 or a numeric column"
    )


def test_null_times(small: pd.DataFrame) -> None:
    small.loc[3, "day"] = None
    message = _message(DataError, small, task="binary", time_column="day")
    assert message == (
        "holdout split: time column 'day' is null in 1 of 10 rows; "
        "fill or drop them before splitting on time"
    )


def test_time_cut_of_the_wrong_kind(small: pd.DataFrame) -> None:
    message = _message(DataError, small, task="binary", time_column="step", time_cut="soon")
    assert message == (
        "holdout split: time cut 'soon' is not a number like the values of column 'step'; "
        "give it as a number, e.g. 3"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"task": "classification"},
            "holdout split: unknown task 'classification'; "
            "use one of binary, multiclass, regression",
        ),
        (
            {"task": "binary", "fraction": 0},
            "holdout split: fraction must be between 0 and 1 (exclusive), got 0; "
            "0.2 holds out a fifth of the rows",
        ),
        (
            {"task": "binary", "time_cut": "2024-01-05"},
            "holdout split: time cut '2024-01-05' given without a time column; "
            "name the column of dates to cut",
        ),
    ],
)
def test_bad_arguments(small: pd.DataFrame, kwargs: dict[str, Any], message: str) -> None:
    assert _message(ConfigError, small, **kwargs) == message


def test_missing_columns(small: pd.DataFrame) -> None:
    assert _message(DataError, small, task="binary", time_column="created") == (
        "holdout split: time column 'created' not found; columns are: day, step, y, value"
    )
    with pytest.raises(DataError, match="target column 'label' not found"):
        holdout_split(small, "label", task="binary")


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_split).failed == 0
