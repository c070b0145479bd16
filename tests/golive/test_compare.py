"""The comparison on fitted models without MLflow: every task, names, segments, plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from agileds.errors import DataError
from agileds.golive import (
    ChangeList,
    Comparison,
    EvalData,
    GoLiveReport,
    Guardrails,
    build_golive_report,
    compare_models,
    decide,
    write_golive_report,
)
from agileds.golive._recording import predictions_frame
from agileds.tickets._quantities import is_known_quantity

N = 400


def frame(task: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 2))
    if task == "binary":
        y = (x[:, 0] + rng.normal(size=N) > 0).astype(int)
    elif task == "multiclass":
        y = np.digitize(x[:, 0] + 0.5 * rng.normal(size=N), [-0.5, 0.5])
        y = np.array(["low", "mid", "high"])[y]
    else:
        y = 3 * x[:, 0] + rng.normal(size=N)
    segment = np.where(np.arange(N) < 250, "big", np.where(np.arange(N) < 390, "mid", "tiny"))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "seg": segment, "y": y})


def fitted(task: str, data: pd.DataFrame, columns: list[str], shuffle: bool = False):
    y = data["y"].sample(frac=1.0, random_state=1).to_numpy() if shuffle else data["y"]
    model = LinearRegression() if task == "regression" else LogisticRegression()
    return make_pipeline(StandardScaler(), model).fit(data[columns], y)


def eval_data(task: str, data: pd.DataFrame) -> EvalData:
    metric = {"binary": "auroc", "multiclass": "macro_f1", "regression": "rmse"}[task]
    direction = "minimize" if task == "regression" else "maximize"
    return EvalData(data, "y", task, metric, direction, "a test frame", segment_column="seg")


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_task_compares_renders_and_names_known_quantities(task: str, tmp_path: Path) -> None:
    train, test = frame(task, 0), frame(task, 1)
    good = fitted(task, train, ["a", "b"])
    weak = fitted(task, train, ["b"], shuffle=True)  # its own input columns: b only
    data = eval_data(task, test)

    comparison = compare_models(good, weak, data, n_boot=50, min_segment_rows=20)

    unknown = [name for name in comparison.quantities if not is_known_quantity(name)]
    assert unknown == []
    metric = data.metric
    sign = -1 if task == "regression" else 1  # rmse: lower is better
    assert sign * comparison.deltas[metric] > 0
    assert comparison.quantities["segments_compared"] == 2.0
    tiny = next(s for s in comparison.segments if s.segment == "tiny")
    assert tiny.skipped == "fewer than 20 rows" and tiny.rows == 10
    assert (comparison.delong is not None) is (task == "binary")

    report = _report(comparison, data)
    written = write_golive_report(report, comparison, tmp_path)
    expected = {"binary": {"roc", "pr", "calibration", "scores"}, "multiclass": {"confusion"}}
    assert set(written.plots) == expected.get(task, {"predicted", "residuals"}) | {"segments"}
    assert all((tmp_path / f).is_file() for f in written.plots.values())
    assert f"| `{metric}` |" in (tmp_path / "golive.md").read_text()

    predictions = predictions_frame(comparison)
    assert len(predictions) == N
    if task == "multiclass":
        assert {"candidate.low", "production.high"} <= set(predictions.columns)


def _report(comparison: Comparison, data: EvalData) -> GoLiveReport:
    guardrails = Guardrails(max_latency_ratio=None)
    gate = decide(
        [],
        comparison.quantities,
        guardrails,
        metric=data.metric,
        direction=data.direction,
        first_deployment=False,
    )
    return build_golive_report(
        ticket_id="STORY-9",
        title="A test",
        comparison=comparison,
        gate=gate,
        criteria=[],
        changes=ChangeList(),
        guardrails=guardrails,
        model_name="m",
        candidate_version="2",
        production_version="1",
        quantities=comparison.quantities,
        created="2026-01-01T00:00:00+00:00",
    )


def test_first_deployment_has_no_production_numbers(tmp_path: Path) -> None:
    data = eval_data("binary", frame("binary", 1))
    comparison = compare_models(
        fitted("binary", frame("binary"), ["a", "b"]), None, data, n_boot=20
    )
    assert comparison.first_deployment
    assert comparison.production == {} and comparison.deltas == {}
    assert not any(k.startswith(("production.", "delta.")) for k in comparison.quantities)
    assert "segments_worse" not in comparison.quantities
    assert all(s.production is None for s in comparison.segments)


def test_models_with_different_classes_are_refused() -> None:
    train = frame("binary")
    other = train.assign(y=np.where(train["y"] == 1, "yes", "no"))
    data = eval_data("binary", frame("binary", 1))
    with pytest.raises(DataError, match="the candidate predicts classes \\[0, 1\\] but production"):
        compare_models(fitted("binary", train, ["a"]), fitted("binary", other, ["a"]), data)
