"""Data files that would train on garbage: infinite values and repeated column names are one
clear error when the file is read, before any trial, run or model exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agileds.data import load_table
from agileds.errors import DataError
from agileds.project import Project
from tests.faults._refusals import assert_refused, snapshot

ROWS = ["0.1,0.2,1", "0.3,0.4,0", "0.5,0.6,1", "0.7,0.8,0"]


@pytest.mark.parametrize(
    "value", ["inf", "-inf", "Infinity", "-Infinity", "+inf", "1e400", "-1e999"]
)
@pytest.mark.parametrize("column", ["a", "b", "y"])
def test_an_infinite_value_in_a_csv(tmp_path: Path, value: str, column: str) -> None:
    rows = [r.split(",") for r in ROWS]
    rows[2]["aby".index(column)] = value
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "\n".join(",".join(r) for r in rows) + "\n")
    with pytest.raises(DataError) as info:
        load_table(path, shown="data/d.csv")
    assert str(info.value) == (
        f"data/d.csv: column '{column}' has an infinite value in 1 row(s); replace them with "
        "finite numbers, or leave the cells empty (missing)"
    )


def test_an_infinite_value_in_parquet(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame({"a": [1.0, np.inf, 2.0], "y": [0, 1, 0]}).to_parquet(path)
    with pytest.raises(DataError, match="column 'a' has an infinite value in 1 row"):
        load_table(path)


@pytest.mark.parametrize(
    "header", ["a,b,a", "a,a,y", "y,b,y", "a,b,b", "x x,b,x x", "\ufeffa,b,a"], ids=repr
)
def test_a_repeated_column_name(tmp_path: Path, header: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(header + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="appears more than once in the header; give every column"):
        load_table(path)


@pytest.mark.parametrize(
    ("header", "cell"),
    [
        ("a,b,y", "nan"),
        ("a,b,y", ""),
        ("inf,b,y", "0.5"),
        ("a,b,y", "information"),
        ("a,a.1,y", "1"),
    ],
    ids=["nan is missing", "empty is missing", "a column named inf", "a word", "a.1 written"],
)
def test_look_alikes_still_load(tmp_path: Path, header: str, cell: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"{header}\n{cell},0.2,1\n0.3,0.4,0\n")
    assert list(load_table(path).columns) == header.split(",")


SPEC = "data:\n  path: data/d.csv\n  target: y\n"
TICKET = (
    "id: STORY-1\ntype: story\ntitle: T\nvalue: 3\neffort: 2\n"
    "experiment: experiments/s.yaml\nacceptance:\n  - cv.auroc >= 0.5\n"
)


@pytest.fixture
def runnable(project: Project) -> Project:
    (project.experiments_dir / "data").mkdir(parents=True, exist_ok=True)
    (project.experiments_dir / "s.yaml").write_text(SPEC)
    (project.backlog_dir / "STORY-1.yaml").write_text(TICKET)
    return project


@pytest.mark.parametrize(
    ("header", "cell", "needle"),
    [
        ("a,b,y", "inf", "column 'a' has an infinite value in 1 row(s)"),
        ("a,b,y", "-inf", "column 'a' has an infinite value in 1 row(s)"),
        ("a,a,y", "0.5", "column 'a' appears more than once in the header"),
    ],
)
def test_run_stops_before_any_trial(
    runnable: Project, run_cli, header: str, cell: str, needle: str
) -> None:
    rows = [f"{cell if i == 3 else i / 10},{(i * 7 % 10) / 10},{i % 2}" for i in range(40)]
    (runnable.experiments_dir / "data" / "d.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    before = snapshot(runnable.root)
    assert_refused(run_cli("run", "STORY-1", "--trials", "2"), "d.csv: ", needle)
    assert snapshot(runnable.root) == before
