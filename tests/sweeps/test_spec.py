"""Experiment specs: a ticket's ``sweep:`` block merged into the spec file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agileds.errors import ConfigError
from agileds.sweeps import load_spec
from agileds.sweeps._spec import merge_overrides

SPEC = """\
data: {path: leads.csv, target: is_closed}
features:
  required: [title]
  optional:
    text: [description]
    source: [lead_source]
budget: {trials: 30}
"""


def _spec(tmp_path: Path, overrides: dict) -> object:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return load_spec(path, "experiments/spec.yaml", overrides, origin="backlog/STORY-1.yaml")


def test_a_mapping_merges_key_by_key(tmp_path: Path) -> None:
    spec = _spec(tmp_path, {"features": {"optional": {"customer": ["customer_id"]}}})
    assert spec.features.optional == {
        "text": ["description"],
        "source": ["lead_source"],
        "customer": ["customer_id"],
    }
    assert spec.features.required == ["title"]


def test_an_empty_mapping_replaces_so_groups_can_be_switched_off(tmp_path: Path) -> None:
    spec = _spec(tmp_path, {"features": {"optional": {}}})
    assert spec.features.optional == {}
    assert spec.features.required == ["title"]


def test_trials_and_timeout_are_budget_shortcuts() -> None:
    merged = merge_overrides({"budget": {"trials": 30}}, {"trials": 5, "timeout": 60})
    assert merged["budget"] == {"trials": 5, "timeout": 60}


def test_merging_leaves_the_spec_untouched() -> None:
    raw = {"features": {"optional": {"text": ["description"]}}}
    merge_overrides(raw, {"features": {"optional": {}}})
    assert raw == {"features": {"optional": {"text": ["description"]}}}


def test_a_bad_override_names_the_ticket(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^backlog/STORY-1.yaml: cv_folds: "):
        _spec(tmp_path, {"cv_folds": 1})


@pytest.mark.parametrize(
    ("setting", "rows", "expected"),
    [(2, 100, 2), ("auto", 3000, 1), ("auto", 700, 3), ("auto", 100, 5)],
)
def test_cv_repeats_auto_validates_about_1500_rows(
    setting: object, rows: int, expected: int
) -> None:
    from agileds.sweeps._prepare import cv_repeats

    assert cv_repeats(setting, rows) == expected  # type: ignore[arg-type]


def test_repeated_folds_reshuffle_and_cover_every_row_once_per_repeat() -> None:
    import numpy as np
    import pandas as pd

    from agileds.sweeps._prepare import _folds

    y = pd.Series(np.arange(60) % 2, name="y")
    folds = _folds(y, "binary", 3, seed=0, repeats=2)
    assert len(folds) == 6
    for repeat in (folds[:3], folds[3:]):
        assert sorted(np.concatenate([val for _, val in repeat]).tolist()) == list(range(60))
    assert not np.array_equal(folds[0][1], folds[3][1])


def test_unlabelled_rows_are_an_error_unless_the_spec_drops_them(tmp_path: Path) -> None:
    import pandas as pd

    from agileds.errors import DataError
    from agileds.sweeps._prepare import prepare_data

    rows = 60
    frame = pd.DataFrame({"x": range(rows), "y": [i % 2 for i in range(rows)]}, dtype=float)
    frame.loc[[3, 7], "y"] = None
    frame.to_csv(tmp_path / "data.csv", index=False)
    path = tmp_path / "spec.yaml"
    path.write_text("data: {path: data.csv, target: y, task: binary}\n")
    with pytest.raises(DataError, match=r"null in 2 of 60 rows; .* data.unlabelled: drop in spec"):
        prepare_data(load_spec(path, "spec.yaml"), path, "spec.yaml")
    path.write_text("data: {path: data.csv, target: y, task: binary, unlabelled: drop}\n")
    data = prepare_data(load_spec(path, "spec.yaml"), path, "spec.yaml")
    assert len(data.train) + len(data.holdout) == rows - 2


@pytest.mark.parametrize("value", ["-1", "101", "lots"])
def test_a_bad_ensemble_setting_names_the_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC + f"ensemble: {value}\n")
    with pytest.raises(ConfigError, match=r"^experiments/spec.yaml:8: ensemble: "):
        load_spec(path, "experiments/spec.yaml", {})


def test_ensemble_selection_is_on_by_default_and_zero_turns_it_off(tmp_path: Path) -> None:
    assert _spec(tmp_path, {}).ensemble == 25  # type: ignore[attr-defined]
    assert _spec(tmp_path, {"ensemble": 0}).ensemble == 0  # type: ignore[attr-defined]
