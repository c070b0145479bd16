"""The ticket cache: unchanged files are not parsed again, changed ones always are."""

from __future__ import annotations

import json
from pathlib import Path

from agileds.project import Project
from tests._helpers import GOOD_TICKET, write_ticket


def cached_names(cache: Path) -> dict[str, object]:
    """The entries of the cache file (a checksummed JSON payload)."""
    return json.loads(json.loads(cache.read_text())["tickets"])


def test_changed_file_is_read_again(project: Project) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    assert project.backlog().load().tickets[0].value == 8
    cache = project.mlruns_dir / "ticket-cache.json"
    assert "STORY-1.yaml" in cached_names(cache)
    path.write_text(GOOD_TICKET.replace("value: 8", "value: 9"))
    assert project.backlog().load().tickets[0].value == 9


def test_cached_tickets_are_served_without_parsing(project: Project, monkeypatch) -> None:
    from agileds.tickets import _store

    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    project.backlog().load()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(_store, "parse_ticket", fail)
    assert [t.id for t in project.backlog().load().tickets] == ["STORY-1"]


def test_listing_cache_does_not_skip_criteria_checks(project: Project) -> None:
    bad = GOOD_TICKET.replace("auroc >= 0.8", "aurco >= 0.8")
    write_ticket(project, "STORY-1.yaml", bad)
    assert project.backlog().load(check_criteria=False).errors == []
    assert "unknown quantity 'aurco'" in str(project.backlog().load().errors[0])


def test_corrupt_cache_is_ignored_and_deleted_files_forgotten(project: Project) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    cache = project.mlruns_dir / "ticket-cache.json"
    cache.write_text("{not json")
    assert len(project.backlog().load().tickets) == 1
    path.unlink()
    assert project.backlog().load().tickets == []
    assert cached_names(cache) == {}
