"""Promotion and rollback on a real MLflow registry (SQLite), with real logged pipelines.

The go-live decision is set as the tags ``agileds golive`` writes (the contract between the
two commands), so these tests do not depend on the comparison itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from agileds.errors import TicketNotFoundError, UsageError
from agileds.golive import PREVIOUS, PRODUCTION, Promotion, promote, rollback
from agileds.golive._steps import ChangeFailedError
from agileds.project import Project
from tests.conftest import copy_mlflow_db

MODEL = "lead-scoring"


@dataclass
class Registry:
    """A project with a registry holding one logged pipeline, registered on demand."""

    project: Project
    client: Any
    model_uri: str
    run_id: str

    def register(self, ticket: str = "STORY-1", *, dirty: bool = False) -> str:
        """Register the pipeline as a new version, tagged as ``agileds run`` tags it."""
        from agileds.tracking import register_model

        tags = {
            "agileds.ticket": ticket,
            "agileds.git_commit": "0123abc",
            "agileds.git_dirty": str(dirty).lower(),
        }
        return register_model(self.client, MODEL, self.model_uri, self.run_id, tags=tags)

    def decide(
        self,
        version: str,
        decision: str,
        against: str | None,
        reasons: list[str] | None = None,
        *,
        minutes_ago: int = 0,
    ) -> None:
        """Set the tags ``agileds golive`` leaves on a candidate it judged."""
        at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=minutes_ago)
        tags = {
            "agileds.golive.decision": decision,
            "agileds.golive.reasons": json.dumps(reasons or [f"decided {decision}"]),
            "agileds.golive.report": "docs/reports/STORY-1/golive.md",
            "agileds.golive.at": at.isoformat(),
            "agileds.golive.production_version": against or "",
        }
        for key, value in tags.items():
            self.client.set_model_version_tag(MODEL, version, key, value)

    def candidate(self, decision: str = "GO", **options: Any) -> str:
        """Register a version, decided a minute ago against the current production version."""
        version = self.register(**options)
        self.decide(version, decision, self.aliases().get(PRODUCTION), minutes_ago=1)
        return version

    def aliases(self) -> dict[str, str]:
        """Alias -> version of the model (empty when it is not registered yet)."""
        from mlflow.exceptions import MlflowException

        try:
            model = self.client.get_registered_model(MODEL)
        except MlflowException:
            return {}
        return {alias: str(version) for alias, version in model.aliases.items()}

    def tags(self, version: str) -> dict[str, str]:
        return dict(self.client.get_model_version(MODEL, version).tags)

    def status(self, ticket: str = "STORY-1") -> str:
        return str(self.project.backlog().get(ticket).status.value)


@pytest.fixture(scope="module")
def pipeline() -> tuple[Pipeline, pd.DataFrame]:
    """A small fitted scikit-learn pipeline and its input frame."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"revenue": rng.normal(50, 10, 80), "visits": rng.normal(3, 1, 80)})
    labels = (frame["revenue"] + 5 * rng.normal(size=80) > 50).astype(int)
    model = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    return model.fit(frame, labels), frame


@pytest.fixture
def registry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mlflow_template_db: Path,
    pipeline: tuple[Pipeline, pd.DataFrame],
) -> Iterator[Registry]:
    """A project with the demo ticket STORY-1 (model lead-scoring) and a ready registry."""
    from agileds._scaffold import init_project
    from agileds.tracking import RunLogger, ensure_experiment, get_client, log_model, resolve_stores

    init_project(tmp_path)
    story = resources.files("agileds._scaffold").joinpath("files/demo/backlog/STORY-1.yaml")
    (tmp_path / "backlog" / "STORY-1.yaml").write_text(story.read_text(encoding="utf-8"))
    copy_mlflow_db(mlflow_template_db, tmp_path / "mlruns")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGILEDS_PROJECT", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    sentinel = tmp_path / "global" / "unused.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{sentinel}")
    stores = resolve_stores(tmp_path)
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, MODEL, stores.artifact_root)
    run = RunLogger(client, tags={}).start_parent(experiment, "STORY-1")
    fitted, frame = pipeline
    uri = log_model(client, run, fitted, frame.head(5), "binary")
    yield Registry(Project(tmp_path), client, uri, run)
    assert not sentinel.exists(), "something used MLflow's global tracking URI"


def test_first_promotion_sets_production_without_previous(registry: Registry) -> None:
    version = registry.candidate()
    done = promote(registry.project, "STORY-1", user="ana")
    assert (done.version, done.replaced, done.decision) == (version, None, "GO")
    assert registry.aliases() == {PRODUCTION: version}
    tags = registry.tags(version)
    assert tags["agileds.promoted_by"] == "ana"
    assert tags["agileds.promoted_by_ticket"] == "STORY-1"
    assert tags["agileds.promotion.report"] == "docs/reports/STORY-1/golive.md"
    assert tags["agileds.promotion.from"] == ""
    assert tags["agileds.promoted_at"] == done.at and done.at.endswith("+00:00")
    assert "agileds.promotion.forced_reason" not in tags
    assert registry.status() == "done"


def test_go_moves_production_keeps_previous_and_tags_both(registry: Registry) -> None:
    first = registry.candidate()
    promote(registry.project, "STORY-1")
    second = registry.candidate()
    done = promote(registry.project, "STORY-1", user="ana")
    assert done == Promotion(
        model=MODEL,
        ticket="STORY-1",
        version=second,
        replaced=first,
        decision="GO",
        forced_reason=None,
        dirty=False,
        report="docs/reports/STORY-1/golive.md",
        by="ana",
        at=done.at,
    )
    assert registry.aliases() == {PRODUCTION: second, PREVIOUS: first}
    assert registry.tags(second)["agileds.promotion.from"] == first
    old = registry.tags(first)
    assert old["agileds.replaced_by"] == second
    assert old["agileds.replaced_by_user"] == "ana"
    assert old["agileds.replaced_by_ticket"] == "STORY-1"
    assert old["agileds.replaced_at"] == done.at


def test_promote_rollback_promote_round_trips_the_aliases(registry: Registry) -> None:
    first = registry.candidate()
    promote(registry.project, "STORY-1")
    second = registry.candidate()
    promote(registry.project, "STORY-1")
    after_promotion = registry.aliases()
    assert after_promotion == {PRODUCTION: second, PREVIOUS: first}

    back = rollback(registry.project, MODEL, reason="conversion dropped", user="ben")
    assert (back.version, back.rolled_back) == (first, second)
    assert registry.aliases() == {PRODUCTION: first}
    tags = registry.tags(second)
    assert tags["agileds.rolled_back_by"] == "ben"
    assert tags["agileds.rolled_back_reason"] == "conversion dropped"
    assert tags["agileds.rolled_back_to"] == first
    assert tags["agileds.rolled_back_at"] == back.at
    assert registry.tags(first)["agileds.restored_from"] == second

    # The version rolled back needs a go-live decision made after the rollback.
    with pytest.raises(UsageError) as excinfo:
        promote(registry.project, "STORY-1")
    assert str(excinfo.value) == (
        f"lead-scoring v2 was rolled back at {back.at} (conversion dropped) after its go-live "
        "decision; rerun 'agileds golive STORY-1' for a fresh one"
    )
    registry.decide(second, "GO", against=first)
    promote(registry.project, "STORY-1")
    assert registry.aliases() == after_promotion


def test_a_second_rollback_is_refused(registry: Registry) -> None:
    registry.candidate()
    promote(registry.project, "STORY-1")
    registry.candidate()
    promote(registry.project, "STORY-1")
    rollback(registry.project, MODEL)
    with pytest.raises(UsageError) as excinfo:
        rollback(registry.project, MODEL)
    assert str(excinfo.value) == (
        "lead-scoring has no 'previous' version to roll back to (production is v1); "
        "set one in the MLflow UI (agileds ui) or promote another candidate"
    )


def test_rollback_without_production_is_refused(registry: Registry) -> None:
    with pytest.raises(UsageError, match=r"^lead-scoring has no production version; nothing"):
        rollback(registry.project, MODEL)


def test_no_go_is_refused_and_force_records_the_reason(registry: Registry) -> None:
    version = registry.register()
    registry.decide(version, "NO-GO", None, ["criterion 2 failed: delta.auroc.ci_low > 0"])
    with pytest.raises(UsageError) as excinfo:
        promote(registry.project, "STORY-1")
    assert str(excinfo.value) == (
        "lead-scoring v1 has a NO-GO go-live decision; what blocks it:\n"
        "  - criterion 2 failed: delta.auroc.ci_low > 0\n"
        "fix it and rerun 'agileds golive STORY-1', or override with --force REASON"
    )
    assert registry.aliases() == {}
    assert registry.status() == "todo"

    done = promote(registry.project, "STORY-1", force_reason="hotfix approved by Dana")
    assert (done.decision, done.forced_reason) == ("NO-GO", "hotfix approved by Dana")
    tags = registry.tags(version)
    assert tags["agileds.promotion.forced_reason"] == "hotfix approved by Dana"
    assert tags["agileds.promotion.decision"] == "NO-GO"
    assert registry.aliases() == {PRODUCTION: version}


def test_a_blank_force_reason_is_refused(registry: Registry) -> None:
    registry.candidate("NO-GO")
    with pytest.raises(UsageError, match=r"^--force needs a reason"):
        promote(registry.project, "STORY-1", force_reason="  ")


def test_no_decision_is_refused(registry: Registry) -> None:
    registry.register()
    with pytest.raises(UsageError) as excinfo:
        promote(registry.project, "STORY-1")
    assert str(excinfo.value) == (
        "lead-scoring v1 has no go-live decision; run 'agileds golive STORY-1' first"
    )


def test_no_version_of_the_ticket_is_refused(registry: Registry) -> None:
    registry.register("STORY-2")
    with pytest.raises(UsageError, match=r"^STORY-1 has no registered version of lead-scoring"):
        promote(registry.project, "STORY-1")
    with pytest.raises(TicketNotFoundError):
        promote(registry.project, "STORY-9")


def test_dirty_is_refused_unless_allowed(registry: Registry) -> None:
    version = registry.candidate(dirty=True)
    with pytest.raises(UsageError) as excinfo:
        promote(registry.project, "STORY-1")
    assert str(excinfo.value) == (
        "lead-scoring v1 was trained from a git tree with uncommitted changes; commit them "
        "and rerun 'agileds run STORY-1', or promote anyway with --allow-dirty"
    )
    done = promote(registry.project, "STORY-1", allow_dirty=True)
    assert done.dirty
    assert registry.tags(version)["agileds.promotion.allow_dirty"] == "true"
    assert registry.aliases() == {PRODUCTION: version}


def test_a_stale_decision_is_refused(registry: Registry) -> None:
    candidate = registry.candidate()  # decided against no production
    other = registry.candidate()
    promote(registry.project, "STORY-1", candidate=other)
    with pytest.raises(UsageError) as excinfo:
        promote(registry.project, "STORY-1", candidate=candidate)
    assert str(excinfo.value) == (
        "the go-live decision on lead-scoring v1 was made against production none, "
        "but production is now v2; rerun 'agileds golive STORY-1'"
    )


def test_an_explicit_candidate_and_one_already_in_production(registry: Registry) -> None:
    first = registry.candidate()
    registry.register()  # newer, undecided
    done = promote(registry.project, "STORY-1", candidate=int(first))
    assert done.version == first
    with pytest.raises(UsageError, match=r"^lead-scoring v1 is already in production"):
        promote(registry.project, "STORY-1", candidate=first)
    with pytest.raises(UsageError, match=r"^--candidate 7: lead-scoring has no such version"):
        promote(registry.project, "STORY-1", candidate="7")


def test_a_failing_production_move_leaves_the_aliases_as_they_were(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.exceptions import MlflowException

    first = registry.candidate()
    promote(registry.project, "STORY-1")
    second = registry.candidate()
    promote(registry.project, "STORY-1")
    third = registry.candidate()
    real = type(registry.client).set_registered_model_alias

    def failing(self: Any, name: str, alias: str, version: str) -> None:
        if alias == PRODUCTION:
            raise MlflowException("database is locked")
        real(self, name, alias, version)

    monkeypatch.setattr(type(registry.client), "set_registered_model_alias", failing)
    with pytest.raises(ChangeFailedError, match=r"\(database is locked\) and was undone"):
        promote(registry.project, "STORY-1")
    assert registry.aliases() == {PRODUCTION: second, PREVIOUS: first}
    assert "agileds.promoted_at" not in registry.tags(third)
    assert registry.status() == "done"  # from the earlier promotions, untouched


def test_a_first_deployment_drops_a_previous_left_without_production(registry: Registry) -> None:
    stray = registry.register()
    registry.client.set_registered_model_alias(MODEL, PREVIOUS, stray)
    version = registry.candidate()
    promote(registry.project, "STORY-1")
    assert registry.aliases() == {PRODUCTION: version}
