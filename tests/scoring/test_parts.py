"""The pieces of a scoring job that need no model: references, samples, labels, folders."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from agileds.errors import UsageError
from agileds.scoring import MARKER, parse_model_ref
from agileds.scoring._compare import score_and_label
from agileds.scoring._output import check_output, mark_output
from agileds.scoring._sample import ScoreSample


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("m", ("m", "production", None)),
        ("m@previous", ("m", "previous", None)),
        ("lead-scoring:12", ("lead-scoring", "production", "12")),
    ],
)
def test_model_references(ref, expected):
    assert parse_model_ref(ref) == expected


@pytest.mark.parametrize("ref", ["m:x", "m@", "a/b", "m@a:1", ""])
def test_bad_model_references(ref):
    with pytest.raises(UsageError, match="expected MODEL, MODEL@ALIAS or MODEL:VERSION"):
        parse_model_ref(ref)


def test_the_sample_keeps_the_exact_mean_and_close_quantiles():
    values = np.random.default_rng(1).random(50_000)
    sample = ScoreSample(size=5_000)
    for start in range(0, len(values), 3_000):
        sample.add(values[start : start + 3_000])

    assert sample.count == 50_000
    assert sample.mean == pytest.approx(values.mean(), rel=1e-12)
    assert sample.quantile(0.5) == pytest.approx(np.quantile(values, 0.5), abs=0.03)


def test_a_small_stream_has_exact_quantiles():
    sample = ScoreSample()
    sample.add([3.0, np.nan, 1.0, 2.0])
    assert (sample.count, sample.quantile(0.5)) == (3, 2.0)
    assert ScoreSample().mean is None and ScoreSample().quantile(0.5) is None


def test_labels_per_task():
    binary = SimpleNamespace(task="binary", classes=("no", "yes"))
    multi = SimpleNamespace(task="multiclass", classes=(1, 2, 3))
    regression = SimpleNamespace(task="regression", classes=None)

    score, label = score_and_label(binary, np.array([0.2, 0.7, 0.7]), 0.7)
    assert label.tolist() == ["no", "yes", "yes"]
    score, label = score_and_label(multi, np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]), None)
    assert score.tolist() == [0.5, 0.6] and label.tolist() == [2, 1]
    score, label = score_and_label(regression, np.array([1.5]), None)
    assert score.tolist() == [1.5] and label is None


def test_output_folders(tmp_path):
    check_output(tmp_path / "new", "new")
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty", "empty")
    mark_output(tmp_path / "empty")
    (tmp_path / "empty" / "scored_date=2026-01-01").mkdir()
    check_output(tmp_path / "empty", "empty")  # an earlier scoring output
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"^file: is a file"):
        check_output(tmp_path / "file", "file")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(UsageError, match=r"^other: folder exists with other content"):
        check_output(tmp_path / "other", "other")
    assert (tmp_path / "empty" / MARKER).is_file()


class _Picky:
    """A model that refuses any batch holding the value 'boom' (as a model refuses a row)."""

    def predict(self, x):
        if (x["a"] == "boom").any():
            raise ValueError("cannot encode 'boom'\nsecond line")
        return np.arange(len(x), dtype="float64")


def test_rows_the_model_refuses_are_found_one_by_one():
    import pandas as pd

    from agileds.scoring._chunk import score_chunk
    from agileds.tracking import ModelVersion

    version = ModelVersion(
        model="m",
        version="1",
        pipeline=_Picky(),
        task="regression",
        metric="rmse",
        direction="minimize",
        target="y",
        inputs=("a",),
        classes=None,
        reference=pd.DataFrame({"a": ["x", "y"]}),
    )
    chunk = pd.DataFrame({"a": ["x", "boom", "y", "boom"]})

    scored = score_chunk(chunk, version, "batch.csv")

    assert scored.kept.tolist() == [0, 2]
    assert scored.rejected.tolist() == [1, 3]
    assert scored.reasons == ["cannot encode 'boom'", "cannot encode 'boom'"]


def test_a_file_that_is_not_what_its_name_says_is_one_line(tmp_path):
    from agileds.errors import DataError
    from agileds.scoring._read import header_of

    fake = tmp_path / "batch.parquet"
    fake.write_text("lead_id,score\n1,2\n")
    binary = tmp_path / "batch.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")

    with pytest.raises(DataError, match=r"^batch.parquet: cannot read the batch \("):
        header_of(fake, "batch.parquet")
    with pytest.raises(DataError, match=r"^batch.csv: cannot read the batch \("):
        header_of(binary, "batch.csv")
