"""The ``thresholds:`` block of agileds.yaml: defaults, overrides and errors."""

from __future__ import annotations

import pytest

from agileds.errors import ConfigError
from agileds.monitor import Thresholds, load_thresholds
from agileds.project import Project


def _with_thresholds(project: Project, block: str) -> Project:
    path = project.root / "agileds.yaml"
    path.write_text(path.read_text() + block)
    return Project(project.root)  # settings are cached per instance


def test_defaults(project: Project) -> None:
    thresholds = load_thresholds(project)
    assert thresholds == Thresholds()
    assert (thresholds.metric_drop, thresholds.metric_interval) == (0.03, True)
    assert (thresholds.feature_psi, thresholds.score_volume) == (0.25, 0.5)


def test_overrides_and_switching_off(project: Project) -> None:
    project = _with_thresholds(
        project, "thresholds:\n  metric_drop: 0.05\n  score_volume: null\n  n_boot: 200\n"
    )
    thresholds = load_thresholds(project)
    assert (thresholds.metric_drop, thresholds.score_volume, thresholds.n_boot) == (0.05, None, 200)
    assert thresholds.feature_psi == 0.25


def test_unknown_key_names_the_file_line_and_the_known_keys(project: Project) -> None:
    lines = len((project.root / "agileds.yaml").read_text().splitlines())
    project = _with_thresholds(project, "thresholds:\n  metric_drop: 0.05\n  max_psi: 0.3\n")
    with pytest.raises(ConfigError) as raised:
        load_thresholds(project)
    assert str(raised.value) == (
        f"agileds.yaml:{lines + 3}: thresholds.max_psi: unknown threshold; use one of "
        "metric_drop, metric_interval, feature_psi, score_volume, n_boot, level"
    )


def test_bad_value_names_the_key(project: Project) -> None:
    lines = len((project.root / "agileds.yaml").read_text().splitlines())
    project = _with_thresholds(project, "thresholds:\n  feature_psi: -1\n")
    with pytest.raises(ConfigError) as raised:
        load_thresholds(project)
    assert str(raised.value) == (
        f"agileds.yaml:{lines + 2}: thresholds.feature_psi: input should be greater than 0, got -1"
    )
