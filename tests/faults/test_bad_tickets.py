"""Hostile and broken tickets: IDs that are paths, files that lie about their ID, unreadable
files, a damaged cache, measured criteria signed off by hand, dependencies that go nowhere."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest

from agileds.errors import BacklogInvalidError, UsageError
from agileds.project import Project
from tests._helpers import GOOD_TICKET, write_ticket
from tests.faults._refusals import assert_refused, snapshot, story

BAD_IDS = [
    "../../OUT/STORY-5",
    "STORY-5/..",
    "../STORY-1",
    "/etc/passwd",
    "backlog/STORY-1",
    "STORY-1.yaml",
    "STORY-0",
    "STORY-01",
    "STORY--1",
    "STORY-1a",
    "TASK-1",
    "story 1",
    "",
    "STORY-\u0661",  # an Arabic-Indic digit: not 0-9
    "STORY-1\x00",
    "STORY-1/../../x",
]
COMMANDS = [
    ("ticket", "show", "{id}"),
    ("ticket", "move", "{id}", "done"),
    ("ticket", "accept", "{id}", "1"),
    ("run", "{id}"),
    ("worker", "{id}"),
    ("golive", "{id}"),
    ("promote", "{id}"),
]


@pytest.fixture
def outside(project: Project) -> Path:
    """``<project>/../OUT/STORY-5.yaml``, a ticket-like file outside the backlog."""
    folder = project.root.parent / "OUT"
    folder.mkdir(exist_ok=True)
    path = folder / "STORY-5.yaml"
    path.write_text(story(5))
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]).replace("{id}", ""))
@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_id_that_is_not_one_never_reaches_a_path(
    project: Project, outside: Path, run_cli, command: tuple[str, ...], bad: str
) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    before, outside_before = snapshot(project.root), outside.read_bytes()
    res = run_cli(*(part.format(id=bad) for part in command))
    assert_refused(res, "not a ticket ID", "STORY-12")
    assert snapshot(project.root) == before
    assert outside.read_bytes() == outside_before


@pytest.mark.parametrize("bad", ["../../OUT/STORY-5", "STORY-5/..", "/tmp/STORY-5"])
def test_the_library_refuses_a_path_as_an_id(project: Project, outside: Path, bad: str) -> None:
    backlog = project.backlog()
    for call in (
        lambda: backlog.move(bad, "done"),
        lambda: backlog.get(bad),
        lambda: backlog.accept(bad, 1, "eve"),
    ):
        with pytest.raises(UsageError, match="not a ticket ID"):
            call()
    assert outside.read_text() == story(5)


def test_lower_case_ids_still_work(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    res = run_cli("ticket", "move", "story-1", "done")
    assert (res.code, res.out) == (0, "STORY-1 -> done\n")


# -- a file whose name and id disagree ---------------------------------------------------


def test_new_after_a_misnamed_file_takes_a_fresh_id(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-3.yaml", story(7))
    res = run_cli("ticket", "new", "story", "Fresh")
    assert (res.code, res.out) == (0, "created backlog/STORY-8.yaml\n")
    ids = [json.loads(x)["id"] for x in [run_cli("ticket", "show", "STORY-8", "--json").out]]
    assert ids == ["STORY-8"]


def test_new_counts_the_id_of_an_invalid_file(project: Project, run_cli) -> None:
    write_ticket(project, "notes.yaml", story(11, "effort: oops\n"))
    res = run_cli("ticket", "new", "story", "Fresh")
    assert (res.code, res.out) == (0, "created backlog/STORY-12.yaml\n")


@pytest.mark.parametrize(
    ("name", "ticket_id"),
    [("STORY-3.yaml", "STORY-7"), ("story-2.yaml", "STORY-9"), ("BUG-1.yaml", "STORY-1")],
)
def test_validate_rejects_a_name_that_disagrees_with_the_id(
    project: Project, run_cli, name: str, ticket_id: str
) -> None:
    write_ticket(project, name, story(int(ticket_id.split("-")[1])))
    res = run_cli("ticket", "validate")
    assert res.code == 2
    assert res.out == (
        f"backlog/{name}:1: id: '{ticket_id}' does not match the file name {name}; "
        f"rename the file to {ticket_id}.yaml or set 'id: {Path(name).stem.upper()}'\n"
    )


def test_a_free_name_is_not_a_mismatch(project: Project, run_cli) -> None:
    write_ticket(project, "lead-source.yaml", story(4))
    assert run_cli("ticket", "validate").out == "1 ticket(s) valid\n"


def test_move_refuses_a_misnamed_file_and_leaves_it(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-3.yaml", story(7))
    before = snapshot(project.root)
    assert_refused(run_cli("ticket", "move", "STORY-3", "done"), "does not match the file name")
    assert snapshot(project.root) == before


# -- files that cannot be read -----------------------------------------------------------

UNREADABLE = {
    "latin-1": (b"id: STORY-2\ntitle: Caf\xe9\n", "not UTF-8 text; save the file as UTF-8"),
    "utf-16": ("id: STORY-2\n".encode("utf-16"), "not UTF-8 text"),
    "binary": (bytes(range(256)), "not UTF-8 text"),
}


@pytest.mark.parametrize("kind", list(UNREADABLE))
@pytest.mark.parametrize(
    "command", [("ticket", "validate"), ("ticket", "list"), ("backlog", "rank")]
)
def test_an_unreadable_file_is_one_error_and_the_rest_loads(
    project: Project, run_cli, kind: str, command: tuple[str, ...]
) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    (project.backlog_dir / "STORY-2.yaml").write_bytes(UNREADABLE[kind][0])
    res = run_cli(*command)
    assert res.code == 2 and "Traceback" not in res.err
    assert f"backlog/STORY-2.yaml: {UNREADABLE[kind][1]}" in res.out + res.err


@pytest.mark.parametrize(
    "command", [("ticket", "validate"), ("ticket", "list"), ("ticket", "new", "story", "x")]
)
def test_a_folder_named_like_a_ticket(project: Project, run_cli, command: tuple[str, ...]) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    (project.backlog_dir / "STORY-2.yaml").mkdir()
    res = run_cli(*command)
    assert "Traceback" not in res.out + res.err
    if command[1] == "new":
        assert (res.code, res.out) == (0, "created backlog/STORY-3.yaml\n")
    else:
        assert res.code == 2
        assert "backlog/STORY-2.yaml: a folder named like a ticket file" in res.out + res.err


# -- the ticket cache is never trusted over the files ------------------------------------


def _cache(project: Project) -> Path:
    return project.mlruns_dir / "ticket-cache.json"


def _entries(project: Project) -> dict:
    return json.loads(json.loads(_cache(project).read_text())["tickets"])


def _write_cache(project: Project, entries: object, *, checksum: bool = True) -> None:
    payload = json.dumps(entries)
    total = zlib.crc32(payload.encode()) if checksum else 1
    _cache(project).write_text(json.dumps({"version": 2, "sum": total, "tickets": payload}))


DAMAGED = {
    "not JSON": "{not json",
    "empty": "",
    "truncated": None,  # the real cache cut in half
    "a list": "[1, 2]",
    "old version": json.dumps({"version": 1, "tickets": {}}),
    "no checksum": json.dumps({"version": 2, "tickets": "{}"}),
    "payload not a string": json.dumps({"version": 2, "sum": 0, "tickets": {"a": 1}}),
    "binary": "\udcff",
}


@pytest.mark.parametrize("kind", list(DAMAGED))
@pytest.mark.parametrize(
    "command", [("ticket", "list"), ("ticket", "validate"), ("backlog", "rank")]
)
def test_a_damaged_cache_never_breaks_a_command(
    project: Project, run_cli, kind: str, command: tuple[str, ...]
) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    assert run_cli("ticket", "list").code == 0
    text = DAMAGED[kind]
    if text is None:
        raw = _cache(project).read_bytes()
        _cache(project).write_bytes(raw[: len(raw) // 2])
    else:
        _cache(project).write_bytes(text.encode("utf-8", "surrogateescape"))
    res = run_cli(*command)
    assert (res.code, res.err) == (0, ""), res.err
    assert "STORY-1" in res.out or "1 ticket(s) valid" in res.out


@pytest.mark.parametrize(
    "entry",
    [
        "not a mapping",
        {},
        {"id": "x"},
        {"criteria_ok": True},
        {"id": None, "criteria_ok": True, "ticket": {}},
        "IDENTITY",  # the right identity, a ticket that does not validate
    ],
    ids=["string", "empty", "id only", "no id", "null id", "invalid ticket"],
)
def test_a_malformed_cache_entry_is_parsed_again(project: Project, run_cli, entry: object) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    run_cli("ticket", "list")
    real = _entries(project)["STORY-1.yaml"]
    if entry == "IDENTITY":
        entry = {"id": real["id"], "criteria_ok": True, "ticket": {"id": "STORY-1", "value": -1}}
    _write_cache(project, {"STORY-1.yaml": entry})
    res = run_cli("ticket", "list", "--json")
    assert res.code == 0, res.err
    assert [t["title"] for t in json.loads(res.out)] == ["Add lead data object into model"]


def test_a_hand_edited_cache_shows_the_file_not_the_edit(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    run_cli("ticket", "list")
    tampered = _cache(project).read_text().replace("Add lead data object", "Wire the money")
    _cache(project).write_text(tampered)
    res = run_cli("ticket", "list", "--json")
    assert json.loads(res.out)[0]["title"] == "Add lead data object into model"


def test_a_same_size_edit_with_the_old_mtime_is_seen(project: Project, run_cli) -> None:
    path = write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    run_cli("ticket", "list")
    st = path.stat()
    path.write_text(GOOD_TICKET.replace("value: 8", "value: 9"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime and size as before
    res = run_cli("ticket", "list", "--json")
    assert json.loads(res.out)[0]["value"] == 9


# -- measured criteria are never signed off by hand --------------------------------------

UNICODE_COMPARISONS = [
    "auroc ≥ 0.8",
    "rmse ≤ 3",
    "leakage_flags ≠ 1",
    "auroc ⩾ 0.8",
    "auroc ＞ 0.8",
]


@pytest.mark.parametrize("text", UNICODE_COMPARISONS)
def test_a_unicode_comparison_is_an_error_not_a_manual_check(
    project: Project, run_cli, text: str
) -> None:
    write_ticket(project, "STORY-1.yaml", story(1, f"acceptance:\n  - {text}\n"))
    res = run_cli("ticket", "validate")
    assert res.code == 2
    assert res.out.startswith("backlog/STORY-1.yaml:7: acceptance[0]: unexpected character")
    assert "(ASCII)" in res.out
    before = snapshot(project.root)
    assert_refused(run_cli("ticket", "accept", "STORY-1", "1"), "unexpected character", caret=True)
    assert snapshot(project.root) == before


@pytest.mark.parametrize("text", ["auroc >= 0.8", "cv.auroc > 0.7 and leakage_flags == 0"])
def test_accept_refuses_a_measured_criterion_marked_manual(
    project: Project, run_cli, text: str
) -> None:
    write_ticket(
        project, "STORY-1.yaml", story(1, f"acceptance:\n  - text: '{text}'\n    manual: true\n")
    )
    before = snapshot(project.root)
    assert_refused(run_cli("ticket", "accept", "STORY-1", "1"), "is measured, not manual")
    assert snapshot(project.root) == before


def test_accept_still_signs_off_a_manual_check(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", GOOD_TICKET)
    res = run_cli("ticket", "accept", "STORY-1", "2", "--by", "ada")
    assert (res.code, res.out) == (0, "STORY-1: criterion 2 signed off by ada\n")


# -- numbers that are not numbers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("value: .inf", "value"),
        ("value: .nan", "value"),
        ("effort: .inf", "effort"),
        ("effort: -.inf", "effort"),
        ("confidence: .nan", "confidence"),
        ("reach: .inf", "reach"),
    ],
)
def test_infinite_or_nan_ticket_numbers(project: Project, run_cli, line: str, field: str) -> None:
    text = story(1).replace({"value": "value: 3\n", "effort": "effort: 2\n"}.get(field, "\0"), "")
    text += line + "\n"
    write_ticket(project, "STORY-1.yaml", text)
    res = run_cli("ticket", "validate")
    assert res.code == 2 and "Traceback" not in res.out + res.err
    number = text.splitlines().index(line) + 1
    assert res.out.startswith(f"backlog/STORY-1.yaml:{number}: {field}: must be"), res.out


# -- dependencies ---------------------------------------------------------------------------

DEPENDENCIES = {
    "missing": (
        {1: "depends_on: [STORY-9]\n"},
        "backlog/STORY-1.yaml:6: depends_on[0]: STORY-9 is not in the backlog; fix the ID or remove it",
    ),
    "missing parent": (
        {1: "parent: SPIKE-4\n"},
        "backlog/STORY-1.yaml:6: parent: SPIKE-4 is not in the backlog",
    ),
    "self": (
        {1: "depends_on: [STORY-1]\n"},
        "backlog/STORY-1.yaml:6: depends_on[0]: dependency cycle STORY-1 → STORY-1",
    ),
    "two": (
        {1: "depends_on: [STORY-2]\n", 2: "depends_on: [STORY-1]\n"},
        "depends_on[0]: dependency cycle STORY-1 → STORY-2 → STORY-1",
    ),
    "three": (
        {1: "depends_on: [STORY-2]\n", 2: "depends_on: [STORY-3]\n", 3: "parent: STORY-1\n"},
        "dependency cycle STORY-1 → STORY-2 → STORY-3 → STORY-1",
    ),
}


@pytest.mark.parametrize("kind", list(DEPENDENCIES))
def test_validate_fails_on_a_broken_dependency(project: Project, run_cli, kind: str) -> None:
    links, expected = DEPENDENCIES[kind]
    for n in (1, 2, 3):
        write_ticket(project, f"STORY-{n}.yaml", story(n, links.get(n, "")))
    res = run_cli("ticket", "validate")
    assert res.code == 2
    assert expected in res.out, res.out


@pytest.mark.parametrize("kind", list(DEPENDENCIES))
def test_sprint_plan_refuses_a_broken_dependency(project: Project, run_cli, kind: str) -> None:
    links, expected = DEPENDENCIES[kind]
    for n in (1, 2, 3):
        write_ticket(project, f"STORY-{n}.yaml", story(n, links.get(n, "")))
    before = snapshot(project.root)
    res = run_cli("sprint", "plan", "1", "--capacity", "10")
    assert_refused(res, expected.split(": ", 1)[-1] if kind != "missing" else "STORY-9 is not in")
    assert snapshot(project.root) == before


def test_a_done_tickets_stale_dependency_does_not_block_planning(project: Project, run_cli) -> None:
    write_ticket(project, "STORY-1.yaml", story(1, "status: done\ndepends_on: [STORY-9]\n"))
    write_ticket(project, "STORY-2.yaml", story(2))
    res = run_cli("sprint", "plan", "1", "--capacity", "5", "--dry-run")
    assert res.code == 0, res.err


def test_library_plan_raises_the_backlog_error(project: Project) -> None:
    from agileds.backlog import plan_sprint

    write_ticket(project, "STORY-1.yaml", story(1, "depends_on: [STORY-1]\n"))
    with pytest.raises(BacklogInvalidError, match="dependency cycle"):
        plan_sprint(project, 1, 5)
