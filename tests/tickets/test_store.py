"""The ticket store: validation messages with file:line, IDs, atomic comment-keeping edits."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from agileds.errors import TicketNotFoundError, UsageError
from agileds.project import Project
from agileds.tickets import Backlog, Status, TicketType
from tests._helpers import GOOD_TICKET, write_ticket

BASE = "id: {id}\ntype: {type}\ntitle: T\nvalue: 3\neffort: 2\n"

BROKEN = {
    "bad YAML": (
        "STORY-2.yaml",
        "id: STORY-2\ntype: story\ntitle: [unclosed\nvalue: 3\n",
        "backlog/STORY-2.yaml:4: invalid YAML: ",
    ),
    "wrong type": (
        "STORY-3.yaml",
        "# effort in points\nid: STORY-3\ntype: story\ntitle: T\n\nvalue: 3\neffort: three\n",
        "backlog/STORY-3.yaml:7: effort: must be a positive number, got 'three'",
    ),
    "bad ID": (
        "STORY-4.yaml",
        BASE.format(id="STORY-x", type="story"),
        "backlog/STORY-4.yaml:1: id: must be an ID like STORY-12 (INV-n, STORY-n, SPIKE-n or BUG-n), got 'STORY-x'",
    ),
    "unknown key": (
        "STORY-5.yaml",
        BASE.format(id="STORY-5", type="story") + "valeu: 4\n",
        "backlog/STORY-5.yaml:6: valeu: unknown key; did you mean 'value'?",
    ),
    "bad AC syntax": (
        "STORY-6.yaml",
        BASE.format(id="STORY-6", type="story") + "acceptance:\n  - auroc >= 0.8\n  - auroc >=\n",
        "backlog/STORY-6.yaml:8: acceptance[1]: ",
    ),
    "unknown AC name": (
        "STORY-7.yaml",
        BASE.format(id="STORY-7", type="story") + "acceptance:\n  - aurco >= 0.8\n",
        "backlog/STORY-7.yaml:7: acceptance[0]: unknown quantity 'aurco'; did you mean 'auroc'?",
    ),
    "duplicate ID": (
        "STORY-8.yaml",
        BASE.format(id="STORY-1", type="story"),
        "backlog/STORY-8.yaml:1: id: duplicate ID 'STORY-1', also in backlog/STORY-1.yaml; give one of them a new ID",
    ),
    "prefix/type mismatch": (
        "BUG-2.yaml",
        BASE.format(id="BUG-2", type="story"),
        "backlog/BUG-2.yaml:1: id: ID prefix does not match type 'story'; use STORY-<n> or change type",
    ),
    "negative effort": (
        "STORY-9.yaml",
        BASE.format(id="STORY-9", type="story").replace("effort: 2", "effort: -2"),
        "backlog/STORY-9.yaml:5: effort: must be a positive number, got -2",
    ),
    "empty file": (
        "STORY-10.yaml",
        "",
        "backlog/STORY-10.yaml: empty file; a ticket needs at least id, type, title, value and effort",
    ),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_broken_file_gives_one_precise_error(project: Project, kind: str) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    name, text, expected = BROKEN[kind]
    write_ticket(project, name, text)
    result = project.backlog().load()
    assert [t.id for t in result.tickets] == ["STORY-1"]
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(expected)


def test_all_broken_files_reported_together(project: Project) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    for name, text, _ in BROKEN.values():
        write_ticket(project, name, text)
    result = project.backlog().load()
    assert len(result.errors) == len(BROKEN)
    assert {e.path for e in result.errors} == {f"backlog/{n}" for n, _, _ in BROKEN.values()}


def test_sprints_file_and_temp_files_are_not_tickets(project: Project) -> None:
    write_ticket(project, "sprints.yaml", "sprints: []\n")
    write_ticket(project, ".STORY-1.yaml.abc.tmp", "garbage")
    assert project.backlog().load().errors == []


def test_create_allocates_next_id_per_type(project: Project) -> None:
    backlog = project.backlog()
    first = backlog.create("story", "One", value=3, effort=2)
    second = backlog.create(TicketType.STORY, "Two", value=3, effort=2)
    bug = backlog.create("bug", "Three", value=1, effort=1)
    assert (first.id, second.id, bug.id) == ("STORY-1", "STORY-2", "BUG-1")
    assert backlog.get("story-2").title == "Two"


def test_create_rejects_invalid_fields_and_writes_nothing(project: Project) -> None:
    from agileds.errors import BacklogInvalidError

    with pytest.raises(BacklogInvalidError, match="effort: must be a positive number, got 0"):
        project.backlog().create("story", "Bad", value=3, effort=0)
    assert list(project.backlog_dir.iterdir()) == []


def _create_many(directory: str, n: int) -> None:
    backlog = Backlog(Path(directory))
    for i in range(n):
        backlog.create("story", f"ticket {i}", value=1, effort=1)


def test_concurrent_creation_never_collides(project: Project) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_create_many, args=(str(project.backlog_dir), 15)) for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    result = project.backlog().load()
    assert result.errors == []
    assert sorted(int(t.id.split("-")[1]) for t in result.tickets) == list(range(1, 46))


def test_move_keeps_comments_and_order(project: Project) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    moved = project.backlog().move("STORY-1", "in_progress")
    assert moved.status is Status.IN_PROGRESS
    assert path.read_text() == GOOD_TICKET.replace("status: todo ", "status: in_progress ")
    assert [p.name for p in project.backlog_dir.iterdir()] == ["STORY-1.yaml"]


def test_update_adds_missing_key_in_canonical_place(project: Project) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    project.backlog().update("STORY-1", sprint=3)
    lines = path.read_text().splitlines()
    assert lines[lines.index("effort: 3") + 1] == "sprint: 3"
    assert project.backlog().get("STORY-1").sprint == 3


def test_move_to_unknown_status_is_a_usage_error(project: Project) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    with pytest.raises(UsageError, match="unknown status 'doing'; use one of todo, in_progress"):
        project.backlog().move("STORY-1", "doing")


def test_unknown_ticket_suggests_close_id(project: Project) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    with pytest.raises(
        TicketNotFoundError, match="no ticket STORY-11 in backlog; did you mean STORY-1"
    ):
        project.backlog().get("STORY-11")


def test_accept_signs_off_a_plain_words_criterion(project: Project) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    signed = project.backlog().accept("STORY-1", 2, "alice")
    item = signed.criteria()[1]
    assert (item.manual, item.accepted_by) == (True, "alice")
    text = path.read_text()
    assert text.startswith("# a comment the user wrote\n") and "  - auroc >= 0.8\n" in text


def test_accept_refuses_a_measured_criterion(project: Project) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    with pytest.raises(UsageError, match="criterion 1 of STORY-1 is measured, not manual"):
        project.backlog().accept("STORY-1", 1, "alice")
    with pytest.raises(UsageError, match="STORY-1 has 2 criteria; pick N from 1 to 2"):
        project.backlog().accept("STORY-1", 3, "alice")
