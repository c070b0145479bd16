"""Guardrail settings in agileds.yaml: defaults, and errors located by line."""

from __future__ import annotations

import pytest

from agileds.errors import ConfigError
from agileds.golive import Guardrails, load_guardrails
from agileds.project import Project


def test_defaults_when_agileds_yaml_names_none(project: Project) -> None:
    assert load_guardrails(project) == Guardrails()
    assert Guardrails().max_latency_ratio == 1.5
    assert Guardrails().primary_not_worse and Guardrails().require_signoff
    assert not Guardrails().mlflow_evaluate  # opt-in: MLflow's evaluator is a cross-check


def test_settings_are_read(project: Project) -> None:
    config = project.root / "agileds.yaml"
    config.write_text(config.read_text() + "guardrails:\n  max_latency_ratio: null\n  n_boot: 50\n")
    got = load_guardrails(Project(project.root))
    assert (got.max_latency_ratio, got.n_boot, got.level) == (None, 50, 0.95)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "guardrails:\n  n_boot: 100\n  max_latency: 2\n",
            "agileds.yaml:{line}: guardrails.max_latency: unknown guardrail; use one of "
            "primary_not_worse, max_latency_ratio, max_segments_worse, require_signoff, "
            "n_boot, level, min_segment_rows, mlflow_evaluate",
        ),
        (
            "guardrails:\n  level: 95\n",
            "agileds.yaml:{line}: guardrails.level: input should be less than 1, got 95",
        ),
    ],
)
def test_a_bad_setting_names_its_line(project: Project, block: str, message: str) -> None:
    config = project.root / "agileds.yaml"
    text = config.read_text() + block
    config.write_text(text)
    line = len(text.splitlines())
    with pytest.raises(ConfigError) as excinfo:
        load_guardrails(Project(project.root))
    assert str(excinfo.value) == message.format(line=line)
