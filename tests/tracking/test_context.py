"""The active ticket, its tags, and the run-context plugin MLflow loads by entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import mlflow
import pytest

from agileds.errors import UsageError
from agileds.tracking import (
    TICKET_ENV,
    TICKET_TAGS_ENV,
    TicketRunContext,
    active_ticket,
    ticket_tags,
    ticket_type_from_id,
)


@pytest.mark.parametrize(
    ("ticket", "expected"),
    [
        ("STORY-12", "story"),
        ("SPIKE-3", "spike"),
        ("BUG-7", "bug"),
        ("INV-1", "investigation"),
        ("story-4", "story"),
        ("EPIC-2", None),
    ],
)
def test_ticket_type_from_id_reads_the_prefix(ticket: str, expected: str | None) -> None:
    assert ticket_type_from_id(ticket) == expected


def test_no_ticket_means_no_tags() -> None:
    assert ticket_tags() == {}
    assert not TicketRunContext().in_context()


def test_exported_ticket_gives_id_and_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TICKET_ENV, "BUG-7")
    context = TicketRunContext()
    assert context.in_context()
    assert context.tags() == {"agileds.ticket": "BUG-7", "agileds.ticket_type": "bug"}


def test_active_ticket_sets_the_environment_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TICKET_ENV, "SPIKE-1")
    tags = {"agileds.ticket": "STORY-12", "agileds.title": "Lead score v2"}
    with active_ticket(tags) as active:
        assert os.environ[TICKET_ENV] == "STORY-12"
        assert json.loads(os.environ[TICKET_TAGS_ENV])["agileds.title"] == "Lead score v2"
        assert active == {**tags, "agileds.ticket_type": "story"}
        with active_ticket("INV-2"):
            assert ticket_tags() == {
                "agileds.ticket": "INV-2",
                "agileds.ticket_type": "investigation",
            }
        assert ticket_tags() == active
    assert os.environ[TICKET_ENV] == "SPIKE-1"
    assert TICKET_TAGS_ENV not in os.environ


def test_active_ticket_restores_on_error() -> None:
    with pytest.raises(RuntimeError), active_ticket("STORY-1"):
        raise RuntimeError
    assert TICKET_ENV not in os.environ


def test_ticket_type_from_the_tags_wins_over_the_prefix() -> None:
    with active_ticket({"agileds.ticket": "X-1", "agileds.ticket_type": "spike"}):
        assert ticket_tags()["agileds.ticket_type"] == "spike"


def test_active_ticket_needs_a_ticket_id() -> None:
    with pytest.raises(UsageError) as raised, active_ticket({"agileds.title": "no id"}):
        pass
    assert str(raised.value) == (
        "active_ticket: the tags need an 'agileds.ticket' entry such as 'STORY-12', "
        "got {'agileds.title': 'no id'}"
    )


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '{"agileds.ticket": "STORY-9"}'])
def test_malformed_or_stale_stored_tags_are_ignored(
    monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    monkeypatch.setenv(TICKET_ENV, "BUG-7")
    monkeypatch.setenv(TICKET_TAGS_ENV, stored)
    assert ticket_tags() == {"agileds.ticket": "BUG-7", "agileds.ticket_type": "bug"}


def test_entry_point_is_installed_and_registered_with_mlflow() -> None:
    from mlflow.tracking.context.registry import _run_context_provider_registry

    (entry_point,) = entry_points(group="mlflow.run_context_provider", name="agileds")
    assert entry_point.load() is TicketRunContext
    assert any(isinstance(p, TicketRunContext) for p in _run_context_provider_registry)


def test_fluent_run_inside_active_ticket_carries_the_tags(
    fluent_store: str, experiment_id: str
) -> None:
    with (
        active_ticket({"agileds.ticket": "STORY-12", "agileds.title": "Lead score"}),
        mlflow.start_run(experiment_id=experiment_id) as run,
    ):
        pass
    with mlflow.start_run(experiment_id=experiment_id) as outside:
        pass
    tags = mlflow.get_run(run.info.run_id).data.tags
    assert tags["agileds.ticket"] == "STORY-12"
    assert tags["agileds.ticket_type"] == "story"
    assert tags["agileds.title"] == "Lead score"
    assert not any(
        key.startswith("agileds.") for key in mlflow.get_run(outside.info.run_id).data.tags
    )


CHILD = """
import json, agileds.tracking._context  # before mlflow: the entry point must still load
import mlflow
from mlflow.tracking.context.registry import resolve_tags
print(json.dumps({k: v for k, v in resolve_tags().items() if k.startswith("agileds.")}))
"""


def test_worker_process_inherits_the_ticket_and_registers_the_plugin() -> None:
    with active_ticket({"agileds.ticket": "SPIKE-4", "agileds.value": "8"}):
        done = subprocess.run(
            [sys.executable, "-W", "error::UserWarning", "-c", CHILD],
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "agileds.ticket": "SPIKE-4",
        "agileds.ticket_type": "spike",
        "agileds.value": "8",
    }
