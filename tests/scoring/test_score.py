"""``agileds.score`` on a real MLflow registry with real logged pipelines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agileds.errors import DataError, UsageError
from agileds.project import Project
from agileds.scoring import MARKER, Progress, find_scoring_runs, score
from tests.golive.conftest import client_of
from tests.scoring.conftest import MODEL


def _pipeline(project: Project, version: str):
    from agileds.tracking import load_model

    return load_model(client_of(project), f"models:/{MODEL}/{version}")


def _runs(project: Project):
    client = client_of(project)
    experiment = client.get_experiment_by_name(MODEL)
    return find_scoring_runs(client, experiment.experiment_id, MODEL)


def test_scores_the_batch_like_the_pipeline(scoring_project, batch, leads):
    result = score(scoring_project, MODEL, batch, "out")

    scored = pd.read_parquet(result.partition)
    expected = _pipeline(scoring_project, "2").predict_proba(leads)[:, 1]
    assert (result.rows, result.rejected, result.version) == (600, 0, "2")
    assert scored["lead_id"].tolist() == leads["lead_id"].tolist()
    np.testing.assert_allclose(scored["score"], expected, rtol=0, atol=1e-12)
    assert (scored["label"] == (expected >= 0.5).astype(int)).all()
    assert set(scored["model"]) == {MODEL}
    assert set(scored["scoring_run_id"]) == {result.run_id}
    assert result.id_columns == ("lead_id",)  # the spec's drop: lead_id, deal_stage_final
    assert result.rejects_file is None
    assert result.partition.startswith("out/scored_date=")
    assert Path(result.partition).parent.name == "model_version=2"


def test_reading_the_output_folder_as_a_dataset(scoring_project, batch):
    score(scoring_project, MODEL, batch, "out")
    score(scoring_project, MODEL, batch, "out")  # an earlier scoring output is accepted

    dataset = pd.read_parquet(scoring_project.root / "out")

    assert len(dataset) == 1200
    assert set(dataset["model_version"].astype(str)) == {"2"}
    assert set(dataset["scored_date"].astype(str)) == {f"{dt.datetime.now(dt.UTC):%Y-%m-%d}"}
    assert dataset["job"].nunique() == 2
    assert (scoring_project.root / "out" / MARKER).is_file()


def test_the_job_is_an_mlflow_run(scoring_project, batch):
    result = score(scoring_project, MODEL, batch, "out")

    (run,) = _runs(scoring_project)
    metrics, tags = run.data.metrics, run.data.tags
    assert run.info.run_id == result.run_id
    assert tags["agileds.kind"] == "scoring" and tags["agileds.model_version"] == "2"
    assert metrics["scores_written"] == 600 and metrics["rows_rejected"] == 0
    assert metrics["score.p05"] <= metrics["score.p50"] <= metrics["score.p95"]
    assert metrics["score.mean"] == pytest.approx(pd.read_parquet(result.partition)["score"].mean())
    assert metrics["rows_per_hour"] == pytest.approx(metrics["rows_per_second"] * 3600)


def test_chunks_and_parquet_give_the_same_scores(scoring_project, batch):
    parquet = batch.with_suffix(".parquet")
    pd.read_csv(batch).to_parquet(parquet)

    whole = score(scoring_project, MODEL, batch, "a")
    chunked = score(scoring_project, MODEL, parquet, "b", chunk_rows=128)
    seen: list[Progress] = []
    small = score(scoring_project, MODEL, batch, "c", chunk_rows=250, progress=seen.append)

    one = pd.read_parquet(whole.partition)["score"]
    np.testing.assert_allclose(pd.read_parquet(chunked.partition)["score"], one, atol=1e-12)
    np.testing.assert_allclose(pd.read_parquet(small.partition)["score"], one, atol=1e-12)
    assert [p.rows for p in seen] == [250, 500, 600]
    assert seen[-1].share == 1.0


def test_rows_with_a_bad_value_are_rejected_with_the_reason(scoring_project, batch):
    frame = pd.read_csv(batch)
    frame["annual_revenue"] = frame["annual_revenue"].astype(object)
    frame.loc[[3, 400], "annual_revenue"] = ["lots", "n/a?"]
    frame.to_csv(batch, index=False)

    result = score(scoring_project, MODEL, batch, "out", chunk_rows=200)

    rejects = pd.read_csv(result.rejects_file)
    assert (result.rows, result.rejected) == (598, 2)
    assert rejects["row"].tolist() == [4, 401]
    assert rejects["reason"].tolist() == [
        "column annual_revenue: 'lots' is not a number",
        "column annual_revenue: 'n/a?' is not a number",
    ]
    assert rejects["lead_id"].tolist() == frame.loc[[3, 400], "lead_id"].tolist()
    assert len(pd.read_parquet(result.partition)) == 598
    assert _runs(scoring_project)[0].data.metrics["rows_rejected"] == 2


def test_compare_previous_counts_flips(scoring_project, batch, leads):
    result = score(scoring_project, MODEL, batch, "out", compare="previous")

    new = _pipeline(scoring_project, "2").predict_proba(leads)[:, 1]
    old = _pipeline(scoring_project, "1").predict_proba(leads)[:, 1]
    c = result.comparison
    assert c is not None and c.version == "1" and c.rows == 600
    assert c.flips == int(((new >= 0.5) != (old >= 0.5)).sum())
    assert c.flips > 0  # v1 was fitted on shuffled labels
    assert c.mean_shift == pytest.approx(float((new - old).mean()))
    assert c.p95_abs_shift == pytest.approx(float(np.quantile(np.abs(new - old), 0.95)))
    metrics = _runs(scoring_project)[0].data.metrics
    assert metrics["compare.flips"] == c.flips


def test_a_version_and_an_alias_pick_the_model(scoring_project, batch):
    assert score(scoring_project, f"{MODEL}:1", batch, "a").version == "1"
    assert score(scoring_project, f"{MODEL}@previous", batch, "b").version == "1"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (f"{MODEL}@champion", f"model '{MODEL}' has no alias 'champion'"),
        (f"{MODEL}:7", f"model '{MODEL}' has no version 7; its versions are 1, 2"),
        ("other-model", "model 'other-model' has no production version"),
        (f"{MODEL}@", f"model '{MODEL}@': expected MODEL, MODEL@ALIAS or MODEL:VERSION"),
    ],
)
def test_unknown_models_are_refused(scoring_project, batch, ref, message):
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(")):
        score(scoring_project, ref, batch, "out")
    assert not (scoring_project.root / "out").exists()


def test_missing_column_is_refused_before_anything_is_written(scoring_project, batch):
    pd.read_csv(batch).drop(columns=["employees"]).to_csv(batch, index=False)

    with pytest.raises(DataError) as caught:
        score(scoring_project, MODEL, batch, "out")

    assert str(caught.value) == (
        "batch.csv: missing model input column(s) employees; "
        f"{MODEL} v2 needs every column it was trained on"
    )
    assert not (scoring_project.root / "out").exists()
    assert _runs(scoring_project) == []


def test_a_column_of_text_is_refused_and_nothing_is_left(scoring_project, batch):
    frame = pd.read_csv(batch)
    frame = frame.astype({"employees": object, "annual_revenue": object})
    frame.loc[300:, "employees"] = "many"  # the fourth chunk on: a column of text
    frame.loc[0, "annual_revenue"] = "x"  # a bad value in the first chunk: rejected
    frame.to_csv(batch, index=False)

    with pytest.raises(DataError, match=r"column\(s\) employees hold text where"):
        score(scoring_project, MODEL, batch, "out", chunk_rows=100)

    assert not (scoring_project.root / "out").exists()  # no partition, no rejects, no folder
    assert _runs(scoring_project) == []


def test_extra_columns_are_ignored_and_listed(scoring_project, batch):
    frame = pd.read_csv(batch)
    frame["note"] = "x"
    frame.to_csv(batch, index=False)

    result = score(scoring_project, MODEL, batch, "out")

    assert "note" in result.ignored_columns
    assert "note" not in pd.read_parquet(result.partition).columns


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "empty.csv: file is empty"),
        ("header.csv", "lead_id,annual_revenue\n", "header.csv: the batch has no rows"),
        ("batch.json", "{}", "batch.json: unsupported file type '.json'"),
        ("batch.xlsx", "PK", "batch.xlsx: unsupported file type '.xlsx'"),
        ("nothere.csv", None, "nothere.csv: batch file not found"),
    ],
)
def test_bad_files_are_refused(scoring_project, batch, name, content, message):
    path = scoring_project.root / name
    if content is not None:
        path.write_text(content)
    if name == "header.csv":
        path.write_text(",".join(pd.read_csv(batch).columns) + "\n")

    with pytest.raises(DataError, match="^" + message.replace("(", r"\(")):
        score(scoring_project, MODEL, path, "out")
    assert not (scoring_project.root / "out").exists()


def test_an_output_folder_with_other_content_is_refused(scoring_project, batch):
    other = scoring_project.root / "docs"  # the scaffold's docs folder

    with pytest.raises(UsageError, match="folder exists with other content"):
        score(scoring_project, MODEL, batch, other)


def test_an_interrupted_job_leaves_no_partition_and_no_run(scoring_project, batch):
    def interrupt(progress: Progress) -> None:
        if progress.rows >= 200:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score(scoring_project, MODEL, batch, "out", chunk_rows=200, progress=interrupt)

    assert not (scoring_project.root / "out").exists()
    assert _runs(scoring_project) == []


def test_a_failed_job_leaves_an_earlier_output_as_it_was(scoring_project, batch):
    first = score(scoring_project, MODEL, batch, "out")
    before = sorted(
        p.relative_to(scoring_project.root) for p in (scoring_project.root / "out").rglob("*")
    )

    def interrupt(progress: Progress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score(scoring_project, MODEL, batch, "out", chunk_rows=200, progress=interrupt)

    after = sorted(
        p.relative_to(scoring_project.root) for p in (scoring_project.root / "out").rglob("*")
    )
    assert after == before
    assert [r.info.run_id for r in _runs(scoring_project)] == [first.run_id]


def test_unknown_id_columns_are_refused(scoring_project, batch):
    with pytest.raises(UsageError, match=r"id column\(s\) ticket_no not in the batch"):
        score(scoring_project, MODEL, batch, "out", id_columns=["ticket_no"])


def test_the_version_s_threshold_decides_labels_and_flips(scoring_project, batch, leads):
    from agileds.scoring import THRESHOLD_TAG

    client_of(scoring_project).set_model_version_tag(MODEL, "2", THRESHOLD_TAG, "0.8")

    result = score(scoring_project, MODEL, batch, "out", compare="previous")

    scored = pd.read_parquet(result.partition)
    new = _pipeline(scoring_project, "2").predict_proba(leads)[:, 1]
    old = _pipeline(scoring_project, "1").predict_proba(leads)[:, 1]
    assert result.threshold == 0.8
    assert (scored["label"] == (new >= 0.8).astype(int)).all()
    assert result.comparison is not None
    assert result.comparison.flips == int(((new >= 0.8) != (old >= 0.8)).sum())


def test_compare_with_another_models_version_is_refused(scoring_project, batch):
    from agileds.tracking import register_model

    client = client_of(scoring_project)
    mine = client.get_model_version(MODEL, "2")
    for _ in range(3):  # other-model v1, v2, v3: only v3 is not lead-scoring's
        register_model(client, "other-model", mine.source, mine.run_id)

    with pytest.raises(UsageError, match=f"^model '{MODEL}' has no version 3; its versions"):
        score(scoring_project, MODEL, batch, "out", compare="3")
    with pytest.raises(UsageError, match=f"^model '{MODEL}' has no alias 'champion'"):
        score(scoring_project, MODEL, batch, "out", compare="champion")
    assert not (scoring_project.root / "out").exists()
    assert _runs(scoring_project) == []
