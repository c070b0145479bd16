"""Tests for loading datasets and checking their target column."""

from __future__ import annotations

import doctest
from pathlib import Path

import pandas as pd
import pytest

from agileds.data import _load, check_target, load_table, make_leads
from agileds.errors import ConfigError, DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "is_closed": [0, 1, 1, 0, 1, 0],
            "stage": ["won", "lost", "open", "won", "lost", "open"],
            "amount": [1.5, 2.25, 3.0, 4.75, 5.5, 6.0],
            "rating": [1, 2, 3, 1, 2, 3],
            "flag": [True, False, True, False, True, False],
        }
    )


def _raises(error: type[Exception], call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(error) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(raised.value)


def test_csv_keeps_whitespace_but_reads_empty_fields_as_nan(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text('id,description\n1,Hello\n2,\n3,"   "\n4,   \n', encoding="utf-8")
    loaded = load_table(path)
    assert loaded["description"].tolist()[0] == "Hello"
    assert pd.isna(loaded["description"].iloc[1])
    assert loaded["description"].tolist()[2:] == ["   ", "   "]


def test_parquet_keeps_empty_strings(tmp_path: Path) -> None:
    path = tmp_path / "leads.PARQUET"
    pd.DataFrame({"id": [1, 2], "description": ["", "Hello"]}).to_parquet(path)
    loaded = load_table(str(path))
    assert loaded["description"].tolist() == ["", "Hello"]


def test_demo_data_round_trips_through_csv(tmp_path: Path) -> None:
    leads = make_leads(300, seed=5)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    loaded = load_table(tmp_path / "leads.csv")
    assert list(loaded.columns) == list(leads.columns)
    assert loaded.dtypes.equals(leads.dtypes)
    blank = leads["description"].eq("")
    assert loaded.loc[blank, "description"].isna().all()
    assert loaded.loc[~blank, "description"].tolist() == leads.loc[~blank, "description"].tolist()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert _raises(DataError, load_table, path) == (
        f"{path}: file not found; check data.path in the experiment spec"
    )


def test_directory(tmp_path: Path) -> None:
    assert _raises(DataError, load_table, tmp_path) == (
        f"{tmp_path}: is a directory, not a file; check data.path in the experiment spec"
    )


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"x")
    assert _raises(DataError, load_table, path) == (
        f"{path}: unsupported file type '.xlsx'; "
        "save the data as .csv or .parquet and point data.path at it"
    )


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_empty_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    assert _raises(DataError, load_table, path) == (
        f"{path}: file is empty; point data.path at a CSV file with a header and rows"
    )


def test_csv_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,is_closed\n", encoding="utf-8")
    assert _raises(DataError, load_table, path) == (
        f"{path}: no rows (columns: lead_id, is_closed); point data.path at a file with data"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'a,b\n"x,1\n', "Error tokenizing data. C error: EOF inside string starting at row 1"),
        (b"a,b\n1,2,3,4\n", "Length of header or names does not match length of data."),
        ("a,b\n\xe9t\xe9,1\n".encode("latin-1"), "'utf-8' codec can't decode byte 0xe9"),
    ],
)
def test_unreadable_csv(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    message = _raises(DataError, load_table, path)
    assert message.startswith(f"{path}: cannot read as CSV ({reason}")
    assert message.endswith("; save it as UTF-8, comma-separated, with one header line")
    assert "\n" not in message


def test_unreadable_parquet(tmp_path: Path) -> None:
    path = tmp_path / "leads.parquet"
    path.write_bytes(b"not parquet")
    message = _raises(DataError, load_table, path)
    assert message.startswith(f"{path}: cannot read as Parquet (")
    assert message.endswith("); write it again with pandas.DataFrame.to_parquet")


def test_empty_parquet(tmp_path: Path) -> None:
    path = tmp_path / "leads.parquet"
    path.write_bytes(b"")
    assert _raises(DataError, load_table, path) == (
        f"{path}: file is empty; point data.path at a Parquet file with rows"
    )


@pytest.mark.parametrize(
    ("target", "task"),
    [
        ("is_closed", "binary"),
        ("flag", "binary"),
        ("stage", "multiclass"),
        ("rating", "multiclass"),
        ("amount", "regression"),
    ],
)
def test_infers_the_task(frame: pd.DataFrame, target: str, task: str) -> None:
    assert check_target(frame, target, None, "leads.csv") == task


def test_many_integer_values_make_regression() -> None:
    frame = pd.DataFrame({"seats": range(60)})
    assert check_target(frame, "seats", None, "leads.csv") == "regression"


def test_given_task_is_returned(frame: pd.DataFrame) -> None:
    assert check_target(frame, "rating", "regression", "leads.csv") == "regression"
    assert check_target(frame, "is_closed", "multiclass", "leads.csv") == "multiclass"


def test_missing_target_suggests_close_names(frame: pd.DataFrame) -> None:
    message = _raises(
        DataError,
        check_target,
        frame,
        "is_closd",
        None,
        "experiments/data/leads.csv",
        spec="experiments/lead_scoring.yaml",
    )
    assert message == (
        "experiments/data/leads.csv: target column 'is_closd' not found "
        "(did you mean 'is_closed'?); columns are: is_closed, stage, amount, rating, flag; "
        "set data.target in experiments/lead_scoring.yaml"
    )


def test_missing_target_without_close_names(frame: pd.DataFrame) -> None:
    message = _raises(DataError, check_target, frame, "zzz", None, "leads.csv")
    assert message == (
        "leads.csv: target column 'zzz' not found; columns are: is_closed, stage, amount, "
        "rating, flag; set data.target in the experiment spec"
    )


def test_single_class(frame: pd.DataFrame) -> None:
    frame["is_closed"] = 1
    assert _raises(DataError, check_target, frame, "is_closed", None, "leads.csv") == (
        "leads.csv: target column 'is_closed' has the single value 1 in all 6 rows; "
        "a model needs at least two classes or values; check data.path and data.target"
    )


def test_nulls_in_target(frame: pd.DataFrame) -> None:
    frame.loc[[1, 4], "is_closed"] = None
    assert _raises(DataError, check_target, frame, "is_closed", "binary", "leads.csv") == (
        "leads.csv: target column 'is_closed' is null in 2 of 6 rows; "
        "drop or fill those rows, or set data.unlabelled: drop in the experiment spec"
    )


def test_regression_needs_numbers(frame: pd.DataFrame) -> None:
    assert _raises(DataError, check_target, frame, "stage", "regression", "leads.csv") == (
        "leads.csv: target column 'stage' is not numeric (dtype str, e.g. 'won') but the "
        "task is regression; set task: binary or multiclass in the experiment spec, "
        "or convert the column to numbers"
    )


def test_binary_with_three_classes(frame: pd.DataFrame) -> None:
    assert _raises(DataError, check_target, frame, "stage", "binary", "leads.csv") == (
        "leads.csv: target column 'stage' has 3 classes (lost, open, won) but the task is "
        "binary; set task: multiclass in the experiment spec, or map the classes to two"
    )


def test_too_many_text_classes() -> None:
    frame = pd.DataFrame({"lead_id": [f"L{i}" for i in range(51)]})
    assert _raises(DataError, check_target, frame, "lead_id", None, "leads.csv") == (
        "leads.csv: target column 'lead_id' has 51 distinct non-numeric values, too many "
        "classes (at most 50); choose another target or group them"
    )


def test_unknown_task(frame: pd.DataFrame) -> None:
    message = _raises(
        ConfigError, check_target, frame, "is_closed", "binay", "leads.csv", spec="spec.yaml"
    )
    assert message == (
        "spec.yaml: unknown task 'binay' for target 'is_closed'; "
        "use one of binary, multiclass, regression, or leave task out to infer it"
    )


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_load).failed == 0


def test_callers_name_the_file_and_the_fix_their_way(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("a,b\n")  # a header, no rows
    with pytest.raises(DataError) as info:
        load_table(path, shown="batch.csv", fix="check the batch given to --data")
    assert str(info.value) == "batch.csv: no rows (columns: a, b); check the batch given to --data"
    assert load_table(path, allow_empty=True).columns.tolist() == ["a", "b"]
    path.write_text("")
    assert load_table(path, allow_empty=True).empty


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("leads.tsv", "id\tstage\tamount\n1\twon\t1.5\n2\tlost, late\t2.0\n"),
        ("leads.txt", "id;stage;amount\n1;won;1.5\n2;lost, late;2.0\n"),
        ("leads.data", "id|stage|amount\n1|won|1.5\n2|lost, late|2.0\n"),
        ("leads.csv", "id;stage;amount\n1;won;1.5\n2;lost, late;2.0\n"),  # a European CSV
        ("leads", 'id,stage,amount\n1,won,1.5\n2,"lost, late",2.0\n'),
    ],
)
def test_delimited_text_is_read_whatever_its_extension(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loaded = load_table(path)
    assert list(loaded.columns) == ["id", "stage", "amount"]
    assert loaded["stage"].tolist() == ["won", "lost, late"]
    assert loaded["amount"].tolist() == [1.5, 2.0]


def test_a_csv_with_a_comma_header_stays_comma_separated(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    rows = "".join(f'{i},"call back; then; send; the; quote; {i}"\n' for i in range(40))
    path.write_text("id,description\n" + rows, encoding="utf-8")
    loaded = load_table(path)
    assert list(loaded.columns) == ["id", "description"] and len(loaded) == 40


def test_binary_content_is_not_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "leads.bin"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert _raises(DataError, load_table, path) == (
        f"{path}: cannot read as delimited text (binary content, not delimited text); "
        "save it as UTF-8, comma-separated, with one header line"
    )
