"""Scorers, ranking, dependencies and evidence, with expected ranks computed by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agileds.backlog import (
    Evidence,
    IceScorer,
    RatioScorer,
    RiceScorer,
    WsjfScorer,
    adjust_confidence,
    get_scorer,
    monitor_severity,
    rank,
)
from agileds.backlog._evidence import adjust_with_note, attach_severity
from agileds.backlog._ice import ease_of
from agileds.errors import UsageError
from agileds.tickets import Status, Ticket, type_of_id
from agileds.tickets._deps import dependency_cycles


def t(ticket_id: str, value: float, effort: float, **fields: Any) -> Ticket:
    """A ticket with a title and the type its ID prefix names."""
    return Ticket(
        id=ticket_id,
        type=type_of_id(ticket_id),
        title=ticket_id,
        value=value,
        effort=effort,
        **fields,
    )


def ids(rows: list[Any]) -> list[str]:
    return [r.ticket.id for r in rows]


# -- get_scorer ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ratio", "wsjf", "rice", "ice"])
def test_get_scorer_knows_every_method(name: str) -> None:
    assert get_scorer(name).name == name


def test_get_scorer_lists_the_valid_names() -> None:
    with pytest.raises(UsageError) as exc:
        get_scorer("magic")
    assert str(exc.value) == "unknown scoring method 'magic'; use one of ratio, wsjf, rice, ice"


# -- ratio --------------------------------------------------------------------------------


def test_ratio_ranks_by_value_per_effort_times_confidence_ties_by_age() -> None:
    tickets = [
        t("STORY-1", 8, 4, created=dt.date(2026, 1, 5)),  # 8/4 = 2.0 (newer)
        t("STORY-2", 6, 2, confidence=0.5),  # 6/2 × 0.5 = 1.5
        t("BUG-1", 3, 1),  # 3/1 = 3.0
        t("SPIKE-1", 4, 2, created=dt.date(2026, 1, 1)),  # 4/2 = 2.0 (older: wins the tie)
    ]
    rows = rank(tickets, RatioScorer())
    assert ids(rows) == ["BUG-1", "SPIKE-1", "STORY-1", "STORY-2"]
    assert [r.score for r in rows] == [3.0, 2.0, 2.0, 1.5]
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    assert all(r.warnings == () for r in rows)  # confidence is optional for ratio


def test_ties_without_dates_break_by_id_number_not_text() -> None:
    # Equal scores (1.0) and no dates: by prefix, then number; a dated ticket is older.
    tickets = [
        t("STORY-10", 2, 2),
        t("STORY-2", 1, 1),
        t("BUG-3", 3, 3),
        t("STORY-11", 4, 4, created=dt.date(2026, 2, 1)),
    ]
    assert ids(rank(tickets, RatioScorer())) == ["STORY-11", "BUG-3", "STORY-2", "STORY-10"]


def test_float_noise_does_not_decide_a_tie() -> None:
    # 0.3 ÷ 0.1 is 2.9999999999999996 in floats; 3 ÷ 1 is 3.0: a tie, so by ID.
    assert 0.3 / 0.1 != 3.0
    tickets = [t("STORY-2", 3, 1), t("STORY-1", 0.3, 0.1)]
    assert ids(rank(tickets, RatioScorer())) == ["STORY-1", "STORY-2"]


def test_done_tickets_are_not_ranked() -> None:
    rows = rank([t("STORY-1", 1, 1, status=Status.DONE), t("STORY-2", 1, 1)], RatioScorer())
    assert ids(rows) == ["STORY-2"]


# -- wsjf ---------------------------------------------------------------------------------


def test_wsjf_ranks_by_cost_of_delay_per_job_size() -> None:
    tickets = [
        t("STORY-1", 8, 8, time_criticality=5, risk_reduction=3),  # (8+5+3)/8 = 2.0
        t("BUG-1", 5, 3, time_criticality=8),  # (5+8+1)/3 = 4.667, rr defaulted
        t("INV-1", 13, 20, time_criticality=13, risk_reduction=8),  # 34/20 = 1.7
        t("SPIKE-1", 3, 5, time_criticality=2, risk_reduction=5),  # 10/5 = 2.0, SPIKE < STORY
    ]
    rows = rank(tickets, WsjfScorer())
    assert ids(rows) == ["BUG-1", "SPIKE-1", "STORY-1", "INV-1"]
    assert rows[0].score == pytest.approx(14 / 3)
    assert rows[0].warnings == ("BUG-1: no risk_reduction; used 1",)
    assert rows[1].warnings == rows[2].warnings == rows[3].warnings == ()


def test_wsjf_warns_but_scores_values_off_the_scale() -> None:
    score = WsjfScorer().score(t("STORY-9", 4, 2))  # (4+1+1)/2 = 3.0
    assert score.value == 3.0
    assert score.warnings == (
        "STORY-9: no time_criticality; used 1",
        "STORY-9: no risk_reduction; used 1",
        "STORY-9: value 4 is off the WSJF scale 1, 2, 3, 5, 8, 13, 20; scored as given",
    )


# -- rice ---------------------------------------------------------------------------------


def test_rice_ranks_by_reach_impact_confidence_per_effort() -> None:
    tickets = [
        t("STORY-1", 1, 4, reach=100, impact=2, confidence=0.8),  # 100×2×0.8/4 = 40
        t("STORY-2", 1, 5, reach=500, impact=0.5, confidence=0.5),  # 500×0.5×0.5/5 = 25
        t("STORY-3", 1, 10, reach=200, impact=3, confidence=1.0),  # 200×3×1/10 = 60
        t("BUG-1", 1, 1),  # 1×1×0.5/1 = 0.5 from defaults
    ]
    rows = rank(tickets, RiceScorer())
    assert ids(rows) == ["STORY-3", "STORY-1", "STORY-2", "BUG-1"]
    assert [r.score for r in rows] == pytest.approx([60, 40, 25, 0.5])
    assert rows[3].warnings == (
        "BUG-1: no reach; used 1",
        "BUG-1: no impact; used 1",
        "BUG-1: no confidence; used 0.5",
    )


def test_rice_warns_about_impact_off_its_scale() -> None:
    score = RiceScorer().score(t("STORY-1", 1, 2, reach=10, impact=1.5, confidence=1.0))
    assert score.value == 7.5  # 10 × 1.5 × 1 / 2
    assert score.warnings == (
        "STORY-1: impact 1.5 is off the RICE scale 0.25, 0.5, 1, 2, 3; scored as given",
    )


# -- ice ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("effort", "ease"), [(0.5, 10), (1, 10), (3, 8), (10, 1), (40, 1)])
def test_ease_is_eleven_minus_clamped_effort(effort: float, ease: float) -> None:
    assert ease_of(effort) == ease


def test_ice_ranks_by_impact_confidence_ease() -> None:
    tickets = [
        t("STORY-1", 1, 3, impact=8, confidence=0.5),  # 8 × 5 × 8 = 320
        t("STORY-2", 1, 8, impact=10, confidence=0.9),  # 10 × 9 × 3 = 270
        t("STORY-3", 1, 1, impact=4, confidence=1.0),  # 4 × 10 × 10 = 400
        t("BUG-1", 1, 12),  # defaults 5 × 5 × 1 = 25
        t("STORY-4", 1, 0.5, impact=0.5, confidence=0.05),  # 1 × 1 × 10 = 10 (clamped)
    ]
    rows = rank(tickets, IceScorer())
    assert ids(rows) == ["STORY-3", "STORY-1", "STORY-2", "BUG-1", "STORY-4"]
    assert [r.score for r in rows] == pytest.approx([400, 320, 270, 25, 10])
    assert rows[3].warnings == ("BUG-1: no impact; used 5", "BUG-1: no confidence; used 0.5")
    assert rows[4].warnings == ("STORY-4: impact 0.5 is off the ICE scale 1..10; used 1",)


# -- dependencies -------------------------------------------------------------------------


def test_blocked_tickets_are_ranked_and_marked() -> None:
    tickets = [
        t("STORY-1", 2, 1),  # 2.0
        t("STORY-2", 9, 1, depends_on=["STORY-1"]),  # 9.0, waits for STORY-1
        t("BUG-1", 1, 1, status=Status.DONE),
        t("STORY-3", 3, 1, depends_on=["BUG-1"]),  # 3.0, BUG-1 is done: free
        t("SPIKE-1", 1, 1),  # 1.0
        t("STORY-4", 4, 1, parent="SPIKE-1"),  # 4.0, parent not done
    ]
    rows = rank(tickets, RatioScorer())
    assert ids(rows) == ["STORY-2", "STORY-4", "STORY-3", "STORY-1", "SPIKE-1"]
    assert [r.blocked_by for r in rows] == [("STORY-1",), ("SPIKE-1",), (), (), ()]


def test_dependency_on_an_unknown_ticket_is_a_warning_not_a_block() -> None:
    rows = rank([t("STORY-5", 1, 1, depends_on=["STORY-99"], parent="SPIKE-7")], RatioScorer())
    assert rows[0].blocked_by == ()
    assert rows[0].warnings == (
        "STORY-5: depends on STORY-99, which is not in the backlog; ignored",
        "STORY-5: parent SPIKE-7, which is not in the backlog; ignored",
    )


def test_dependencies_resolve_against_the_whole_backlog() -> None:
    # Ranking only stories (as --type story does) still sees the bug they wait for.
    bug, story = t("BUG-1", 1, 1), t("STORY-1", 1, 1, depends_on=["BUG-1"])
    rows = rank([story], RatioScorer(), backlog=[bug, story])
    assert rows[0].blocked_by == ("BUG-1",) and rows[0].warnings == ()


def test_dependency_cycles_are_warned_about_once_per_member() -> None:
    tickets = [
        t("STORY-6", 1, 1, depends_on=["STORY-7"]),
        t("STORY-7", 1, 1, depends_on=["STORY-6"]),
        t("BUG-2", 1, 1, depends_on=["BUG-2"]),
    ]
    rows = {r.ticket.id: r for r in rank(tickets, RatioScorer())}
    cycle = (
        "dependency cycle STORY-6 → STORY-7 → STORY-6; none of these can start until it is broken"
    )
    assert rows["STORY-6"].warnings == (f"STORY-6: {cycle}",)
    assert rows["STORY-7"].warnings == (f"STORY-7: {cycle}",)
    assert rows["BUG-2"].warnings[0].startswith("BUG-2: dependency cycle BUG-2 → BUG-2;")
    assert rows["STORY-6"].blocked_by == ("STORY-7",)


def test_cycle_search_handles_deep_chains_without_recursion() -> None:
    graph = {f"S{i}": [f"S{i + 1}"] for i in range(20_000)}
    graph["S20000"] = ["S0"]
    cycles = dependency_cycles(graph)
    assert len(cycles) == 1 and len(cycles[0]) == 20_001
    assert dependency_cycles({"A": ["B"], "B": []}) == []


# -- evidence -----------------------------------------------------------------------------


def test_a_passed_parent_spike_raises_confidence_with_a_note() -> None:
    story = t("STORY-2", 3, 2, confidence=0.6, parent="SPIKE-1")
    evidence = {"SPIKE-1": Evidence("SPIKE-1", "auroc", 0.83, "pass", 1)}
    adjusted, note = adjust_with_note(story, evidence)
    assert adjusted.confidence == 0.9 and story.confidence == 0.6
    assert note == "STORY-2: confidence 0.6 → 0.9: parent SPIKE-1 passed its criteria"
    assert adjust_confidence(story, evidence) == adjusted


def test_own_failed_verdict_wins_over_the_parent_and_lowers_confidence() -> None:
    story = t("STORY-3", 1, 1, confidence=0.8, parent="SPIKE-1")
    evidence = {
        "SPIKE-1": Evidence("SPIKE-1", verdict="pass", runs=1),
        "STORY-3": Evidence("STORY-3", verdict="fail", runs=2),
    }
    adjusted, note = adjust_with_note(story, evidence)
    assert adjusted.confidence == 0.3
    assert note == "STORY-3: confidence 0.8 → 0.3: its latest run failed its criteria"


@pytest.mark.parametrize(
    ("confidence", "verdict", "expected", "noted"),
    [
        (0.95, "pass", 0.95, False),  # already above 0.9: kept
        (0.2, "fail", 0.2, False),  # already below 0.3: kept
        (None, "pass", 0.9, True),  # unset → 0.9
        (0.5, "unknown", 0.5, False),  # only pass and fail count
        (0.5, None, 0.5, False),
    ],
)
def test_confidence_moves_only_towards_the_evidence(
    confidence: float | None, verdict: str | None, expected: float, noted: bool
) -> None:
    story = t("STORY-1", 1, 1, confidence=confidence)
    adjusted, note = adjust_with_note(story, {"STORY-1": Evidence("STORY-1", verdict=verdict)})
    assert (adjusted.confidence or 0.5) == expected
    assert (note is not None) == noted


def test_evidence_changes_the_ranking_before_scoring() -> None:
    tickets = [
        t("STORY-1", 4, 2, confidence=0.5),  # 4/2 × 0.5 = 1.0
        t("STORY-2", 3, 2, confidence=0.6, parent="SPIKE-1"),  # 0.9, with evidence 3/2 × 0.9
        t("SPIKE-1", 1, 1, status=Status.DONE),
    ]
    evidence = {"SPIKE-1": Evidence("SPIKE-1", verdict="pass", runs=1)}
    assert ids(rank(tickets, RatioScorer())) == ["STORY-1", "STORY-2"]
    rows = rank(tickets, RatioScorer(), evidence=evidence)
    assert ids(rows) == ["STORY-2", "STORY-1"]
    assert rows[0].score == pytest.approx(1.35)
    assert rows[0].ticket.confidence == 0.6  # the row shows the ticket as written
    assert rows[0].warnings[0].startswith("STORY-2: confidence 0.6 → 0.9")
    assert rows[0].evidence is None and rows[1].evidence is None


def test_evidence_summary() -> None:
    assert Evidence("STORY-1", "auroc", 0.8312, "pass", 2).summary() == "auroc 0.831 pass"
    assert Evidence("INV-1", severity="high").summary() == "severity high"
    assert Evidence("STORY-1").summary() == ""


def test_monitor_severity_hook_is_a_no_op_without_a_severity_line() -> None:
    filed = t("INV-2", 5, 2, description="auroc fell to 0.78\nSeverity: high\n")
    plain = t("INV-1", 5, 2, description="dashboard looks off")
    assert monitor_severity(filed) == "high"
    assert monitor_severity(plain) is None
    found = attach_severity({}, [filed, plain])
    assert found == {"INV-2": Evidence("INV-2", severity="high")}
