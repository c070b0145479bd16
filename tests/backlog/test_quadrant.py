"""Quadrants against the medians of value and effort, and the value-vs-ease chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agileds.backlog import Quadrant, RatioScorer, Thresholds, plot_quadrants, quadrant_of, rank
from agileds.backlog._quadrant import thresholds
from agileds.errors import UsageError
from agileds.tickets import Status, Ticket, type_of_id

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def t(ticket_id: str, value: float, effort: float, **fields: Any) -> Ticket:
    return Ticket(
        id=ticket_id,
        type=type_of_id(ticket_id),
        title=ticket_id,
        value=value,
        effort=effort,
        **fields,
    )


def test_thresholds_are_the_medians() -> None:
    assert thresholds([1, 3, 5, 8], [1, 2, 5, 8]) == Thresholds(value=4.0, effort=3.5)
    assert thresholds([2, 9, 4], [3, 1, 2]) == Thresholds(value=4.0, effort=2.0)
    assert thresholds([], []) == Thresholds(0.0, 0.0)


@pytest.mark.parametrize(
    ("value", "effort", "expected"),
    [
        (8, 2, Quadrant.QUICK_WINS),
        (8, 5, Quadrant.BIG_BETS),
        (3, 2, Quadrant.FILL_INS),
        (3, 5, Quadrant.MONEY_PITS),
        (5, 2, Quadrant.QUICK_WINS),  # value on the median counts as high
        (3, 3, Quadrant.MONEY_PITS),  # effort on the median counts as high
        (5, 3, Quadrant.BIG_BETS),
    ],
)
def test_quadrant_of(value: float, effort: float, expected: Quadrant) -> None:
    assert quadrant_of(value, effort, Thresholds(value=5, effort=3)) is expected


def test_ranked_tickets_get_quadrants_from_the_open_tickets_medians() -> None:
    # Open values 13, 8, 5, 3 → median 6.5; efforts 5, 1, 2, 8 → median 3.5.
    # The done ticket (value 100) does not move the medians.
    tickets = [
        t("STORY-1", 13, 5),  # big bets
        t("BUG-1", 8, 1),  # quick wins
        t("SPIKE-1", 5, 2),  # fill-ins
        t("STORY-2", 3, 8),  # money pits
        t("STORY-3", 100, 1, status=Status.DONE),
    ]
    quadrants = {r.ticket.id: r.quadrant for r in rank(tickets, RatioScorer())}
    assert quadrants == {
        "STORY-1": Quadrant.BIG_BETS,
        "BUG-1": Quadrant.QUICK_WINS,
        "SPIKE-1": Quadrant.FILL_INS,
        "STORY-2": Quadrant.MONEY_PITS,
    }


def test_plot_writes_a_png_atomically(tmp_path: Path) -> None:
    rows = rank(
        [t("STORY-1", 13, 5), t("BUG-1", 8, 1), t("STORY-2", 3, 2, depends_on=["STORY-1"])],
        RatioScorer(),
    )
    target = tmp_path / "quadrants.png"
    target.write_bytes(b"old")
    assert plot_quadrants(rows, target) == target
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quadrants.png"]  # no temp file left


def test_plot_of_an_empty_backlog_is_still_a_png(tmp_path: Path) -> None:
    path = plot_quadrants([], tmp_path / "empty.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_plot_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"folder .*nope does not exist; create it first"):
        plot_quadrants([], tmp_path / "nope" / "q.png")
