"""A small demo project with real registered models: a good one and one fitted on shuffled
labels, both logistic pipelines built the way ``agileds run`` builds them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agileds.project import Project
from tests.conftest import make_demo_project

MODEL = "lead-scoring"

SPEC = """\
data:
  path: data/leads.csv
  target: is_closed
  drop: [lead_id, deal_stage_final]
  time_column: created_at
  segment_column: customer_id
split: {holdout: 0.3, seed: 7}
features:
  optional:
    text: [description]
metric: auroc
cv_folds: 3
families: [logistic]
budget: {trials: 2}
"""

TICKET = """\
id: STORY-3
type: story
title: Better lead scores
value: 5
effort: 2
model: lead-scoring
experiment: experiments/golive.yaml
acceptance:
  - auroc >= 0.6
  - delta.auroc.ci_low > 0
"""

GUARDRAILS = """
guardrails:
  n_boot: 200
  min_segment_rows: 15
  max_latency_ratio: 20      # latency on a shared test machine is noisy; tested in test_gate
  mlflow_evaluate: false
"""


def make_golive_project(root: Path, template_db: Path) -> Project:
    """The demo project on 600 rows in ``root``, ticket STORY-3 on a fast spec."""
    make_demo_project(root, template_db, rows=600)
    (root / "experiments" / "golive.yaml").write_text(SPEC)
    (root / "backlog" / "STORY-3.yaml").write_text(TICKET)
    config = root / "agileds.yaml"
    config.write_text(config.read_text() + GUARDRAILS)
    return Project(root)


def registrar(project: Project) -> Callable[..., str]:
    """A function that fits a logistic pipeline on the training part and registers it.

    ``shuffled=True`` fits it on shuffled labels (a useless model); ``ticket`` tags the
    version as the runner does; ``config`` overrides the family defaults. It returns the
    registered version.
    """
    from agileds.sweeps import load_ticket_spec
    from agileds.sweeps._objective import build_model, default_configs
    from agileds.sweeps._prepare import prepare_data
    from agileds.tracking import (
        RunLogger,
        ensure_experiment,
        get_client,
        log_model,
        log_reference,
        reference_tags,
        register_model,
        resolve_stores,
    )

    spec, path, shown = load_ticket_spec(project, project.backlog().get("STORY-3"))
    data = prepare_data(spec, path, shown)
    stores = resolve_stores(project.root)
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, MODEL, stores.artifact_root)

    def fit_and_register(
        ticket: str = "STORY-3", *, shuffled: bool = False, config: dict[str, Any] | None = None
    ) -> str:
        chosen = {**default_configs(spec, data)[0], **(config or {})}
        y = data.y_train.sample(frac=1.0, random_state=0).to_numpy() if shuffled else data.y_train
        model = build_model(chosen, spec, data).fit(data.x_train, y)
        run = RunLogger(client, tags={"agileds.ticket": ticket}).start_parent(experiment, ticket)
        uri = log_model(client, run, model, data.x_holdout.head(5), "binary")
        log_reference(client, run, data.train)
        tags = {
            "agileds.ticket": ticket,
            "agileds.config": json.dumps(chosen),
            "agileds.spec": shown,
            "agileds.git_commit": f"commit-of-{ticket}",
            **reference_tags(data.train, data.target, spec.data.time_column),
        }
        return register_model(client, MODEL, uri, run, tags=tags)

    return fit_and_register


@pytest.fixture
def golive_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template_db: Path
) -> Project:
    """The demo project on 600 rows, ticket STORY-3 on a fast spec, cwd set to it."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    project = make_golive_project(tmp_path, mlflow_template_db)
    monkeypatch.chdir(tmp_path)
    return project


@pytest.fixture
def register(golive_project: Project) -> Callable[..., str]:
    """Fit a logistic pipeline on the training part and register it; return its version
    (see :func:`registrar`)."""
    return registrar(golive_project)


def client_of(project: Project) -> Any:
    """A client on the project's tracking store."""
    from agileds.tracking import get_client, resolve_stores

    return get_client(resolve_stores(project.root).tracking_uri)


def set_guardrails(project: Project, **values: object) -> None:
    """Replace the test guardrails with ``values`` (YAML scalars)."""
    config = project.root / "agileds.yaml"
    base = config.read_text().split("\nguardrails:")[0]
    lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in values.items())
    config.write_text(f"{base}\nguardrails:\n{lines}")
