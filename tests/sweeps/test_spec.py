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
