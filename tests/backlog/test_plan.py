"""Sprint planning: an exact knapsack on score, dependencies before dependants."""

from __future__ import annotations

import pytest

from agileds.backlog._base import Score, Scorer
from agileds.backlog._milp import Item, best_subset, topological
from agileds.backlog._plan import choose_tickets, plan_sprint
from agileds.errors import UsageError
from agileds.project import Project
from agileds.tickets import Ticket
from tests._helpers import write_ticket


class ValueScorer(Scorer):
    """Scores a ticket by its value, so tests state scores directly."""

    name = "value"

    def score(self, ticket: Ticket) -> Score:
        return Score(ticket.value)


def ticket(n: int, effort: float, value: float, **fields: object) -> Ticket:
    return Ticket.model_validate(
        {"id": f"STORY-{n}", "type": "story", "title": f"t{n}", "value": value, "effort": effort}
        | fields
    )


def test_knapsack_beats_greedy_by_score_per_point() -> None:
    # Greedy by ratio takes A (7/6 = 1.17) and then nothing fits; B + C score 10.
    items = [Item("A", 6, 7), Item("B", 5, 5), Item("C", 5, 5)]
    assert best_subset(items, 10) == ["B", "C"]


def test_half_points_are_exact_and_never_overfill() -> None:
    items = [Item("A", 2.5, 3), Item("B", 2.5, 3), Item("C", 5.5, 5)]
    assert sorted(best_subset(items, 5)) == ["A", "B"]
    assert best_subset([Item("A", 0.3, 1)], 0.4) == []  # 0.3 counts as 0.5 > 0.4


def test_dependant_is_never_chosen_without_its_dependency() -> None:
    # D is worth a lot but needs E; together they do not fit, so neither is chosen.
    items = [Item("D", 3, 100, ("E",)), Item("E", 8, 1), Item("F", 4, 2)]
    assert best_subset(items, 10) == ["F"]
    # With room for both, the dependency comes first.
    assert best_subset(items, 11) == ["E", "D"]


def test_cycles_and_unknown_requirements_cannot_be_ordered() -> None:
    items = [Item("A", 1, 1, ("B",)), Item("B", 1, 1, ("A",)), Item("C", 1, 1, ("X",))]
    items.append(Item("D", 1, 1, ("A",)))
    ordered, stuck = topological([*items, Item("E", 1, 1)])
    assert [it.key for it in ordered] == ["E"]
    assert stuck == ["A", "B", "C", "D"]


def test_choose_tickets_skips_done_dependencies_and_other_sprints() -> None:
    tickets = [
        ticket(1, 3, 9, status="done"),
        ticket(2, 3, 5, depends_on=["STORY-1"]),  # dependency done: free to choose
        ticket(3, 2, 8, sprint=2),  # in another sprint
        ticket(4, 2, 7, parent="STORY-3"),  # waits on a ticket planned elsewhere
        ticket(5, 2, 1, sprint=1),  # already in this sprint: still a candidate
        ticket(6, 1, 4, status="blocked"),
    ]
    chosen, stuck = choose_tickets(tickets, 1, 5, ValueScorer())
    assert [(p.ticket.id, p.cumulative) for p in chosen] == [("STORY-2", 3), ("STORY-5", 5)]
    assert stuck == ["STORY-4"]


def test_choose_tickets_lists_dependencies_first_then_by_rank() -> None:
    tickets = [ticket(1, 1, 1), ticket(2, 1, 9, depends_on=["STORY-1"]), ticket(3, 1, 5)]
    chosen, _ = choose_tickets(tickets, 1, 3, ValueScorer())
    assert [p.ticket.id for p in chosen] == ["STORY-3", "STORY-1", "STORY-2"]


STORY = "# why we do it\nid: STORY-{n}\ntype: story\ntitle: Story {n}\nstatus: todo  # keep\nvalue: {v}\neffort: {e}\n"


def test_plan_keeps_comments_and_dry_run_writes_nothing(project: Project) -> None:
    for n, v, e in [(1, 7, 6), (2, 5, 5), (3, 5, 5)]:
        write_ticket(project, f"STORY-{n}.yaml", STORY.format(n=n, v=v * e, e=e))
    before = {p.name: p.read_text() for p in project.backlog_dir.iterdir()}
    dry = plan_sprint(project, 1, 10, method="ratio", dry_run=True)
    # Ratio scores 7, 5, 5: greedy would take STORY-1 alone; the knapsack takes 5 + 5.
    assert [p.ticket.id for p in dry.chosen] == ["STORY-2", "STORY-3"]
    after = {p.name: p.read_text() for p in project.backlog_dir.iterdir()}
    assert after == before
    plan = plan_sprint(project, 1, 10, method="ratio")
    assert plan.score == 10
    text = (project.backlog_dir / "STORY-2.yaml").read_text()
    assert text == STORY.format(n=2, v=25, e=5) + "sprint: 1\n"
    assert (project.backlog_dir / "STORY-1.yaml").read_text() == before["STORY-1.yaml"]
    assert plan.forecast is None and plan.note.startswith("forecast: no history")
    assert "capacity: 10\n" in (project.backlog_dir / "sprints.yaml").read_text()


def test_replanning_releases_tickets_left_out(project: Project) -> None:
    write_ticket(project, "STORY-1.yaml", STORY.format(n=1, v=1, e=5) + "sprint: 1\n")
    write_ticket(project, "STORY-2.yaml", STORY.format(n=2, v=9, e=5))
    plan = plan_sprint(project, 1, 5, method="ratio")
    assert plan.released == ("STORY-1",)
    assert project.backlog().get("STORY-1").sprint is None
    assert project.backlog().get("STORY-2").sprint == 1


@pytest.mark.parametrize(
    ("number", "capacity", "message"),
    [
        (0, 5, "sprint number must be 1 or more, got 0"),
        (1, 0, "capacity must be a positive number of points, got 0"),
        (1, None, "no capacity for sprint 1; pass --capacity POINTS"),
    ],
)
def test_bad_input_is_a_usage_error(
    project: Project, number: int, capacity: float | None, message: str
) -> None:
    with pytest.raises(UsageError, match=f"^{message}$"):
        plan_sprint(project, number, capacity)
